/**
 * Reads the message of a protobuf `google.rpc.Status`, the body OTLP/HTTP
 * receivers send with an error when they speak protobuf. Loki 3.7.6 answers
 * every refused OTLP push this way (400, `application/octet-stream`), even
 * to a JSON request, so its text would otherwise show as binary.
 *
 * @module
 */

/** The `message` (field 2) of a serialized `google.rpc.Status`, or `undefined` if `bytes` is not one. */
export function statusMessage(bytes: Uint8Array): string | undefined {
  let message: string | undefined;
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = bytes[at++];
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < bytes.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > bytes.length) return undefined;
      const value = bytes.subarray(at, at + length);
      at += length;
      if (field === 2) {
        try {
          message = new TextDecoder("utf-8", { fatal: true }).decode(value);
        } catch {
          return undefined;
        }
      }
    } else {
      return undefined; // google.rpc.Status has only varint and length-delimited fields
    }
  }
  return message;
}
