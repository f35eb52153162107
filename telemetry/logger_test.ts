import assert from "node:assert/strict";
import fc from "fast-check";
import { context, ROOT_CONTEXT, SeverityNumber, trace } from "@opentelemetry/api";
import { escapeUntrusted } from "./escape.ts";
import { createLogger } from "./logger.ts";
import { createInMemoryTelemetry } from "../testing/in_memory_telemetry.ts";

Deno.test("logger drops records below LOG_LEVEL before doing any work", () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "warn", format: "json", write: (l) => lines.push(l) });
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  assert.deepEqual(lines.map((l) => JSON.parse(l).level), ["WARN", "ERROR"]);
});

Deno.test("logger emits OTel records with severity, body, attributes and the active span's ids", async () => {
  const telemetry = createInMemoryTelemetry();
  const lines: string[] = [];
  try {
    const logger = createLogger({
      level: "info",
      format: "json",
      otelLogger: telemetry.otelLogger,
      write: (l) => lines.push(l),
    });
    const span = telemetry.tracer.startSpan("work");
    context.with(trace.setSpan(context.active(), span), () => logger.warn("slow", { n: 3 }));
    span.end();
    const [record] = telemetry.logRecords();
    assert.ok(record);
    assert.equal(record.severityNumber, SeverityNumber.WARN);
    assert.equal(record.severityText, "WARN");
    assert.equal(record.body, "slow");
    assert.deepEqual(record.attributes, { n: 3 });
    assert.equal(record.spanContext?.traceId, span.spanContext().traceId);
    const line = JSON.parse(lines[0] ?? "");
    assert.equal(line.trace_id, span.spanContext().traceId);
    assert.equal(line.span_id, span.spanContext().spanId);
    assert.equal(line.n, 3);
  } finally {
    await telemetry.shutdown();
  }
});

Deno.test("logger escapes untrusted text so it cannot forge or reorder log lines", async (t) => {
  const hostile = "x\nINFO fake record\u202Egnp.exe\u0000\u001b[31m";
  const raw = ["\n", "\u202E", "\u0000", "\u001b"];
  const assertNoRaw = (line: string): void => {
    for (const c of raw) assert.ok(!line.includes(c), `raw ${JSON.stringify(c)} in ${line}`);
  };
  await t.step("in JSON lines", () => {
    const lines: string[] = [];
    createLogger({ level: "info", format: "json", write: (l) => lines.push(l) })
      .info("m", { "url.path": hostile });
    assert.equal(lines.length, 1);
    const line = lines[0] ?? "";
    assertNoRaw(line);
    assert.equal(
      JSON.parse(line)["url.path"],
      "x\\u000aINFO fake record\\u202egnp.exe\\u0000\\u001b[31m",
    );
  });
  await t.step("in text lines, quoted", () => {
    const lines: string[] = [];
    createLogger({ level: "info", format: "text", write: (l) => lines.push(l) })
      .info("m", { path: hostile, plain: "/greet", count: 2 });
    const line = lines[0] ?? "";
    assertNoRaw(line);
    assert.match(line, / INFO {2}m path="x\\\\u000aINFO fake record/);
    assert.match(line, / plain=\/greet count=2$/);
  });
});

Deno.test("logger leaves attributes that are undefined out of the record and the line", async () => {
  const telemetry = createInMemoryTelemetry();
  const lines: string[] = [];
  try {
    const logger = createLogger({
      level: "info",
      format: "json",
      otelLogger: telemetry.otelLogger,
      write: (l) => lines.push(l),
    });
    logger.info("m", { route: undefined, status: 404 });
    assert.deepEqual(telemetry.logRecords()[0]?.attributes, { status: 404 });
    const line = JSON.parse(lines[0] ?? "");
    assert.equal("route" in line, false);
    assert.equal(line.status, 404);
  } finally {
    await telemetry.shutdown();
  }
});

/** The JSON line as the logger first wrote it: every field copied into one object. */
function oracleLine(
  time: string,
  message: string,
  attributes: Record<string, string | number | boolean | undefined>,
  ids: { traceId: string; spanId: string } | undefined,
): string {
  const line: Record<string, string | number | boolean> = { time, level: "INFO", msg: message };
  if (ids) {
    line.trace_id = ids.traceId;
    line.span_id = ids.spanId;
  }
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) line[key] = typeof value === "string" ? escapeUntrusted(value) : value;
  }
  return JSON.stringify(line);
}

const IDS = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
const TRACED = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ ...IDS, traceFlags: 1 }));
const attributeValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(undefined),
);
const attributeKey = fc.oneof(
  fc.constantFrom("time", "msg", "span_id", "0", "42"),
  fc.string({ maxLength: 12 }),
);

Deno.test("logger writes the same JSON line as copying every field into one object, for any attributes", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.dictionary(attributeKey, attributeValue, { maxKeys: 8 }),
      fc.boolean(),
      (message, attributes, withSpan) => {
        const lines: string[] = [];
        createLogger({ level: "info", format: "json", write: (l) => lines.push(l) })
          .info(message, attributes, withSpan ? TRACED : ROOT_CONTEXT);
        const line = lines[0] ?? "";
        const time = String(JSON.parse(line).time);
        assert.equal(line, oracleLine(time, message, attributes, withSpan ? IDS : undefined));
      },
    ),
    { seed: 20261130, numRuns: 1000 },
  );
});
