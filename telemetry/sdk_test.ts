import assert from "node:assert/strict";
import { loadTelemetryConfig } from "./config.ts";
import { startTelemetry, TelemetryStartError } from "./sdk.ts";

const quiet = { level: "error", format: "json", write: (): void => {} } as const;

Deno.test("OTEL_SDK_DISABLED starts nothing and shuts down at once", async () => {
  const telemetry = startTelemetry(loadTelemetryConfig({ OTEL_SDK_DISABLED: "true" }), quiet);
  assert.equal(telemetry.mode, "disabled");
  assert.equal(telemetry.resource, undefined);
  assert.deepEqual(await telemetry.shutdown(1000), { completed: true, budgetMs: 1000, health: {} });
});

Deno.test("a second SDK start is refused with a message naming what is already registered", async () => {
  const config = loadTelemetryConfig({
    OTEL_TRACES_EXPORTER: "none",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  });
  const first = startTelemetry(config, quiet);
  try {
    assert.equal(first.mode, "sdk");
    assert.throws(
      () => startTelemetry(config, quiet),
      (error: unknown) =>
        error instanceof TelemetryStartError &&
        /already registered/.test(error.message) &&
        /tracer provider/.test(error.message),
    );
  } finally {
    const report = await first.shutdown(2000);
    assert.equal(report.completed, true);
  }
});

Deno.test("OTEL_DENO=true without Deno's providers is a start-up error, not silence", () => {
  // This test process does not run with OTEL_DENO, so Deno registered nothing.
  assert.throws(
    () => startTelemetry(loadTelemetryConfig({ OTEL_DENO: "true" }), quiet),
    /OTEL_DENO=true but Deno's built-in OpenTelemetry registered no providers/,
  );
});
