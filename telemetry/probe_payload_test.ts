import assert from "node:assert/strict";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { normalizeExport } from "../testing/_otlp_normalize.ts";
import { decodeOtlpProto } from "../testing/_otlp_proto.ts";
import { PROBE_LOG_BODY, PROBE_METRIC, PROBE_SPAN_NAME, recordProbe } from "./probe_payload.ts";

Deno.test("recordProbe() makes a span and a log record of one fresh trace and one counter, in both encodings", async () => {
  const resource = resourceFromAttributes({
    "service.name": "greet-api",
    "service.instance.id": "instance-1",
  });
  const probe = await recordProbe(resource);
  const other = await recordProbe(resource);
  assert.match(probe.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(probe.traceId, other.traceId);
  assert.equal(probe.instanceId, "instance-1");
  for (const protocol of ["http/json", "http/protobuf"] as const) {
    const decode = (signal: "traces" | "metrics" | "logs"): unknown => {
      const bytes = probe.body(signal, protocol);
      return protocol === "http/json"
        ? JSON.parse(new TextDecoder().decode(bytes))
        : decodeOtlpProto(signal, bytes);
    };
    const [span] = normalizeExport("traces", decode("traces")).spans;
    const [log] = normalizeExport("logs", decode("logs")).logs;
    const [metric] = normalizeExport("metrics", decode("metrics")).metrics;
    assert.equal(span?.name, PROBE_SPAN_NAME);
    assert.equal(span?.traceId, probe.traceId);
    assert.equal(log?.body, PROBE_LOG_BODY);
    assert.equal(log?.traceId, probe.traceId);
    assert.equal(log?.spanId, span?.spanId);
    assert.equal(metric?.name, PROBE_METRIC);
    assert.equal(metric?.dataPoints[0]?.value, 1);
    assert.equal(metric?.resource["service.instance.id"], "instance-1");
  }
});
