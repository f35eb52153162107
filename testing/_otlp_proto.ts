/**
 * Decodes OTLP/HTTP protobuf export requests into the shape of their OTLP
 * JSON encoding, so that one normalizer (`_otlp_normalize.ts`) serves both.
 *
 * The schema below lists, per message, the fields the test receivers use,
 * with the numbers and types of the opentelemetry-proto `.proto` files
 * (opentelemetry/proto/{common,resource,trace,logs,metrics}/v1 and
 * collector/{trace,logs,metrics}/v1, proto v1.11). Keys are the JSON names
 * (lowerCamelCase). Values follow OTLP JSON where it matters: trace and span
 * ids become lowercase hex strings; other `bytes` stay `Uint8Array`; 64-bit
 * integers become `bigint` (OTLP JSON has decimal strings); enums are numbers.
 * Fields not listed (new or deprecated ones) are skipped, as protobuf
 * requires.
 *
 * @module
 */

import { ProtoReader, WireType } from "./_protobuf.ts";
import type { Signal } from "./otlp_types.ts";

type ScalarKind =
  | "string"
  | "bytes"
  | "id" // bytes shown as hex, as OTLP JSON does for trace and span ids
  | "bool"
  | "int32" // also enums
  | "uint32"
  | "sint32"
  | "int64"
  | "uint64"
  | "fixed32"
  | "fixed64"
  | "sfixed64"
  | "double";

type FieldSpec =
  | readonly [name: string, kind: ScalarKind, repeated?: "repeated"]
  | readonly [name: string, kind: "message", message: MessageName, repeated?: "repeated"];

const MESSAGES = [
  "ExportTraceServiceRequest",
  "ExportLogsServiceRequest",
  "ExportMetricsServiceRequest",
  "AnyValue",
  "ArrayValue",
  "KeyValueList",
  "KeyValue",
  "InstrumentationScope",
  "Resource",
  "ResourceSpans",
  "ScopeSpans",
  "Span",
  "Event",
  "Link",
  "Status",
  "ResourceLogs",
  "ScopeLogs",
  "LogRecord",
  "ResourceMetrics",
  "ScopeMetrics",
  "Metric",
  "Gauge",
  "Sum",
  "Histogram",
  "ExponentialHistogram",
  "Summary",
  "NumberDataPoint",
  "HistogramDataPoint",
  "ExponentialHistogramDataPoint",
  "Buckets",
  "SummaryDataPoint",
  "ValueAtQuantile",
  "Exemplar",
] as const;

type MessageName = typeof MESSAGES[number];

/** A decoded message: JSON names to values, nested messages as objects. */
export type DecodedMessage = { [name: string]: DecodedValue };
type DecodedValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | DecodedMessage
  | DecodedValue[];

const SCHEMA: Record<MessageName, Record<number, FieldSpec>> = {
  // collector/*/v1/*_service.proto
  ExportTraceServiceRequest: { 1: ["resourceSpans", "message", "ResourceSpans", "repeated"] },
  ExportLogsServiceRequest: { 1: ["resourceLogs", "message", "ResourceLogs", "repeated"] },
  ExportMetricsServiceRequest: {
    1: ["resourceMetrics", "message", "ResourceMetrics", "repeated"],
  },

  // common/v1/common.proto, resource/v1/resource.proto
  AnyValue: {
    1: ["stringValue", "string"],
    2: ["boolValue", "bool"],
    3: ["intValue", "int64"],
    4: ["doubleValue", "double"],
    5: ["arrayValue", "message", "ArrayValue"],
    6: ["kvlistValue", "message", "KeyValueList"],
    7: ["bytesValue", "bytes"],
  },
  ArrayValue: { 1: ["values", "message", "AnyValue", "repeated"] },
  KeyValueList: { 1: ["values", "message", "KeyValue", "repeated"] },
  KeyValue: { 1: ["key", "string"], 2: ["value", "message", "AnyValue"] },
  InstrumentationScope: {
    1: ["name", "string"],
    2: ["version", "string"],
    3: ["attributes", "message", "KeyValue", "repeated"],
    4: ["droppedAttributesCount", "uint32"],
  },
  Resource: {
    1: ["attributes", "message", "KeyValue", "repeated"],
    2: ["droppedAttributesCount", "uint32"],
  },

  // trace/v1/trace.proto
  ResourceSpans: {
    1: ["resource", "message", "Resource"],
    2: ["scopeSpans", "message", "ScopeSpans", "repeated"],
    3: ["schemaUrl", "string"],
  },
  ScopeSpans: {
    1: ["scope", "message", "InstrumentationScope"],
    2: ["spans", "message", "Span", "repeated"],
    3: ["schemaUrl", "string"],
  },
  Span: {
    1: ["traceId", "id"],
    2: ["spanId", "id"],
    3: ["traceState", "string"],
    4: ["parentSpanId", "id"],
    5: ["name", "string"],
    6: ["kind", "int32"],
    7: ["startTimeUnixNano", "fixed64"],
    8: ["endTimeUnixNano", "fixed64"],
    9: ["attributes", "message", "KeyValue", "repeated"],
    10: ["droppedAttributesCount", "uint32"],
    11: ["events", "message", "Event", "repeated"],
    12: ["droppedEventsCount", "uint32"],
    13: ["links", "message", "Link", "repeated"],
    14: ["droppedLinksCount", "uint32"],
    15: ["status", "message", "Status"],
    16: ["flags", "fixed32"],
  },
  Event: {
    1: ["timeUnixNano", "fixed64"],
    2: ["name", "string"],
    3: ["attributes", "message", "KeyValue", "repeated"],
    4: ["droppedAttributesCount", "uint32"],
  },
  Link: {
    1: ["traceId", "id"],
    2: ["spanId", "id"],
    3: ["traceState", "string"],
    4: ["attributes", "message", "KeyValue", "repeated"],
    5: ["droppedAttributesCount", "uint32"],
    6: ["flags", "fixed32"],
  },
  Status: { 2: ["message", "string"], 3: ["code", "int32"] },

  // logs/v1/logs.proto
  ResourceLogs: {
    1: ["resource", "message", "Resource"],
    2: ["scopeLogs", "message", "ScopeLogs", "repeated"],
    3: ["schemaUrl", "string"],
  },
  ScopeLogs: {
    1: ["scope", "message", "InstrumentationScope"],
    2: ["logRecords", "message", "LogRecord", "repeated"],
    3: ["schemaUrl", "string"],
  },
  LogRecord: {
    1: ["timeUnixNano", "fixed64"],
    2: ["severityNumber", "int32"],
    3: ["severityText", "string"],
    5: ["body", "message", "AnyValue"],
    6: ["attributes", "message", "KeyValue", "repeated"],
    7: ["droppedAttributesCount", "uint32"],
    8: ["flags", "fixed32"],
    9: ["traceId", "id"],
    10: ["spanId", "id"],
    11: ["observedTimeUnixNano", "fixed64"],
    12: ["eventName", "string"],
  },

  // metrics/v1/metrics.proto
  ResourceMetrics: {
    1: ["resource", "message", "Resource"],
    2: ["scopeMetrics", "message", "ScopeMetrics", "repeated"],
    3: ["schemaUrl", "string"],
  },
  ScopeMetrics: {
    1: ["scope", "message", "InstrumentationScope"],
    2: ["metrics", "message", "Metric", "repeated"],
    3: ["schemaUrl", "string"],
  },
  Metric: {
    1: ["name", "string"],
    2: ["description", "string"],
    3: ["unit", "string"],
    5: ["gauge", "message", "Gauge"],
    7: ["sum", "message", "Sum"],
    9: ["histogram", "message", "Histogram"],
    10: ["exponentialHistogram", "message", "ExponentialHistogram"],
    11: ["summary", "message", "Summary"],
    12: ["metadata", "message", "KeyValue", "repeated"],
  },
  Gauge: { 1: ["dataPoints", "message", "NumberDataPoint", "repeated"] },
  Sum: {
    1: ["dataPoints", "message", "NumberDataPoint", "repeated"],
    2: ["aggregationTemporality", "int32"],
    3: ["isMonotonic", "bool"],
  },
  Histogram: {
    1: ["dataPoints", "message", "HistogramDataPoint", "repeated"],
    2: ["aggregationTemporality", "int32"],
  },
  ExponentialHistogram: {
    1: ["dataPoints", "message", "ExponentialHistogramDataPoint", "repeated"],
    2: ["aggregationTemporality", "int32"],
  },
  Summary: { 1: ["dataPoints", "message", "SummaryDataPoint", "repeated"] },
  NumberDataPoint: {
    2: ["startTimeUnixNano", "fixed64"],
    3: ["timeUnixNano", "fixed64"],
    4: ["asDouble", "double"],
    5: ["exemplars", "message", "Exemplar", "repeated"],
    6: ["asInt", "sfixed64"],
    7: ["attributes", "message", "KeyValue", "repeated"],
    8: ["flags", "uint32"],
  },
  HistogramDataPoint: {
    2: ["startTimeUnixNano", "fixed64"],
    3: ["timeUnixNano", "fixed64"],
    4: ["count", "fixed64"],
    5: ["sum", "double"],
    6: ["bucketCounts", "fixed64", "repeated"],
    7: ["explicitBounds", "double", "repeated"],
    8: ["exemplars", "message", "Exemplar", "repeated"],
    9: ["attributes", "message", "KeyValue", "repeated"],
    10: ["flags", "uint32"],
    11: ["min", "double"],
    12: ["max", "double"],
  },
  ExponentialHistogramDataPoint: {
    1: ["attributes", "message", "KeyValue", "repeated"],
    2: ["startTimeUnixNano", "fixed64"],
    3: ["timeUnixNano", "fixed64"],
    4: ["count", "fixed64"],
    5: ["sum", "double"],
    6: ["scale", "sint32"],
    7: ["zeroCount", "fixed64"],
    8: ["positive", "message", "Buckets"],
    9: ["negative", "message", "Buckets"],
    10: ["flags", "uint32"],
    11: ["exemplars", "message", "Exemplar", "repeated"],
    12: ["min", "double"],
    13: ["max", "double"],
    14: ["zeroThreshold", "double"],
  },
  Buckets: { 1: ["offset", "sint32"], 2: ["bucketCounts", "uint64", "repeated"] },
  SummaryDataPoint: {
    2: ["startTimeUnixNano", "fixed64"],
    3: ["timeUnixNano", "fixed64"],
    4: ["count", "fixed64"],
    5: ["sum", "double"],
    6: ["quantileValues", "message", "ValueAtQuantile", "repeated"],
    7: ["attributes", "message", "KeyValue", "repeated"],
    8: ["flags", "uint32"],
  },
  ValueAtQuantile: { 1: ["quantile", "double"], 2: ["value", "double"] },
  Exemplar: {
    2: ["timeUnixNano", "fixed64"],
    3: ["asDouble", "double"],
    4: ["spanId", "id"],
    5: ["traceId", "id"],
    6: ["asInt", "sfixed64"],
    7: ["filteredAttributes", "message", "KeyValue", "repeated"],
  },
};

const REQUEST_MESSAGE: Record<Signal, MessageName> = {
  traces: "ExportTraceServiceRequest",
  logs: "ExportLogsServiceRequest",
  metrics: "ExportMetricsServiceRequest",
};

const WIRE_TYPE: Record<ScalarKind, number> = {
  string: WireType.LEN,
  bytes: WireType.LEN,
  id: WireType.LEN,
  bool: WireType.VARINT,
  int32: WireType.VARINT,
  uint32: WireType.VARINT,
  sint32: WireType.VARINT,
  int64: WireType.VARINT,
  uint64: WireType.VARINT,
  fixed32: WireType.I32,
  fixed64: WireType.I64,
  sfixed64: WireType.I64,
  double: WireType.I64,
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes the body of an OTLP/HTTP protobuf request for `signal`
 * (`ExportTraceServiceRequest`, ...) into its OTLP JSON shape.
 */
export function decodeOtlpProto(signal: Signal, body: Uint8Array): DecodedMessage {
  const message = REQUEST_MESSAGE[signal];
  return decodeMessage(body, message, message);
}

/** An error that already names where in the message it happened. */
class LocatedError extends Error {}

function decodeMessage(bytes: Uint8Array, message: MessageName, path: string): DecodedMessage {
  const fields = SCHEMA[message];
  const reader = new ProtoReader(bytes);
  const out: DecodedMessage = {};
  while (!reader.done) {
    const at = reader.position;
    let where = `${path} at byte ${at}`;
    try {
      const { field, wireType } = reader.readTag();
      const spec = fields[field];
      if (!spec) {
        reader.skip(wireType);
        continue;
      }
      const [name, kind] = spec;
      const existing = out[name];
      where = spec.includes("repeated")
        ? `${path}.${name}[${Array.isArray(existing) ? existing.length : 0}]`
        : `${path}.${name}`;
      if (spec[1] === "message") {
        expectWireType(wireType, WireType.LEN);
        const value = decodeMessage(reader.readLengthDelimited(), spec[2], where);
        if (spec[3] === "repeated") append(out, name, [value]);
        else out[name] = value;
        continue;
      }
      const scalar = kind as ScalarKind;
      const repeated = spec[2] === "repeated";
      if (repeated && wireType === WireType.LEN && WIRE_TYPE[scalar] !== WireType.LEN) {
        // Packed repeated scalars, the proto3 default: one run of values.
        const packed = new ProtoReader(reader.readLengthDelimited());
        const values: DecodedValue[] = [];
        while (!packed.done) values.push(readScalar(packed, scalar));
        append(out, name, values);
        continue;
      }
      expectWireType(wireType, WIRE_TYPE[scalar]);
      const value = readScalar(reader, scalar);
      if (repeated) append(out, name, [value]);
      else out[name] = value;
    } catch (error) {
      if (error instanceof LocatedError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new LocatedError(
        `Cannot decode protobuf: ${where}: ${reason.replace(/^Cannot decode protobuf: /, "")}`,
      );
    }
  }
  return out;
}

function readScalar(reader: ProtoReader, kind: ScalarKind): DecodedValue {
  switch (kind) {
    case "string":
      try {
        return utf8.decode(reader.readLengthDelimited());
      } catch (error) {
        if (error instanceof TypeError) throw new Error("not valid UTF-8");
        throw error;
      }
    case "bytes":
      return reader.readLengthDelimited().slice();
    case "id":
      return toHex(reader.readLengthDelimited());
    case "bool":
      return reader.readVarint() !== 0n;
    case "int32":
      return Number(BigInt.asIntN(32, reader.readVarint()));
    case "uint32":
      return Number(BigInt.asUintN(32, reader.readVarint()));
    case "sint32": {
      const n = Number(BigInt.asUintN(32, reader.readVarint()));
      return (n >>> 1) ^ -(n & 1);
    }
    case "int64":
      return BigInt.asIntN(64, reader.readVarint());
    case "uint64":
      return reader.readVarint();
    case "fixed32":
      return reader.readFixed32();
    case "fixed64":
      return reader.readFixed64();
    case "sfixed64":
      return reader.readSfixed64();
    case "double":
      return reader.readDouble();
  }
}

const WIRE_TYPE_NAMES = ["varint", "64-bit", "length-delimited", "", "", "32-bit"];

function expectWireType(actual: number, expected: number): void {
  if (actual !== expected) {
    throw new Error(
      `wire type ${actual} (${WIRE_TYPE_NAMES[actual]}) where the schema has ${expected} (${
        WIRE_TYPE_NAMES[expected]
      })`,
    );
  }
}

function append(out: DecodedMessage, name: string, values: DecodedValue[]): void {
  const existing = out[name];
  if (Array.isArray(existing)) existing.push(...values);
  else out[name] = values;
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
