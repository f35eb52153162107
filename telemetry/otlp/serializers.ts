/**
 * The project's OTLP protobuf encoders as the `ISerializer`s the OTLP
 * exporters take: requests are encoded here, responses are read by
 * `@opentelemetry/otlp-transformer`'s own deserializers, unchanged.
 *
 * @module
 */
import {
  type IExportLogsServiceResponse,
  type IExportTraceServiceResponse,
  type ISerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { EncodedBatch } from "./envelope.ts";
import { encodeLogsRequest } from "./logs_encoder.ts";
import { encodeTraceRequest } from "./trace_encoder.ts";

/** OTLP/HTTP protobuf for spans: the project's encoder, the transformer's response reader. */
export const OtlpProtobufTraceSerializer: ISerializer<
  ReadableSpan[],
  IExportTraceServiceResponse
> = {
  serializeRequest: encodeTraceRequest,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

/** OTLP/HTTP protobuf for log records: the project's encoder, the transformer's response reader. */
export const OtlpProtobufLogsSerializer: ISerializer<
  ReadableLogRecord[],
  IExportLogsServiceResponse
> = {
  serializeRequest: encodeLogsRequest,
  deserializeResponse: (data) => ProtobufLogsSerializer.deserializeResponse(data),
};

/** Span requests the encoding processor already encoded: sent as they are. */
export const EncodedTraceSerializer: ISerializer<EncodedBatch, IExportTraceServiceResponse> = {
  serializeRequest: (batch) => batch.bytes,
  deserializeResponse: OtlpProtobufTraceSerializer.deserializeResponse,
};

/** Log record requests the encoding processor already encoded: sent as they are. */
export const EncodedLogsSerializer: ISerializer<EncodedBatch, IExportLogsServiceResponse> = {
  serializeRequest: (batch) => batch.bytes,
  deserializeResponse: OtlpProtobufLogsSerializer.deserializeResponse,
};
