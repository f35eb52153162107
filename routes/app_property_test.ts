/**
 * Property-based tests of the application handler over hostile input: any
 * `name` query (any Unicode, invalid UTF-8 percent-escapes, repeats, any
 * length) and any `traceparent`/`tracestate`/`baggage`/`user-agent` headers
 * (valid, malformed, oversized, duplicated).
 *
 * A fixed seed keeps CI reproducible; `FC_SEED=<n>` and `FC_RUNS=<n>` run
 * other or longer explorations, e.g. `FC_RUNS=20000 deno test -A routes/app_property_test.ts`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createApp } from "./app.ts";
import { createLogger } from "../telemetry/logger.ts";
import { createInMemoryTelemetry } from "../testing/in_memory_telemetry.ts";
import { MAX_UNTRUSTED_LENGTH } from "../telemetry/escape.ts";

const SEED = Number(Deno.env.get("FC_SEED") ?? "20261124");
const RUNS = Number(Deno.env.get("FC_RUNS") ?? "300");
const PARAMETERS: fc.Parameters<unknown> = { seed: SEED, numRuns: RUNS, endOnFailure: true };

// What escapeUntrusted() must have removed from anything written out.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
// An escaped value: at most the kept characters, escapes and the "...(N more)" mark.
const MAX_ESCAPED_LENGTH = MAX_UNTRUSTED_LENGTH * 6 + 32;

const info: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "192.168.1.50", port: 51000 },
  completed: Promise.resolve(),
};

/** Names a hostile client might try, mixed into arbitrary Unicode. */
const hostileFragment = fc.constantFrom(
  "<script>alert(1)</script>",
  "' OR '1'='1'; DROP TABLE users; --",
  "\u202eevil\u202c",
  "\u200b",
  "\n",
  "\r\nlevel=ERROR msg=forged",
  "\u0000",
  "\u001b[31m",
  "\u2028",
  "😀",
  "%",
  "Ada",
  "a".repeat(65),
);

/** A query value: arbitrary text encoded properly, or raw percent-escapes of arbitrary bytes. */
const nameQuery = fc.oneof(
  fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), hostileFragment), {
    maxLength: 6,
  }).map((parts) => encodeURIComponent(parts.join(""))),
  fc.uint8Array({ maxLength: 40 }).map((bytes) =>
    [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")
  ),
);

const hex = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

/** A traceparent: valid, valid-looking with a bad field, or junk. */
const traceparent = fc.oneof(
  fc.tuple(hex(32), hex(16), fc.constantFrom("00", "01")).map(([t, s, f]) => `00-${t}-${s}-${f}`),
  fc.tuple(hex(31), hex(16)).map(([t, s]) => `00-${t}-${s}-01`),
  fc.constant(`00-${"0".repeat(32)}-${"1".repeat(16)}-01`),
  fc.constant(`ff-${"a".repeat(32)}-${"b".repeat(16)}-01`),
  fc.string({ unit: "binary-ascii", maxLength: 200 }),
  fc.constant(`00-${"a".repeat(32)}-${"b".repeat(16)}-01${"x".repeat(10_000)}`),
);

const listMember = fc.tuple(
  fc.string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789_-*/@"),
    maxLength: 20,
  }),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
).map(([k, v]) => `${k}=${v}`);

/** A tracestate or baggage value: up to 200 members, or one oversized blob. */
const listHeader = fc.oneof(
  fc.array(listMember, { maxLength: 200 }).map((members) => members.join(",")),
  fc.constant(`k=${"v".repeat(20_000)}`),
);

/** Headers as name-value pairs, so a header may be repeated. */
const headers = fc.array(
  fc.oneof(
    traceparent.map((v) => ["traceparent", v] as const),
    listHeader.map((v) => ["tracestate", v] as const),
    listHeader.map((v) => ["baggage", v] as const),
    fc.string({ unit: "binary-ascii", maxLength: 600 }).map((v) => ["user-agent", v] as const),
  ),
  { maxLength: 5 },
);

/** Header values the Fetch API accepts: no NUL, CR or LF, no surrounding whitespace. */
function toHeaders(pairs: readonly (readonly [string, string])[]): Headers {
  const result = new Headers();
  for (const [name, value] of pairs) {
    const clean = value.replace(/[\0\r\n]/g, "").trim();
    result.append(name, clean);
  }
  return result;
}

function assertSafeText(value: unknown, where: string): void {
  if (typeof value !== "string") return;
  assert.doesNotMatch(
    value,
    UNSAFE,
    `${where} carries an unescaped character: ${JSON.stringify(value)}`,
  );
  assert.ok(value.length <= MAX_ESCAPED_LENGTH, `${where} is ${value.length} characters long`);
}

Deno.test("any name and any propagation headers get a 200 or a 400 problem, never a 500, and nothing unescaped reaches a span or a log line", async () => {
  const telemetry = createInMemoryTelemetry();
  const lines: string[] = [];
  const app = createApp({
    logger: createLogger({
      level: "debug",
      format: "json",
      otelLogger: telemetry.otelLogger,
      write: (line) => lines.push(line),
    }),
    readiness: { ready: true },
    tracer: telemetry.tracer,
    meter: telemetry.meter,
  });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(nameQuery, { maxLength: 3 }),
        headers,
        async (names, headerPairs) => {
          const spansBefore = telemetry.spans().length;
          lines.length = 0;
          const query = names.map((n) => `name=${n}`).join("&");
          const request = new Request(`http://localhost/greet${query ? `?${query}` : ""}`, {
            headers: toHeaders(headerPairs),
          });
          // What the service sees: repeated non-empty values are joined with ", ".
          const parent = request.headers.get("traceparent") ?? "";
          const response = await app(request, info);
          const body = await response.json();
          if (response.status === 200) {
            assert.match(body.message, /^Hello, [\p{L}\p{M}\p{Nd} \-'._]{1,64}!$/u);
            assert.ok(names.length <= 1);
          } else {
            assert.equal(response.status, 400, JSON.stringify(body));
            assert.equal(response.headers.get("content-type"), "application/problem+json");
            assert.equal(body.status, 400);
            assertSafeText(body.detail, "the problem detail");
          }

          // Only one well-formed traceparent may make the span a child; an
          // unsampled parent means no span at all (parent-based sampling).
          const valid = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-0[01]$/.test(parent);
          const spans = telemetry.spans().slice(spansBefore);
          assert.equal(
            spans.length,
            valid && parent.endsWith("-00") ? 0 : 1,
            "one span per request",
          );
          for (const span of spans) {
            for (const [key, value] of Object.entries(span.attributes)) {
              assertSafeText(value, `span attribute ${key}`);
            }
            assert.ok(
              (span.spanContext().traceState?.serialize().length ?? 0) <= 512,
              "tracestate is cut to the W3C 512 characters",
            );
            if (span.parentSpanContext !== undefined) {
              assert.ok(valid, `joined a trace from ${JSON.stringify(parent.slice(0, 80))}`);
            } else {
              assert.ok(!valid, `ignored the valid ${parent}`);
            }
          }

          for (const line of lines) {
            assert.doesNotMatch(line, /[\n\r]/, "one record, one line");
            for (const [key, value] of Object.entries(JSON.parse(line))) {
              assertSafeText(value, `log field ${key}`);
            }
          }
        },
      ),
      PARAMETERS,
    );
  } finally {
    await telemetry.shutdown();
  }
});
