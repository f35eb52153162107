/**
 * The log record encoder writes exactly the bytes of
 * `@opentelemetry/otlp-transformer`'s `ProtobufLogsSerializer`, for
 * generated batches over the whole input space and for records the SDK
 * emits, and what it writes decodes to the records' fields.
 *
 * A fixed seed keeps CI reproducible; `FC_SEED=<n>` and `FC_RUNS=<n>` run
 * other or longer explorations, e.g.
 * `FC_RUNS=100000 deno test -A telemetry/otlp/logs_encoder_test.ts`.
 */
import assert from "node:assert/strict";
import { ROOT_CONTEXT, SeverityNumber, trace, TraceFlags } from "@opentelemetry/api";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import fc from "fast-check";
import { type DecodedMessage, decodeOtlpProto } from "../../testing/_otlp_proto.ts";
import { logBatch } from "./_arbitraries.ts";
import { assertSameBytes } from "./_assert_same_bytes.ts";
import { recordServiceBatch } from "./_service_batch.ts";
import { encodeLogsRequest } from "./logs_encoder.ts";

const SEED = Number(Deno.env.get("FC_SEED") ?? "20261130");
const RUNS = Number(Deno.env.get("FC_RUNS") ?? "5000");

/**
 * Encodes `records` twice against the transformer: the second time the
 * resources, scopes and attributes come from the encoder's memos.
 */
function assertLikeTransformer(records: ReadableLogRecord[]): void {
  const expected = ProtobufLogsSerializer.serializeRequest(records);
  assertSameBytes("logs", encodeLogsRequest(records), expected);
  assertSameBytes("logs", encodeLogsRequest(records), expected);
}

Deno.test("encodeLogsRequest() writes the transformer's bytes for any batch of log records", () => {
  fc.assert(
    fc.property(logBatch, assertLikeTransformer),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});

const SPAN_CONTEXT = {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: TraceFlags.SAMPLED,
};

/** Records of two resources and two loggers, with every kind of body. */
async function emitVariedRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const providers = ["greet-api", "other"].map((name) =>
    new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": name }, {
        schemaUrl: "https://opentelemetry.io/schemas/1.37.0",
      }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
      // Small limits, so that attributes are dropped and counted.
      logRecordLimits: { attributeCountLimit: 3 },
    })
  );
  const bodies: unknown[] = [
    "GET /hello/:name 200",
    "ünïcödé 😀",
    42,
    0.5,
    true,
    null,
    new Uint8Array([0, 1, 255]),
    ["a", 1, [], { nested: { deeper: [false] } }],
    { message: "structured", count: 2 },
    undefined,
  ];
  try {
    for (const provider of providers) {
      const loggers = [
        provider.getLogger("greet-api", "0.1.0", { schemaUrl: "https://example.com/s" }),
        provider.getLogger("nameless"),
      ];
      for (const logger of loggers) {
        for (const body of bodies) {
          logger.emit({
            severityNumber: SeverityNumber.INFO,
            severityText: "INFO",
            body,
            attributes: { "http.route": "/hello/:name", "http.response.status_code": 200 },
            context: trace.setSpanContext(ROOT_CONTEXT, SPAN_CONTEXT),
          });
        }
        logger.emit({
          eventName: "app.started",
          severityNumber: SeverityNumber.WARN,
          attributes: { a: 1, b: 2, c: 3, d: "dropped" },
        });
      }
    }
    return exporter.getFinishedLogRecords();
  } finally {
    await Promise.all(providers.map((provider) => provider.shutdown()));
  }
}

Deno.test("encodeLogsRequest() writes the transformer's bytes for records the SDK emitted", async (t) => {
  await t.step(
    "records with every kind of body, events, span contexts and dropped counts",
    async () => {
      const records = await emitVariedRecords();
      assert.equal(records.length, 44);
      assertLikeTransformer(records);
    },
  );
  await t.step("512 of the service's own access log records", async () => {
    const { logRecords } = await recordServiceBatch(512);
    assertLikeTransformer(logRecords);
    assertLikeTransformer(logRecords.slice(100, 101));
  });
});

Deno.test("encodeLogsRequest() of no records is an empty request", () => {
  assert.equal(encodeLogsRequest([]).length, 0);
  assertLikeTransformer([]);
});

Deno.test("encodeLogsRequest() returns bytes that later calls leave alone", async () => {
  const { logRecords } = await recordServiceBatch(20);
  const first = encodeLogsRequest(logRecords.slice(0, 10));
  const copy = first.slice();
  const second = encodeLogsRequest(logRecords.slice(10));
  assert.deepEqual(first, copy);
  assert.notEqual(first.buffer, second.buffer);
});

Deno.test("what encodeLogsRequest() writes decodes to the records' fields", async () => {
  const records = await emitVariedRecords();
  const decoded = decodeOtlpProto("logs", encodeLogsRequest(records));
  const resourceLogs = decoded.resourceLogs as DecodedMessage[];
  assert.equal(resourceLogs.length, 2);
  const scopeLogs = resourceLogs[0]?.scopeLogs as DecodedMessage[];
  assert.deepEqual(scopeLogs.map((s) => s.scope), [
    { name: "greet-api", version: "0.1.0" },
    { name: "nameless" },
  ]);
  const logRecords = scopeLogs[0]?.logRecords as DecodedMessage[];
  const [first] = records;
  assert.ok(first !== undefined);
  const [seconds, nanos] = first.hrTimeObserved;
  assert.deepEqual(logRecords[0], {
    timeUnixNano: BigInt(first.hrTime[0]) * 1_000_000_000n + BigInt(first.hrTime[1]),
    severityNumber: SeverityNumber.INFO,
    severityText: "INFO",
    body: { stringValue: "GET /hello/:name 200" },
    attributes: [
      { key: "http.route", value: { stringValue: "/hello/:name" } },
      { key: "http.response.status_code", value: { intValue: 200n } },
    ],
    droppedAttributesCount: 0,
    flags: TraceFlags.SAMPLED,
    traceId: SPAN_CONTEXT.traceId,
    spanId: SPAN_CONTEXT.spanId,
    observedTimeUnixNano: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
  });
  assert.deepEqual(logRecords.slice(1, 9).map((r) => r.body), [
    { stringValue: "ünïcödé 😀" },
    { intValue: 42n },
    { doubleValue: 0.5 },
    { boolValue: true },
    {}, // null: an AnyValue with nothing set
    { bytesValue: new Uint8Array([0, 1, 255]) },
    {
      arrayValue: {
        values: [
          { stringValue: "a" },
          { intValue: 1n },
          { arrayValue: {} },
          {
            kvlistValue: {
              values: [{
                key: "nested",
                value: {
                  kvlistValue: {
                    values: [{
                      key: "deeper",
                      value: { arrayValue: { values: [{ boolValue: false }] } },
                    }],
                  },
                },
              }],
            },
          },
        ],
      },
    },
    {
      kvlistValue: {
        values: [
          { key: "message", value: { stringValue: "structured" } },
          { key: "count", value: { intValue: 2n } },
        ],
      },
    },
  ]);
  // An undefined body is left out; so are an unset severity text, span context and flags.
  const [withoutBody, event] = logRecords.slice(9);
  assert.equal(withoutBody !== undefined && "body" in withoutBody, false);
  assert.equal(event?.eventName, "app.started");
  assert.equal(event?.droppedAttributesCount, 1);
  assert.equal(event !== undefined && "traceId" in event, false);
  assert.equal(event !== undefined && "flags" in event, false);
});
