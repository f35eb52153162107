/**
 * The request builder, used item by item as the encoding processor uses it:
 * each request it takes holds exactly the items added since the previous
 * one, in the transformer's bytes, whatever resources and scopes they mix.
 */
import assert from "node:assert/strict";
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import fc from "fast-check";
import { logBatch, spanBatch } from "./_arbitraries.ts";
import { assertSameBytes } from "./_assert_same_bytes.ts";
import { RequestBuilder } from "./envelope.ts";
import { writeLogRecord } from "./logs_encoder.ts";
import { writeSpan } from "./trace_encoder.ts";
import { WireType } from "./writer.ts";

const SEED = Number(Deno.env.get("FC_SEED") ?? "20261130");
const RUNS = Math.ceil(Number(Deno.env.get("FC_RUNS") ?? "5000") / 10);

Deno.test("RequestBuilder: each request taken holds the spans added since the last, as the transformer writes them", () => {
  const builder = new RequestBuilder(writeSpan);
  fc.assert(
    fc.property(spanBatch, fc.nat(), (spans, cut) => {
      const at = spans.length === 0 ? 0 : cut % (spans.length + 1);
      for (const part of [spans.slice(0, at), spans.slice(at)]) {
        for (const span of part) builder.add(span);
        assert.equal(builder.count, part.length);
        assertSameBytes("traces", builder.take(), ProtobufTraceSerializer.serializeRequest(part));
        assert.equal(builder.count, 0);
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});

Deno.test("RequestBuilder: the same for log records", () => {
  const builder = new RequestBuilder(writeLogRecord);
  fc.assert(
    fc.property(logBatch, fc.nat(), (records, cut) => {
      const at = records.length === 0 ? 0 : cut % (records.length + 1);
      for (const part of [records.slice(0, at), records.slice(at)]) {
        for (const record of part) builder.add(record);
        assertSameBytes("logs", builder.take(), ProtobufLogsSerializer.serializeRequest(part));
      }
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});

Deno.test("RequestBuilder: an item whose encoding throws leaves no bytes behind", () => {
  const failing = new Set<ReadableSpan>();
  const builder = new RequestBuilder<ReadableSpan>((writer, span) => {
    if (failing.has(span)) {
      // Half an item, as an encoder failing midway would leave it.
      writer.tag(2, WireType.LEN);
      writer.string("half a span");
      throw new RangeError("cannot encode this span");
    }
    writeSpan(writer, span);
  });
  fc.assert(
    fc.property(spanBatch.filter((spans) => spans.length > 0), fc.nat(), (spans, pick) => {
      const bad = spans[pick % spans.length];
      assert.ok(bad !== undefined);
      failing.clear();
      failing.add(bad);
      for (const span of spans) {
        if (span === bad) assert.throws(() => builder.add(span), RangeError);
        else builder.add(span);
      }
      const good = spans.filter((span) => span !== bad);
      assert.equal(builder.count, good.length);
      assertSameBytes("traces", builder.take(), ProtobufTraceSerializer.serializeRequest(good));
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});

Deno.test("RequestBuilder: a request with nothing added is empty", () => {
  const builder = new RequestBuilder(writeSpan);
  assert.equal(builder.take().length, 0);
  assertSameBytes("traces", builder.take(), ProtobufTraceSerializer.serializeRequest([]));
});
