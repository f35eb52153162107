import assert from "node:assert/strict";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ConfigError } from "../config_error.ts";
import { findTool } from "../testing/external_tool.ts";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { createTestCa } from "../testing/test_ca.ts";
import {
  createFetchLogRecordExporter,
  createFetchSpanExporter,
  createFetchTransport,
} from "./fetch_transport.ts";
import { encodeTraceRequest } from "./otlp/trace_encoder.ts";

const EMPTY_TRACES = new TextEncoder().encode('{"resourceSpans":[]}');
const JSON_HEADERS = { "content-type": "application/json" };

const openssl = findTool({
  env: "OPENSSL_BIN",
  command: "openssl",
  hint: "install openssl (Debian: apt-get install openssl)",
});

Deno.test("createFetchTransport() retries a 503 after its Retry-After and then succeeds", async () => {
  let calls = 0;
  const receiver = await OtlpReceiver.start({
    respond: () =>
      ++calls === 1
        ? new Response(null, { status: 503, headers: { "retry-after": "0" } })
        : undefined,
  });
  try {
    const transport = createFetchTransport({
      url: `${receiver.url}/v1/traces`,
      headers: JSON_HEADERS,
      compression: "none",
    });
    const result = await transport.send(EMPTY_TRACES, 5_000);
    assert.equal(result.status, "success");
    assert.deepEqual(receiver.requests.map((r) => r.status), [503, 200]);
  } finally {
    await receiver.close();
  }
});

Deno.test("createFetchTransport() sends the same bytes again on a retry and leaves the caller's intact", async () => {
  let calls = 0;
  const receiver = await OtlpReceiver.start({
    respond: () =>
      ++calls === 1
        ? new Response(null, { status: 503, headers: { "retry-after": "0" } })
        : undefined,
  });
  try {
    const transport = createFetchTransport({
      url: `${receiver.url}/v1/traces`,
      headers: { "content-type": "application/x-protobuf" },
      compression: "none",
    });
    const recorded = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: recorded })],
    });
    for (const name of ["a", "b", "c"]) provider.getTracer("test").startSpan(name).end();
    const spans = recorded.getFinishedSpans();
    await provider.shutdown();
    const data = encodeTraceRequest(spans);
    const copy = data.slice();
    // Another request encoded in between must not change what is re-sent.
    encodeTraceRequest(spans.slice(0, 1));
    assert.equal((await transport.send(data, 5_000)).status, "success");
    assert.deepEqual(receiver.requests.map((r) => [r.status, r.bytes]), [
      [503, data.length],
      [200, data.length],
    ]);
    assert.equal(receiver.spans.length, 3);
    assert.deepEqual(data, copy);
  } finally {
    await receiver.close();
  }
});

Deno.test("the span and log exporters send protobuf and JSON that a receiver decodes", async (t) => {
  for (const protocol of ["http/protobuf", "http/json"] as const) {
    await t.step(protocol, async () => {
      const receiver = await OtlpReceiver.start();
      const tracerProvider = new TracerProvider({
        spanProcessors: [
          new SimpleSpanProcessor({
            exporter: createFetchSpanExporter({ url: `${receiver.url}/v1/traces`, protocol }),
          }),
        ],
      });
      const loggerProvider = new LoggerProvider({
        processors: [
          new SimpleLogRecordProcessor({
            exporter: createFetchLogRecordExporter({ url: `${receiver.url}/v1/logs`, protocol }),
          }),
        ],
      });
      try {
        tracerProvider.getTracer("test").startSpan("GET /hello/:name").end();
        loggerProvider.getLogger("test").emit({ body: "Grüße 😀", attributes: { n: 1 } });
        await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
      } finally {
        await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
        await receiver.close();
      }
      const json = protocol === "http/json";
      assert.deepEqual(
        receiver.requests.map((r) => r.contentType),
        Array(2).fill(json ? "application/json" : "application/x-protobuf"),
      );
      assert.deepEqual(receiver.spans.map((s) => s.name), ["GET /hello/:name"]);
      assert.deepEqual(receiver.logs.map((l) => [l.body, l.attributes]), [["Grüße 😀", { n: 1 }]]);
    });
  }
});

Deno.test("createFetchTransport() gives up on a 400 at once and reports the status", async () => {
  const receiver = await OtlpReceiver.start({
    respond: () => new Response("bad payload", { status: 400 }),
  });
  try {
    const transport = createFetchTransport({
      url: `${receiver.url}/v1/traces`,
      headers: JSON_HEADERS,
      compression: "none",
    });
    const result = await transport.send(EMPTY_TRACES, 5_000);
    assert.equal(result.status, "failure");
    assert.match(String(result.status === "failure" && result.error.message), /answered 400/);
    assert.equal(receiver.requests.length, 1);
  } finally {
    await receiver.close();
  }
});

Deno.test("createFetchTransport() sends a gzip body with content-encoding: gzip", async () => {
  const receiver = await OtlpReceiver.start();
  try {
    const transport = createFetchTransport({
      url: `${receiver.url}/v1/traces`,
      headers: JSON_HEADERS,
      compression: "gzip",
    });
    assert.equal((await transport.send(EMPTY_TRACES, 5_000)).status, "success");
    assert.equal(receiver.requests[0]?.contentEncoding, "gzip");
    assert.equal(receiver.requests[0]?.status, 200, receiver.requests[0]?.error);
  } finally {
    await receiver.close();
  }
});

Deno.test("createFetchTransport() reports a refused connection as retryable, with its cause", async () => {
  const receiver = await OtlpReceiver.start();
  const url = `${receiver.url}/v1/traces`;
  await receiver.close(); // nothing listens there any more
  const transport = createFetchTransport({ url, headers: JSON_HEADERS, compression: "none" });
  const result = await transport.send(EMPTY_TRACES, 300);
  assert.equal(result.status, "retryable");
  assert.match(
    String(result.status === "retryable" && result.error?.message),
    /Connection refused/,
  );
});

Deno.test("createFetchTransport() does not retry when the next attempt would come after the timeout", async () => {
  const receiver = await OtlpReceiver.start({
    respond: () => new Response(null, { status: 503 }),
  });
  try {
    const transport = createFetchTransport({
      url: `${receiver.url}/v1/traces`,
      headers: JSON_HEADERS,
      compression: "none",
    });
    // The first backoff is 1 s +- 20 %: longer than the whole timeout.
    assert.equal((await transport.send(EMPTY_TRACES, 300)).status, "retryable");
    assert.equal(receiver.requests.length, 1);
  } finally {
    await receiver.close();
  }
});

Deno.test("createFetchTransport() stops retrying once stopRetrying is aborted", async (t) => {
  const receiver = await OtlpReceiver.start({
    // An hour's Retry-After: only the abort can end the wait within the test.
    respond: () => new Response(null, { status: 503, headers: { "retry-after": "3600" } }),
  });
  try {
    const url = `${receiver.url}/v1/traces`;
    await t.step("aborted before the export: one attempt, no retry", async () => {
      const stop = new AbortController();
      stop.abort();
      const transport = createFetchTransport({
        url,
        headers: JSON_HEADERS,
        compression: "none",
        stopRetrying: stop.signal,
      });
      assert.equal((await transport.send(EMPTY_TRACES, 7_200_000)).status, "retryable");
      assert.equal(receiver.requests.length, 1);
    });
    await t.step("aborted while waiting to retry: the wait ends, no further attempt", async () => {
      receiver.clear();
      const stop = new AbortController();
      const transport = createFetchTransport({
        url,
        headers: JSON_HEADERS,
        compression: "none",
        stopRetrying: stop.signal,
      });
      const sending = transport.send(EMPTY_TRACES, 7_200_000);
      await receiver.waitFor(() => receiver.requests.length === 1, { what: "the first attempt" });
      stop.abort();
      const result = await sending;
      assert.equal(result.status, "retryable");
      assert.equal(receiver.requests.length, 1);
    });
  } finally {
    await receiver.close();
  }
});

Deno.test({
  name:
    "the span exporter sends over HTTPS to a private CA named by OTEL_EXPORTER_OTLP_CERTIFICATE, with the configured headers",
  ignore: !openssl.path,
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "greet-api-tls-" });
    let receiver: OtlpReceiver | undefined;
    try {
      const ca = await createTestCa(dir, openssl.path);
      const rx = await OtlpReceiver.start({ tls: { cert: ca.cert, key: ca.key } });
      receiver = rx;
      assert.match(rx.url, /^https:/);
      const exporter = createFetchSpanExporter({
        url: `${rx.url}/v1/traces`,
        protocol: "http/protobuf",
        env: {
          OTEL_EXPORTER_OTLP_CERTIFICATE: ca.caCertPath,
          OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20token-1,x-scope=greet",
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-scope=traces",
        },
      });
      const provider = new TracerProvider({
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      });
      try {
        provider.getTracer("test").startSpan("over tls").end();
        await provider.forceFlush();
      } finally {
        await provider.shutdown();
      }
      assert.deepEqual(rx.spans.map((s) => s.name), ["over tls"]);
      const headers = rx.requests[0]?.headers ?? {};
      assert.equal(headers.authorization, "Bearer token-1");
      assert.equal(headers["x-scope"], "traces", "the per-signal variable wins");
      assert.equal(rx.requests[0]?.contentType, "application/x-protobuf");
    } finally {
      await receiver?.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("an unreadable OTEL_EXPORTER_OTLP_CERTIFICATE stops start-up naming the variable", () => {
  assert.throws(
    () =>
      createFetchSpanExporter({
        url: "https://127.0.0.1:1/v1/traces",
        protocol: "http/json",
        env: { OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: "/nonexistent/ca.pem" },
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.variable === "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE" &&
      error.message.includes('"/nonexistent/ca.pem"'),
  );
});

Deno.test("a client certificate without its key stops start-up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "greet-api-tls-" });
  try {
    await Deno.writeTextFile(`${dir}/client.pem`, "not checked before the key is");
    assert.throws(
      () =>
        createFetchSpanExporter({
          url: "https://127.0.0.1:1/v1/traces",
          protocol: "http/json",
          env: { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: `${dir}/client.pem` },
        }),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
