import assert from "node:assert/strict";
import { describeTelemetry, type ReceivedSpan } from "./otlp_types.ts";

function span(name: string): ReceivedSpan {
  return {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    parentSpanId: undefined,
    traceState: undefined,
    name,
    kind: 1,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    events: [],
    links: [],
    status: { code: 0 },
    resource: {},
    scope: "",
    scopeVersion: "",
  };
}

Deno.test("describeTelemetry() counts each signal and lists distinct names", async (t) => {
  await t.step("with nothing received", () => {
    assert.equal(
      describeTelemetry({ spans: [], logs: [], metrics: [] }),
      "0 spans, 0 logs, 0 metrics",
    );
  });

  await t.step("quoting each distinct name once", () => {
    assert.equal(
      describeTelemetry({ spans: [span("a"), span("a"), span("b")], logs: [], metrics: [] }),
      '3 spans ("a", "b"), 0 logs, 0 metrics',
    );
  });

  await t.step("showing ten names and counting the rest", () => {
    const spans = Array.from({ length: 12 }, (_, i) => span(`s${i}`));
    assert.match(
      describeTelemetry({ spans, logs: [], metrics: [] }),
      /^12 spans \("s0", .*, "s9", and 2 more\), 0 logs, 0 metrics$/,
    );
  });
});
