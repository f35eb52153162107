import assert from "node:assert/strict";
import { decodeOtlpProto } from "./_otlp_proto.ts";
import { normalizeExport } from "./_otlp_normalize.ts";

// A minimal protobuf writer, enough to hand-encode what the SDK never sends
// (summaries, exemplars, unpacked repeated fields, unknown fields).

type Bytes = number[];

function varint(value: bigint | number): Bytes {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  do {
    const low = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n ? low | 0x80 : low);
  } while (n);
  return out;
}

function tag(field: number, wireType: number): Bytes {
  return varint((field << 3) | wireType);
}

function int(field: number, value: bigint | number): Bytes {
  return [...tag(field, 0), ...varint(value)];
}

function sint(field: number, value: number): Bytes {
  return int(field, (value << 1) ^ (value >> 31));
}

function le64(value: bigint): Bytes {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return [...bytes];
}

function le64Double(value: number): Bytes {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return [...bytes];
}

function fixed64(field: number, value: bigint): Bytes {
  return [...tag(field, 1), ...le64(value)];
}

function double(field: number, value: number): Bytes {
  return [...tag(field, 1), ...le64Double(value)];
}

function message(field: number, ...parts: Bytes[]): Bytes {
  const body = parts.flat();
  return [...tag(field, 2), ...varint(body.length), ...body];
}

function string(field: number, value: string): Bytes {
  return message(field, [...new TextEncoder().encode(value)]);
}

function hexBytes(field: number, hex: string): Bytes {
  return message(field, hex.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
}

function keyValue(field: number, key: string, value: Bytes): Bytes {
  return message(field, string(1, key), message(2, value));
}

/** ExportMetricsServiceRequest with one resource, one scope and `metrics`. */
function metricsRequest(...metrics: Bytes[]): Uint8Array {
  return new Uint8Array(
    message(
      1,
      message(1, keyValue(1, "service.name", string(1, "proto-test"))),
      message(2, message(1, string(1, "scope")), ...metrics),
    ),
  );
}

Deno.test("decodeOtlpProto decodes summaries with their quantiles", () => {
  const summary = message(
    2,
    string(1, "app.latency"),
    message(
      11,
      message(
        1,
        fixed64(2, 10n),
        fixed64(3, 20n),
        fixed64(4, 3n),
        double(5, 1.5),
        message(6, double(1, 0.5), double(2, 0.4)),
        message(6, double(1, 0.99), double(2, 0.9)),
        keyValue(7, "app.kind", string(1, "x")),
      ),
    ),
  );
  const { metrics } = normalizeExport(
    "metrics",
    decodeOtlpProto("metrics", metricsRequest(summary)),
  );
  assert.deepEqual(metrics, [{
    name: "app.latency",
    unit: "",
    description: "",
    type: "summary",
    dataPoints: [{
      attributes: { "app.kind": "x" },
      startTimeUnixNano: 10n,
      timeUnixNano: 20n,
      flags: 0,
      exemplars: [],
      count: 3,
      sum: 1.5,
      quantiles: [{ quantile: 0.5, value: 0.4 }, { quantile: 0.99, value: 0.9 }],
    }],
    resource: { "service.name": "proto-test" },
    scope: "scope",
    scopeVersion: "",
  }]);
});

Deno.test("decodeOtlpProto decodes exemplars and negative integer values", () => {
  const gauge = message(
    2,
    string(1, "app.queue"),
    message(
      5,
      message(
        1,
        fixed64(3, 5n),
        fixed64(6, -42n), // asInt, sfixed64
        message(
          5,
          fixed64(2, 4n),
          double(3, 2.5),
          hexBytes(4, "b7ad6b7169203331"),
          hexBytes(5, "0af7651916cd43dd8448eb211c80319c"),
          keyValue(7, "user", string(1, "ada")),
        ),
      ),
    ),
  );
  const { metrics } = normalizeExport("metrics", decodeOtlpProto("metrics", metricsRequest(gauge)));
  const point = metrics[0]?.dataPoints[0];
  assert.equal(metrics[0]?.type, "gauge");
  assert.equal(point?.value, -42);
  assert.deepEqual(point.exemplars, [{
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    value: 2.5,
    timeUnixNano: 4n,
    filteredAttributes: { user: "ada" },
  }]);
});

Deno.test("decodeOtlpProto reads repeated scalars packed or not", async (t) => {
  function histogram(...fields: Bytes[]): Uint8Array {
    return metricsRequest(message(2, string(1, "h"), message(9, message(1, ...fields))));
  }

  await t.step("packed, as proto3 writes them", () => {
    const packedCounts = message(6, ...[1n, 2n, 0n].map(le64));
    const packedBounds = message(7, ...[0.1, 1].map(le64Double));
    const { metrics } = normalizeExport(
      "metrics",
      decodeOtlpProto("metrics", histogram(packedCounts, packedBounds)),
    );
    assert.deepEqual(metrics[0]?.dataPoints[0]?.bucketCounts, [1, 2, 0]);
    assert.deepEqual(metrics[0]?.dataPoints[0]?.explicitBounds, [0.1, 1]);
  });

  await t.step("unpacked, one field per value, as parsers must also accept", () => {
    const { metrics } = normalizeExport(
      "metrics",
      decodeOtlpProto("metrics", histogram(fixed64(6, 1n), fixed64(6, 2n), double(7, 0.1))),
    );
    assert.deepEqual(metrics[0]?.dataPoints[0]?.bucketCounts, [1, 2]);
    assert.deepEqual(metrics[0]?.dataPoints[0]?.explicitBounds, [0.1]);
  });
});

Deno.test("decodeOtlpProto decodes every AnyValue kind", () => {
  const body = [
    ...message(
      6,
      keyValue(1, "s", string(1, "text")),
      keyValue(1, "b", int(2, 1)),
      keyValue(1, "i", int(3, -9007199254740993n)),
      keyValue(1, "d", double(4, -0.5)),
      keyValue(1, "a", message(5, message(1, int(3, 1)), message(1, string(1, "two")))),
      keyValue(1, "raw", message(7, [0, 255])),
      keyValue(1, "empty", []),
    ),
  ];
  const request = message(
    1,
    message(2, message(2, fixed64(1, 7n), int(2, 17), message(5, body))),
  );
  const { logs } = normalizeExport("logs", decodeOtlpProto("logs", new Uint8Array(request)));
  assert.deepEqual(logs[0]?.body, {
    s: "text",
    b: true,
    i: -9007199254740993n,
    d: -0.5,
    a: [1, "two"],
    raw: new Uint8Array([0, 255]),
    empty: null,
  });
  assert.equal(logs[0]?.severityNumber, 17);
  assert.equal(logs[0]?.timeUnixNano, 7n);
});

Deno.test("decodeOtlpProto skips unknown fields and decodes sint32 scales", () => {
  const exponential = message(
    2,
    string(1, "e"),
    int(4, 99), // a field this decoder does not know (reserved in Metric)
    message(
      10,
      message(
        1,
        sint(6, -3),
        message(8, sint(1, -2), message(2, ...[4, 5].map((v) => varint(v)))),
        message(99, string(1, "future field")),
      ),
      int(2, 1),
    ),
  );
  const { metrics } = normalizeExport(
    "metrics",
    decodeOtlpProto("metrics", metricsRequest(exponential)),
  );
  assert.equal(metrics[0]?.temporality, 1);
  assert.equal(metrics[0]?.dataPoints[0]?.scale, -3);
  assert.deepEqual(metrics[0]?.dataPoints[0]?.positive, { offset: -2, bucketCounts: [4, 5] });
});

Deno.test("decodeOtlpProto rejects malformed input naming where it is", async (t) => {
  await t.step("a known field with the wrong wire type", () => {
    const request = new Uint8Array(message(1, message(2, message(2, int(1, 5)))));
    assert.throws(
      () => decodeOtlpProto("traces", request),
      {
        message: "Cannot decode protobuf: ExportTraceServiceRequest.resourceSpans[0]" +
          ".scopeSpans[0].spans[0].traceId: wire type 0 (varint) where the schema has 2" +
          " (length-delimited)",
      },
    );
  });

  await t.step("a string that is not UTF-8", () => {
    const request = new Uint8Array(message(1, message(2, message(2, message(5, [0xc3, 0x28])))));
    assert.throws(() => decodeOtlpProto("traces", request), {
      message: "Cannot decode protobuf: ExportTraceServiceRequest.resourceSpans[0]" +
        ".scopeSpans[0].spans[0].name: not valid UTF-8",
    });
  });
});

Deno.test("decodeOtlpProto names the truncated message in a cut-off request", () => {
  const whole = message(1, message(2, message(2, string(5, "span name"))));
  assert.throws(
    () => decodeOtlpProto("traces", new Uint8Array(whole.slice(0, -3))),
    {
      message: "Cannot decode protobuf: ExportTraceServiceRequest.resourceSpans[0]: " +
        "length 15 at byte 1 runs past the end of the input (14 bytes)",
    },
  );
});
