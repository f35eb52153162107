/**
 * Encodes `ReadableSpan`s as an OTLP `ExportTraceServiceRequest` in one
 * pass over one reused buffer: the bytes
 * `@opentelemetry/otlp-transformer@0.301.0`'s `ProtobufTraceSerializer`
 * produces, at a fraction of its cost (it sizes the request in a first
 * pass and allocates an array per trace and span id).
 *
 * Field numbers are those of opentelemetry/proto/trace/v1/trace.proto.
 * Which fields are written when empty follows the transformer: the
 * dropped counts, the status and the flags always; the trace state, the
 * parent span id, a SPAN_KIND_UNSPECIFIED kind and the schema URLs only
 * when set.
 *
 * @module
 */
import type { Link, SpanContext, SpanStatus } from "@opentelemetry/api";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace";
import { writeAttributes } from "./attributes.ts";
import { encodeExportRequest, RequestBuilder } from "./envelope.ts";
import { type ProtoWriter, WireType } from "./writer.ts";

/** The span flags bit saying whether the parent's remoteness is known (it always is here). */
const HAS_IS_REMOTE = 0x100;
/** The span flags bit saying the parent (or linked) context came from another process. */
const IS_REMOTE = 0x200;

/** Reused by every call: encoding is synchronous, and the result is copied out. */
const builder = new RequestBuilder<ReadableSpan>(writeSpan);

/**
 * Encodes `spans` as an `ExportTraceServiceRequest`. The returned bytes
 * are the caller's: later calls do not touch them.
 */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Uint8Array<ArrayBuffer> {
  return encodeExportRequest(builder, spans);
}

/** Writes `span` as field 2 of a `ScopeSpans`. */
export function writeSpan(writer: ProtoWriter, span: ReadableSpan): void {
  writer.tag(2, WireType.LEN);
  // A service span is a few hundred bytes: a two-byte length is the usual case.
  const at = writer.begin(2);
  const context = span.spanContext();
  writer.tag(1, WireType.LEN);
  writer.hexBytes(context.traceId);
  writer.tag(2, WireType.LEN);
  writer.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, WireType.LEN);
    writer.string(traceState);
  }
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    writer.tag(4, WireType.LEN);
    writer.hexBytes(parent.spanId);
  }
  writer.tag(5, WireType.LEN);
  writer.string(span.name);
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  const kind = span.kind === undefined || span.kind === null ? 0 : span.kind + 1;
  if (kind !== 0) {
    writer.tag(6, WireType.VARINT);
    writer.varint(kind);
  }
  writer.tag(7, WireType.I64);
  writer.hrTime(span.startTime);
  writer.tag(8, WireType.I64);
  writer.hrTime(span.endTime);
  if (span.attributes) writeAttributes(writer, span.attributes, 9);
  writer.tag(10, WireType.VARINT);
  writer.varint(span.droppedAttributesCount);
  for (const event of span.events) writeEvent(writer, event);
  writer.tag(12, WireType.VARINT);
  writer.varint(span.droppedEventsCount);
  for (const link of span.links) writeLink(writer, link);
  writer.tag(14, WireType.VARINT);
  writer.varint(span.droppedLinksCount);
  writeStatus(writer, span.status);
  writer.tag(16, WireType.I32);
  writer.fixed32(spanFlags(context, parent?.isRemote));
  writer.end(at, 2);
}

/** Writes `event` as field 11 of a `Span`. */
function writeEvent(writer: ProtoWriter, event: TimedEvent): void {
  writer.tag(11, WireType.LEN);
  const at = writer.begin(1);
  writer.tag(1, WireType.I64);
  writer.hrTime(event.time);
  writer.tag(2, WireType.LEN);
  writer.string(event.name);
  if (event.attributes) writeAttributes(writer, event.attributes, 3);
  writer.tag(4, WireType.VARINT);
  writer.varint(event.droppedAttributesCount || 0);
  writer.end(at, 1);
}

/** Writes `link` as field 13 of a `Span`. */
function writeLink(writer: ProtoWriter, link: Link): void {
  writer.tag(13, WireType.LEN);
  const at = writer.begin(1);
  const context = link.context;
  writer.tag(1, WireType.LEN);
  writer.hexBytes(context.traceId);
  writer.tag(2, WireType.LEN);
  writer.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, WireType.LEN);
    writer.string(traceState);
  }
  if (link.attributes) writeAttributes(writer, link.attributes, 4);
  writer.tag(5, WireType.VARINT);
  writer.varint(link.droppedAttributesCount || 0);
  writer.tag(6, WireType.I32);
  writer.fixed32(spanFlags(context, context.isRemote));
  writer.end(at, 1);
}

/** Writes `status` as field 15 of a `Span`. */
function writeStatus(writer: ProtoWriter, status: SpanStatus): void {
  writer.tag(15, WireType.LEN);
  const at = writer.begin(1);
  if (status.message) {
    writer.tag(2, WireType.LEN);
    writer.string(status.message);
  }
  writer.tag(3, WireType.VARINT);
  writer.varint(status.code);
  writer.end(at, 1);
}

/** W3C trace flags in the low byte, and whether the parent (or link) is remote. */
function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  const flags = (context.traceFlags & 0xff) | HAS_IS_REMOTE;
  return isRemote ? flags | IS_REMOTE : flags;
}
