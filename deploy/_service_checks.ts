/**
 * The check the deployment tests run against a service however it was
 * started (compiled binary, arm64 Deno under qemu): one `/greet` request,
 * then SIGTERM, then its span, log record and metrics at the receiver.
 *
 * @module
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import type { OtlpReceiver } from "../testing/otlp_receiver.ts";
import type { ServiceProcess } from "../testing/service_process.ts";

/** Environment that holds every export until the shutdown flush, so nothing races a timer. */
export function flushOnlyEnv(receiver: OtlpReceiver): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "600000",
    OTEL_BLRP_SCHEDULE_DELAY: "600000",
    OTEL_METRIC_EXPORT_INTERVAL: "600000",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
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
