import assert from "node:assert/strict";
import { fetchLoad } from "./load.ts";

Deno.test("fetchLoad() sends the requests asked for and records each answer's trace id or failure", async () => {
  let served = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    served++;
    if (served % 4 === 0) return new Response("busy", { status: 503 });
    const traceId = served.toString(16).padStart(32, "0");
    return new Response("ok", { headers: { traceresponse: `00-${traceId}-${"1".repeat(16)}-01` } });
  });
  try {
    const result = await fetchLoad(`http://127.0.0.1:${server.addr.port}/greet`, {
      requests: 40,
      concurrency: 3,
    });
    assert.equal(served, 40);
    assert.equal(result.sent, 40);
    assert.equal(result.ok, 30);
    assert.deepEqual(result.failures, Array(10).fill("status 503"));
    assert.equal(new Set(result.traceIds).size, 30);
    assert.ok(result.traceIds.every((id) => /^[0-9a-f]{32}$/.test(id)));
  } finally {
    await server.shutdown();
  }
});

Deno.test("fetchLoad() sends nothing more once its signal is aborted", async () => {
  const stop = new AbortController();
  let served = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    if (++served === 5) stop.abort();
    return new Response("ok");
  });
  try {
    const result = await fetchLoad(`http://127.0.0.1:${server.addr.port}/`, {
      requests: 1_000,
      concurrency: 1,
      signal: stop.signal,
    });
    assert.equal(result.sent, 5);
    assert.equal(result.ok, 5);
  } finally {
    await server.shutdown();
  }
});
