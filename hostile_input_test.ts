/**
 * Hostile input against the real service over real sockets: odd names,
 * malformed, oversized and duplicated propagation headers, huge URLs and
 * headers, slow clients and many idle connections. The service must answer
 * 200 or a 4xx, never a 5xx, write nothing unescaped to a log line or a
 * span, and stay up with bounded memory.
 *
 * The in-process property test over the same inputs is
 * `routes/app_property_test.ts`.
 */
import assert from "node:assert/strict";
import { rssMegabytes } from "./bench/proc.ts";
import { fetchLoad } from "./testing/load.ts";
import { OtlpReceiver } from "./testing/otlp_receiver.ts";
import { ServiceProcess } from "./testing/service_process.ts";

// What escapeUntrusted() must have removed from anything written out.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

const encoder = new TextEncoder();

/** Sends raw bytes on a new connection and returns the status line (or what happened instead). */
async function rawRequest(port: number, request: string | Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = typeof request === "string" ? encoder.encode(request) : request;
    let written = 0;
    try {
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    } catch {
      // The server may close before reading everything it refuses; its answer is still readable.
    }
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer).catch(() => null);
    return n === null
      ? "(closed)"
      : new TextDecoder().decode(buffer.subarray(0, n)).split("\r\n")[0] ?? "";
  } finally {
    conn.close();
  }
}

/** Asserts no string in `record` carries an unescaped control or format character. */
function assertEscaped(record: Readonly<Record<string, unknown>>, where: string): void {
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== "string") continue;
    assert.doesNotMatch(value, UNSAFE, `${where} ${key}: ${JSON.stringify(value)}`);
    assert.ok(value.length <= 2_048, `${where} ${key} is ${value.length} characters long`);
  }
}

/** [what, query string after `/greet?`, expected status] */
const NAMES: readonly (readonly [string, string, 200 | 400])[] = [
  ["an empty name", "name=", 400],
  ["65 characters", `name=${"a".repeat(65)}`, 400],
  ["10 kB", `name=${"a".repeat(10_000)}`, 400],
  ["invalid UTF-8 percent-escapes", "name=%ff%fe%C0%AF", 400],
  ["a truncated UTF-8 sequence", "name=Ad%E2%82", 400],
  ["NUL and escape sequences", "name=a%00%1b%5b31mb", 400],
  ["a newline forging a log line", "name=Ada%0A%7B%22level%22%3A%22ERROR%22%7D", 400],
  ["CR LF", "name=Ada%0D%0Aforged", 400],
  ["HTML and script", "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400],
  ["SQL-ish text", `name=${encodeURIComponent("Robert'); DROP TABLE students;--")}`, 400],
  ["an RTL override", "name=%E2%80%AEevil", 400],
  ["a zero-width space", "name=Ad%E2%80%8Ba", 400],
  ["emoji", "name=%F0%9F%98%80", 400],
  ["a repeated name", "name=Ada&name=Grace", 400],
  ["a name with an accent", "name=Zo%C3%AB", 200],
  ["a CJK name", "name=%E6%9D%8E", 200],
  ["an apostrophe and hyphen", "name=O'Brien-Smith", 200],
];

Deno.test("hostile names get 200 or a 400 problem, never a 500, and nothing unescaped reaches a log line or a span", async (t) => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    service = svc;
    for (const [what, query, expected] of NAMES) {
      await t.step(`${what}: ${expected}`, async () => {
        const response = await fetch(`${svc.url}/greet?${query}`);
        const body = await response.json();
        assert.equal(response.status, expected, JSON.stringify(body));
        if (expected === 400) {
          assert.equal(response.headers.get("content-type"), "application/problem+json");
          assert.equal(body.status, 400);
          assert.doesNotMatch(body.detail, UNSAFE);
          assert.doesNotMatch(body.detail, /<script|DROP TABLE/, "the detail never echoes input");
        }
      });
    }
    await t.step(
      "a 1 MB name is refused by the HTTP parser with a 4xx before the handler",
      async () => {
        // Raw bytes: fetch itself refuses a URL that long.
        const status = await rawRequest(
          Number(new URL(svc.url).port),
          `GET /greet?name=${"a".repeat(1 << 20)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        );
        assert.match(status, /^HTTP\/1\.1 4\d\d |^\(closed\)$/, status);
      },
    );
    await t.step(
      "a hostile path and user agent are escaped in the span and the log line",
      async () => {
        // Raw bytes: fetch refuses such header values, a hostile client does not.
        const status = await rawRequest(
          Number(new URL(svc.url).port),
          new Uint8Array([
            ...encoder.encode("GET /%0Aforged%E2%80%AE HTTP/1.1\r\nHost: x\r\nUser-Agent: curl"),
            // U+202E in UTF-8, then NEL: bytes HTTP allows in a header value
            // (obs-text), which Deno hands over as Latin-1 C1 controls.
            0xe2,
            0x80,
            0xae,
            0x85,
            ...encoder.encode("\r\nConnection: close\r\n\r\n"),
          ]),
        );
        assert.match(status, /^HTTP\/1\.1 404/);
      },
    );
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);

    for (const line of svc.lines) assertEscaped(line, "log line");
    assert.ok(svc.lines.every((l) => l.msg !== "(not JSON)"), "every stdout line is one record");
    const everything = JSON.stringify(svc.lines) +
      JSON.stringify(receiver.logs, (_, v) => typeof v === "bigint" ? String(v) : v);
    assert.doesNotMatch(everything, /alert\(1\)|DROP TABLE|forged\\"/, "input never logged raw");
    for (const span of receiver.spans) assertEscaped(span.attributes, `span ${span.name}`);
    for (const log of receiver.logs) assertEscaped(log.attributes, `log record ${log.body}`);
    const unmatched = receiver.spans.find((s) => s.name === "GET");
    assert.equal(unmatched?.attributes["url.path"], "/%0Aforged%E2%80%AE");
    assert.equal(unmatched?.attributes["user_agent.original"], "curl\u00e2\\u0080\u00ae\\u0085");
    // Every request that reached the handler has its span: the 1 MB one did not.
    assert.equal(receiver.spans.filter((s) => s.name === "GET /greet").length, NAMES.length);
    assert.ok(
      receiver.spans.filter((s) => s.name === "GET /greet")
        .every((s) => s.attributes["http.response.status_code"] !== 500),
    );
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

const TRACE = "2dda188c6312c9bc213cb4791c6fece1";
const SPAN = "4f8b49fc5c8f4531";

/** [what, header lines, whether the span joins TRACE] */
const PROPAGATION: readonly (readonly [string, string, boolean])[] = [
  ["a valid traceparent", `traceparent: 00-${TRACE}-${SPAN}-01`, true],
  [
    "a duplicated traceparent",
    `traceparent: 00-${TRACE}-${SPAN}-01\r\ntraceparent: 00-${"1".repeat(32)}-${SPAN}-01`,
    false,
  ],
  ["a 10 kB traceparent", `traceparent: 00-${TRACE}-${SPAN}-01${"0".repeat(10_000)}`, false],
  ["an all-zero trace id", `traceparent: 00-${"0".repeat(32)}-${SPAN}-01`, false],
  ["version ff", `traceparent: ff-${TRACE}-${SPAN}-01`, false],
  ["uppercase hex", `traceparent: 00-${TRACE.toUpperCase()}-${SPAN}-01`, false],
  [
    "a 100-member tracestate",
    `traceparent: 00-${TRACE}-${SPAN}-01\r\ntracestate: ${
      Array.from({ length: 100 }, (_, i) => `k${i}=v${i}`).join(",")
    }`,
    true,
  ],
  [
    "an 8 kB tracestate",
    `traceparent: 00-${TRACE}-${SPAN}-01\r\ntracestate: k=${"v".repeat(8_000)}`,
    true,
  ],
  [
    "duplicated tracestate headers",
    `traceparent: 00-${TRACE}-${SPAN}-01\r\ntracestate: a=1\r\ntracestate: b=2`,
    true,
  ],
  ["a malformed tracestate", `traceparent: 00-${TRACE}-${SPAN}-01\r\ntracestate: ===,,,%%`, true],
  [
    "a 16 kB baggage",
    `baggage: ${Array.from({ length: 400 }, (_, i) => `k${i}=${"v".repeat(40)}`).join(",")}`,
    false,
  ],
  ["a malformed baggage", "baggage: ;;;==%%%,,", false],
  ["duplicated baggage headers", "baggage: a=1\r\nbaggage: a=2", false],
];

Deno.test("malformed, oversized and duplicated propagation headers are ignored or cut per W3C, never an error or a huge span", async (t) => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    service = svc;
    const port = Number(new URL(svc.url).port);
    for (const [what, lines] of PROPAGATION) {
      await t.step(`${what}: 200`, async () => {
        const status = await rawRequest(
          port,
          `GET /greet?name=${encodeURIComponent(what)} HTTP/1.1\r\nHost: x\r\n${lines}\r\n` +
            "Connection: close\r\n\r\n",
        );
        assert.equal(status, "HTTP/1.1 200 OK");
      });
    }
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    const spans = receiver.spans.filter((s) => s.name === "GET /greet");
    assert.equal(spans.length, PROPAGATION.length);
    for (const [what, , joins] of PROPAGATION) {
      // Requests were sequential, so spans are exported in request order.
      const span = spans[PROPAGATION.findIndex(([w]) => w === what)];
      assert.ok(span, what);
      assert.equal(span.traceId === TRACE && span.parentSpanId === SPAN, joins, what);
      const state = span.traceState ?? "";
      assert.ok(state.length <= 512, `${what}: tracestate of ${state.length} characters`);
      assert.ok(state === "" || state.split(",").length <= 32, `${what}: at most 32 members`);
      assert.ok(
        JSON.stringify(span.attributes).length < 4_096,
        `${what}: span attributes stay small`,
      );
    }
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("huge URLs and headers, slow clients and 1,000 idle connections leave the service up and within 64 MiB more memory", async (t) => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  const idle: Deno.TcpConn[] = [];
  try {
    const svc = await ServiceProcess.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SHUTDOWN_TIMEOUT_MS: "2000" },
    });
    service = svc;
    const port = Number(new URL(svc.url).port);
    // Warm up, so the baseline includes the JIT and the SDK's first exports.
    await fetchLoad(`${svc.url}/greet`, { requests: 500, concurrency: 8 });
    const baseline = rssMegabytes(svc.pid);

    const huge: readonly (readonly [string, string])[] = [
      ["a 1 MB URL", `GET /greet?name=${"a".repeat(1 << 20)} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ["a 1 MB header", `GET /greet HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(1 << 20)}\r\n\r\n`],
      [
        "10,000 headers",
        `GET /greet HTTP/1.1\r\nHost: x\r\n${
          Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v`).join("\r\n")
        }\r\n\r\n`,
      ],
      [
        "a 1 MB baggage",
        `GET /greet HTTP/1.1\r\nHost: x\r\nbaggage: k=${"v".repeat(1 << 20)}\r\n\r\n`,
      ],
      ["a request line of garbage", "\x00\x01\x02 / HTTP/9.9\r\n\r\n"],
    ];
    for (const [what, request] of huge) {
      await t.step(`${what} is refused with a 4xx or a closed connection`, async () => {
        const status = await rawRequest(port, request);
        assert.match(status, /^HTTP\/1\.1 4\d\d |^\(closed\)$/, status);
      });
    }

    await t.step("500 slow clients and 500 idle connections do not stop /greet", async () => {
      for (let i = 0; i < 1_000; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        idle.push(conn);
        // Half send an unfinished request (a slowloris), half nothing at all.
        if (i % 2 === 0) {
          await conn.write(encoder.encode("GET /greet HTTP/1.1\r\nHost: x\r\nX-A: "));
        }
      }
      const load = await fetchLoad(`${svc.url}/greet?name=Ada`, {
        requests: 2_000,
        concurrency: 16,
      });
      // That these complete at all, with the slow clients still connected, is
      // the check: how fast they complete depends on the machine, not the service.
      assert.deepEqual(load.failures, []);
      assert.equal(load.ok, 2_000);
    });

    const peak = rssMegabytes(svc.pid);
    assert.ok(
      peak - baseline < 64,
      `RSS grew from ${baseline.toFixed(0)} to ${peak.toFixed(0)} MiB`,
    );

    await t.step(
      "SIGTERM with the slow clients still connected exits 0",
      async () => {
        // The slow clients never finish their requests; should the server
        // wait for them, the shutdown budget ends the wait. Exiting at all,
        // with code 0, is the check.
        const status = await svc.stop("SIGTERM");
        assert.equal(status.code, 0, svc.stderr);
        assert.doesNotMatch(svc.stderr, /error|uncaught|panic/i);
      },
    );
  } finally {
    for (const conn of idle) conn.close();
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});
