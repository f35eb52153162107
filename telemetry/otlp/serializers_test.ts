import assert from "node:assert/strict";
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { recordServiceBatch } from "./_service_batch.ts";
import {
  EncodedLogsSerializer,
  EncodedTraceSerializer,
  OtlpProtobufLogsSerializer,
  OtlpProtobufTraceSerializer,
} from "./serializers.ts";
import { ProtoWriter, WireType } from "./writer.ts";

/** An `Export*ServiceResponse` with a partial success: 3 rejected, and a message. */
function partialSuccess(): Uint8Array {
  const writer = new ProtoWriter();
  writer.tag(1, WireType.LEN);
  const at = writer.begin(1);
  writer.tag(1, WireType.VARINT);
  writer.uint32(3);
  writer.tag(2, WireType.LEN);
  writer.string("3 items were too old");
  writer.end(at, 1);
  return writer.finish();
}

Deno.test("the serializers encode requests with the project's encoders, byte for byte the transformer's", async () => {
  const { spans, logRecords } = await recordServiceBatch(3);
  assert.deepEqual(
    OtlpProtobufTraceSerializer.serializeRequest(spans),
    ProtobufTraceSerializer.serializeRequest(spans),
  );
  assert.deepEqual(
    OtlpProtobufLogsSerializer.serializeRequest(logRecords),
    ProtobufLogsSerializer.serializeRequest(logRecords),
  );
});

Deno.test("the serializers read responses, partial successes included, as the transformer does", () => {
  const response = partialSuccess();
  assert.deepEqual(OtlpProtobufTraceSerializer.deserializeResponse(response), {
    partialSuccess: { rejectedSpans: 3, errorMessage: "3 items were too old" },
  });
  assert.deepEqual(OtlpProtobufLogsSerializer.deserializeResponse(response), {
    partialSuccess: { rejectedLogRecords: 3, errorMessage: "3 items were too old" },
  });
  assert.deepEqual(OtlpProtobufTraceSerializer.deserializeResponse(new Uint8Array()), {});
});

Deno.test("the encoded-batch serializers send the batch's bytes as they are and read responses as the others do", () => {
  const bytes = new Uint8Array([10, 0]);
  assert.equal(EncodedTraceSerializer.serializeRequest({ bytes, count: 1 }), bytes);
  assert.equal(EncodedLogsSerializer.serializeRequest({ bytes, count: 1 }), bytes);
  const response = partialSuccess();
  assert.deepEqual(EncodedTraceSerializer.deserializeResponse(response), {
    partialSuccess: { rejectedSpans: 3, errorMessage: "3 items were too old" },
  });
  assert.deepEqual(EncodedLogsSerializer.deserializeResponse(response), {
    partialSuccess: { rejectedLogRecords: 3, errorMessage: "3 items were too old" },
  });
});
