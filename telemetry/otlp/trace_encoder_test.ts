/**
 * The span encoder writes exactly the bytes of
 * `@opentelemetry/otlp-transformer`'s `ProtobufTraceSerializer`, for
 * generated batches over the whole input space and for spans the SDK
 * records, and what it writes decodes to the spans' fields.
 *
 * A fixed seed keeps CI reproducible; `FC_SEED=<n>` and `FC_RUNS=<n>` run
 * other or longer explorations, e.g.
 * `FC_RUNS=100000 deno test -A telemetry/otlp/trace_encoder_test.ts`.
 */
import assert from "node:assert/strict";
import {
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import fc from "fast-check";
import { type DecodedMessage, decodeOtlpProto } from "../../testing/_otlp_proto.ts";
import { spanBatch } from "./_arbitraries.ts";
import { assertSameBytes } from "./_assert_same_bytes.ts";
import { recordServiceBatch } from "./_service_batch.ts";
import { encodeTraceRequest } from "./trace_encoder.ts";

const SEED = Number(Deno.env.get("FC_SEED") ?? "20261130");
const RUNS = Number(Deno.env.get("FC_RUNS") ?? "5000");

/**
 * Encodes `spans` twice against the transformer: the second time the
 * resources, scopes and attributes come from the encoder's memos.
 */
function assertLikeTransformer(spans: ReadableSpan[]): void {
  const expected = ProtobufTraceSerializer.serializeRequest(spans);
  assertSameBytes("traces", encodeTraceRequest(spans), expected);
  assertSameBytes("traces", encodeTraceRequest(spans), expected);
}

Deno.test("encodeTraceRequest() writes the transformer's bytes for any batch of spans", () => {
  fc.assert(
    fc.property(spanBatch, assertLikeTransformer),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});

const PARENT: SpanContext = {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
};

/** Spans of two resources and three scopes, with everything the SDK can record. */
async function recordVariedSpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const providers = ["greet-api", "other"].map((name) =>
    new TracerProvider({
      resource: resourceFromAttributes(
        { "service.name": name, "host.cpu.count": 4, "feature.flags": ["a", "b"] },
        { schemaUrl: "https://opentelemetry.io/schemas/1.37.0" },
      ),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
      // Small limits, so that attributes, events and links are dropped and counted.
      spanLimits: { attributeCountLimit: 6, eventCountLimit: 2, linkCountLimit: 1 },
    })
  );
  try {
    for (const provider of providers) {
      const tracers = [
        provider.getTracer("greet-api", "0.1.0", { schemaUrl: "https://example.com/s" }),
        provider.getTracer("nameless"),
      ];
      for (const tracer of tracers) {
        const remote = trace.setSpanContext(ROOT_CONTEXT, PARENT);
        const server = tracer.startSpan("GET /hello/:name", {
          kind: SpanKind.SERVER,
          // The SDK keeps the last link (and the last events) when over its limit.
          links: [
            { context: PARENT },
            { context: { ...PARENT, isRemote: false }, attributes: { "link.n": 1 } },
          ],
        }, remote);
        server.setAttribute("http.request.method", "GET");
        server.setAttribute("url.path", "/hello/Zoë");
        server.setAttribute("server.port", 8000);
        server.setAttribute("http.server.request.duration", 0.000_123);
        server.setAttribute("flag", true);
        server.setAttribute("ids", [1, 2, 3]);
        server.setAttribute("over.the.limit", "dropped");
        server.addEvent("first", { "event.n": 1 });
        server.recordException(new RangeError("name too long: 😀"));
        server.addEvent("last");
        server.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
        const child = tracer.startSpan("child", {}, trace.setSpan(ROOT_CONTEXT, server));
        child.setStatus({ code: SpanStatusCode.OK });
        child.end();
        server.end();
      }
    }
    return exporter.getFinishedSpans();
  } finally {
    await Promise.all(providers.map((provider) => provider.shutdown()));
  }
}

Deno.test("encodeTraceRequest() writes the transformer's bytes for spans the SDK recorded", async (t) => {
  await t.step(
    "spans with remote parents, links, events, exceptions and dropped counts",
    async () => {
      const spans = await recordVariedSpans();
      assert.equal(spans.length, 8);
      assertLikeTransformer(spans);
    },
  );
  await t.step("512 of the service's own server spans", async () => {
    const { spans } = await recordServiceBatch(512);
    assertLikeTransformer(spans);
    assertLikeTransformer(spans.slice(100, 101));
  });
});

Deno.test("encodeTraceRequest() of no spans is an empty request", () => {
  assert.equal(encodeTraceRequest([]).length, 0);
  assertLikeTransformer([]);
});

Deno.test("encodeTraceRequest() returns bytes that later calls leave alone", async () => {
  const { spans } = await recordServiceBatch(20);
  const first = encodeTraceRequest(spans.slice(0, 10));
  const copy = first.slice();
  const second = encodeTraceRequest(spans.slice(10));
  assert.deepEqual(first, copy);
  assert.notEqual(first.buffer, second.buffer);
});

Deno.test("what encodeTraceRequest() writes decodes to the spans' fields", async () => {
  const spans = await recordVariedSpans();
  const decoded = decodeOtlpProto("traces", encodeTraceRequest(spans));
  const resourceSpans = decoded.resourceSpans as DecodedMessage[];
  assert.equal(resourceSpans.length, 2);
  const [first] = resourceSpans;
  assert.equal(first?.schemaUrl, "https://opentelemetry.io/schemas/1.37.0");
  const scopeSpans = first?.scopeSpans as DecodedMessage[];
  assert.deepEqual(scopeSpans.map((s) => s.scope), [
    { name: "greet-api", version: "0.1.0" },
    { name: "nameless" },
  ]);
  assert.equal(scopeSpans[0]?.schemaUrl, "https://example.com/s");
  const [child, server] = scopeSpans[0]?.spans as DecodedMessage[];
  const recorded = spans.find((span) => span.name === "GET /hello/:name");
  assert.ok(recorded !== undefined && server !== undefined && child !== undefined);
  assert.equal(server.traceId, PARENT.traceId);
  assert.equal(server.spanId, recorded.spanContext().spanId);
  assert.equal(server.parentSpanId, PARENT.spanId);
  assert.equal(server.kind, 2); // SPAN_KIND_SERVER
  const [seconds, nanos] = recorded.startTime;
  assert.equal(server.startTimeUnixNano, BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
  assert.equal(server.traceState, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  // Sampled, and the parent is known to be remote.
  assert.equal(server.flags, 0x01 | 0x100 | 0x200);
  assert.equal(server.droppedAttributesCount, 1);
  assert.equal(server.droppedEventsCount, 1);
  assert.equal(server.droppedLinksCount, 1);
  assert.deepEqual(server.status, { message: "boom", code: 2 });
  assert.deepEqual((server.attributes as DecodedMessage[]).slice(0, 4), [
    { key: "http.request.method", value: { stringValue: "GET" } },
    { key: "url.path", value: { stringValue: "/hello/Zoë" } },
    { key: "server.port", value: { intValue: 8000n } },
    { key: "http.server.request.duration", value: { doubleValue: 0.000_123 } },
  ]);
  assert.deepEqual((server.events as DecodedMessage[]).map((e) => e.name), ["exception", "last"]);
  // A link to a context known to be local.
  assert.deepEqual(server.links, [{
    traceId: PARENT.traceId,
    spanId: PARENT.spanId,
    traceState: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    attributes: [{ key: "link.n", value: { intValue: 1n } }],
    droppedAttributesCount: 0,
    flags: 0x01 | 0x100,
  }]);
  // A local parent: known not to be remote.
  assert.equal(child.parentSpanId, server.spanId);
  assert.equal(child.flags, 0x01 | 0x100);
  assert.equal(child.kind, 1); // SPAN_KIND_INTERNAL
});
