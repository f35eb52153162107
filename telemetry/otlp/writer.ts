/**
 * A protobuf writer over one reused, growing buffer: the primitives the
 * OTLP encoders need, written in a single pass.
 *
 * Nested messages are written in place: {@linkcode ProtoWriter.begin}
 * reserves a guessed number of bytes for the length, and
 * {@linkcode ProtoWriter.end} writes the (minimal) varint there, moving the
 * body only when the guess was wrong. No size pre-pass, no temporary arrays.
 *
 * Where a value can be out of its protobuf range (a negative or fractional
 * count, a malformed id, an HrTime with odd parts), the result is the one
 * `@opentelemetry/otlp-transformer@0.301.0` produces: its serializers are
 * the reference these encoders are tested against, byte for byte.
 *
 * @module
 */

/** Protobuf wire types used by OTLP. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

const TWO_32 = 4_294_967_296;
/** A buffer grown past this by an unusual request is let go at the next reset. */
const RETAINED_BYTES = 1024 * 1024;
const NANOS_PER_SECOND = 1_000_000_000;

/** Protobuf writer over one growing buffer, reset for every request. */
export class ProtoWriter {
  /** The buffer; replaced when it grows, so never keep a reference across writes. */
  buf: Uint8Array<ArrayBuffer>;
  /** Where the next byte goes. */
  pos = 0;
  #view: DataView;
  readonly #initialSize: number;
  readonly #utf8 = new TextEncoder();

  constructor(initialSize = 64 * 1024) {
    this.#initialSize = initialSize;
    this.buf = new Uint8Array(initialSize);
    this.#view = new DataView(this.buf.buffer);
  }

  /**
   * Starts a new request in the same buffer, or in a new one of the initial
   * size if a burst grew it past 1 MiB: one odd batch should not pin that
   * much memory for the life of the process.
   */
  reset(): void {
    this.pos = 0;
    if (this.buf.length > RETAINED_BYTES) {
      this.buf = new Uint8Array(this.#initialSize);
      this.#view = new DataView(this.buf.buffer);
    }
  }

  /** A copy of what was written since {@linkcode reset}, safe to keep after the next one. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }

  /** Makes room for `size` more bytes. */
  ensure(size: number): void {
    const needed = this.pos + size;
    if (needed > this.buf.length) this.#grow(needed);
  }

  #grow(needed: number): void {
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** A field key. */
  tag(field: number, wireType: number): void {
    this.uint32((field << 3) | wireType);
  }

  /** A varint known to be an integer in [0, 2^32): tags, lengths, small counts. */
  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 127) {
      buf[pos++] = (value & 127) | 128;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /**
   * A varint from any JS number, as int64: negative values in two's
   * complement (10 bytes), fractions truncated, NaN and infinities as 0.
   */
  varint(value: number): void {
    if (value >= 0 && value <= 0xffff_ffff) {
      this.uint32(value >>> 0);
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / TWO_32) >>> 0;
    } else {
      // Two's complement of the magnitude; NaN (and so undefined) ends up as 0.
      const magnitude = Math.abs(value);
      low = ~(magnitude >>> 0) >>> 0;
      high = ~((magnitude / TWO_32) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (high > 0 || low > 127) {
      buf[pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[pos++] = low;
    this.pos = pos;
  }

  /** A little-endian 32-bit value (fixed32). */
  fixed32(value: number): void {
    this.ensure(4);
    const v = value >>> 0;
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = v;
    buf[pos + 1] = v >>> 8;
    buf[pos + 2] = v >>> 16;
    buf[pos + 3] = v >>> 24;
    this.pos = pos + 4;
  }

  /** A little-endian 64-bit value (fixed64) from its two 32-bit halves. */
  fixed64(low: number, high: number): void {
    this.ensure(8);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = low;
    buf[pos + 1] = low >>> 8;
    buf[pos + 2] = low >>> 16;
    buf[pos + 3] = low >>> 24;
    buf[pos + 4] = high;
    buf[pos + 5] = high >>> 8;
    buf[pos + 6] = high >>> 16;
    buf[pos + 7] = high >>> 24;
    this.pos = pos + 8;
  }

  /**
   * An HrTime `[seconds, nanoseconds]` as fixed64 nanoseconds since the
   * epoch, without BigInt: the seconds are split at bit 16 so that each
   * product with 10^9 stays exact in a double, and the halves are summed
   * with a carry. The operations are the transformer's, in its order, so
   * that even HrTimes outside the usual ranges encode identically.
   */
  hrTime(time: readonly [number, number]): void {
    const seconds = time[0];
    const nanos = time[1];
    const fromLow16 = (seconds & 0xffff) * NANOS_PER_SECOND;
    const fromHigh = ((seconds / 65_536) >>> 0) * NANOS_PER_SECOND;
    const sumLow = (fromLow16 >>> 0) + (((fromHigh & 0xffff) * 65_536) >>> 0) + nanos;
    const high = Math.floor(fromLow16 / TWO_32) + ((fromHigh / 65_536) >>> 0) +
      Math.floor(sumLow / TWO_32);
    this.fixed64(sumLow >>> 0, high >>> 0);
  }

  /** A little-endian IEEE 754 double. */
  double(value: number): void {
    this.ensure(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    const length = value.length;
    this.uint32(length);
    this.ensure(length);
    this.buf.set(value, this.pos);
    this.pos += length;
  }

  /** Bytes as they are, with no prefix: a cached, already encoded message. */
  raw(value: Uint8Array): void {
    const length = value.length;
    this.ensure(length);
    this.buf.set(value, this.pos);
    this.pos += length;
  }

  /**
   * A hex id (trace or span id) as length-prefixed bytes, converted straight
   * into the buffer. Like the transformer: `floor(length / 2)` bytes, and a
   * character that is not a hex digit still yields a byte (its code - 55).
   */
  hexBytes(hex: string): void {
    const count = hex.length >>> 1;
    this.uint32(count);
    this.ensure(count);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < count; i++) {
      const high = hex.charCodeAt(2 * i);
      const low = hex.charCodeAt(2 * i + 1);
      // A table, not comparisons: random hex digits defeat the branch predictor.
      buf[pos++] = ((high < 128 ? HEX_DIGITS[high] ?? 0 : high - 55) << 4) |
        (low < 128 ? HEX_DIGITS[low] ?? 0 : low - 55);
    }
    this.pos = pos;
  }

  /**
   * A length-prefixed UTF-8 string. ASCII (the usual case) is copied code
   * unit by code unit behind a prefix of its length; at the first other
   * character the rest goes through `TextEncoder.encodeInto`, which, like
   * the transformer's `TextEncoder.encode`, writes a lone surrogate as
   * U+FFFD.
   */
  string(value: string): void {
    const length = value.length;
    // Worst case: 3 bytes per UTF-16 code unit and a 5-byte prefix.
    this.ensure(length * 3 + 5);
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let prefix = length;
    while (prefix > 127) {
      buf[pos++] = (prefix & 127) | 128;
      prefix >>>= 7;
    }
    buf[pos++] = prefix;
    const body = pos;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        this.#nonAscii(value, start, body, i);
        return;
      }
      buf[body + i] = code;
    }
    this.pos = body + length;
  }

  /** The rest of {@linkcode string} from the first non-ASCII code unit `from`. */
  #nonAscii(value: string, start: number, body: number, from: number): void {
    const { written } = this.#utf8.encodeInto(
      from === 0 ? value : value.slice(from),
      this.buf.subarray(body + from),
    );
    const length = from + written;
    this.pos = body + length;
    this.#patchLength(start, body - start, length);
  }

  /**
   * Starts a length-delimited field body (the tag is already written),
   * reserving `reserved` bytes for its length; returns where the length goes.
   */
  begin(reserved: number): number {
    this.ensure(reserved);
    const at = this.pos;
    this.pos = at + reserved;
    return at;
  }

  /** Ends the body started by {@linkcode begin} with the same `reserved`. */
  end(at: number, reserved: number): void {
    this.#patchLength(at, reserved, this.pos - at - reserved);
  }

  /**
   * Writes `length` as a varint at `at`, where `reserved` bytes were left,
   * moving the `length` bytes behind the slot when the varint needs a
   * different number of bytes.
   */
  #patchLength(at: number, reserved: number, length: number): void {
    const size = varintSize(length);
    if (size !== reserved) {
      this.ensure(size - reserved);
      const body = at + reserved;
      this.buf.copyWithin(at + size, body, body + length);
      this.pos += size - reserved;
    }
    const buf = this.buf;
    while (length > 127) {
      buf[at++] = (length & 127) | 128;
      length >>>= 7;
    }
    buf[at] = length;
  }
}

/** The number of bytes of `value` (an integer in [0, 2^32)) as a varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

/**
 * The value of each ASCII character as a hex digit. Like the transformer,
 * anything but `0-9` and `a-f` counts as an uppercase digit: `code - 55`.
 */
const HEX_DIGITS = Int16Array.from({ length: 128 }, (_, code) => {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
});
