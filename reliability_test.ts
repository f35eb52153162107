/**
 * Faults of the collector and of the process's own life, injected into the
 * real service (a subprocess started with `deno task start`'s flags):
 * refused, blackholed, holding every export, 503/429 with and without
 * `Retry-After`, 400, outages that end, a restarting real collector, SIGTERM
 * under load and SIGTERM with the collector gone. For each: no request fails
 * or waits for an export, one warning per signal per outage, retries back
 * off, and every span and log record is either delivered or counted in the
 * shutdown line.
 *
 * Nothing here asserts a latency or a duration: the machine running the tests
 * may be busy, and what a busy machine slows down says nothing about the
 * service. "Requests never wait for the exporter" is proved by requests that
 * complete while the collector holds every export open; latency figures come
 * from `deno task bench`. Timeouts below only bound a hang.
 *
 * `SOAK=1` runs the memory checks over 1,000,000 requests instead of 100,000.
 */
import assert from "node:assert/strict";
import { rssMegabytes } from "./bench/proc.ts";
import { DROPPED_NO_ANSWER } from "./shutdown_line.ts";
import { Collector, findCollector } from "./testing/collector.ts";
import { freePort } from "./testing/free_port.ts";
import { fetchLoad, type FetchLoadResult } from "./testing/load.ts";
import { pipelinedLoad } from "./testing/pipelined_load.ts";
import { OtlpReceiver, type ReceivedRequest, type RespondHook } from "./testing/otlp_receiver.ts";
import {
  HANG_BOUND_MS as HANG_MS,
  type LogLine,
  ServiceProcess,
} from "./testing/service_process.ts";

const SOAK = Deno.env.get("SOAK") === "1";
const collectorBin = findCollector();

/**
 * Exports spans and logs every 100 ms and gives up on an export after 1.5 s,
 * so an outage shows within seconds. Metrics go every 2 s, longer than an
 * export may take, so that metric exports never overlap (as with the
 * defaults, 15 s and 10 s): overlapping exports can finish out of order, and
 * an old export failing after a new one succeeded reads as a second outage.
 * The shutdown budget is generous: the flush ends as soon as every export
 * has succeeded or failed, and a budget a busy machine could run out of
 * would turn a delivered span into a lost one.
 */
const QUICK_EXPORT: Readonly<Record<string, string>> = {
  OTEL_BSP_SCHEDULE_DELAY: "100",
  OTEL_BLRP_SCHEDULE_DELAY: "100",
  OTEL_METRIC_EXPORT_INTERVAL: "2000",
  OTEL_EXPORTER_OTLP_TIMEOUT: "1500",
  SHUTDOWN_TIMEOUT_MS: String(HANG_MS / 2),
};

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

/** Asserts every request of a load run was answered 200. */
function assertServed(result: FetchLoadResult, what: string): void {
  assert.deepEqual(result.failures, [], `${what}: failed requests`);
  assert.equal(result.ok, result.sent, `${what}: every request answered 200`);
}

/** Asserts nothing reached stderr: no unhandled rejection, no panic, no uncaught error. */
function assertQuietStderr(svc: ServiceProcess): void {
  assert.doesNotMatch(svc.stderr, /error|uncaught|unhandled|panic/i, svc.stderr);
}

/**
 * Sends SIGTERM and returns the exit code. A service that has not exited
 * after {@linkcode HANG_MS} fails the test: its shutdown budget is a few
 * seconds, so only a shutdown that ignores its budget can get there.
 */
async function terminate(svc: ServiceProcess): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The service had not exited ${HANG_MS} ms after SIGTERM`)),
      HANG_MS,
    );
  });
  try {
    return (await Promise.race([svc.stop("SIGTERM"), hang])).code;
  } finally {
    clearTimeout(timer);
  }
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
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Checks on the attempts the receiver saw. */
  readonly checkAttempts?: (attempts: AttemptLog) => void;
}

const status = (code: number, headers: HeadersInit = {}) => (): Response =>
  new Response(null, { status: code, headers });

const FAULTS: readonly FaultCase[] = [
  { name: "down (connection refused)" },
  { name: "blackholed (accepts, never answers)", respond: never },
  {
    name: "answering 503 with Retry-After: 1",
    respond: status(503, { "retry-after": "1" }),
    env: { OTEL_EXPORTER_OTLP_TIMEOUT: "2500" },
    checkAttempts: retriedAfterRetryAfter,
  },
  {
    name: "answering 503 without Retry-After",
    respond: status(503),
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
    env: { OTEL_EXPORTER_OTLP_TIMEOUT: "2500" },
    checkAttempts: retriedAfterRetryAfter,
  },
  {
    name: "answering 400 (a permanent rejection)",
    respond: status(400),
    checkAttempts: (attempts) => {
      const counts = attempts.counts();
      assert.ok(counts.length >= 2, "several batches were sent");
      assert.deepEqual(new Set(counts), new Set([1]), "a rejected batch is never retried");
    },
  },
];

/** Runs one outage: load before and after the service notices it, then SIGTERM. */
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
    for (const signal of ["traces", "logs"]) {
      await svc.waitForLine((l) => isWarning(l) && l["otel.signal"] === signal);
    }
    // More batches fail after the warning: none of them may warn again.
    const second = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(second, `${fault.name}, second round`);
    assert.equal(await terminate(svc), 0, svc.stderr);
    assertQuietStderr(svc);
    const report = shutdownReport(svc);
    const warned = warningsBySignal(svc);
    assert.deepEqual(warned, [...new Set(warned)], "one warning per signal per outage");
    assert.ok(warned.includes("traces") && warned.includes("logs"));
    assert.ok(Number(report["otel.traces.failed_exports"]) >= 2, "several batches failed");
    fault.checkAttempts?.(attempts);
    return `${fault.name}: 600/600 requests 200, traces failed exports ${
      report["otel.traces.failed_exports"]
    }`;
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

Deno.test("requests never wait for the exporter: with the collector holding every export open, 300 more requests complete, and every span arrives once it answers", async () => {
  // The collector answers no export until the test has sent its load. Had a
  // request waited for an export, the load would never finish: that it
  // finishes at all is the proof, whatever the machine's speed.
  const release = Promise.withResolvers<undefined>();
  const receiver = await OtlpReceiver.start({ respond: () => release.promise });
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        ...QUICK_EXPORT,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // An export held for longer than the hang bound is a failure; one
        // held for less must not time out and turn into an outage.
        OTEL_EXPORTER_OTLP_TIMEOUT: String(2 * HANG_MS),
        // Metrics are not the point: a new export every 500 ms would pile up
        // against the exporter's limit of concurrent exports.
        OTEL_METRIC_EXPORT_INTERVAL: String(2 * HANG_MS),
      },
    });
    service = svc;
    const url = `${svc.url}/greet?name=Ada`;
    const before = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(before, "before the exports are held");
    const held = (signal: string): boolean =>
      receiver.requests.some((q) => q.signal === signal && q.status === undefined);
    await receiver.waitFor(() => held("traces") && held("logs"), {
      what: "a held traces export and a held logs export",
    });
    const during = await fetchLoad(url, { requests: 300, concurrency: 8 });
    assertServed(during, "while every export is held");
    assert.ok(held("traces") && held("logs"), "still held after the load");

    release.resolve(undefined);
    const traceIds = new Set([...before.traceIds, ...during.traceIds]);
    await receiver.waitFor(
      (r) =>
        r.spans.filter((s) => s.name === "GET /greet").length >= 600 &&
        r.logs.filter((l) => l.body === "GET /greet 200").length >= 600,
      { what: "600 spans and 600 access logs" },
    );
    assert.equal(await terminate(svc), 0, svc.stderr);
    assertQuietStderr(svc);
    assert.deepEqual(warningsBySignal(svc), [], "a collector that is slow to answer is no outage");
    const spans = receiver.spans.filter((s) => s.name === "GET /greet");
    assert.equal(spans.length, 600, "no span twice");
    assert.deepEqual(new Set(spans.map((s) => s.traceId)), traceIds, "600 of 600 spans");
    const access = receiver.logs.filter((l) => l.body === "GET /greet 200");
    assert.deepEqual(new Set(access.map((l) => l.traceId)), traceIds, "600 of 600 access logs");
    const report = shutdownReport(svc);
    assert.equal(report["otel.traces.failed_exports"], 0);
    assert.equal(report["otel.logs.failed_exports"], 0);
  } finally {
    release.resolve(undefined);
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("an outage shorter than the retry window loses nothing: N of N spans and access logs arrive, no warning", async () => {
  // The collector comes back once it has refused a traces and a logs export
  // twice each: both were retried, and their retry window is far from over.
  const refused = { traces: 0, logs: 0, metrics: 0 };
  const receiver = await OtlpReceiver.start({
    respond: (request) => {
      if (refused.traces >= 2 && refused.logs >= 2) return undefined;
      if (request.signal) refused[request.signal]++;
      return new Response(null, { status: 503 });
    },
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
    await receiver.waitFor(
      (r) =>
        r.spans.filter((s) => s.name === "GET /greet").length >= 200 &&
        r.logs.filter((l) => l.body === "GET /greet 200").length >= 200,
      { what: "200 spans and 200 access logs after the collector returned" },
    );
    assert.ok(refused.traces >= 2 && refused.logs >= 2, "the outage refused retried exports");
    assert.equal(await terminate(svc), 0, svc.stderr);
    const spans = receiver.spans.filter((s) => s.name === "GET /greet");
    assert.deepEqual(new Set(spans.map((s) => s.traceId)), new Set(load.traceIds), "200 of 200");
    assert.equal(spans.length, 200, "no span twice");
    const access = receiver.logs.filter((l) => l.body === "GET /greet 200");
    assert.deepEqual(new Set(access.map((l) => l.traceId)), new Set(load.traceIds));
    assert.deepEqual(
      warningsBySignal(svc),
      [],
      `a retried export is not an outage: ${JSON.stringify(svc.lines.filter(isWarning))}`,
    );
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
    assert.equal(await terminate(svc), 0, svc.stderr);
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
      },
    });
    service = svc;
    const requests = 500;
    const load = await fetchLoad(`${svc.url}/greet`, { requests, concurrency: 8 });
    assertServed(load, "with the queue full");
    // The held export gives up at its timeout; everything after it flows again.
    await svc.waitForLine((l) => isWarning(l) && l["otel.signal"] === "traces");
    blackholed = false;
    assert.equal(await terminate(svc), 0, svc.stderr);
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
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // The flush must finish, not race a budget a busy machine could run out of.
        SHUTDOWN_TIMEOUT_MS: String(HANG_MS / 2),
      },
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
    });
    const exit = terminate(svc);
    await svc.waitForLine((l) => l.msg === "shutting down");
    stop.abort();
    const result = await load;
    assert.equal(await exit, 0, svc.stderr);
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

Deno.test("SIGTERM with the collector blackholed exits 0 when the flush budget runs out and says what it could not deliver", async () => {
  const receiver = await OtlpReceiver.start({ respond: never });
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BLRP_SCHEDULE_DELAY: "100",
        // Only the budget may end the flush: no export gives up before it.
        OTEL_EXPORTER_OTLP_TIMEOUT: String(10 * HANG_MS),
        SHUTDOWN_TIMEOUT_MS: "2000",
      },
    });
    service = svc;
    const load = await fetchLoad(`${svc.url}/greet`, { requests: 200, concurrency: 8 });
    assertServed(load, "blackholed");
    await receiver.waitFor(() => receiver.requests.some((r) => r.signal === "traces"), {
      what: "a held traces export",
    });
    // The collector holds every export for good: only the budget can end the
    // flush, so exiting at all proves the budget is kept.
    assert.equal(await terminate(svc), 0, svc.stderr);
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
 * Resident memory bound, MiB. The service starts at about 60 MiB and, over
 * 100,000 requests here, levels off near 170 MiB with a healthy collector and
 * 230 MiB with a blackholed one: the span and log queues hold at most 2,048
 * items each and V8 grows its heap lazily under a high allocation rate. The
 * bound counts memory, not time: how fast the load runs moves it little.
 */
const RSS_BOUND_MIB = 384;

for (
  const [fault, respond] of [
    ["healthy", undefined],
    ["blackholed", never],
  ] as const
) {
  Deno.test(`over ${MEMORY_REQUESTS.toLocaleString("en")} requests with the collector ${fault}, resident memory stays under ${RSS_BOUND_MIB} MiB and no request fails`, async () => {
    // Not decoding the exports leaves the test process's CPU to the load and
    // the service (decoding cost several times what the load does).
    const receiver = await OtlpReceiver.start({ decode: false, ...(respond ? { respond } : {}) });
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
      let answered = 0;
      const statuses: Record<number, number> = {};
      const failures: string[] = [];
      const chunk = MEMORY_REQUESTS / 10;
      while (answered < MEMORY_REQUESTS && failures.length === 0) {
        const run = await pipelinedLoad(url, { requests: chunk, connections: 8, depth: 32 });
        answered += run.answered;
        for (const [code, n] of Object.entries(run.statuses)) {
          statuses[Number(code)] = (statuses[Number(code)] ?? 0) + n;
        }
        failures.push(...run.failures);
        series.push(Math.round(rssMegabytes(svc.pid)));
        peak = Math.max(peak, series.at(-1) ?? 0);
        // The receiver keeps a record of each export: forget it, it is not the service's memory.
        receiver.clear();
      }
      assert.deepEqual(failures, [], "connections failed");
      assert.equal(answered, MEMORY_REQUESTS, "every request answered");
      assert.deepEqual(statuses, { 200: MEMORY_REQUESTS }, "every answer a 200");
      assert.ok(peak < RSS_BOUND_MIB, `RSS peaked at ${peak.toFixed(0)} MiB`);
      assert.equal(await terminate(svc), 0, svc.stderr);
      assertQuietStderr(svc);
      console.log(
        `collector ${fault}: ${answered} of ${MEMORY_REQUESTS} requests 200, RSS ${
          start.toFixed(0)
        } MiB -> peak ${peak.toFixed(0)} MiB; after each ${chunk.toLocaleString("en")}: ${
          series.join(" ")
        }`,
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
