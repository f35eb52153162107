import assert from "node:assert/strict";
import { pipelinedLoad } from "./pipelined_load.ts";

/** Serves `handler` on a loopback port for the length of `body`. */
async function withServer(
  handler: Deno.ServeHandler<Deno.NetAddr>,
  body: (url: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    await body(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

/** A raw TCP server that answers each connection with `answer` and closes it. */
async function withRawServer(answer: string, body: (url: string) => Promise<void>): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096)).catch(() => null);
      await conn.write(new TextEncoder().encode(answer)).catch(() => 0);
      conn.close();
    }
  })();
  try {
    await body(`http://127.0.0.1:${listener.addr.port}`);
  } finally {
    listener.close();
    await served.catch(() => {});
  }
}

Deno.test("pipelinedLoad() sends exactly the requests asked for and counts every answer by status", async () => {
  const seen: string[] = [];
  await withServer((request) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.pathname}${url.search}`);
    const n = seen.length;
    // Bodies of different lengths, an empty one and a 404 among them.
    if (n % 10 === 0) return new Response("no such thing", { status: 404 });
    return new Response(n % 7 === 0 ? "" : "x".repeat(n % 5000));
  }, async (url) => {
    const result = await pipelinedLoad(`${url}/greet?name=Ada`, {
      requests: 1_001,
      connections: 3,
      depth: 16,
    });
    assert.deepEqual(result.failures, []);
    assert.equal(result.sent, 1_001);
    assert.equal(result.answered, 1_001);
    assert.deepEqual(result.statuses, { 200: 901, 404: 100 });
    assert.equal(seen.length, 1_001);
    assert.ok(seen.every((line) => line === "GET /greet?name=Ada"), seen[0]);
  });
});

Deno.test("pipelinedLoad() reports a connection the server closes with answers outstanding", async () => {
  await withRawServer("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi", async (url) => {
    const result = await pipelinedLoad(url, { requests: 8, connections: 1, depth: 4 });
    assert.equal(result.answered, 1);
    assert.deepEqual(result.statuses, { 200: 1 });
    assert.equal(result.failures.length, 1);
    assert.match(result.failures[0] ?? "", /closed the connection with an answer outstanding/);
  });
});

Deno.test("pipelinedLoad() refuses to guess the length of an answer without content-length", async () => {
  await withRawServer(
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    async (url) => {
      const result = await pipelinedLoad(url, { requests: 1, connections: 1 });
      assert.equal(result.answered, 0);
      assert.match(result.failures[0] ?? "", /Cannot read a chunked answer/);
    },
  );
});

Deno.test("pipelinedLoad() reports a refused connection instead of throwing", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const result = await pipelinedLoad(`http://127.0.0.1:${port}/`, { requests: 4, connections: 2 });
  assert.equal(result.sent, 0);
  assert.equal(result.answered, 0);
  assert.equal(result.failures.length, 2);
  assert.match(result.failures[0] ?? "", /^Cannot connect to 127\.0\.0\.1:\d+: /);
});

Deno.test("pipelinedLoad() accepts only http: URLs", async () => {
  await assert.rejects(
    pipelinedLoad("https://127.0.0.1:1/", { requests: 1 }),
    /only http: is supported/,
  );
});
