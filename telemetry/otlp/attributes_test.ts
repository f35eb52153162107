/**
 * The per-key memo of encoded attributes never changes what is written:
 * checked against `@opentelemetry/otlp-transformer` on log records, whose
 * attributes go through {@linkcode writeAttributes}.
 */
import assert from "node:assert/strict";
import type { Attributes } from "@opentelemetry/api";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { assertSameBytes } from "./_assert_same_bytes.ts";
import { MAX_BYTES, MAX_KEYS, writeAttributes } from "./attributes.ts";
import { encodeLogsRequest } from "./logs_encoder.ts";
import { ProtoWriter } from "./writer.ts";

const resource = resourceFromAttributes({ "service.name": "attributes-test" });
const scope = { name: "attributes-test" };

function records(attributeSets: Attributes[]): ReadableLogRecord[] {
  return attributeSets.map((attributes) => ({
    hrTime: [1_700_000_000, 0],
    hrTimeObserved: [1_700_000_000, 1],
    resource,
    instrumentationScope: scope,
    attributes,
    droppedAttributesCount: 0,
  }));
}

function assertLikeTransformer(attributeSets: Attributes[]): void {
  const batch = records(attributeSets);
  assertSameBytes("logs", encodeLogsRequest(batch), ProtobufLogsSerializer.serializeRequest(batch));
}

Deno.test("writeAttributes() writes a key's new value after a remembered one, and the old one again", () => {
  const sets: Attributes[] = [];
  // Stable, then changing on every record (past the point where the memo stops storing),
  // then stable again, then alternating.
  for (let i = 0; i < 10; i++) sets.push({ "status": 200, "path": "/a" });
  for (let i = 0; i < 100; i++) sets.push({ "status": 200 + (i % 7), "path": `/p/${i}` });
  for (let i = 0; i < 10; i++) sets.push({ "status": 200, "path": "/a" });
  for (let i = 0; i < 50; i++) {
    sets.push({ "status": i % 2 ? 200 : 200.5, "path": i % 2 ? "/a" : "" });
  }
  assertLikeTransformer(sets);
  assertLikeTransformer(sets.reverse());
});

Deno.test("writeAttributes() tells apart values that are equal but typed differently", () => {
  assertLikeTransformer([
    { v: 1 },
    { v: "1" },
    { v: true },
    { v: 1 },
    { v: -0 },
    { v: 0 },
    { v: Number.NaN },
    { v: Number.NaN },
    { v: [1] },
    { v: [1] },
    { v: 1 },
  ]);
});

Deno.test("writeAttributes() sees a change inside the same object or array", () => {
  const list = ["a"];
  const map: Record<string, unknown> = { k: "a" };
  const first = records([{ list, map }]);
  const before = encodeLogsRequest(first);
  list[0] = "b";
  map.k = "b";
  const after = encodeLogsRequest(first);
  assert.notDeepEqual(after, before);
  assertSameBytes("logs", after, ProtobufLogsSerializer.serializeRequest(first));
});

Deno.test("writeAttributes() writes keys past the memo's capacity and values past its size", () => {
  const many: Attributes = {};
  for (let i = 0; i < MAX_KEYS + 50; i++) many[`key.${i}`] = i;
  const long = { "long.value": "x".repeat(MAX_BYTES * 2), "long.ü": "ü".repeat(MAX_BYTES) };
  assertLikeTransformer([many, many, long, long]);
});

Deno.test("writeAttributes() writes nothing for an empty set", () => {
  const writer = new ProtoWriter();
  writeAttributes(writer, {}, 9);
  assert.equal(writer.finish().length, 0);
});
