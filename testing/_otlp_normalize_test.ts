import assert from "node:assert/strict";
import { normalizeExport, signalOf } from "./_otlp_normalize.ts";

/** A line as the collector's file exporter writes it (OTLP JSON). */
const COLLECTOR_LINE = {
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "x" } }] },
    scopeSpans: [{
      scope: { name: "s", version: "1.0" },
      spans: [{
        traceId: "5B8EFFF798038103D269B633813FC60C",
        spanId: "eee19b7ec3c1b174",
        parentSpanId: "",
        traceState: "k=v",
        name: "fixture",
        kind: 2,
        startTimeUnixNano: "1544712660000000000",
        endTimeUnixNano: 1544712661000000000,
        attributes: [
          { key: "n", value: { intValue: "-7" } },
          { key: "big", value: { intValue: "9007199254740993" } },
          { key: "b", value: { bytesValue: "AAH+/w==" } },
          { key: "nan", value: { doubleValue: "NaN" } },
          { key: "inf", value: { doubleValue: "-Infinity" } },
        ],
        links: [{ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" }],
        status: {},
        futureField: { anything: true },
      }],
    }],
  }],
};

Deno.test("normalizeExport reads OTLP JSON as the collector writes it", () => {
  const { spans } = normalizeExport("traces", COLLECTOR_LINE);
  assert.deepEqual(spans, [{
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId: "eee19b7ec3c1b174",
    parentSpanId: undefined,
    traceState: "k=v",
    name: "fixture",
    kind: 2,
    startTimeUnixNano: 1_544_712_660_000_000_000n,
    endTimeUnixNano: 1_544_712_661_000_000_000n,
    attributes: {
      n: -7,
      big: 9007199254740993n,
      b: new Uint8Array([0, 1, 254, 255]),
      nan: NaN,
      inf: -Infinity,
    },
    events: [],
    links: [{
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      attributes: {},
    }],
    status: { code: 0 },
    resource: { "service.name": "x" },
    scope: "s",
    scopeVersion: "1.0",
  }]);
});

Deno.test("normalizeExport treats empty and all-zero ids as absent", () => {
  const { logs } = normalizeExport("logs", {
    resourceLogs: [{
      scopeLogs: [{
        logRecords: [
          { traceId: "", spanId: "" },
          { traceId: "00000000000000000000000000000000", spanId: "0000000000000000" },
        ],
      }],
    }],
  });
  assert.deepEqual(logs.map((l) => [l.traceId, l.spanId, l.body]), [
    [undefined, undefined, undefined],
    [undefined, undefined, undefined],
  ]);
  assert.deepEqual(logs[0] && [logs[0].timeUnixNano, logs[0].severityNumber, logs[0].scope], [
    0n,
    0,
    "",
  ]);
});

Deno.test("normalizeExport rejects fields of the wrong type, naming their path", async (t) => {
  await t.step("a span name that is a number", () => {
    assert.throws(
      () =>
        normalizeExport("traces", {
          resourceSpans: [{
            scopeSpans: [{ spans: [{ traceId: "01", spanId: "02", name: 5 }] }],
          }],
        }),
      {
        message: "Cannot read OTLP field resourceSpans[0].scopeSpans[0].spans[0].name: " +
          "expected a string, got 5",
      },
    );
  });

  await t.step("a trace id that is not hex", () => {
    assert.throws(
      () =>
        normalizeExport("traces", {
          resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "W4708XWgA0Y=" }] }] }],
        }),
      /spans\[0\]\.traceId: expected a hex id, got "W4708XWgA0Y="/,
    );
  });

  await t.step("a metric with no data", () => {
    assert.throws(
      () =>
        normalizeExport("metrics", {
          resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "m" }] }] }],
        }),
      /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\] has none of sum, gauge/,
    );
  });

  await t.step("a timestamp that is not an integer", () => {
    assert.throws(
      () =>
        normalizeExport("logs", {
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: "1.5" }] }] }],
        }),
      /logRecords\[0\]\.timeUnixNano: expected a 64-bit integer, got "1.5"/,
    );
  });
});

Deno.test("signalOf() tells the signal of an export from its top-level key", () => {
  assert.equal(signalOf(COLLECTOR_LINE), "traces");
  assert.equal(signalOf({ resourceLogs: [] }), "logs");
  assert.equal(signalOf({ resourceMetrics: [] }), "metrics");
  assert.equal(signalOf({ resourceProfiles: [] }), undefined);
  assert.equal(signalOf("resourceSpans"), undefined);
});
