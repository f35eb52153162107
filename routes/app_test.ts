import assert from "node:assert/strict";
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { createApp } from "./app.ts";
import type { Readiness } from "./health.ts";
import type { Route } from "./router.ts";
import { createLogger, type Logger } from "../telemetry/logger.ts";
import { createInMemoryTelemetry, type InMemoryTelemetry } from "../testing/in_memory_telemetry.ts";
import { DURATION_BUCKETS } from "../telemetry/http_server.ts";

const PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN = "00f067aa0ba902b7";

interface Harness {
  readonly telemetry: InMemoryTelemetry;
  readonly lines: string[];
  readonly readiness: Readiness;
  readonly app: ReturnType<typeof createApp>;
}

/** Routes a test adds to the app, built with the test's telemetry and logger. */
type ExtraRoutes = (telemetry: InMemoryTelemetry, logger: Logger) => Route[];

async function withApp(
  test: (h: Harness) => Promise<void>,
  extraRoutes: ExtraRoutes = () => [],
): Promise<void> {
  const telemetry = createInMemoryTelemetry();
  const lines: string[] = [];
  const readiness: Readiness = { ready: true };
  const logger = createLogger({
    level: "info",
    format: "json",
    otelLogger: telemetry.otelLogger,
    write: (line) => lines.push(line),
  });
  const app = createApp({
    logger,
    readiness,
    tracer: telemetry.tracer,
    meter: telemetry.meter,
    extraRoutes: [{
      path: "/boom",
      methods: {
        GET: () => {
          throw new TypeError("secret internal detail");
        },
      },
      traced: true,
    }, ...extraRoutes(telemetry, logger)],
  });
  try {
    await test({ telemetry, lines, readiness, app });
  } finally {
    await telemetry.shutdown();
  }
}

const info: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "192.168.1.50", port: 51000 },
  completed: Promise.resolve(),
};

Deno.test("a /greet request makes one SERVER span with the stable HTTP attributes", () =>
  withApp(async ({ telemetry, app }) => {
    const response = await app(
      new Request("http://pi.local:8000/greet?name=Ada", {
        headers: { "user-agent": "curl/8.5.0" },
      }),
      info,
    );
    assert.equal(response.status, 200);
    const [span, ...rest] = telemetry.spans();
    assert.ok(span);
    assert.equal(rest.length, 0);
    assert.equal(span.name, "GET /greet");
    assert.equal(span.kind, SpanKind.SERVER);
    assert.deepEqual(span.attributes, {
      "http.request.method": "GET",
      "url.path": "/greet",
      "url.scheme": "http",
      "http.route": "/greet",
      "server.address": "pi.local",
      "server.port": 8000,
      "network.protocol.version": "1.1",
      "user_agent.original": "curl/8.5.0",
      "client.address": "192.168.1.50",
      "http.response.status_code": 200,
      "app.greeting.kind": "named",
    });
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  }));

Deno.test("the response carries the span's ids in a W3C traceresponse header", () =>
  withApp(async ({ telemetry, app }) => {
    const response = await app(new Request("http://localhost/greet"), info);
    const span = telemetry.spans()[0];
    assert.ok(span);
    const { traceId, spanId } = span.spanContext();
    assert.equal(response.headers.get("traceresponse"), `00-${traceId}-${spanId}-01`);
  }));

Deno.test("an incoming traceparent makes the span join the caller's trace", () =>
  withApp(async ({ telemetry, app }) => {
    await app(
      new Request("http://localhost/greet", {
        headers: {
          traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`,
          tracestate: "vendor=value",
          baggage: "user.tier=gold",
        },
      }),
      info,
    );
    const span = telemetry.spans()[0];
    assert.ok(span);
    assert.equal(span.spanContext().traceId, PARENT_TRACE);
    assert.equal(span.parentSpanContext?.spanId, PARENT_SPAN);
    assert.equal(span.parentSpanContext?.isRemote, true);
    assert.equal(span.spanContext().traceState?.get("vendor"), "value");
  }));

Deno.test("malformed propagation headers start a new trace instead of failing", () =>
  withApp(async ({ telemetry, app }) => {
    const response = await app(
      new Request("http://localhost/greet", {
        headers: { traceparent: "00-zzzz-nothex-01", baggage: "%%%;;;=" },
      }),
      info,
    );
    assert.equal(response.status, 200);
    const span = telemetry.spans()[0];
    assert.ok(span);
    assert.equal(span.parentSpanContext, undefined);
  }));

Deno.test("a 4xx leaves the span status unset and has no error.type", () =>
  withApp(async ({ telemetry, app }) => {
    const response = await app(new Request("http://localhost/greet?name="), info);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    const span = telemetry.spans()[0];
    assert.ok(span);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.attributes["http.response.status_code"], 400);
    assert.equal(span.events.length, 0);
  }));

Deno.test("an unknown path gets a span named by method only and no http.route", () =>
  withApp(async ({ telemetry, app }) => {
    const response = await app(new Request("http://localhost/wp-admin"), info);
    assert.equal(response.status, 404);
    const span = telemetry.spans()[0];
    assert.ok(span);
    assert.equal(span.name, "GET");
    assert.equal(span.attributes["http.route"], undefined);
    assert.equal(span.attributes["url.path"], "/wp-admin");
  }));

Deno.test("an unexpected exception answers a generic 500 and is recorded and logged", () =>
  withApp(async ({ telemetry, app, lines }) => {
    const response = await app(new Request("http://localhost/boom"), info);
    assert.equal(response.status, 500);
    const body = await response.text();
    assert.doesNotMatch(body, /secret internal detail|TypeError|at /);
    const span = telemetry.spans()[0];
    assert.ok(span);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    const exception = span.events.find((e) => e.name === "exception");
    assert.equal(exception?.attributes?.["exception.type"], "TypeError");
    assert.equal(exception?.attributes?.["exception.message"], "secret internal detail");
    const error = telemetry.logRecords().find((r) => r.severityText === "ERROR");
    assert.ok(error, "no ERROR log record");
    assert.equal(error.attributes["exception.type"], "TypeError");
    assert.equal(error.spanContext?.traceId, span.spanContext().traceId);
    assert.ok(lines.some((l) => l.includes('"level":"ERROR"') && l.includes("TypeError")));
    const duration = (await telemetry.metrics()).get("http.server.request.duration");
    const point = duration?.dataPoints[0];
    assert.equal(point?.attributes["error.type"], "TypeError");
  }));

Deno.test("a handler that answers synchronously gets its response back synchronously, recorded in full", () =>
  withApp(async ({ telemetry, app, lines }) => {
    const response = app(new Request("http://localhost/greet?name=Ada"), info);
    assert.ok(response instanceof Response, "no promise between /greet and Deno.serve");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { message: "Hello, Ada!" });
    const boom = app(new Request("http://localhost/boom"), info);
    assert.ok(boom instanceof Response);
    assert.equal(boom.status, 500);
    assert.equal(telemetry.spans().length, 2);
    assert.equal(lines.filter((l) => l.includes('"level":"INFO"')).length, 2);
  }));

Deno.test("a handler that rejects later answers a generic 500, recorded and logged as one that throws", () =>
  withApp(async ({ telemetry, app, lines }) => {
    const pending = app(new Request("http://localhost/later"), info);
    assert.ok(pending instanceof Promise);
    const response = await pending;
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /later detail/);
    const span = telemetry.spans()[0];
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.attributes["http.response.status_code"], 500);
    assert.ok(lines.some((l) => l.includes('"level":"ERROR"') && l.includes("RangeError")));
    const active = (await telemetry.metrics()).get("http.server.active_requests");
    assert.ok(active?.dataPoints.every((p) => p.value === 0), "the request is no longer active");
  }, () => [{
    path: "/later",
    methods: {
      GET: async () => {
        await Promise.resolve();
        throw new RangeError("later detail");
      },
    },
    traced: true,
  }]));

Deno.test("the duration histogram has only the low-cardinality attributes and semconv buckets", () =>
  withApp(async ({ telemetry, app }) => {
    await app(new Request("http://localhost/greet?name=Ada"), info);
    await app(new Request("http://localhost/greet?name=Grace"), info);
    await app(new Request("http://localhost/nope"), info);
    const metrics = await telemetry.metrics();
    const duration = metrics.get("http.server.request.duration");
    assert.ok(duration);
    assert.equal(duration.descriptor.unit, "s");
    const attributes = duration.dataPoints.map((p) => p.attributes);
    assert.deepEqual(attributes, [
      {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "url.scheme": "http",
        "http.route": "/greet",
      },
      { "http.request.method": "GET", "http.response.status_code": 404, "url.scheme": "http" },
    ]);
    const value = duration.dataPoints[0]?.value;
    assert.ok(value && typeof value === "object" && "buckets" in value);
    assert.deepEqual(value.buckets.boundaries, DURATION_BUCKETS);
    assert.equal(value.count, 2);
    const activeRequests = metrics.get("http.server.active_requests");
    assert.deepEqual(activeRequests?.dataPoints.map((p) => p.value), [0]);
  }));

Deno.test("each request writes one INFO access record carrying its trace id", () =>
  withApp(async ({ telemetry, app, lines }) => {
    await app(new Request("http://localhost/greet?name=Ada"), info);
    const [record, ...rest] = telemetry.logRecords();
    assert.ok(record);
    assert.equal(rest.length, 0);
    const span = telemetry.spans()[0];
    assert.ok(span);
    assert.equal(record.severityText, "INFO");
    assert.equal(record.body, "GET /greet 200");
    assert.equal(record.spanContext?.traceId, span.spanContext().traceId);
    assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
    assert.equal(record.attributes["http.route"], "/greet");
    assert.equal(record.attributes["http.response.status_code"], 200);
    assert.equal(typeof record.attributes["http.server.request.duration"], "number");
    const line = JSON.parse(lines[0] ?? "{}");
    assert.equal(line.trace_id, span.spanContext().traceId);
    assert.equal(line.msg, "GET /greet 200");
  }));

Deno.test("probes are neither traced nor logged and are never cached", () =>
  withApp(async ({ telemetry, app, readiness }) => {
    const health = await app(new Request("http://localhost/healthz"), info);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get("cache-control"), "no-store");
    assert.equal((await app(new Request("http://localhost/readyz"), info)).status, 200);
    readiness.ready = false;
    const draining = await app(new Request("http://localhost/readyz"), info);
    assert.equal(draining.status, 503);
    assert.equal(draining.headers.get("cache-control"), "no-store");
    assert.equal(telemetry.spans().length, 0);
    assert.equal(telemetry.logRecords().length, 0);
  }));

Deno.test("a handler's child span and log record, given the request context, carry the server span's ids", () => {
  let activeInHandler: unknown;
  return withApp(async ({ telemetry, app, lines }) => {
    const response = await app(new Request("http://localhost/work"), info);
    assert.equal(response.status, 200);
    const server = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
    const child = telemetry.spans().find((s) => s.name === "work");
    assert.ok(server && child);
    assert.equal(child.spanContext().traceId, server.spanContext().traceId);
    assert.equal(child.parentSpanContext?.spanId, server.spanContext().spanId);
    const record = telemetry.logRecords().find((r) => r.body === "working");
    assert.equal(record?.spanContext?.traceId, server.spanContext().traceId);
    assert.equal(record?.spanContext?.spanId, server.spanContext().spanId);
    const line = JSON.parse(lines.find((l) => l.includes('"msg":"working"')) ?? "{}");
    assert.equal(line.trace_id, server.spanContext().traceId);
    assert.equal(line.span_id, server.spanContext().spanId);
    // No context is entered per request: that is what keeps Deno's
    // AsyncLocalStorage from slowing the garbage collector down.
    assert.equal(activeInHandler, ROOT_CONTEXT);
  }, (t, logger) => [{
    path: "/work",
    traced: true,
    methods: {
      GET: async (_req, ctx) => {
        activeInHandler = context.active();
        const span = t.tracer.startSpan("work", {}, ctx.context);
        await Promise.resolve();
        logger.info("working", { step: 1 }, ctx.context);
        span.end();
        return new Response("done");
      },
    },
  }]);
});

Deno.test("a handler that enters the request context with context.with gets the server span as the active one, across await", () =>
  withApp(async ({ telemetry, app, lines }) => {
    const response = await app(new Request("http://localhost/active"), info);
    assert.equal(response.status, 200);
    const server = telemetry.spans().find((s) => s.kind === SpanKind.SERVER);
    const child = telemetry.spans().find((s) => s.name === "active work");
    assert.ok(server && child);
    assert.equal(await response.text(), server.spanContext().spanId);
    assert.equal(child.parentSpanContext?.spanId, server.spanContext().spanId);
    const record = telemetry.logRecords().find((r) => r.body === "active");
    assert.equal(record?.spanContext?.spanId, server.spanContext().spanId);
    const line = JSON.parse(lines.find((l) => l.includes('"msg":"active"')) ?? "{}");
    assert.equal(line.span_id, server.spanContext().spanId);
  }, (t, logger) => [{
    path: "/active",
    traced: true,
    methods: {
      // Code written for the active context: no context argument anywhere.
      GET: (_req, ctx) =>
        context.with(ctx.context, async () => {
          await Promise.resolve();
          const span = t.tracer.startSpan("active work");
          logger.info("active");
          span.end();
          return new Response(trace.getActiveSpan()?.spanContext().spanId);
        }),
    },
  }]));

/** Sends one raw HTTP/1.1 request and returns everything the server wrote back. */
async function rawExchange(port: number, method: string, target: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    // The server closes the connection after answering (Connection: close).
    return await new Response(conn.readable).text();
  } catch (error: unknown) {
    conn.close();
    throw error;
  }
}

/** The status line, and the header fields other than those that differ per request. */
function headOfExchange(raw: string): { status: string; fields: string[]; body: string } {
  const end = raw.indexOf("\r\n\r\n");
  const [status = "", ...fields] = raw.slice(0, end).split("\r\n");
  const stable = fields.map((f) => f.toLowerCase()).filter((f) =>
    !f.startsWith("date:") && !f.startsWith("traceresponse:")
  );
  return { status, fields: stable.sort(), body: raw.slice(end + 4) };
}

Deno.test("HEAD sends the header fields GET sends, content-length included, and no body, on the wire", () =>
  withApp(async ({ app }) => {
    const controller = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
      app,
    );
    try {
      const get = headOfExchange(await rawExchange(server.addr.port, "GET", "/greet?name=Ada"));
      const head = headOfExchange(await rawExchange(server.addr.port, "HEAD", "/greet?name=Ada"));
      assert.equal(get.status, "HTTP/1.1 200 OK");
      assert.equal(get.body, '{"message":"Hello, Ada!"}');
      assert.ok(get.fields.includes("content-length: 25"), get.fields.join("\n"));
      assert.equal(head.status, get.status);
      assert.deepEqual(head.fields, get.fields);
      assert.equal(head.body, "");
    } finally {
      controller.abort();
      await server.finished;
    }
  }));
