import assert from "node:assert/strict";
import { spansOfTrace, traceIdHex } from "./tempo_trace.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
/** The same id as Tempo writes it: base64 of the 16 bytes. */
const TRACE_BASE64 = "S/kvNXezTaajzpKdDg5HNg==";

function body(...traceIds: string[]): string {
  return JSON.stringify({
    trace: {
      resourceSpans: [{
        resource: { attributes: [] },
        scopeSpans: [{ spans: traceIds.map((traceId) => ({ traceId, name: "GET /greet" })) }],
      }],
    },
    metrics: {},
  });
}

Deno.test("traceIdHex() reads Tempo's base64 and OTLP/JSON's hex ids alike", () => {
  assert.equal(traceIdHex(TRACE_BASE64), TRACE);
  assert.equal(traceIdHex(TRACE.toUpperCase()), TRACE);
  assert.equal(traceIdHex("AAAA"), undefined, "3 bytes is no trace id");
  assert.equal(traceIdHex("not base64!"), undefined);
});

Deno.test("spansOfTrace() counts only spans of the trace asked for", async (t) => {
  await t.step("Tempo's answer for an id it does not hold has none", () => {
    assert.equal(spansOfTrace('{"trace":{},"metrics":{}}', TRACE), 0);
  });
  await t.step("spans with the id, in base64 or hex, count", () => {
    assert.equal(spansOfTrace(body(TRACE_BASE64, TRACE), TRACE), 2);
  });
  await t.step("another trace's spans do not", () => {
    assert.equal(spansOfTrace(body("AAAAAAAAAAAAAAAAAAAAAA=="), TRACE), 0);
  });
  await t.step("a body that is not JSON, or not a trace, has none", () => {
    assert.equal(spansOfTrace("404 page not found", TRACE), 0);
    assert.equal(spansOfTrace('{"trace":[]}', TRACE), 0);
  });
});
