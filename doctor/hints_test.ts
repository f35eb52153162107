import assert from "node:assert/strict";
import { composeServices, publishedPorts } from "../testing/stack/compose_model.ts";
import { mapping } from "../testing/stack/narrow.ts";
import { readYaml } from "../testing/stack/yaml_file.ts";
import { diagnoseNetworkError, HINTS } from "./hints.ts";

const URL_4319 = new URL("http://192.168.1.201:4319/v1/traces");

Deno.test("diagnoseNetworkError() tells refused, timed out, DNS and TLS apart", () => {
  const refused = new TypeError("error sending request", {
    cause: new Error("tcp connect error: Connection refused (os error 111)"),
  });
  assert.equal(
    diagnoseNetworkError(refused, URL_4319).hint,
    HINTS.refused("192.168.1.201", "4319"),
  );
  assert.equal(
    diagnoseNetworkError(new Deno.errors.ConnectionRefused("refused"), URL_4319).hint,
    HINTS.refused("192.168.1.201", "4319"),
  );
  const timeout = new DOMException("Signal timed out.", "TimeoutError");
  assert.equal(
    diagnoseNetworkError(timeout, URL_4319).hint,
    HINTS.timeout("192.168.1.201", "4319"),
  );
  const dns = new TypeError("dns error: failed to lookup address information");
  assert.equal(diagnoseNetworkError(dns, URL_4319).hint, HINTS.dns("192.168.1.201"));
  const tls = new TypeError("invalid peer certificate: UnknownIssuer");
  assert.equal(diagnoseNetworkError(tls, URL_4319).hint, HINTS.tls);
});

Deno.test("the unreachable-backend hints say where compose.yaml publishes each API", async (t) => {
  const services = composeServices(await readYaml("compose.yaml"));
  const cases = [
    { service: "tempo", port: 3200, hint: HINTS.backendDown("Tempo", "http://x:3200", "--tempo") },
    { service: "loki", port: 3100, hint: HINTS.backendDown("Loki", "http://x:3100", "--loki") },
    {
      service: "prometheus",
      port: 9090,
      hint: HINTS.backendDown("Prometheus", "http://x:9090", "--prometheus"),
    },
    { service: "grafana", port: 3000, hint: HINTS.grafanaDown("http://x:3000") },
  ];
  for (const { service, port, hint } of cases) {
    await t.step(service, () => {
      const published = publishedPorts(
        mapping(services.get(service), `services.${service}`),
        service,
      ).find((p) => p.containerPort === port);
      assert.ok(published, `compose.yaml does not publish ${service}'s port ${port}`);
      if (published.hostIp === "127.0.0.1") {
        assert.match(hint, /127\.0\.0\.1 only: run doctor on the Pi, or tunnel/);
      } else {
        assert.equal(published.hostIp, "", `${service} binds ${published.hostIp}`);
        assert.doesNotMatch(hint, /127\.0\.0\.1/);
        assert.match(hint, new RegExp(`every interface of the Pi, port ${published.hostPort}`));
      }
    });
  }
});
