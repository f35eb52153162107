import assert from "node:assert/strict";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { type DecodedMessage, decodeOtlpProto } from "../../testing/_otlp_proto.ts";
import { assertSameBytes } from "./_assert_same_bytes.ts";
import { encodeLogsRequest } from "./logs_encoder.ts";
import { type Scope, writeResource, writeScope } from "./resource_scope.ts";
import { ProtoWriter } from "./writer.ts";

function record(resource: Resource, instrumentationScope: Scope): ReadableLogRecord {
  return {
    hrTime: [1_700_000_000, 0],
    hrTimeObserved: [1_700_000_000, 0],
    resource,
    instrumentationScope,
    attributes: {},
    droppedAttributesCount: 0,
  };
}

function resourceAttributes(bytes: Uint8Array): unknown {
  const decoded = decodeOtlpProto("logs", bytes).resourceLogs as DecodedMessage[];
  return (decoded[0]?.resource as DecodedMessage).attributes;
}

Deno.test("writeResource() encodes a resource afresh until its asynchronous attributes settle", async () => {
  let settle = (_value: string): void => {};
  const late = new Promise<string>((resolve) => settle = resolve);
  const resource = resourceFromAttributes({ "service.name": "greet-api", "late": late });
  const batch = [record(resource, { name: "s" })];
  assert.equal(resource.asyncAttributesPending, true);

  const before = encodeLogsRequest(batch);
  assertSameBytes("logs", before, ProtobufLogsSerializer.serializeRequest(batch));
  assert.deepEqual(resourceAttributes(before), [
    { key: "service.name", value: { stringValue: "greet-api" } },
  ]);

  settle("now");
  await resource.waitForAsyncAttributes?.();
  const after = encodeLogsRequest(batch);
  assertSameBytes("logs", after, ProtobufLogsSerializer.serializeRequest(batch));
  assert.deepEqual(resourceAttributes(after), [
    { key: "service.name", value: { stringValue: "greet-api" } },
    { key: "late", value: { stringValue: "now" } },
  ]);
});

Deno.test("writeResource() and writeScope() copy the first encoding of the same object", () => {
  const resource = resourceFromAttributes({ "service.name": "greet-api", "n": 1 });
  const scope = { name: "greet-api", version: "0.1.0", attributes: { a: [1, 2] } };
  const writer = new ProtoWriter();
  writeResource(writer, resource);
  writeScope(writer, scope);
  const first = writer.finish();
  writer.reset();
  writeResource(writer, resource);
  writeScope(writer, scope);
  assert.deepEqual(writer.finish(), first);
  const batch = [record(resource, scope)];
  assertSameBytes("logs", encodeLogsRequest(batch), ProtobufLogsSerializer.serializeRequest(batch));
});

Deno.test("writeScope() leaves out an empty version and attributes and a zero dropped count", () => {
  const writer = new ProtoWriter();
  writeScope(writer, { name: "", version: "", attributes: {}, droppedAttributesCount: 0 });
  // Field 1 (InstrumentationScope) of 2 bytes: field 1 (name), empty.
  assert.deepEqual([...writer.finish()], [0x0a, 2, 0x0a, 0]);
});
