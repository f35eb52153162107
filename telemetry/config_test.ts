import assert from "node:assert/strict";
import { ConfigError } from "../config_error.ts";
import { getSharedConfigurationFromEnvironment } from "@opentelemetry/otlp-exporter-base/node-http";
import { DEFAULT_OTLP_ENDPOINT, loadTelemetryConfig, SIGNALS } from "./config.ts";

function rejected(env: Record<string, string>): ConfigError {
  try {
    loadTelemetryConfig(env);
  } catch (error: unknown) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be rejected`);
}

Deno.test("telemetry defaults: OTLP/HTTP protobuf to the Pi's host port 4319, parent-based always-on", () => {
  const config = loadTelemetryConfig({});
  assert.equal(DEFAULT_OTLP_ENDPOINT, "http://localhost:4319");
  assert.deepEqual(config.traces.endpoint, {
    value: "http://localhost:4319/v1/traces",
    source: "default",
  });
  assert.equal(config.metrics.endpoint.value, "http://localhost:4319/v1/metrics");
  assert.equal(config.logs.endpoint.value, "http://localhost:4319/v1/logs");
  assert.equal(config.traces.protocol.value, "http/protobuf");
  assert.equal(config.traces.exporter.value, "otlp");
  assert.deepEqual(config.sampler, { name: "parentbased_always_on", ratio: 1 });
  assert.equal(config.sdkDisabled, false);
  assert.equal(config.denoBuiltIn, false);
  assert.equal(config.metricExportIntervalMs, 15_000);
});

Deno.test("OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/<signal> appended; per-signal endpoints are used as is", () => {
  const config = loadTelemetryConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://192.168.1.201:4319/",
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "https://gateway.example/otlp/logs",
  });
  assert.deepEqual(config.traces.endpoint, {
    value: "http://192.168.1.201:4319/v1/traces",
    source: "OTEL_EXPORTER_OTLP_ENDPOINT",
  });
  assert.deepEqual(config.logs.endpoint, {
    value: "https://gateway.example/otlp/logs",
    source: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
  });
});

Deno.test("protocol, exporter and sampler are read per the OpenTelemetry environment spec", () => {
  const config = loadTelemetryConfig({
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf",
    OTEL_LOGS_EXPORTER: "console",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.25",
    OTEL_METRIC_EXPORT_INTERVAL: "5000",
    OTEL_SDK_DISABLED: "TRUE",
  });
  assert.equal(config.traces.protocol.value, "http/json");
  assert.equal(config.metrics.protocol.value, "http/protobuf");
  assert.equal(config.metrics.protocol.source, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL");
  assert.equal(config.logs.exporter.value, "console");
  assert.equal(config.metrics.exporter.value, "none");
  assert.deepEqual(config.sampler, { name: "parentbased_traceidratio", ratio: 0.25 });
  assert.equal(config.metricExportIntervalMs, 5000);
  assert.equal(config.metricExportTimeoutMs, 5000);
  assert.equal(config.sdkDisabled, true);
});

Deno.test("bad OTEL_* values stop start-up with the variable and value named", async (t) => {
  await t.step("an endpoint that is not an http(s) URL", () => {
    const error = rejected({ OTEL_EXPORTER_OTLP_ENDPOINT: "192.168.1.201:4319" });
    assert.equal(
      error.message,
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http:// or https:// URL: current value is "192.168.1.201:4319"',
    );
    assert.equal(
      rejected({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://x" }).variable,
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    );
  });
  await t.step("the grpc protocol, with a hint about ports", () => {
    assert.match(rejected({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).message, /4319/);
  });
  await t.step("an unknown sampler or a ratio outside 0..1", () => {
    assert.equal(rejected({ OTEL_TRACES_SAMPLER: "sometimes" }).variable, "OTEL_TRACES_SAMPLER");
    assert.equal(
      rejected({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }).variable,
      "OTEL_TRACES_SAMPLER_ARG",
    );
  });
  await t.step("an unknown exporter, a non-boolean switch, a bad interval", () => {
    assert.equal(rejected({ OTEL_TRACES_EXPORTER: "jaeger" }).variable, "OTEL_TRACES_EXPORTER");
    assert.equal(rejected({ OTEL_SDK_DISABLED: "yes" }).variable, "OTEL_SDK_DISABLED");
    assert.equal(
      rejected({ OTEL_METRIC_EXPORT_INTERVAL: "10s" }).variable,
      "OTEL_METRIC_EXPORT_INTERVAL",
    );
  });
  await t.step("an export timeout, compression or temporality the exporters do not know", () => {
    const error = rejected({ OTEL_EXPORTER_OTLP_TIMEOUT: "10s" });
    assert.equal(
      error.message,
      'OTEL_EXPORTER_OTLP_TIMEOUT must be a positive integer: current value is "10s"',
    );
    assert.equal(
      rejected({ OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "0" }).variable,
      "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
    );
    assert.equal(
      rejected({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "brotli" }).variable,
      "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    );
    assert.equal(
      rejected({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "sometimes" }).variable,
      "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    );
  });
  await t.step("a batch size above the queue size", () => {
    assert.equal(
      rejected({ OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "200" }).variable,
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    );
  });
});

Deno.test("export timeout and compression: per-signal variable first, then the general one, then 10 s and none", () => {
  const config = loadTelemetryConfig({
    OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
    OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "700",
    OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: "none",
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "Delta",
  });
  assert.deepEqual(config.traces.timeoutMillis, {
    value: 2500,
    source: "OTEL_EXPORTER_OTLP_TIMEOUT",
  });
  assert.deepEqual(config.logs.timeoutMillis, {
    value: 700,
    source: "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
  });
  assert.deepEqual(config.traces.compression, {
    value: "gzip",
    source: "OTEL_EXPORTER_OTLP_COMPRESSION",
  });
  assert.deepEqual(config.metrics.compression, {
    value: "none",
    source: "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
  });
  assert.deepEqual(config.metricTemporality, {
    value: "delta",
    source: "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
  });
  const defaults = loadTelemetryConfig({});
  assert.deepEqual(defaults.metrics.timeoutMillis, { value: 10_000, source: "default" });
  assert.deepEqual(defaults.logs.compression, { value: "none", source: "default" });
  assert.deepEqual(defaults.metricTemporality, { value: "cumulative", source: "default" });
});

Deno.test("valid export timeouts and compressions resolve as the OTLP exporter package resolves them", () => {
  // The package's reader (otlp-exporter-base's Node entry, kept out of the
  // service so that Node's http modules are never loaded) is the oracle. It
  // reads the process environment, so the cases are set there and restored.
  const names = ["", ...SIGNALS.map((signal) => `${signal.toUpperCase()}_`)].flatMap((infix) => [
    `OTEL_EXPORTER_OTLP_${infix}TIMEOUT`,
    `OTEL_EXPORTER_OTLP_${infix}COMPRESSION`,
  ]);
  const saved = new Map(names.map((name) => [name, Deno.env.get(name)]));
  const cases: Record<string, string>[] = [
    {},
    { OTEL_EXPORTER_OTLP_TIMEOUT: "2500", OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" },
    {
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "900",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: "none",
    },
    { OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "60000", OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: "gzip" },
  ];
  try {
    for (const env of cases) {
      for (const name of names) Deno.env.delete(name);
      for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
      const config = loadTelemetryConfig(env);
      for (const signal of SIGNALS) {
        const theirs = getSharedConfigurationFromEnvironment(signal.toUpperCase());
        assert.deepEqual(
          {
            timeout: config[signal].timeoutMillis.value,
            compression: config[signal].compression.value,
          },
          { timeout: theirs.timeoutMillis ?? 10_000, compression: theirs.compression ?? "none" },
          `${signal} with ${JSON.stringify(env)}`,
        );
      }
    }
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});
