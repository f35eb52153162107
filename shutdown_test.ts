import assert from "node:assert/strict";
import { createReadyz, type Readiness } from "./routes/health.ts";
import { waitForShutdown } from "./shutdown.ts";
import { DROPPED_NOT_ACCEPTED, FLUSHED } from "./shutdown_line.ts";
import { createLogger } from "./telemetry/logger.ts";
import type { ShutdownReport } from "./telemetry/sdk.ts";
import { freePort } from "./testing/free_port.ts";
import { ServiceProcess } from "./testing/service_process.ts";

/** Lines the logger wrote, and a way to wait for one. */
class Lines {
  readonly all: Record<string, unknown>[] = [];
  #waiters: { test: (line: Record<string, unknown>) => boolean; resolve: () => void }[] = [];

  write = (text: string): void => {
    const line = JSON.parse(text) as Record<string, unknown>;
    this.all.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.test(line)) return true;
      waiter.resolve();
      return false;
    });
  };

  waitFor(test: (line: Record<string, unknown>) => boolean): Promise<void> {
    if (this.all.some(test)) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ test, resolve });
    return promise;
  }
}

async function get(url: string): Promise<number> {
  const response = await fetch(url);
  await response.body?.cancel();
  return response.status;
}

Deno.test({
  name:
    "during the drain period /readyz answers 503 while requests are still served, and a second signal ends it",
  // The signal listeners stay registered for the whole sequence by design.
  sanitizeOps: false,
  async fn(): Promise<void> {
    const lines = new Lines();
    const logger = createLogger({ level: "info", format: "json", write: lines.write });
    const readiness: Readiness = { ready: true };
    const readyz = createReadyz(readiness);
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => new URL(req.url).pathname === "/readyz" ? readyz(req) : new Response("hello"),
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    let flushedWith: number | undefined;
    const telemetry = {
      shutdown: (budgetMs: number): Promise<ShutdownReport> => {
        flushedWith = budgetMs;
        return Promise.resolve({ completed: true, budgetMs, health: {} });
      },
    };
    // A drain far longer than the test: only the second signal can end it.
    const finished = waitForShutdown({
      server,
      telemetry,
      logger,
      readiness,
      budgetMs: 3000,
      drainMs: 600_000,
    });
    assert.equal(await get(`${base}/readyz`), 200, "ready before the signal");

    Deno.kill(Deno.pid, "SIGTERM");
    await lines.waitFor((line) => line.msg === "shutting down");
    assert.equal(await get(`${base}/readyz`), 503, "/readyz answers 503 while draining");
    assert.equal(await get(`${base}/anything`), 200, "other requests are still served");
    assert.equal(flushedWith, undefined, "nothing flushed while draining");

    Deno.kill(Deno.pid, "SIGTERM");
    await finished;
    await server.finished;
    assert.ok(
      flushedWith !== undefined && flushedWith <= 3000,
      "telemetry flushed after the drain",
    );
    const last = lines.all.at(-1);
    assert.equal(last?.msg, FLUSHED);
    assert.equal(last?.level, "INFO");
    assert.equal(
      lines.all.find((line) => line.msg === "shutting down")?.["shutdown.drain_ms"],
      600_000,
    );
    await assert.rejects(fetch(`${base}/readyz`), "the listener is closed after the drain");
  },
});

Deno.test("SIGTERM with the collector down does not wait out the budget for exports that cannot succeed", async () => {
  const closed = freePort(); // nothing listens here: connection refused
  const svc = await ServiceProcess.start({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`,
      // Retrying for up to a minute would outlast the 5 s shutdown budget;
      // exports that stop retrying at shutdown fail at once instead.
      OTEL_EXPORTER_OTLP_TIMEOUT: "60000",
      SHUTDOWN_TIMEOUT_MS: "5000",
    },
  });
  try {
    for (let i = 0; i < 5; i++) assert.equal(await get(`${svc.url}/greet`), 200);
  } finally {
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
  }
  const last = svc.lines.at(-1);
  // Had the flush run into the budget, the line would say DROPPED_NO_ANSWER.
  assert.equal(last?.msg, DROPPED_NOT_ACCEPTED, JSON.stringify(last));
  assert.equal(last?.level, "WARN");
  assert.match(
    String(last?.["otel.shutdown.reason"]),
    /^(traces|logs|metrics) export failed: .*Connection refused/,
  );
  assert.equal(last?.["otel.traces.recorded_items"], 5);
  assert.equal(last?.["otel.traces.delivered_items"], 0);
  assert.equal(last?.["otel.logs.delivered_items"], 0);
});
