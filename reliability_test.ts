/**
 * Faults of the collector and of the process's own life, injected into the
 * real service (a subprocess started with `deno task start`'s flags):
 * refused, blackholed, slow, 503/429 with and without `Retry-After`, 400,
 * outages that end, a restarting real collector, SIGTERM under load and
 * SIGTERM with the collector gone. For each: no request fails, latency stays
 * normal, one warning per outage, retries back off, and every span and log
 * record is either delivered or counted in the shutdown line.
 *
 * `SOAK=1` runs the memory checks over 1,000,000 requests instead of 100,000.
 */
import assert from "node:assert/strict";
import { rssMegabytes } from "./bench/proc.ts";
import { DROPPED_NO_ANSWER } from "./shutdown_line.ts";
import { Collector, findCollector } from "./testing/collector.ts";
import { freePort } from "./testing/free_port.ts";
import { fetchLoad, type FetchLoadResult, wrkRequests } from "./testing/load.ts";
import { OtlpReceiver, type ReceivedRequest, type RespondHook } from "./testing/otlp_receiver.ts";
import { type LogLine, ServiceProcess } from "./testing/service_process.ts";

const SOAK = Deno.env.get("SOAK") === "1";
const collectorBin = findCollector();

/** Exports every 100 ms and gives up on an export after 1.5 s, so an outage shows within seconds. */
const QUICK_EXPORT: Readonly<Record<string, string>> = {
  OTEL_BSP_SCHEDULE_DELAY: "100",
  OTEL_BLRP_SCHEDULE_DELAY: "100",
  OTEL_METRIC_EXPORT_INTERVAL: "500",
  OTEL_EXPORTER_OTLP_TIMEOUT: "1500",
  SHUTDOWN_TIMEOUT_MS: "3000",
};

/**
 * p99 latency a `/greet` request must stay under whatever the collector does
 * (normal: 2-5 ms). Generous, so a busy CI machine cannot fail it, yet far
 * below the 1.5 s a request would wait if it blocked on an export.
 */
const P99_BOUND_MS = 500;
/** No single request may wait on an export: the slow collector takes 1.5 s per export. */
const MAX_BOUND_MS = 1_000;

const WARNING = "OTLP export failing";
const RECOVERED = "OTLP export recovered";

/** Checks that batches were retried, never sooner than the `Retry-After: 1` asked. */
function retriedAfterRetryAfter(attempts: { counts(): number[]; gaps(): number[] }): void {
  assert.ok(attempts.counts().some((n) => n >= 2), "a batch was retried");
  for (const gap of attempts.gaps()) assert.ok(gap >= 950, `retried after ${gap} ms, not 1 s`);
}

function isWarning(line: LogLine): boolean {
  return String(line.msg).startsWith(WARNING);
}

function warningsBySignal(svc: ServiceProcess): string[] {
  return svc.lines.filter(isWarning).map((l) => String(l["otel.signal"])).sort();
}

/** Asserts a load run lost nothing and stayed fast. */
function assertServed(result: FetchLoadResult, what: string): void {
  assert.deepEqual(result.failures, [], `${what}: failed requests`);
  assert.equal(result.ok, result.sent, `${what}: every request answered 200`);
  assert.ok(result.p99Ms < P99_BOUND_MS, `${what}: p99 ${result.p99Ms.toFixed(1)} ms`);
  assert.ok(result.maxMs < MAX_BOUND_MS, `${what}: slowest ${result.maxMs.toFixed(1)} ms`);
}

/** Asserts nothing reached stderr: no unhandled rejection, no panic, no uncaught error. */
function assertQuietStderr(svc: ServiceProcess): void {
  assert.doesNotMatch(svc.stderr, /error|uncaught|unhandled|panic/i, svc.stderr);
}

/** Sends SIGTERM and returns the exit status and how long the exit took. */
async function terminate(svc: ServiceProcess): Promise<{ code: number; ms: number }> {
  const started = performance.now();
  const status = await svc.stop("SIGTERM");
  return { code: status.code, ms: performance.now() - started };
}

/** The service's last stdout line: the shutdown report. */
function shutdownReport(svc: ServiceProcess): LogLine {
  const last = svc.lines.at(-1);
  assert.match(
    String(last?.msg),
    /^telemetry (flushed|dropped at shutdown)/,
    "the last line is the shutdown report",
  );
  return last ?? {};
}

function never(): Promise<undefined> {
  return new Promise(() => {});
}

function delayed(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

/** Records when each traces export was attempted, keyed by its first span, to check the backoff. */
class AttemptLog {
  readonly #attempts = new Map<string, number[]>();

  record(request: ReceivedRequest): void {
    const key = request.telemetry.spans[0]?.spanId;
    if (request.signal !== "traces" || key === undefined) return;
    const times = this.#attempts.get(key) ?? [];
    times.push(performance.now());
    this.#attempts.set(key, times);
  }

  /** Attempt counts per batch. */
  counts(): number[] {
    return [...this.#attempts.values()].map((times) => times.length);
  }

  /** Gaps between consecutive attempts of the same batch, milliseconds. */
  gaps(): number[] {
    return [...this.#attempts.values()].flatMap((times) =>
      times.slice(1).map((time, i) => time - (times[i] ?? time))
    );
  }
}

interface FaultCase {
  readonly name: string;
  /** Answer for every export; `undefined` means no receiver at all (connection refused). */
  readonly respond?: (
    request: ReceivedRequest,
  ) => Response | undefined | Promise<Response | undefined>;
  /** Whether the fault is an outage the service must report (once per signal). */
  readonly outage: boolean;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Checks on the attempts the receiver saw. */
  readonly checkAttempts?: (attempts: AttemptLog) => void;
}

const status = (code: number, headers: HeadersInit = {}) => (): Response =>
  new Response(null, { status: code, headers });

const FAULTS: readonly FaultCase[] = [
  { name: "down (connection refused)", outage: true },
  { name: "blackholed (accepts, never answers)", respond: never, outage: true },
  {
    name: "slow (1.5 s per export)",
    respond: () => delayed(1_500),
    outage: false,
    env: { OTEL_EXPORTER_OTLP_TIMEOUT: "10000" },
  },
  {
    name: "answering 503 with Retry-After: 1",
    respond: status(503, { "retry-after": "1" }),
    outage: true,
    env: { OTEL_EXPORTER_OTLP_TIMEOUT: "2500" },
    checkAttempts: retriedAfterRetryAfter,
  },
  {
    name: "answering 503 without Retry-After",
    respond: status(503),
    outage: true,
    env: { OTEL_EXPORTER_OTLP_TIMEOUT: "2500" },
    checkAttempts: (attempts) => {
      assert.ok(attempts.counts().some((n) => n >= 2), "a batch was retried");
      // Exponential backoff from 1 s with ±20 % jitter.
      for (const gap of attempts.gaps()) assert.ok(gap >= 780, `retried after ${gap} ms`);
    },
  },
  {
    name: "answering 429 with Retry-After: 1",
    respond: status(429, { "retry-after": "1" }),
    outage: true,
    env: { OTEL_EXPORTER_OTLP_TIMEOUT: "2500" },
    checkAttempts: retriedAfterRetryAfter,
  },
  {
    name: "answering 400 (a permanent rejection)",
    respond: status(400),
    outage: true,
    checkAttempts: (attempts) => {
      const counts = attempts.counts();
      assert.ok(counts.length >= 2, "several batches were sent");
      assert.deepEqual(new Set(counts), new Set([1]), "a rejected batch is never retried");
    },
  },
];

/** Runs one fault: load before and after the outage is noticed, then SIGTERM. */
async function runFault(fault: FaultCase): Promise<string> {
  const attempts = new AttemptLog();
  const hook: RespondHook | undefined = fault.respond
    ? (request) => {
      attempts.record(request);
      return fault.respond?.(request);
    }
    : undefined;
  const receiver = hook ? await OtlpReceiver.start({ respond: hook }) : undefined;
  const endpoint = receiver?.url ?? `http://127.0.0.1:${freePort()}`;
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: { ...QUICK_EXPORT, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...fault.env },
    });
    service = svc;
    const url = `${svc.url}/greet?name=Ada`;
    const first = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(first, `${fault.name}, first round`);
    if (fault.outage) {
      for (const signal of ["traces", "logs"]) {
        await svc.waitForLine((l) => isWarning(l) && l["otel.signal"] === signal);
      }
    } else {
      await receiver?.waitFor((r) => r.spans.length >= 300, { what: "300 slow spans" });
    }
    // More batches fail after the warning: none of them may warn again.
    const second = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(second, `${fault.name}, second round`);
    if (!fault.outage) {
      await receiver?.waitFor((r) => r.spans.length >= 600, { what: "600 slow spans" });
    }
    const exit = await terminate(svc);
    assert.equal(exit.code, 0, svc.stderr);
    assert.ok(exit.ms < 3_000 + 1_000, `exit took ${exit.ms} ms; the budget is 3000`);
    assertQuietStderr(svc);
    const report = shutdownReport(svc);
    if (fault.outage) {
      const warned = warningsBySignal(svc);
      assert.deepEqual(warned, [...new Set(warned)], "one warning per signal per outage");
      assert.ok(warned.includes("traces") && warned.includes("logs"));
      assert.ok(Number(report["otel.traces.failed_exports"]) >= 2, "several batches failed");
    } else {
      assert.deepEqual(warningsBySignal(svc), [], "a slow collector is not an outage");
      assert.equal(report["otel.traces.dropped_items"], 0);
      const spans = receiver?.spans.filter((s) => s.name === "GET /greet") ?? [];
      assert.equal(spans.length, 600, "every span of a slow collector arrives");
    }
    fault.checkAttempts?.(attempts);
    return `${fault.name}: 600/600 requests 200, p99 ${
      Math.max(first.p99Ms, second.p99Ms).toFixed(1)
    } ms, max ${Math.max(first.maxMs, second.maxMs).toFixed(0)} ms, exit ${
      exit.ms.toFixed(0)
    } ms, traces failed exports ${report["otel.traces.failed_exports"]}`;
  } finally {
    await service?.stop("SIGKILL");
    await receiver?.close();
  }
}

Deno.test("whatever the collector does, /greet keeps answering and each outage is logged once", async (t) => {
  const figures: string[] = [];
  // The faults mostly wait (timeouts, Retry-After): run them side by side.
  await Promise.all(FAULTS.map((fault) =>
    t.step({
      name: `collector ${fault.name}`,
      sanitizeOps: false,
      sanitizeResources: false,
      sanitizeExit: false,
      fn: async () => {
        figures.push(await runFault(fault));
      },
    })
  ));
  if (SOAK) console.log(figures.join("\n"));
});

Deno.test("an outage shorter than the retry window loses nothing: N of N spans and access logs arrive, no warning", async () => {
  let down = true;
  const receiver = await OtlpReceiver.start({
    respond: () => down ? new Response(null, { status: 503 }) : undefined,
  });
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        ...QUICK_EXPORT,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_TIMEOUT: "10000",
      },
    });
    service = svc;
    const load = await fetchLoad(`${svc.url}/greet?name=Ada`, { requests: 200, concurrency: 8 });
    assertServed(load, "during the outage");
    // The collector comes back once both batches have been refused and retried.
    await receiver.waitFor(
      () =>
        ["traces", "logs"].every((signal) =>
          receiver.requests.filter((q) => q.signal === signal && q.status === 503).length >= 2
        ),
      { what: "a retried traces and logs export" },
    );
    down = false;
    await receiver.waitFor(
      (r) =>
        r.spans.filter((s) => s.name === "GET /greet").length >= 200 &&
        r.logs.filter((l) => l.body === "GET /greet 200").length >= 200,
      { what: "200 spans and 200 access logs after the collector returned" },
    );
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    const spans = receiver.spans.filter((s) => s.name === "GET /greet");
    assert.deepEqual(new Set(spans.map((s) => s.traceId)), new Set(load.traceIds), "200 of 200");
    assert.equal(spans.length, 200, "no span twice");
    const access = receiver.logs.filter((l) => l.body === "GET /greet 200");
    assert.deepEqual(new Set(access.map((l) => l.traceId)), new Set(load.traceIds));
    assert.deepEqual(warningsBySignal(svc), [], "a retried export is not an outage");
    assertQuietStderr(svc);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("a collector that restarts is reported once down and once back, and every span is delivered or counted", async () => {
  const port = freePort();
  let receiver: OtlpReceiver | undefined;
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: { ...QUICK_EXPORT, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    service = svc;
    const url = `${svc.url}/greet?name=Ada`;
    const during = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(during, "while the collector is down");
    for (const signal of ["traces", "logs", "metrics"]) {
      await svc.waitForLine((l) => isWarning(l) && l["otel.signal"] === signal);
    }
    receiver = await OtlpReceiver.start({ port });
    const after = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(after, "after the collector is back");
    for (const signal of ["traces", "logs", "metrics"]) {
      await svc.waitForLine((l) => l.msg === RECOVERED && l["otel.signal"] === signal);
    }
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    assertQuietStderr(svc);
    const warned = warningsBySignal(svc);
    assert.deepEqual(warned, ["logs", "metrics", "traces"], "one warning per signal");
    const recovered = svc.lines.filter((l) => l.msg === RECOVERED).map((l) => l["otel.signal"]);
    assert.equal(recovered.length, 3, "one recovery notice per signal");

    const report = shutdownReport(svc);
    const delivered = receiver.spans.filter((s) => s.name === "GET /greet");
    const deliveredIds = new Set(delivered.map((s) => s.traceId));
    for (const id of after.traceIds) assert.ok(deliveredIds.has(id), "a span after the restart");
    // 600 requests: each span arrived, or its export failed and was counted.
    assert.equal(delivered.length + Number(report["otel.traces.dropped_items"]), 600);
    assert.equal(report["otel.traces.recorded_items"], 600);
    assert.equal(report["otel.traces.delivered_items"], delivered.length);
  } finally {
    await service?.stop("SIGKILL");
    await receiver?.close();
  }
});

Deno.test("beyond the bounded queue, dropped spans are counted in the SDK metric and the shutdown line", async () => {
  let blackholed = true;
  const receiver = await OtlpReceiver.start({
    respond: () => blackholed ? never() : undefined,
  });
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        ...QUICK_EXPORT,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_MAX_QUEUE_SIZE: "50",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "50",
        SHUTDOWN_TIMEOUT_MS: "5000",
      },
    });
    service = svc;
    const requests = 500;
    const load = await fetchLoad(`${svc.url}/greet`, { requests, concurrency: 8 });
    assertServed(load, "with the queue full");
    // The held export gives up at its timeout; everything after it flows again.
    await svc.waitForLine((l) => isWarning(l) && l["otel.signal"] === "traces");
    blackholed = false;
    const exit = await terminate(svc);
    assert.equal(exit.code, 0, svc.stderr);
    const report = shutdownReport(svc);
    const delivered = receiver.spans.filter((s) => s.name === "GET /greet").length;
    const queueFull = Math.max(
      0,
      ...receiver.metrics.filter((m) => m.name === "otel.sdk.processor.span.processed")
        .flatMap((m) => m.dataPoints)
        .filter((p) => p.attributes["error.type"] === "queue_full")
        .map((p) => Number(p.value)),
    );
    assert.ok(queueFull > 0, "the SDK counted the spans the full queue refused");
    assert.equal(report["otel.traces.recorded_items"], requests);
    assert.equal(report["otel.traces.delivered_items"], delivered);
    const undelivered = Number(report["otel.traces.dropped_items"]) +
      Number(report["otel.traces.undelivered_items"]);
    assert.equal(delivered + undelivered + queueFull, requests, "every span accounted for");
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

/** Requests answered before SIGTERM arrives under load. */
const SIGTERM_AFTER = SOAK ? 20_000 : 500;

Deno.test("SIGTERM under load: in-flight requests complete and every span and access log of every completed request arrives", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SHUTDOWN_TIMEOUT_MS: "5000" },
    });
    service = svc;
    const stop = new AbortController();
    const load = fetchLoad(`${svc.url}/greet?name=Ada`, {
      requests: SIGTERM_AFTER * 10,
      concurrency: 16,
      signal: stop.signal,
    });
    // Signal once the load is well under way, with requests in flight.
    let scanned = 0;
    let answered = 0;
    await svc.waitForLine(() => {
      for (; scanned < svc.lines.length; scanned++) {
        if (svc.lines[scanned]?.msg === "GET /greet 200") answered++;
      }
      return answered >= SIGTERM_AFTER;
    }, 60_000);
    const exit = svc.stop("SIGTERM");
    await svc.waitForLine((l) => l.msg === "shutting down");
    stop.abort();
    const result = await load;
    assert.equal((await exit).code, 0, svc.stderr);
    assertQuietStderr(svc);
    const completed = new Set(result.traceIds);
    assert.ok(completed.size >= SIGTERM_AFTER, `${completed.size} requests completed`);
    // Requests sent after the listener closed are refused, never half-answered.
    for (const failure of result.failures) assert.doesNotMatch(failure, /^status/);
    const spans = receiver.spans.filter((s) => s.name === "GET /greet");
    const access = receiver.logs.filter((l) => l.body === "GET /greet 200");
    assert.deepEqual(new Set(spans.map((s) => s.traceId)), completed, "N of N spans");
    assert.deepEqual(new Set(access.map((l) => l.traceId)), completed, "N of N access logs");
    const report = shutdownReport(svc);
    assert.equal(report.msg, "telemetry flushed");
    assert.equal(report["otel.traces.delivered_items"], completed.size);
    if (SOAK) console.log(`SIGTERM under load: ${completed.size} of ${completed.size} delivered`);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("SIGTERM with the collector blackholed exits 0 within the flush budget and says what it could not deliver", async () => {
  const receiver = await OtlpReceiver.start({ respond: never });
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BLRP_SCHEDULE_DELAY: "100",
        SHUTDOWN_TIMEOUT_MS: "2000",
      },
    });
    service = svc;
    const load = await fetchLoad(`${svc.url}/greet`, { requests: 200, concurrency: 8 });
    assertServed(load, "blackholed");
    await receiver.waitFor(() => receiver.requests.some((r) => r.signal === "traces"), {
      what: "a held traces export",
    });
    const exit = await terminate(svc);
    assert.equal(exit.code, 0, svc.stderr);
    assert.ok(exit.ms < 2_000 + 500, `exit took ${exit.ms.toFixed(0)} ms; the budget is 2000`);
    assertQuietStderr(svc);
    const report = shutdownReport(svc);
    assert.equal(report.msg, DROPPED_NO_ANSWER);
    assert.match(String(report["otel.shutdown.reason"]), /shutdown budget of \d+ ms ran out/);
    assert.equal(report["otel.traces.recorded_items"], 200);
    assert.equal(report["otel.traces.delivered_items"], 0);
    assert.ok(Number(report["otel.traces.undelivered_items"]) > 0, "held spans are named");
    assert.equal(receiver.spans.length, 0);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

/** Requests of the memory checks: 100,000 by default, 1,000,000 with SOAK=1. */
const MEMORY_REQUESTS = SOAK ? 1_000_000 : 100_000;
/**
 * Resident memory bound, MiB. The service starts at about 130 MiB (Deno,
 * V8 and the SDK); the span and log queues hold at most 2,048 items each and
 * V8 grows its heap lazily under a high allocation rate.
 */
const RSS_BOUND_MIB = 384;

for (
  const [fault, respond] of [
    ["healthy", undefined],
    ["blackholed", never],
  ] as const
) {
  Deno.test(`over ${MEMORY_REQUESTS.toLocaleString("en")} requests with the collector ${fault}, resident memory stays under ${RSS_BOUND_MIB} MiB and no request fails`, async () => {
    const receiver = await OtlpReceiver.start(respond ? { respond } : {});
    let service: ServiceProcess | undefined;
    try {
      const svc = await ServiceProcess.start({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_TIMEOUT: "2000" },
      });
      service = svc;
      const url = `${svc.url}/greet?name=Ada`;
      const start = rssMegabytes(svc.pid);
      let peak = start;
      const series: number[] = [];
      let requests = 0;
      let errors = 0;
      const chunk = 50_000;
      while (requests < MEMORY_REQUESTS) {
        const run = await wrkRequests(url, {
          requests: Math.min(chunk, MEMORY_REQUESTS - requests),
          connections: 10,
          maxSeconds: 60,
        });
        requests += run.requests;
        errors += run.errors;
        series.push(Math.round(rssMegabytes(svc.pid)));
        peak = Math.max(peak, series.at(-1) ?? 0);
        // The receiver keeps what it decoded: forget it, it is not the service's memory.
        receiver.clear();
      }
      assert.equal(errors, 0, "wrk saw errors or non-2xx answers");
      assert.ok(requests >= MEMORY_REQUESTS, `${requests} requests`);
      assert.ok(peak < RSS_BOUND_MIB, `RSS peaked at ${peak.toFixed(0)} MiB`);
      assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
      assertQuietStderr(svc);
      console.log(
        `collector ${fault}: ${requests} requests, ${errors} errors, RSS ${
          start.toFixed(0)
        } -> peak ${peak.toFixed(0)} MiB; after each 50,000: ${series.join(" ")}`,
      );
    } finally {
      await service?.stop("SIGKILL");
      await receiver.close();
    }
  });
}

Deno.test({
  name: "a real collector that restarts loses no request, and the spans after its return arrive",
  ignore: !collectorBin.path,
  async fn(): Promise<void> {
    let collector = await Collector.start();
    const port = Number(new URL(collector.url).port);
    let service: ServiceProcess | undefined;
    try {
      const svc = await ServiceProcess.start({
        env: { ...QUICK_EXPORT, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
      });
      service = svc;
      const url = `${svc.url}/greet?name=Ada`;
      assertServed(await fetchLoad(url, { requests: 100, concurrency: 8 }), "collector up");
      await collector.stop();
      const down = await fetchLoad(url, { requests: 200, concurrency: 8 });
      assertServed(down, "collector stopped");
      await svc.waitForLine((l) => isWarning(l) && l["otel.signal"] === "traces");
      collector = await Collector.start({ otlpPort: port });
      const back = await fetchLoad(url, { requests: 100, concurrency: 8 });
      assertServed(back, "collector restarted");
      await svc.waitForLine((l) => l.msg === RECOVERED && l["otel.signal"] === "traces");
      assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
      assertQuietStderr(svc);
      const received = await collector.waitFor(
        (r) => back.traceIds.every((id) => r.spans.some((s) => s.traceId === id)),
        { what: "the 100 spans sent after the restart" },
      );
      assert.ok(received.spans.length >= 100);
      assert.deepEqual(warningsBySignal(svc).filter((s) => s === "traces"), ["traces"]);
    } finally {
      await service?.stop("SIGKILL");
      await collector.stop();
    }
  },
});
