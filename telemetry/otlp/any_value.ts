/**
 * OTLP `AnyValue` (opentelemetry/proto/common/v1/common.proto) from any JS
 * value, with the choices of `@opentelemetry/otlp-transformer@0.301.0`'s
 * protobuf serializers, the reference the encoders are tested against byte
 * for byte: an integer number in [-2^63, 2^63) is an `int_value`, any other
 * number a `double_value`; `undefined`, `null`, a bigint, a symbol or a
 * function is an empty `AnyValue`; a `Uint8Array` is a `bytes_value`; an
 * array an `array_value`; any other object a `kvlist_value` of its own
 * enumerable properties, in `for...in` order.
 *
 * @module
 */
import { type ProtoWriter, WireType } from "./writer.ts";

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
const hasOwn = Object.prototype.hasOwnProperty;

/** Writes the body of an `AnyValue` for `value`. */
export function writeAnyValue(writer: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case "string":
      writer.tag(1, WireType.LEN);
      writer.string(value);
      return;
    case "boolean":
      writer.tag(2, WireType.VARINT);
      writer.uint32(value ? 1 : 0);
      return;
    case "number":
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        writer.tag(3, WireType.VARINT);
        writer.varint(value);
      } else {
        writer.tag(4, WireType.I64);
        writer.double(value);
      }
      return;
    case "object":
      if (value === null) return;
      if (value instanceof Uint8Array) {
        writer.tag(7, WireType.LEN);
        writer.bytes(value);
      } else if (Array.isArray(value)) {
        writer.tag(5, WireType.LEN);
        const at = writer.begin(1);
        for (const item of value) {
          writer.tag(1, WireType.LEN); // ArrayValue.values
          const itemAt = writer.begin(1);
          writeAnyValue(writer, item);
          writer.end(itemAt, 1);
        }
        writer.end(at, 1);
      } else {
        writer.tag(6, WireType.LEN);
        const at = writer.begin(1);
        const map = value as Record<string, unknown>;
        for (const key in map) {
          if (!hasOwn.call(map, key)) continue;
          writer.tag(1, WireType.LEN); // KeyValueList.values
          const entryAt = writer.begin(1);
          writeKeyValueBody(writer, key, map[key]);
          writer.end(entryAt, 1);
        }
        writer.end(at, 1);
      }
      return;
    default:
      // undefined, bigint, symbol, function: an AnyValue with no value set.
      return;
  }
}

/** Writes the body of a `KeyValue`: the key, then the value (present even when empty). */
export function writeKeyValueBody(writer: ProtoWriter, key: string, value: unknown): void {
  writer.tag(1, WireType.LEN);
  writer.string(key);
  writer.tag(2, WireType.LEN);
  const at = writer.begin(1);
  writeAnyValue(writer, value);
  writer.end(at, 1);
}
