/**
 * The checks the deployment tests run against a service however it was
 * started (`deno run`, compiled binary, arm64 Deno under qemu): one `/greet`
 * request, then SIGTERM, then its span, log record and metrics at the
 * receiver, over HTTP or HTTPS.
 *
 * @module
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import type { ServiceProcess } from "../testing/service_process.ts";
import { createTestCa } from "../testing/test_ca.ts";

/**
 * Environment that holds every export until the shutdown flush, so nothing
 * races a timer, and gives the flush a budget no busy machine runs out of
 * (it ends as soon as everything is delivered).
 */
export function flushOnlyEnv(receiver: OtlpReceiver): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "600000",
    OTEL_BLRP_SCHEDULE_DELAY: "600000",
    OTEL_METRIC_EXPORT_INTERVAL: "600000",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
    SHUTDOWN_TIMEOUT_MS: "30000",
  };
}

/**
 * Sends `GET /greet?name=Ada`, stops the service with SIGTERM, and asserts
 * that the answer, the exit code and the telemetry at `receiver` are right
 * and that the resource says `host.arch` is `arch` (`amd64`, `arm64`).
 */
export async function assertGreetsAndExports(
  service: ServiceProcess,
  receiver: OtlpReceiver,
  arch: string,
): Promise<void> {
  const response = await fetch(`${service.url}/greet?name=Ada`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { message: "Hello, Ada!" });
  const traceId = response.headers.get("traceresponse")?.split("-")[1];
  assert.match(traceId ?? "", /^[0-9a-f]{32}$/);

  const status = await service.stop("SIGTERM");
  assert.equal(status.code, 0, service.stderr);
  assert.ok(service.lines.some((l) => l.msg === "telemetry flushed"), service.stderr);

  const span = receiver.spans.find((s) => s.name === "GET /greet");
  assert.equal(span?.traceId, traceId);
  assert.equal(span?.attributes["http.response.status_code"], 200);
  assert.equal(span?.resource["host.arch"], arch);
  assert.equal(span?.resource["service.version"], denoJson.version);
  assert.equal(span?.resource["deployment.environment.name"], "test");

  const access = receiver.logs.find((l) => l.body === "GET /greet 200");
  assert.equal(access?.traceId, traceId);

  const greetings = receiver.metrics.find((m) => m.name === "app.greetings");
  assert.deepEqual(greetings?.dataPoints.map((p) => p.value), [1]);
  assert.ok(receiver.metrics.some((m) => m.name === "http.server.request.duration"));
}

/** `host.arch` as the service reports it for the machine running the tests. */
export function hostArch(): string {
  return Deno.build.arch === "x86_64" ? "amd64" : "arm64";
}

/**
 * Starts a service (with the extra environment given) that must export over
 * HTTPS, as to a hosted OTLP gateway: a TLS receiver whose certificate is
 * signed by a throwaway CA, trusted through `DENO_CERT` (the runtime's root
 * store, which a compiled binary also reads at start-up), and an
 * `authorization` header from `OTEL_EXPORTER_OTLP_HEADERS`. Asserts the same
 * as {@linkcode assertGreetsAndExports} plus the header on every export.
 */
export async function assertExportsOverHttps(
  start: (env: Record<string, string>) => Promise<ServiceProcess>,
  openssl: string,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "greet-api-https-" });
  let receiver: OtlpReceiver | undefined;
  let service: ServiceProcess | undefined;
  try {
    const ca = await createTestCa(dir, openssl);
    const rx = await OtlpReceiver.start({ tls: { cert: ca.cert, key: ca.key } });
    receiver = rx;
    assert.match(rx.url, /^https:\/\//);
    service = await start({
      ...flushOnlyEnv(rx),
      DENO_CERT: ca.caCertPath,
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20gateway-token",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    });
    await assertGreetsAndExports(service, rx, hostArch());
    assert.deepEqual(
      new Set(rx.requests.map((r) => `${r.path} ${r.status} ${r.headers.authorization}`)),
      new Set(["traces", "metrics", "logs"].map((s) => `/v1/${s} 200 Bearer gateway-token`)),
    );
  } finally {
    await service?.stop("SIGKILL");
    await receiver?.close();
    await Deno.remove(dir, { recursive: true });
  }
}
