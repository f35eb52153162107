import assert from "node:assert/strict";
import { decodeOtlpProto } from "../../testing/_otlp_proto.ts";
import { writeAnyValue } from "./any_value.ts";
import { ProtoWriter, WireType } from "./writer.ts";

/**
 * `value` as an AnyValue, decoded: written as the body of a log record in
 * an otherwise empty logs request, which the project's reader decodes.
 */
function roundTrip(value: unknown): unknown {
  const writer = new ProtoWriter();
  writer.tag(1, WireType.LEN); // ExportLogsServiceRequest.resource_logs
  const resourceLogs = writer.begin(1);
  writer.tag(2, WireType.LEN); // ResourceLogs.scope_logs
  const scopeLogs = writer.begin(1);
  writer.tag(2, WireType.LEN); // ScopeLogs.log_records
  const record = writer.begin(1);
  writer.tag(5, WireType.LEN); // LogRecord.body
  const body = writer.begin(1);
  writeAnyValue(writer, value);
  writer.end(body, 1);
  writer.end(record, 1);
  writer.end(scopeLogs, 1);
  writer.end(resourceLogs, 1);
  const decoded = decodeOtlpProto("logs", writer.finish()) as {
    resourceLogs: { scopeLogs: { logRecords: { body: unknown }[] }[] }[];
  };
  return decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body;
}

Deno.test("writeAnyValue() makes integers in [-2^63, 2^63) int_value and other numbers double_value", () => {
  assert.deepEqual(roundTrip(42), { intValue: 42n });
  assert.deepEqual(roundTrip(-1), { intValue: -1n });
  assert.deepEqual(roundTrip(-0), { intValue: 0n });
  assert.deepEqual(roundTrip(2 ** 53), { intValue: 2n ** 53n });
  assert.deepEqual(roundTrip(-(2 ** 63)), { intValue: -(2n ** 63n) });
  assert.deepEqual(roundTrip(2 ** 63), { doubleValue: 2 ** 63 });
  assert.deepEqual(roundTrip(1.5), { doubleValue: 1.5 });
  assert.deepEqual(roundTrip(Number.NaN), { doubleValue: Number.NaN });
  assert.deepEqual(roundTrip(-Infinity), { doubleValue: -Infinity });
});

Deno.test("writeAnyValue() writes strings, booleans, bytes, arrays and maps", () => {
  assert.deepEqual(roundTrip(""), { stringValue: "" });
  assert.deepEqual(roundTrip("Zoë 😀"), { stringValue: "Zoë 😀" });
  assert.deepEqual(roundTrip(false), { boolValue: false });
  assert.deepEqual(roundTrip(new Uint8Array([1, 2])), { bytesValue: new Uint8Array([1, 2]) });
  assert.deepEqual(roundTrip([]), { arrayValue: {} });
  assert.deepEqual(roundTrip(["a", 1, null]), {
    arrayValue: { values: [{ stringValue: "a" }, { intValue: 1n }, {}] },
  });
  assert.deepEqual(roundTrip({ b: [true], a: {} }), {
    kvlistValue: {
      values: [
        { key: "b", value: { arrayValue: { values: [{ boolValue: true }] } } },
        { key: "a", value: { kvlistValue: {} } },
      ],
    },
  });
});

Deno.test("writeAnyValue() writes an empty AnyValue for what has no OTLP type", () => {
  for (const value of [undefined, null, 1n, Symbol("s"), () => 1]) {
    assert.deepEqual(roundTrip(value), {}, String(value));
  }
});

Deno.test("writeAnyValue() writes other objects as maps of their own enumerable properties", () => {
  assert.deepEqual(roundTrip(new Date(0)), { kvlistValue: {} });
  assert.deepEqual(roundTrip(new Map([["a", 1]])), { kvlistValue: {} });
  assert.deepEqual(roundTrip(Object.assign(Object.create({ inherited: 1 }), { own: 2 })), {
    kvlistValue: { values: [{ key: "own", value: { intValue: 2n } }] },
  });
  assert.deepEqual(roundTrip(new Int8Array([-1])), {
    kvlistValue: { values: [{ key: "0", value: { intValue: -1n } }] },
  });
});
