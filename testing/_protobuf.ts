/**
 * A reader for the protobuf binary wire format, enough to decode OTLP.
 *
 * See https://protobuf.dev/programming-guides/encoding/. It reads tags and
 * the four wire types proto3 uses (varint, 64-bit, length-delimited, 32-bit)
 * and rejects the deprecated group wire types, truncated input and over-long
 * varints. Interpreting the values (zigzag, signedness, UTF-8) is the
 * caller's business: the wire format does not say which type a field has.
 *
 * @module
 */

/** The protobuf wire types. */
export const WireType = {
  /** int32, int64, uint32, uint64, sint32, sint64, bool, enum. */
  VARINT: 0,
  /** fixed64, sfixed64, double. */
  I64: 1,
  /** string, bytes, embedded messages, packed repeated fields. */
  LEN: 2,
  /** fixed32, sfixed32, float. */
  I32: 5,
} as const;

/** A field key: the field number and the wire type of what follows. */
export interface ProtoTag {
  /** Field number from the `.proto` file. */
  readonly field: number;
  /** One of {@linkcode WireType}. */
  readonly wireType: number;
}

const MAX_VARINT_BYTES = 10;

/** Reads protobuf wire-format values from a byte array, front to back. */
export class ProtoReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  /** Reads `bytes`; the reader never copies or modifies them. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.#pos >= this.#bytes.length;
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.#pos;
  }

  /** Reads a field key. */
  readTag(): ProtoTag {
    const at = this.#pos;
    const key = this.readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field < 1 || field > 0x1fffffff) {
      throw new Error(`Cannot decode protobuf: invalid field number ${field} at byte ${at}`);
    }
    if (wireType === 3 || wireType === 4 || wireType > 5) {
      throw new Error(
        `Cannot decode protobuf: unsupported wire type ${wireType} for field ${field} at byte ${at}`,
      );
    }
    return { field, wireType };
  }

  /** Reads a varint as an unsigned 64-bit integer. */
  readVarint(): bigint {
    const start = this.#pos;
    let result = 0n;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.#pos >= this.#bytes.length) {
        throw new Error(`Cannot decode protobuf: truncated varint at byte ${start}`);
      }
      const byte = this.#bytes[this.#pos++] ?? 0;
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new Error(`Cannot decode protobuf: varint longer than 10 bytes at byte ${start}`);
  }

  /** Reads 8 little-endian bytes as an unsigned integer (`fixed64`). */
  readFixed64(): bigint {
    return this.#view.getBigUint64(this.#advance(8), true);
  }

  /** Reads 8 little-endian bytes as a signed integer (`sfixed64`). */
  readSfixed64(): bigint {
    return this.#view.getBigInt64(this.#advance(8), true);
  }

  /** Reads 8 little-endian bytes as an IEEE 754 double. */
  readDouble(): number {
    return this.#view.getFloat64(this.#advance(8), true);
  }

  /** Reads 4 little-endian bytes as an unsigned integer (`fixed32`). */
  readFixed32(): number {
    return this.#view.getUint32(this.#advance(4), true);
  }

  /** Reads 4 little-endian bytes as an IEEE 754 float. */
  readFloat(): number {
    return this.#view.getFloat32(this.#advance(4), true);
  }

  /** Reads a length-delimited value; the result is a view into the input. */
  readLengthDelimited(): Uint8Array {
    const at = this.#pos;
    const length = this.readVarint();
    if (length > BigInt(this.#bytes.length - this.#pos)) {
      throw new Error(
        `Cannot decode protobuf: length ${length} at byte ${at} runs past the end of the input (${this.#bytes.length} bytes)`,
      );
    }
    const start = this.#advance(Number(length));
    return this.#bytes.subarray(start, this.#pos);
  }

  /** Skips the value of a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.readVarint();
        return;
      case WireType.I64:
        this.#advance(8);
        return;
      case WireType.LEN:
        this.readLengthDelimited();
        return;
      case WireType.I32:
        this.#advance(4);
        return;
      default:
        throw new Error(`Cannot decode protobuf: cannot skip wire type ${wireType}`);
    }
  }

  #advance(count: number): number {
    const start = this.#pos;
    if (count > this.#bytes.length - start) {
      throw new Error(
        `Cannot decode protobuf: ${count} bytes needed at byte ${start}, ${
          this.#bytes.length - start
        } left`,
      );
    }
    this.#pos += count;
    return start;
  }
}
