import assert from "node:assert/strict";
import { context, SeverityNumber, trace } from "@opentelemetry/api";
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
