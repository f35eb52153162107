import assert from "node:assert/strict";
import {
  type Attributes as ApiAttributes,
  ROOT_CONTEXT,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  ValueType,
} from "@opentelemetry/api";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { OtlpReceiver, type ReceivedMetric } from "./otlp_receiver.ts";

type Compression = NonNullable<
  NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>["compression"]
>;

/** Both OTLP/HTTP encodings, with the SDK exporters that speak them. */
const PROTOCOLS = [
  {
    name: "http/protobuf",
    contentType: "application/x-protobuf",
    Traces: ProtoTraceExporter,
    Logs: ProtoLogExporter,
    Metrics: ProtoMetricExporter,
  },
  {
    name: "http/json",
    contentType: "application/json",
    Traces: JsonTraceExporter,
    Logs: JsonLogExporter,
    Metrics: JsonMetricExporter,
  },
] as const;

const RESOURCE = { "service.name": "greet-api-test", "service.version": "1.2.3" };

/** One attribute of each kind the tracing API allows, with edge values. */
const SPAN_ATTRIBUTES: ApiAttributes = {
  "http.request.method": "GET",
  "app.count": 3,
  "app.negative": -7,
  "app.large": 2 ** 40,
  "app.ratio": 0.25,
  "app.ok": true,
  "app.tags": ["a", "b"],
  "app.scores": [1, 2.5],
  "app.unicode": "héllo ✓",
};

function nanos(time: readonly [number, number]): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

Deno.test("OtlpReceiver decodes spans from the SDK exporters with their parent ids", async (t) => {
  for (const protocol of PROTOCOLS) {
    await t.step(`over ${protocol.name}`, async () => {
      const rx = await OtlpReceiver.start();
      const memory = new InMemorySpanExporter();
      const provider = new TracerProvider({
        resource: resourceFromAttributes(RESOURCE),
        spanProcessors: [
          new SimpleSpanProcessor({
            exporter: new protocol.Traces({ url: `${rx.url}/v1/traces` }),
          }),
          new SimpleSpanProcessor({ exporter: memory }),
        ],
      });
      try {
        const tracer = provider.getTracer("receiver-test", "0.0.1");
        const parent = tracer.startSpan("GET /greet/:name", {
          kind: SpanKind.SERVER,
          attributes: SPAN_ATTRIBUTES,
        });
        const child = tracer.startSpan(
          "lookup",
          { kind: SpanKind.CLIENT },
          trace.setSpan(ROOT_CONTEXT, parent),
        );
        child.addEvent("retry", { attempt: 2 });
        child.setStatus({ code: SpanStatusCode.ERROR, message: "upstream timed out" });
        child.end();
        parent.end();
        await provider.forceFlush();
        await rx.waitFor(() => rx.spans.length >= 2, { what: "2 spans" });

        const sent = new Map<string, ReadableSpan>(
          memory.getFinishedSpans().map((s) => [s.name, s]),
        );
        const sentParent = sent.get("GET /greet/:name");
        const sentChild = sent.get("lookup");
        assert.ok(sentParent && sentChild);
        assert.deepEqual(rx.spans, [
          {
            traceId: child.spanContext().traceId,
            spanId: child.spanContext().spanId,
            parentSpanId: parent.spanContext().spanId,
            traceState: undefined,
            name: "lookup",
            kind: 3,
            startTimeUnixNano: nanos(sentChild.startTime),
            endTimeUnixNano: nanos(sentChild.endTime),
            attributes: {},
            events: [{
              name: "retry",
              timeUnixNano: nanos(sentChild.events[0]?.time ?? [0, 0]),
              attributes: { attempt: 2 },
            }],
            links: [],
            status: { code: 2, message: "upstream timed out" },
            resource: RESOURCE,
            scope: "receiver-test",
            scopeVersion: "0.0.1",
          },
          {
            traceId: parent.spanContext().traceId,
            spanId: parent.spanContext().spanId,
            parentSpanId: undefined,
            traceState: undefined,
            name: "GET /greet/:name",
            kind: 2,
            startTimeUnixNano: nanos(sentParent.startTime),
            endTimeUnixNano: nanos(sentParent.endTime),
            attributes: SPAN_ATTRIBUTES,
            events: [],
            links: [],
            status: { code: 0 },
            resource: RESOURCE,
            scope: "receiver-test",
            scopeVersion: "0.0.1",
          },
        ]);
        assert.equal(rx.spans[0]?.traceId, rx.spans[1]?.traceId);
        assert.match(rx.spans[0]?.traceId ?? "", /^[0-9a-f]{32}$/);
        assert.deepEqual(
          rx.requests.map((r) => [r.method, r.path, r.signal, r.contentType, r.status]),
          [
            ["POST", "/v1/traces", "traces", protocol.contentType, 200],
            ["POST", "/v1/traces", "traces", protocol.contentType, 200],
          ],
        );
        assert.ok(rx.requests.every((r) => r.bytes > 0 && r.contentEncoding === ""));
      } finally {
        await provider.shutdown();
        await rx.close();
      }
    });
  }
});

Deno.test("OtlpReceiver decodes log records from the SDK exporters with severity, body and trace context", async (t) => {
  for (const protocol of PROTOCOLS) {
    await t.step(`over ${protocol.name}`, async () => {
      const rx = await OtlpReceiver.start();
      const provider = new LoggerProvider({
        resource: resourceFromAttributes(RESOURCE),
        processors: [
          new SimpleLogRecordProcessor({
            exporter: new protocol.Logs({ url: `${rx.url}/v1/logs` }),
          }),
        ],
      });
      try {
        const logger = provider.getLogger("receiver-test", "0.0.1");
        const spanContext = {
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: "b7ad6b7169203331",
          traceFlags: TraceFlags.SAMPLED,
        };
        logger.emit({
          timestamp: [1_700_000_000, 123_456_789],
          observedTimestamp: [1_700_000_001, 5],
          severityNumber: SeverityNumber.WARN,
          severityText: "WARN",
          body: "greeting failed",
          attributes: { "app.name": "ada", "app.attempt": 2, "app.retry": false },
          context: trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(spanContext)),
        });
        logger.emit({
          timestamp: [1_700_000_002, 0],
          observedTimestamp: [1_700_000_002, 1],
          eventName: "app.greeted",
          severityNumber: SeverityNumber.INFO,
          severityText: "INFO",
          body: {
            name: "ada",
            count: -2,
            tags: ["x", 1, true],
            nested: { ok: true, raw: new Uint8Array([0, 1, 254, 255]) },
          },
        });
        await provider.forceFlush();
        await rx.waitFor(() => rx.logs.length >= 2, { what: "2 log records" });

        const origin = { resource: RESOURCE, scope: "receiver-test", scopeVersion: "0.0.1" };
        assert.deepEqual(rx.logs, [
          {
            timeUnixNano: 1_700_000_000_123_456_789n,
            observedTimeUnixNano: 1_700_000_001_000_000_005n,
            severityNumber: 13,
            severityText: "WARN",
            body: "greeting failed",
            attributes: { "app.name": "ada", "app.attempt": 2, "app.retry": false },
            traceId: spanContext.traceId,
            spanId: spanContext.spanId,
            eventName: undefined,
            ...origin,
          },
          {
            timeUnixNano: 1_700_000_002_000_000_000n,
            observedTimeUnixNano: 1_700_000_002_000_000_001n,
            severityNumber: 9,
            severityText: "INFO",
            body: {
              name: "ada",
              count: -2,
              tags: ["x", 1, true],
              nested: { ok: true, raw: new Uint8Array([0, 1, 254, 255]) },
            },
            attributes: {},
            traceId: undefined,
            spanId: undefined,
            eventName: "app.greeted",
            ...origin,
          },
        ]);
        assert.ok(rx.requests.every((r) => r.path === "/v1/logs" && r.status === 200));
      } finally {
        await provider.shutdown();
        await rx.close();
      }
    });
  }
});

Deno.test("OtlpReceiver decodes sums, gauges and histogram buckets from the SDK exporters", async (t) => {
  for (const protocol of PROTOCOLS) {
    await t.step(`over ${protocol.name}`, async () => {
      const rx = await OtlpReceiver.start();
      const provider = new MeterProvider({
        resource: resourceFromAttributes(RESOURCE),
        views: [{
          instrumentName: "app.size",
          aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
        }],
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new protocol.Metrics({ url: `${rx.url}/v1/metrics` }),
            // Only forceFlush exports: no export races the assertions.
            exportIntervalMillis: 3_600_000,
          }),
        ],
      });
      try {
        const meter = provider.getMeter("receiver-test", "0.0.1");
        const greetings = meter.createCounter("app.greetings", {
          unit: "{greeting}",
          description: "Greetings sent",
        });
        greetings.add(2, { "app.lang": "en" });
        greetings.add(3, { "app.lang": "en" });
        greetings.add(0.5, { "app.lang": "fr" });
        meter.createUpDownCounter("app.inflight", { valueType: ValueType.INT }).add(-3);
        meter.createGauge("app.temperature", { unit: "Cel" }).record(21.5);
        const duration = meter.createHistogram("app.duration", {
          unit: "s",
          advice: { explicitBucketBoundaries: [0.1, 0.5, 1] },
        });
        const measurements = [0.05, 0.3, 0.3, 2];
        for (const value of measurements) duration.record(value, { "http.route": "/greet" });
        const size = meter.createHistogram("app.size", { unit: "By" });
        for (const value of [1, 2, 4]) size.record(value);
        await provider.forceFlush();
        await rx.waitFor(() => rx.metrics.length >= 5, { what: "5 metrics" });

        const byName = new Map<string, ReceivedMetric>(rx.metrics.map((m) => [m.name, m]));
        const greetingsOut = byName.get("app.greetings");
        assert.ok(greetingsOut);
        assert.deepEqual(
          {
            unit: greetingsOut.unit,
            description: greetingsOut.description,
            type: greetingsOut.type,
            monotonic: greetingsOut.monotonic,
            temporality: greetingsOut.temporality,
            resource: greetingsOut.resource,
            scope: greetingsOut.scope,
            scopeVersion: greetingsOut.scopeVersion,
          },
          {
            unit: "{greeting}",
            description: "Greetings sent",
            type: "sum",
            monotonic: true,
            temporality: 2,
            resource: RESOURCE,
            scope: "receiver-test",
            scopeVersion: "0.0.1",
          },
        );
        assert.deepEqual(
          greetingsOut.dataPoints.map((p) => [p.attributes, p.value]),
          [[{ "app.lang": "en" }, 5], [{ "app.lang": "fr" }, 0.5]],
        );

        const inflight = byName.get("app.inflight");
        assert.equal(inflight?.type, "sum");
        assert.equal(inflight.monotonic, false);
        assert.deepEqual(inflight.dataPoints.map((p) => p.value), [-3]);

        const temperature = byName.get("app.temperature");
        assert.equal(temperature?.type, "gauge");
        assert.equal(temperature.temporality, undefined);
        assert.deepEqual(temperature.dataPoints.map((p) => p.value), [21.5]);

        const durationOut = byName.get("app.duration");
        assert.equal(durationOut?.type, "histogram");
        assert.equal(durationOut.unit, "s");
        assert.equal(durationOut.temporality, 2);
        const [point, ...others] = durationOut.dataPoints;
        assert.equal(others.length, 0);
        assert.ok(point);
        assert.deepEqual(point.attributes, { "http.route": "/greet" });
        assert.equal(point.count, 4);
        assert.equal(point.sum, measurements.reduce((a, b) => a + b));
        assert.equal(point.min, 0.05);
        assert.equal(point.max, 2);
        assert.deepEqual(point.explicitBounds, [0.1, 0.5, 1]);
        assert.deepEqual(point.bucketCounts, [1, 2, 0, 1]);
        assert.ok(point.startTimeUnixNano > 0n && point.timeUnixNano >= point.startTimeUnixNano);
        assert.deepEqual(point.exemplars, []);

        // 1, 2 and 4 span two octaves: the 160 default buckets allow scale 6
        // (64 buckets per octave); exact powers of two close their bucket, so
        // 1 is in bucket -1, 2 in bucket 63 and 4 in bucket 127.
        const sizeOut = byName.get("app.size");
        assert.equal(sizeOut?.type, "exponentialHistogram");
        assert.equal(sizeOut.temporality, 2);
        const expPoint = sizeOut.dataPoints[0];
        assert.ok(expPoint);
        assert.deepEqual(
          [expPoint.count, expPoint.sum, expPoint.min, expPoint.max, expPoint.zeroCount],
          [3, 7, 1, 4, 0],
        );
        assert.equal(expPoint.scale, 6);
        const positive = expPoint.positive;
        assert.equal(positive?.offset, -1);
        assert.equal(positive.bucketCounts.length, 129);
        assert.deepEqual(
          positive.bucketCounts.flatMap((count, i) => count ? [[i + positive.offset, count]] : []),
          [[-1, 1], [63, 1], [127, 1]],
        );
      } finally {
        await provider.shutdown();
        await rx.close();
      }
    });
  }
});

Deno.test("OtlpReceiver decodes gzip-compressed exports", async (t) => {
  for (const protocol of PROTOCOLS) {
    await t.step(`over ${protocol.name}`, async () => {
      const rx = await OtlpReceiver.start();
      const provider = new TracerProvider({
        resource: resourceFromAttributes(RESOURCE),
        spanProcessors: [
          new SimpleSpanProcessor({
            exporter: new protocol.Traces({
              url: `${rx.url}/v1/traces`,
              compression: "gzip" as Compression,
            }),
          }),
        ],
      });
      try {
        const span = provider.getTracer("receiver-test").startSpan("compressed", {
          attributes: { "app.filler": "x".repeat(2000) },
        });
        span.end();
        await provider.forceFlush();
        await rx.waitFor(() => rx.spans.length >= 1, { what: "the compressed span" });
        assert.equal(rx.spans[0]?.spanId, span.spanContext().spanId);
        assert.equal(rx.spans[0]?.attributes["app.filler"], "x".repeat(2000));
        assert.equal(rx.requests[0]?.contentEncoding, "gzip");
        assert.ok(
          (rx.requests[0]?.bytes ?? Infinity) < 2000,
          `wire size ${rx.requests[0]?.bytes} should be smaller than the attribute`,
        );
      } finally {
        await provider.shutdown();
        await rx.close();
      }
    });
  }
});

/** A minimal OTLP/JSON trace export, as a client would post it. */
const JSON_EXPORT = JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "fixture" } }] },
    scopeSpans: [{
      scope: { name: "fixture-scope" },
      spans: [{
        traceId: "5B8EFFF798038103D269B633813FC60C",
        spanId: "EEE19B7EC3C1B174",
        name: "fixture",
        kind: 1,
        startTimeUnixNano: "1544712660000000000",
        endTimeUnixNano: "1544712661000000000",
      }],
    }],
  }],
});

function post(
  rx: OtlpReceiver,
  path: string,
  body: BodyInit,
  contentType = "application/json",
): Promise<Response> {
  return fetch(`${rx.url}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
}

Deno.test("OtlpReceiver answers like a collector", async (t) => {
  const rx = await OtlpReceiver.start();
  try {
    await t.step("200 with an empty JSON export response to a JSON export", async () => {
      const response = await post(rx, "/v1/traces", JSON_EXPORT, "application/json; charset=utf-8");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.equal(await response.text(), "{}");
      assert.equal(rx.spans.at(-1)?.traceId, "5b8efff798038103d269b633813fc60c");
      assert.equal(rx.spans.at(-1)?.startTimeUnixNano, 1_544_712_660_000_000_000n);
    });

    await t.step("200 with an empty protobuf export response to a protobuf export", async () => {
      const response = await post(rx, "/v1/logs", new Uint8Array(), "application/x-protobuf");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/x-protobuf");
      assert.equal((await response.bytes()).length, 0);
    });

    await t.step("404 to an unknown path", async () => {
      const response = await post(rx, "/v1/profiles", JSON_EXPORT);
      assert.equal(response.status, 404);
      assert.match(await response.text(), /No OTLP endpoint at "\/v1\/profiles"/);
      assert.equal(rx.requests.at(-1)?.signal, undefined);
    });

    await t.step("405 to a method other than POST", async () => {
      const response = await fetch(`${rx.url}/v1/traces`);
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "POST");
      await response.body?.cancel();
    });

    await t.step("415 to an unknown content type", async () => {
      const response = await post(rx, "/v1/metrics", "{}", "text/plain");
      assert.equal(response.status, 415);
      assert.match(await response.text(), /Unsupported content-type "text\/plain"/);
    });

    await t.step("400 to a body that does not decode, and counts nothing", async () => {
      const before = rx.spans.length;
      const badProto = await post(
        rx,
        "/v1/traces",
        new Uint8Array([0x0a, 0x05, 0x01]),
        "application/x-protobuf",
      );
      assert.equal(badProto.status, 400);
      assert.match(await badProto.text(), /runs past the end of the input/);
      const badJson = await post(rx, "/v1/traces", "{");
      assert.equal(badJson.status, 400);
      await badJson.body?.cancel();
      const wrongShape = await post(rx, "/v1/traces", '{"resourceSpans": {}}');
      assert.equal(wrongShape.status, 400);
      assert.match(await wrongShape.text(), /resourceSpans: expected an array/);
      assert.equal(rx.spans.length, before);
      assert.deepEqual(rx.requests.slice(-3).map((r) => r.status), [400, 400, 400]);
      assert.ok(rx.requests.slice(-3).every((r) => r.error !== undefined));
    });
  } finally {
    await rx.close();
  }
});

Deno.test("OtlpReceiver with decode: false answers every export as accepted and keeps none", async () => {
  const rx = await OtlpReceiver.start({ decode: false });
  try {
    const protobuf = "application/x-protobuf";
    const proto = await post(rx, "/v1/traces", new Uint8Array([0x0a, 0x05, 0x01]), protobuf);
    assert.equal(proto.status, 200, "the body is not decoded, so not refused");
    assert.equal(proto.headers.get("content-type"), protobuf);
    assert.equal((await proto.bytes()).length, 0);
    const json = await post(rx, "/v1/logs", JSON_EXPORT);
    assert.equal(json.status, 200);
    assert.equal(await json.text(), "{}");
    const unknown = await post(rx, "/v1/profiles", JSON_EXPORT);
    assert.equal(unknown.status, 404, "paths and content types are still checked");
    await unknown.body?.cancel();
    assert.deepEqual(rx.requests.map((r) => [r.path, r.status]), [
      ["/v1/traces", 200],
      ["/v1/logs", 200],
      ["/v1/profiles", 404],
    ]);
    assert.equal(rx.spans.length + rx.logs.length + rx.metrics.length, 0);
  } finally {
    await rx.close();
  }
});

Deno.test("OtlpReceiver respond hook injects faults", async (t) => {
  await t.step("a rejected export is recorded but its spans are not counted", async () => {
    const rx = await OtlpReceiver.start({
      respond: (request) =>
        rx.requests.indexOf(request) === 0 ? new Response(null, { status: 503 }) : undefined,
    });
    try {
      const first = await post(rx, "/v1/traces", JSON_EXPORT);
      assert.equal(first.status, 503);
      await first.body?.cancel();
      const retry = await post(rx, "/v1/traces", JSON_EXPORT);
      assert.equal(retry.status, 200);
      await retry.body?.cancel();
      assert.deepEqual(rx.requests.map((r) => r.status), [503, 200]);
      assert.equal(rx.requests[0]?.telemetry.spans[0]?.name, "fixture");
      assert.equal(rx.spans.length, 1);
    } finally {
      await rx.close();
    }
  });

  await t.step("a held response is answered 503 when the receiver closes", async () => {
    const rx = await OtlpReceiver.start({ respond: () => new Promise<never>(() => {}) });
    let closed = false;
    try {
      const response = post(rx, "/v1/traces", JSON_EXPORT);
      await rx.waitFor(() => rx.requests.length === 1, { what: "the held request" });
      assert.equal(rx.requests[0]?.status, undefined);
      const closing = rx.close();
      closed = true;
      const answer = await response;
      assert.equal(answer.status, 503);
      await answer.body?.cancel();
      await closing;
      assert.equal(rx.requests[0]?.status, 503);
      assert.equal(rx.spans.length, 0);
    } finally {
      if (!closed) await rx.close();
    }
  });

  await t.step("a hook that throws makes a 500", async () => {
    const rx = await OtlpReceiver.start({
      respond: () => {
        throw new Error("hook bug");
      },
    });
    try {
      const response = await post(rx, "/v1/traces", JSON_EXPORT);
      assert.equal(response.status, 500);
      assert.match(await response.text(), /hook bug/);
    } finally {
      await rx.close();
    }
  });
});

Deno.test("OtlpReceiver.waitFor", async (t) => {
  await t.step("resolves when an export arriving later satisfies the predicate", async () => {
    const rx = await OtlpReceiver.start();
    try {
      let resolved = false;
      const waiting = rx.waitFor((received) => received.spans.length === 1, { what: "1 span" })
        .then((received) => {
          resolved = true;
          return received;
        });
      await Promise.resolve();
      assert.equal(resolved, false);
      const response = await post(rx, "/v1/traces", JSON_EXPORT);
      await response.body?.cancel();
      const received = await waiting;
      assert.equal(received.spans[0]?.name, "fixture");
    } finally {
      await rx.close();
    }
  });

  await t.step("rejects on timeout naming what it waited for and what arrived", async () => {
    const rx = await OtlpReceiver.start();
    try {
      const response = await post(rx, "/v1/traces", JSON_EXPORT);
      await response.body?.cancel();
      await assert.rejects(
        rx.waitFor(() => rx.spans.length >= 2, { timeoutMs: 20, what: "2 spans" }),
        {
          message: 'Timed out after 20ms waiting for 2 spans: received 1 spans ("fixture"), ' +
            "0 logs, 0 metrics in 1 requests (POST /v1/traces 200)",
        },
      );
    } finally {
      await rx.close();
    }
  });

  await t.step("rejects with the predicate's error", async () => {
    const rx = await OtlpReceiver.start();
    try {
      await assert.rejects(
        rx.waitFor(() => {
          throw new Error("bad predicate");
        }),
        { message: "bad predicate" },
      );
    } finally {
      await rx.close();
    }
  });

  await t.step("rejects when the receiver closes while waiting", async () => {
    const rx = await OtlpReceiver.start();
    const rejected = assert.rejects(
      rx.waitFor(() => false, { what: "nothing" }),
      /Cannot wait any longer: the receiver closed: received 0 spans/,
    );
    await rx.close();
    await rejected;
  });
});
