import assert from "node:assert/strict";
import { createResource } from "./resource.ts";

function withEnv(vars: Record<string, string>, test: () => void): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    test();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
}

Deno.test("the resource names the service, its version, instance, host and runtime", () => {
  withEnv({ OTEL_SERVICE_NAME: "", OTEL_RESOURCE_ATTRIBUTES: "" }, () => {
    const attributes = createResource().attributes;
    assert.equal(attributes["service.name"], "greet-api");
    assert.match(String(attributes["service.version"]), /^\d+\.\d+\.\d+/);
    assert.match(String(attributes["service.instance.id"]), /^[0-9a-f-]{36}$/);
    assert.equal(attributes["deployment.environment.name"], "production");
    assert.equal(attributes["host.arch"], Deno.build.arch === "x86_64" ? "amd64" : "arm64");
    assert.equal(attributes["os.type"], "linux");
    assert.equal(attributes["process.pid"], Deno.pid);
    assert.equal(attributes["process.runtime.name"], "deno");
    assert.equal(attributes["process.runtime.version"], Deno.version.deno);
    assert.equal(typeof attributes["host.name"], "string");
    assert.notEqual(
      createResource().attributes["service.instance.id"],
      attributes["service.instance.id"],
    );
  });
});

Deno.test("OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override the defaults", () => {
  withEnv({
    OTEL_SERVICE_NAME: "greet-kitchen",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,team=home%20lab",
  }, () => {
    const attributes = createResource().attributes;
    assert.equal(attributes["service.name"], "greet-kitchen");
    assert.equal(attributes["deployment.environment.name"], "staging");
    assert.equal(attributes.team, "home lab");
  });
});
