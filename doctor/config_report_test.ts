import assert from "node:assert/strict";
import { reportConfig } from "./config_report.ts";

Deno.test("reportConfig() names the source of every value and masks header values", () => {
  const report = reportConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://192.168.1.201:4319",
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://192.168.1.201:3100/otlp/v1/logs",
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf",
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer x",
    OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "2500",
  });
  const entry = (name: string): string | undefined => {
    const found = report.entries.find((e) => e.name === name);
    return found && `${found.value} (${found.source})`;
  };
  assert.equal(
    entry("traces.endpoint"),
    "http://192.168.1.201:4319/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT)",
  );
  assert.equal(
    entry("logs.endpoint"),
    "http://192.168.1.201:3100/otlp/v1/logs (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT)",
  );
  assert.equal(entry("metrics.protocol"), "http/protobuf (OTEL_EXPORTER_OTLP_METRICS_PROTOCOL)");
  assert.equal(entry("traces.protocol"), "http/protobuf (default)");
  assert.equal(entry("traces.headers"), "authorization=**** (OTEL_EXPORTER_OTLP_HEADERS)");
  assert.equal(entry("sampler"), "parentbased_always_on (default)");
  assert.equal(entry("metrics.compression"), "gzip (OTEL_EXPORTER_OTLP_COMPRESSION)");
  assert.equal(entry("logs.timeout"), "2500 ms (OTEL_EXPORTER_OTLP_LOGS_TIMEOUT)");
  assert.equal(entry("traces.timeout"), "10000 ms (default)");
  assert.equal(entry("metrics.temporality"), "cumulative (default)");
  assert.deepEqual(report.targets.map((target) => target.compression), ["gzip", "gzip", "gzip"]);
  assert.doesNotMatch(JSON.stringify(report.entries), /Bearer/);
  assert.equal(report.targets[0]?.headers.authorization, "Bearer x", "sent, though never printed");
});

Deno.test("reportConfig() fails on what makes Grafana empty by configuration", async (t) => {
  await t.step("OTEL_SDK_DISABLED=true", () => {
    const report = reportConfig({ OTEL_SDK_DISABLED: "true" });
    const check = report.checks.find((c) => c.id === "config.telemetry");
    assert.equal(check?.status, "fail");
    assert.ok(report.targets.every((target) => !target.enabled));
  });
  await t.step("a sampler that keeps nothing", () => {
    const report = reportConfig({ OTEL_TRACES_SAMPLER: "always_off" });
    assert.equal(report.checks.find((c) => c.id === "config.sampler")?.status, "fail");
  });
  await t.step("a value the service refuses", () => {
    const report = reportConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    assert.equal(report.checks[0]?.status, "fail");
    assert.match(report.checks[0]?.detail ?? "", /not the gRPC port 4317/);
    assert.deepEqual(report.targets, []);
  });
});
