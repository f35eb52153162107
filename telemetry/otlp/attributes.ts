/**
 * OTLP attributes (`repeated KeyValue`), with the encoded `KeyValue`s
 * remembered per key.
 *
 * A service sets the same keys on every span and log record, mostly with
 * the same values (method, scheme, route, status, host): copying a
 * remembered `KeyValue` is about twice as fast as encoding its strings
 * again. Each key remembers its last primitive value and the bytes for it;
 * a key whose value keeps changing (a path, a duration) stops being
 * re-remembered, so it costs no allocation per item. Memory stays bounded:
 * at most {@linkcode MAX_KEYS} keys, and no `KeyValue` over
 * {@linkcode MAX_BYTES} bytes is kept.
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import { writeAnyValue, writeKeyValueBody } from "./any_value.ts";
import { type ProtoWriter, WireType } from "./writer.ts";

/** Keys remembered at most; later keys are encoded every time. */
export const MAX_KEYS = 512;
/** The largest length-prefixed `KeyValue` remembered, in bytes. */
export const MAX_BYTES = 256;

const hasOwn = Object.prototype.hasOwnProperty;

interface KeyMemo {
  /** The `KeyValue.key` field, tag included. */
  readonly key: Uint8Array;
  /** The last primitive value remembered for the key... */
  value: unknown;
  /** ...and the whole length-prefixed `KeyValue` for it. */
  bytes: Uint8Array | undefined;
  hits: number;
  stores: number;
}

const memos = new Map<string, KeyMemo>();

/** Writes each own enumerable attribute as a `KeyValue` in field `field`. */
export function writeAttributes(writer: ProtoWriter, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!hasOwn.call(attributes, key)) continue;
    writer.tag(field, WireType.LEN);
    writeKeyValue(writer, key, attributes[key]);
  }
}

/** Writes a length-prefixed `KeyValue`, copied from the key's memo when the value is the same. */
function writeKeyValue(writer: ProtoWriter, key: string, value: unknown): void {
  const memo = memos.get(key) ?? remember(writer, key);
  if (memo === undefined) {
    const at = writer.begin(1);
    writeKeyValueBody(writer, key, value);
    writer.end(at, 1);
    return;
  }
  // Equal primitives encode equally (0 and -0 both as int_value 0); NaN never matches.
  if (value === memo.value && memo.bytes !== undefined) {
    memo.hits++;
    writer.raw(memo.bytes);
    return;
  }
  const start = writer.pos;
  const at = writer.begin(1);
  writer.raw(memo.key);
  writer.tag(2, WireType.LEN);
  const valueAt = writer.begin(1);
  writeAnyValue(writer, value);
  writer.end(valueAt, 1);
  writer.end(at, 1);
  // Objects are not remembered: the same object may hold other values next time.
  const type = typeof value;
  if (
    (type === "string" || type === "number" || type === "boolean") &&
    writer.pos - start <= MAX_BYTES &&
    // A value that keeps changing is stored a few times, then only when hits justify it.
    memo.stores < 16 + memo.hits / 4
  ) {
    memo.stores++;
    memo.value = value;
    memo.bytes = writer.buf.slice(start, writer.pos);
  }
}

/** A new memo for `key` with its key field encoded, or `undefined` when memos are full. */
function remember(writer: ProtoWriter, key: string): KeyMemo | undefined {
  if (memos.size >= MAX_KEYS) return undefined;
  // Encoded at the end of what is written so far, copied out, then written over.
  const start = writer.pos;
  writer.tag(1, WireType.LEN);
  writer.string(key);
  const memo: KeyMemo = {
    key: writer.buf.slice(start, writer.pos),
    value: undefined,
    bytes: undefined,
    hits: 0,
    stores: 0,
  };
  writer.pos = start;
  memos.set(key, memo);
  return memo;
}
