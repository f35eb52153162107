import assert from "node:assert/strict";
import { composeServices, serviceEnvironment } from "./compose_model.ts";
import { readYaml } from "./yaml_file.ts";

Deno.test("serviceEnvironment() reads both Compose forms of environment", () => {
  assert.deepEqual(serviceEnvironment({ environment: { GOMEMLIMIT: "200MiB", N: 3 } }, "x"), {
    GOMEMLIMIT: "200MiB",
    N: "3",
  });
  assert.deepEqual(serviceEnvironment({ environment: ["A=1", "B=x=y"] }, "x"), {
    A: "1",
    B: "x=y",
  });
  assert.deepEqual(serviceEnvironment({}, "x"), {});
});

Deno.test("every backend in compose.yaml gets a Go memory limit below its container limit", async () => {
  const services = composeServices(await readYaml("compose.yaml"));
  for (const name of ["alloy", "tempo", "loki", "prometheus"]) {
    const service = services.get(name);
    assert.ok(service, name);
    assert.match(serviceEnvironment(service, name).GOMEMLIMIT ?? "", /^\d+MiB$/, name);
  }
});
