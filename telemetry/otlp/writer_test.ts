import assert from "node:assert/strict";
import fc from "fast-check";
import { anyText } from "./_arbitraries.ts";
import { ProtoWriter, varintSize } from "./writer.ts";

const PARAMETERS: fc.Parameters<unknown> = { seed: 20261130, numRuns: 1000, endOnFailure: true };

/** Protobuf's base-128 varint of a uint64, the reference the writer is checked against. */
function leb128(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 127n) {
    bytes.push(Number(rest & 127n) | 128);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

function written(write: (writer: ProtoWriter) => void, initialSize?: number): number[] {
  const writer = new ProtoWriter(initialSize);
  write(writer);
  return [...writer.finish()];
}

Deno.test("varint() writes any number as an int64: truncated, two's complement, modulo 2^64", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.double(),
        fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(Number),
        fc.integer(),
      ),
      (value) => {
        const expected = Number.isFinite(value)
          ? leb128(BigInt.asUintN(64, BigInt(Math.trunc(value))))
          : [0];
        assert.deepEqual(written((w) => w.varint(value)), expected);
      },
    ),
    PARAMETERS,
  );
  assert.deepEqual(written((w) => w.varint(-1)), [...Array(9).fill(0xff), 0x01]);
});

Deno.test("uint32() and varintSize() agree on every length boundary", () => {
  for (const value of [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 2 ** 28, 2 ** 32 - 1]) {
    const bytes = written((w) => w.uint32(value));
    assert.deepEqual(bytes, leb128(BigInt(value)));
    assert.equal(varintSize(value), bytes.length);
  }
});

Deno.test("hrTime() writes seconds * 10^9 + nanoseconds as a little-endian fixed64", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 34 - 1 }),
      fc.integer({ min: 0, max: 999_999_999 }),
      (seconds, nanos) => {
        const view = new DataView(
          new Uint8Array(written((w) => w.hrTime([seconds, nanos]))).buffer,
        );
        assert.equal(view.getBigUint64(0, true), BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
      },
    ),
    PARAMETERS,
  );
});

Deno.test("fixed32(), fixed64() and double() write little-endian", () => {
  assert.deepEqual(written((w) => w.fixed32(0x0102_0304)), [4, 3, 2, 1]);
  assert.deepEqual(written((w) => w.fixed32(-1)), [255, 255, 255, 255]);
  assert.deepEqual(written((w) => w.fixed64(0x0102_0304, 0x0506_0708)), [4, 3, 2, 1, 8, 7, 6, 5]);
  const double = new Uint8Array(8);
  new DataView(double.buffer).setFloat64(0, -1.5, true);
  assert.deepEqual(written((w) => w.double(-1.5)), [...double]);
});

Deno.test("string() writes TextEncoder's UTF-8 behind its byte length, lone surrogates as U+FFFD", () => {
  const encoder = new TextEncoder();
  fc.assert(
    fc.property(
      fc.oneof(
        anyText(300),
        fc.string({ unit: "grapheme" }),
        fc.constantFrom("", "\uD800", "a\uDC00", "\uDE00\uD83D", "😀", "x".repeat(200)),
      ),
      (value) => {
        const utf8 = encoder.encode(value);
        // A tiny buffer, so that strings also make it grow.
        const writer = new ProtoWriter(4);
        writer.string(value);
        const prefix = leb128(BigInt(utf8.length));
        const expected = new Uint8Array(prefix.length + utf8.length);
        expected.set(prefix);
        expected.set(utf8, prefix.length);
        assert.deepEqual(writer.finish(), expected);
      },
    ),
    PARAMETERS,
  );
  assert.deepEqual(written((w) => w.string("\uD800")), [3, 0xef, 0xbf, 0xbd]);
});

Deno.test("string() moves the text when its UTF-8 length needs a longer prefix than its length", () => {
  // 100 code units (a one-byte prefix), 200 bytes (a two-byte prefix).
  const value = "é".repeat(100);
  assert.deepEqual(written((w) => w.string(value)), [
    ...leb128(200n),
    ...new TextEncoder().encode(value),
  ]);
});

Deno.test("hexBytes() writes an id's bytes, and what the transformer writes for other text", async (t) => {
  await t.step("hex digits, lowercase or uppercase", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.boolean(), (bytes, upper) => {
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
        assert.deepEqual(
          written((w) => w.hexBytes(upper ? hex.toUpperCase() : hex)),
          [bytes.length, ...bytes],
        );
      }),
      PARAMETERS,
    );
  });
  await t.step("an odd length drops the last digit; other characters count as code - 55", () => {
    assert.deepEqual(written((w) => w.hexBytes("abc")), [1, 0xab]);
    assert.deepEqual(written((w) => w.hexBytes("")), [0]);
    // "g" is 103: 103 - 55 = 48, so "0g" is 0 * 16 + 48; "z0" is (122 - 55) * 16 mod 256.
    assert.deepEqual(written((w) => w.hexBytes("0gz0")), [2, 48, (67 * 16) & 0xff]);
  });
});

Deno.test("begin() and end() write the body's minimal length whatever was reserved", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 1, max: 3 }),
      (length, reserved) => {
        const bytes = written((w) => {
          w.uint32(7); // something before, which must stay
          const at = w.begin(reserved);
          for (let i = 0; i < length; i++) w.uint32(i & 127);
          w.end(at, reserved);
          w.uint32(9); // and after
        }, 16);
        const body = Array.from({ length }, (_, i) => i & 127);
        assert.deepEqual(bytes, [7, ...leb128(BigInt(length)), ...body, 9]);
      },
    ),
    { ...PARAMETERS, numRuns: 200 },
  );
});

Deno.test("finish() returns a copy that later writes leave alone, and reset() starts over", () => {
  const writer = new ProtoWriter(2);
  writer.raw(new Uint8Array([1, 2, 3]));
  const first = writer.finish();
  writer.reset();
  writer.raw(new Uint8Array([9, 9, 9, 9, 9]));
  assert.deepEqual([...first], [1, 2, 3]);
  assert.deepEqual([...writer.finish()], [9, 9, 9, 9, 9]);
});

Deno.test("bytes() writes a length prefix, raw() none", () => {
  assert.deepEqual(written((w) => w.bytes(new Uint8Array([5, 6]))), [2, 5, 6]);
  assert.deepEqual(written((w) => w.raw(new Uint8Array([5, 6]))), [5, 6]);
  assert.deepEqual(written((w) => w.tag(16, 5)), [0x85, 0x01]);
});

Deno.test("reset() lets go of a buffer grown past 1 MiB, and keeps a smaller one", () => {
  const writer = new ProtoWriter(1024);
  writer.raw(new Uint8Array(600 * 1024));
  const kept = writer.buf;
  writer.reset();
  assert.equal(writer.buf, kept);
  writer.raw(new Uint8Array(2 * 1024 * 1024));
  writer.reset();
  assert.equal(writer.buf.length, 1024);
  writer.string("still works");
  assert.deepEqual([...writer.finish()], [11, ...new TextEncoder().encode("still works")]);
});
