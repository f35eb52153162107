import assert from "node:assert/strict";
import { ROOT_CONTEXT, SeverityNumber, SpanKind, trace } from "@opentelemetry/api";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Collector, findCollector } from "./collector.ts";
import type { ReceivedTelemetry } from "./otlp_types.ts";

const otelcol = findCollector();

const PROTOCOLS = [
  {
    name: "http/protobuf",
    Traces: ProtoTraceExporter,
    Logs: ProtoLogExporter,
    Metrics: ProtoMetricExporter,
  },
  {
    name: "http/json",
    Traces: JsonTraceExporter,
    Logs: JsonLogExporter,
    Metrics: JsonMetricExporter,
  },
] as const;

/** Exports one span, one log record in it and one histogram to `url` as `service`. */
async function exportSample(
  protocol: typeof PROTOCOLS[number],
  url: string,
  service: string,
): Promise<{ traceId: string; spanId: string }> {
  const resource = resourceFromAttributes({ "service.name": service });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new protocol.Traces({ url: `${url}/v1/traces` }) }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: new protocol.Logs({ url: `${url}/v1/logs` }) }),
    ],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new protocol.Metrics({ url: `${url}/v1/metrics` }),
        exportIntervalMillis: 3_600_000,
      }),
    ],
  });
  try {
    const span = tracerProvider.getTracer("collector-test").startSpan("GET /greet/:name", {
      kind: SpanKind.SERVER,
      attributes: { "http.response.status_code": 200, "app.tags": ["a", "b"] },
    });
    loggerProvider.getLogger("collector-test").emit({
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      body: "greeted",
      attributes: { "app.name": "ada" },
      context: trace.setSpan(ROOT_CONTEXT, span),
    });
    span.end();
    const histogram = meterProvider.getMeter("collector-test").createHistogram("app.duration", {
      unit: "s",
      advice: { explicitBucketBoundaries: [0.1, 1] },
    });
    histogram.record(0.05);
    histogram.record(0.5);
    histogram.record(0.7);
    return span.spanContext();
  } finally {
    // Shutting down exports what is pending: one export per signal (a
    // forceFlush first would export the cumulative histogram twice).
    await Promise.all([
      tracerProvider.shutdown(),
      loggerProvider.shutdown(),
      meterProvider.shutdown(),
    ]);
  }
}

function from(service: string): (received: ReceivedTelemetry) => boolean {
  return (received) =>
    received.spans.some((s) => s.resource["service.name"] === service) &&
    received.logs.some((l) => l.resource["service.name"] === service) &&
    received.metrics.some((m) => m.resource["service.name"] === service);
}

Deno.test({
  name: "Collector receives spans, logs and metrics from the SDK exporters and writes them back",
  ignore: !otelcol.path,
  fn: async (t) => {
    const collector = await Collector.start({ bin: otelcol.path });
    let stopped = false;
    try {
      assert.match(collector.url, /^http:\/\/127\.0\.0\.1:\d+$/);

      for (const protocol of PROTOCOLS) {
        await t.step(`over ${protocol.name}`, async () => {
          const service = `collector-test-${protocol.name}`;
          const { traceId, spanId } = await exportSample(protocol, collector.url, service);
          const received = await collector.waitFor(from(service), {
            what: `a span, a log record and a metric from ${service}`,
          });

          const span = received.spans.find((s) => s.resource["service.name"] === service);
          assert.ok(span);
          assert.deepEqual(
            [span.traceId, span.spanId, span.parentSpanId, span.name, span.kind],
            [traceId, spanId, undefined, "GET /greet/:name", 2],
          );
          assert.deepEqual(span.attributes, {
            "http.response.status_code": 200,
            "app.tags": ["a", "b"],
          });
          assert.equal(span.scope, "collector-test");

          const log = received.logs.find((l) => l.resource["service.name"] === service);
          assert.ok(log);
          assert.deepEqual(
            [log.severityNumber, log.severityText, log.body, log.traceId, log.spanId],
            [9, "INFO", "greeted", traceId, spanId],
          );
          assert.deepEqual(log.attributes, { "app.name": "ada" });

          const metric = received.metrics.find((m) => m.resource["service.name"] === service);
          assert.equal(metric?.name, "app.duration");
          assert.equal(metric.type, "histogram");
          const point = metric.dataPoints[0];
          assert.deepEqual(
            point && [point.count, point.bucketCounts, point.explicitBounds, point.min, point.max],
            [3, [1, 2, 0], [0.1, 1], 0.05, 0.7],
          );
        });
      }

      await t.step("waitFor names what it waited for when it times out", async () => {
        await assert.rejects(
          collector.waitFor((r) => r.spans.length > 100, { timeoutMs: 100, what: "101 spans" }),
          /^Error: Timed out after 100ms waiting for 101 spans: the collector wrote 2 spans \("GET \/greet\/:name"\), 2 logs \("greeted"\), 2 metrics \("app.duration"\)$/,
        );
      });

      await t.step("stop() ends the collector and removes its output directory", async () => {
        stopped = true;
        const stderr = await collector.stop();
        assert.equal(typeof stderr, "string");
        await assert.rejects(Deno.stat(collector.outputDir), Deno.errors.NotFound);
      });
    } finally {
      if (!stopped) await collector.stop();
    }
  },
});

Deno.test({
  name: "Collector.start rejects with the collector's output when it cannot start",
  ignore: !otelcol.path,
  fn: async () => {
    const config = await Deno.makeTempFile({ suffix: ".yaml" });
    try {
      await Deno.writeTextFile(config, "receivers:\n  nosuchreceiver: {}\n");
      await assert.rejects(
        Collector.start({ bin: otelcol.path, config }),
        /^Error: Cannot start the collector: it exited with code 1: .*nosuchreceiver/s,
      );
    } finally {
      await Deno.remove(config);
    }
  },
});
