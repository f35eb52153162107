/**
 * The byte-identity assertion of the encoder tests, with a readable failure:
 * the decoded difference when both sides decode, else the first differing
 * byte.
 *
 * @module
 */
import assert from "node:assert/strict";
import { decodeOtlpProto } from "../../testing/_otlp_proto.ts";
import type { Signal } from "../../testing/otlp_types.ts";

/** Asserts that `actual` has exactly the bytes of `expected`, an encoded `signal` request. */
export function assertSameBytes(
  signal: Signal,
  actual: Uint8Array,
  expected: Uint8Array | undefined,
): void {
  assert.ok(expected !== undefined, "the reference serializer returned nothing");
  if (sameBytes(actual, expected)) return;
  const decode = (bytes: Uint8Array): unknown => {
    try {
      return decodeOtlpProto(signal, bytes);
    } catch (error: unknown) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  assert.deepEqual(decode(actual), decode(expected));
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  assert.fail(
    `Bytes differ at offset ${at} (lengths ${actual.length} and ${expected.length}): ` +
      `${hex(actual, at)} where the reference has ${hex(expected, at)}`,
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes: Uint8Array, at: number): string {
  return [...bytes.subarray(Math.max(at - 4, 0), at + 8)]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join(" ");
}
