/**
 * Bounded load for reliability tests: a concurrent `fetch` loop that records
 * every answer (for correctness: "no failed request among N"), and wrk capped
 * at a request count (for throughput and memory over 100,000 requests).
 *
 * @module
 */

/** What a {@linkcode fetchLoad} run saw. */
export interface FetchLoadResult {
  /** Requests sent. */
  readonly sent: number;
  /** Answers with the expected status. */
  readonly ok: number;
  /** Failures: other statuses or network errors, with what happened. */
  readonly failures: readonly string[];
  /** Trace ids from the `traceresponse` header of each expected answer. */
  readonly traceIds: readonly string[];
  /** Median latency, milliseconds. */
  readonly p50Ms: number;
  /** 99th percentile latency, milliseconds. */
  readonly p99Ms: number;
  /** Slowest answer, milliseconds. */
  readonly maxMs: number;
}

/** Options for {@linkcode fetchLoad}. */
export interface FetchLoadOptions {
  /** How many requests in total. */
  readonly requests: number;
  /** How many at a time. */
  readonly concurrency: number;
  /** Status that counts as a success; defaults to 200. */
  readonly expectStatus?: number;
  /** Stops sending new requests once aborted; those in flight finish. */
  readonly signal?: AbortSignal;
}

/**
 * Sends `requests` GETs to `url`, `concurrency` at a time, and reads every
 * body. A request that fails does not stop the others.
 */
export async function fetchLoad(url: string, options: FetchLoadOptions): Promise<FetchLoadResult> {
  const expected = options.expectStatus ?? 200;
  const latencies: number[] = [];
  const failures: string[] = [];
  const traceIds: string[] = [];
  let next = 0;
  let sent = 0;
  async function worker(): Promise<void> {
    while (next < options.requests && !options.signal?.aborted) {
      next++;
      sent++;
      const started = performance.now();
      try {
        const response = await fetch(url);
        await response.arrayBuffer();
        if (response.status === expected) {
          latencies.push(performance.now() - started);
          const traceresponse = response.headers.get("traceresponse");
          if (traceresponse) traceIds.push(traceresponse.split("-")[1] ?? "");
        } else {
          failures.push(`status ${response.status}`);
        }
      } catch (error: unknown) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    sent,
    ok: latencies.length,
    failures,
    traceIds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1) ?? 0,
  };
}

/** What a {@linkcode wrkRequests} run measured. */
export interface WrkCountResult {
  /** Requests wrk completed, at least the number asked for unless it ran out of time. */
  readonly requests: number;
  /** Socket errors plus answers other than 2xx/3xx. */
  readonly errors: number;
  readonly requestsPerSecond: number;
  /** The worst 99th percentile latency of the runs, milliseconds. */
  readonly p99Ms: number;
}

/** Options for {@linkcode wrkRequests}. */
export interface WrkCountOptions {
  /** Run until at least this many requests were answered. */
  readonly requests: number;
  readonly connections: number;
  /** Upper bound on the whole run, seconds. */
  readonly maxSeconds: number;
}

/**
 * Runs wrk (one thread) against `url` until at least `requests` answers
 * arrived or `maxSeconds` passed. wrk has no request-count option and always
 * runs for its full duration, so a one-second run measures the rate and the
 * next runs are sized from it.
 */
export async function wrkRequests(url: string, options: WrkCountOptions): Promise<WrkCountResult> {
  const deadline = performance.now() + options.maxSeconds * 1000;
  let requests = 0;
  let errors = 0;
  let seconds = 0;
  let p99Ms = 0;
  let duration = 1;
  while (requests < options.requests) {
    const left = Math.floor((deadline - performance.now()) / 1000);
    if (left < 1) break;
    const run = await runWrkOnce(url, options.connections, Math.min(duration, left));
    requests += run.requests;
    errors += run.errors;
    seconds += run.seconds;
    p99Ms = Math.max(p99Ms, run.p99Ms);
    const rate = requests / seconds;
    duration = Math.max(1, Math.ceil(((options.requests - requests) / rate) * 1.05));
  }
  return { requests, errors, requestsPerSecond: requests / seconds, p99Ms };
}

interface WrkRun {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p99Ms: number;
}

async function runWrkOnce(url: string, connections: number, seconds: number): Promise<WrkRun> {
  const output = await new Deno.Command("wrk", {
    args: ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}${text}`);
  }
  const requests = text.match(/(\d+) requests in ([\d.]+)(ms|s|m)/);
  const p99 = text.match(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m);
  if (!requests || !p99) throw new Error(`Cannot read wrk output:\n${text}`);
  const socket = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = text.match(/Non-2xx or 3xx responses: (\d+)/);
  const elapsed = Number(requests[2]);
  const value = Number(p99[1]);
  return {
    requests: Number(requests[1]),
    errors: (socket?.slice(1).reduce((sum, n) => sum + Number(n), 0) ?? 0) +
      Number(non2xx?.[1] ?? 0),
    seconds: requests[3] === "ms" ? elapsed / 1000 : requests[3] === "m" ? elapsed * 60 : elapsed,
    p99Ms: p99[2] === "us" ? value / 1000 : p99[2] === "s" ? value * 1000 : value,
  };
}
