import assert from "node:assert/strict";
import { ProtoReader, WireType } from "./_protobuf.ts";

function reader(...bytes: number[]): ProtoReader {
  return new ProtoReader(new Uint8Array(bytes));
}

Deno.test("ProtoReader reads varints", async (t) => {
  await t.step("of one byte", () => {
    assert.equal(reader(0x00).readVarint(), 0n);
    assert.equal(reader(0x7f).readVarint(), 127n);
  });

  await t.step("of several bytes, least significant group first", () => {
    assert.equal(reader(0xac, 0x02).readVarint(), 300n);
  });

  await t.step("up to 2^64 - 1 in ten bytes", () => {
    const max = reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    assert.equal(max.readVarint(), 2n ** 64n - 1n);
    assert.ok(max.done);
  });

  await t.step("rejecting an eleventh byte and a truncated varint", () => {
    const tooLong = reader(...new Array(10).fill(0x80), 0x01);
    assert.throws(() => tooLong.readVarint(), {
      message: "Cannot decode protobuf: varint longer than 10 bytes at byte 0",
    });
    assert.throws(() => reader(0x80, 0x80).readVarint(), {
      message: "Cannot decode protobuf: truncated varint at byte 0",
    });
  });
});

Deno.test("ProtoReader reads tags with the field number and wire type", async (t) => {
  await t.step("in one byte for fields up to 15", () => {
    assert.deepEqual(reader(0x0a).readTag(), { field: 1, wireType: WireType.LEN });
  });

  await t.step("in two bytes from field 16", () => {
    assert.deepEqual(reader(0x85, 0x01).readTag(), { field: 16, wireType: WireType.I32 });
  });

  await t.step("rejecting field 0 and the group wire types", () => {
    assert.throws(() => reader(0x02).readTag(), /invalid field number 0 at byte 0/);
    assert.throws(() => reader(0x0b).readTag(), /unsupported wire type 3 for field 1/);
    assert.throws(() => reader(0x0c).readTag(), /unsupported wire type 4 for field 1/);
  });
});

Deno.test("ProtoReader reads fixed-size values little-endian", () => {
  const bytes = new Uint8Array(28);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, 1_700_000_000_123_456_789n, true);
  view.setBigInt64(8, -5n, true);
  view.setFloat64(16, 0.1, true);
  view.setUint32(24, 0xdeadbeef, true);
  const r = new ProtoReader(bytes);
  assert.equal(r.readFixed64(), 1_700_000_000_123_456_789n);
  assert.equal(r.readSfixed64(), -5n);
  assert.equal(r.readDouble(), 0.1);
  assert.equal(r.readFixed32(), 0xdeadbeef);
  assert.ok(r.done);
  assert.throws(() => reader(1, 2, 3).readFixed64(), /8 bytes needed at byte 0, 3 left/);
});

Deno.test("ProtoReader reads length-delimited values as views of the input", () => {
  const input = new Uint8Array([0x03, 0x61, 0x62, 0x63, 0xff]);
  const r = new ProtoReader(input);
  const value = r.readLengthDelimited();
  assert.deepEqual([...value], [0x61, 0x62, 0x63]);
  assert.equal(value.buffer, input.buffer);
  assert.equal(r.position, 4);
  assert.throws(
    () => reader(0x05, 0x01).readLengthDelimited(),
    /length 5 at byte 0 runs past the end of the input \(2 bytes\)/,
  );
});

Deno.test("ProtoReader skips a value of each wire type", () => {
  const varint = [0x96, 0x01];
  const fixed64 = [1, 2, 3, 4, 5, 6, 7, 8];
  const lengthDelimited = [0x02, 0xaa, 0xbb];
  const fixed32 = [1, 2, 3, 4];
  const r = reader(...varint, ...fixed64, ...lengthDelimited, ...fixed32, 0x2a);
  r.skip(WireType.VARINT);
  r.skip(WireType.I64);
  r.skip(WireType.LEN);
  r.skip(WireType.I32);
  assert.equal(r.readVarint(), 42n);
  assert.ok(r.done);
  assert.throws(() => reader(0).skip(3), /cannot skip wire type 3/);
});
