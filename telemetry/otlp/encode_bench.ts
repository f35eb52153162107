/**
 * The cost of encoding the service's spans and log records as OTLP
 * protobuf: `@opentelemetry/otlp-transformer`'s serializers against this
 * project's encoders, on batches of 512 (the batch processors' default
 * export size) recorded as the service records them.
 *
 * Run pinned to one core, several times (the machine is shared):
 *   taskset -c 1 deno bench --allow-env --allow-sys=hostname telemetry/otlp/encode_bench.ts
 * Divide each figure by 512 for the cost per item. Metrics are exported
 * once per interval (15 s by default), not per request: the metrics row
 * shows what one export of the service's instruments costs with the
 * transformer, to judge whether an encoder of our own would pay there.
 *
 * @module
 */
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { encodeLogsRequest } from "./logs_encoder.ts";
import { encodeTraceRequest } from "./trace_encoder.ts";
import { recordServiceBatch } from "./_service_batch.ts";
import { registerRuntimeMetrics } from "../runtime_metrics.ts";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { baseResourceAttributes } from "../resource.ts";

const BATCH = 512;
const { spans, logRecords } = await recordServiceBatch(BATCH);
const metrics = await recordServiceMetrics();

/**
 * One cumulative export of what the service's meter holds after traffic on
 * its routes: the duration histogram per method, route, status and scheme,
 * the in-flight counter, the greetings counter and the runtime metrics.
 */
async function recordServiceMetrics(): Promise<ResourceMetrics> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(baseResourceAttributes()),
    readers: [reader],
  });
  const meter = provider.getMeter("greet-api", "0.1.0");
  const stopRuntime = registerRuntimeMetrics(meter);
  const duration = meter.createHistogram("http.server.request.duration", {
    unit: "s",
    advice: {
      explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5],
    },
  });
  const active = meter.createUpDownCounter("http.server.active_requests");
  const greetings = meter.createCounter("app.greetings");
  const outcomes: [string | undefined, number][] = [
    ["/hello/:name", 200],
    ["/hello/:name", 400],
    ["/healthz", 200],
    ["/readyz", 200],
    [undefined, 404],
    ["/hello/:name", 500],
  ];
  for (let i = 0; i < 10_000; i++) {
    const [route, status] = outcomes[i % outcomes.length] ?? [undefined, 404];
    const attributes = {
      "http.request.method": "GET",
      "http.response.status_code": status,
      "url.scheme": "http",
      ...(route === undefined ? {} : { "http.route": route }),
    };
    duration.record(0.0001 * (i % 50), attributes);
    active.add(1, { "http.request.method": "GET", "url.scheme": "http" });
    active.add(-1, { "http.request.method": "GET", "url.scheme": "http" });
    if (status === 200 && route === "/hello/:name") greetings.add(1);
  }
  await reader.forceFlush();
  stopRuntime();
  await provider.shutdown();
  const [first] = exporter.getMetrics();
  if (first === undefined) throw new Error("Cannot bench metrics: the reader exported nothing");
  return first;
}

Deno.bench({
  name: "transformer: 512 spans",
  group: "spans",
  baseline: true,
  fn: () => void ProtobufTraceSerializer.serializeRequest(spans),
});
Deno.bench({
  name: "own encoder: 512 spans",
  group: "spans",
  fn: () => void encodeTraceRequest(spans),
});
Deno.bench({
  name: "transformer: 512 log records",
  group: "logs",
  baseline: true,
  fn: () => void ProtobufLogsSerializer.serializeRequest(logRecords),
});
Deno.bench({
  name: "own encoder: 512 log records",
  group: "logs",
  fn: () => void encodeLogsRequest(logRecords),
});
Deno.bench({
  name: "transformer: one metrics export of the service",
  group: "metrics",
  fn: () => void ProtobufMetricsSerializer.serializeRequest(metrics),
});
