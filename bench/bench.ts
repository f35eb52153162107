/**
 * `deno task bench`: the service's throughput, latency, CPU, memory and cold
 * start with and without telemetry, side by side with a bare `Deno.serve`,
 * in one run on one machine. Two tables:
 *
 * - saturation: wrk (closed loop, 50 connections) as fast as the server
 *   answers: throughput, CPU per request, memory, cold start (each round's
 *   the fastest of three starts);
 * - fixed rate: vegeta (open loop) at 1,000 requests/s, a load the server
 *   keeps up with: latency percentiles, what a user feels at normal load.
 *
 * Besides the service, one row is the SDK floor (bench/sdk_floor_server.ts):
 * a bare handler recording the same span, metric point and log record
 * through the same telemetry module, the least any SDK-based service pays.
 *
 * Each configuration runs against a local OTLP sink that keeps what arrives
 * and counts it after the run. The server is pinned to CPU 0 and the load
 * generator to CPU 1 when the machine has two, configurations are
 * interleaved round by round, and each run starts with a warm-up. Results
 * are printed as tables and written to bench/results/.
 *
 * Usage: deno task bench [--quick] [--smoke] [--breakdown] [--rate N] [--only saturation|fixed-rate]
 *   --quick      about five minutes (3 rounds of 3 s; fixed rate 3 rounds of 5 s)
 *   --breakdown  bare and the SDK floor with each signal's export switched off
 *                in turn, instead of the service (saturation table only)
 *   --smoke      a few seconds per configuration (1 round of 1 s), to keep the
 *                bench working in tests; outside CI, a table whose load
 *                generator (wrk, vegeta) is missing, or every table without
 *                taskset, is reported skipped and the run exits 0
 *   --rate N     the fixed-rate table's requests per second (default 1000)
 *   --only T     one table only
 *
 * @module
 */
import { findTool, type FindToolOptions } from "../testing/external_tool.ts";
import {
  BREAKDOWN,
  type Configuration,
  CONFIGURATIONS,
  FIXED_RATE,
  roundOrder,
} from "./configurations.ts";
import { cpuSeconds, rssMegabytes } from "./proc.ts";
import { abandon, deployedV8Flags, launch, stop } from "./server.ts";
import { runWrk, type WrkResult } from "./wrk.ts";
import { median, renderTable, type RunResult, summarize } from "./report.ts";
import { runVegeta } from "./vegeta.ts";
import {
  type FixedRateRun,
  latencyFigures,
  renderFixedRateTable,
  summarizeFixedRate,
} from "./fixed_rate.ts";

/** The value following `flag` on the command line, if any. */
function option(flag: string): string | undefined {
  const index = Deno.args.indexOf(flag);
  return index === -1 ? undefined : Deno.args[index + 1];
}

const args = new Set(Deno.args);
const breakdown = args.has("--breakdown");
const selected = breakdown ? BREAKDOWN : CONFIGURATIONS;
const smoke = args.has("--smoke");
const quick = args.has("--quick") || smoke;
const rounds = smoke ? 1 : quick ? 3 : 5;
const seconds = smoke ? 1 : quick ? 3 : 10;
/**
 * Starts behind each round's cold-start figure (the fastest of them) and
 * idle-memory figure (their median). On this shared 2-core machine one start
 * scattered from 100 to 190 ms between the rounds of one run, and even the
 * median of three fell into two clusters (about 105 and 150 ms) for the same
 * code: interference only ever adds time, so the fastest start is the
 * service's own.
 */
const startsPerRound = smoke ? 1 : 3;
const warmupSeconds = smoke ? 1 : 2;
const connections = 50;
const only = option("--only");
if (only !== undefined && only !== "saturation" && only !== "fixed-rate") {
  console.error(`Cannot run the bench: --only must be saturation or fixed-rate: got "${only}"`);
  Deno.exit(2);
}
const rate = Number(option("--rate") ?? (smoke ? "200" : "1000"));
if (!Number.isInteger(rate) || rate <= 0) {
  console.error(
    `Cannot run the bench: --rate must be a positive integer: got "${option("--rate")}"`,
  );
  Deno.exit(2);
}
const runSaturation = only !== "fixed-rate";
const runFixedRate = only !== "saturation" && !breakdown;
const fixedRounds = smoke ? 1 : 3;
const fixedSeconds = smoke ? 1 : quick ? 5 : 20;
// vegeta takes -duration=0s as "forever": no warm-up is no run at all.
const fixedWarmupSeconds = smoke ? 0 : 3;

/**
 * The path of a program the bench needs, or `undefined` in a smoke run
 * (inside `deno task test`) that goes without it: the part that needs it is
 * reported skipped, with the reason, so a newcomer's test run passes. Under
 * `CI=true`, where `.ci/run` installs the programs, a missing one is an
 * error (findTool throws); in any other run too.
 */
function tool(options: FindToolOptions, part: string): string | undefined {
  let found;
  try {
    found = findTool(options);
  } catch (error: unknown) {
    console.error(error instanceof Error ? error.message : String(error));
    Deno.exit(1);
  }
  if (found.path) return found.path;
  if (smoke) {
    console.error(`bench smoke run: ${part} skipped: ${found.reason}`);
    return undefined;
  }
  console.error(`Cannot run the bench: ${found.reason}`);
  Deno.exit(1);
}

// Two CPUs: the server gets one, the load generator and the sink the other.
const taskset = navigator.hardwareConcurrency >= 2
  ? tool({
    env: "TASKSET_BIN",
    command: "taskset",
    hint: "install util-linux (apt-get install util-linux); taskset pins the server and the " +
      "load generator to separate CPUs",
  }, "every table")
  : undefined;
const pinningPossible = taskset !== undefined || navigator.hardwareConcurrency < 2;
const wrk = runSaturation && pinningPossible
  ? tool({
    env: "WRK_BIN",
    command: "wrk",
    hint: "install wrk (apt-get install wrk), the load generator of the saturation table",
  }, "the saturation table")
  : undefined;
const vegeta = runFixedRate && pinningPossible
  ? tool({
    env: "VEGETA_BIN",
    command: "vegeta",
    hint: "run .ci/install-vegeta and set VEGETA_BIN to the path it prints; vegeta is the " +
      "open-loop load generator of the fixed-rate table",
  }, "the fixed-rate table")
  : undefined;
if (wrk === undefined && vegeta === undefined) {
  if (!smoke) {
    console.error("Cannot run the bench: --breakdown has only the saturation table");
    Deno.exit(2);
  }
  console.error("bench smoke run skipped: no table can run here (reasons above)");
  Deno.exit(0);
}
const pin = taskset === undefined ? undefined : { taskset, cpu: 1 };

/** Cold start and idle memory of `count` starts that serve nothing else, each stopped at once. */
async function extraStarts(
  config: Configuration,
  count: number,
): Promise<{ coldStartMs: number; idleRssMb: number }[]> {
  const starts = [];
  for (let i = 0; i < count; i++) {
    const server = await launch(config, taskset);
    await abandon(server);
    starts.push({ coldStartMs: server.coldStartMs, idleRssMb: server.idleRssMb });
  }
  return starts;
}

/** One saturation run of one configuration: cold start, idle memory, warm-up, load, flush. */
async function runOnce(config: Configuration, wrk: string): Promise<RunResult> {
  const starts = await extraStarts(config, startsPerRound - 1);
  const server = await launch(config, taskset);
  starts.push({ coldStartMs: server.coldStartMs, idleRssMb: server.idleRssMb });
  let stopping = false;
  try {
    const wrkOptions = { wrk, connections, ...(pin && { pin }) };
    const warmup = await runWrk(server.url, { ...wrkOptions, seconds: warmupSeconds });
    const cpuBefore = cpuSeconds(server.child.pid);
    const load: WrkResult = await runWrk(server.url, { ...wrkOptions, seconds });
    const cpu = cpuSeconds(server.child.pid) - cpuBefore;
    const rssAfterLoadMb = rssMegabytes(server.child.pid);
    stopping = true;
    const received = await stop(server);
    return {
      configuration: config.name,
      requestsPerSecond: load.requestsPerSecond,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      errors: warmup.errors + load.errors,
      cpuMicrosPerRequest: cpu * 1e6 / load.requests,
      rssAfterLoadMb,
      idleRssMb: median(starts.map((start) => start.idleRssMb)),
      coldStartMs: Math.min(...starts.map((start) => start.coldStartMs)),
      requestsServed: 1 + warmup.requests + load.requests,
      spansReceived: received.spans,
      logsReceived: received.accessLogs,
      metricExports: received.metricExports,
    };
  } finally {
    if (!stopping) await abandon(server);
  }
}

/** One fixed-rate run of one configuration: warm-up at the rate, then the measured load. */
async function runFixedRateOnce(config: Configuration, vegeta: string): Promise<FixedRateRun> {
  const server = await launch(config, taskset);
  let stopping = false;
  try {
    // The bench may write only to bench/results/.
    const options = { vegeta, rate, scratchDir: outDir.pathname, ...(pin && { pin }) };
    const warmup = fixedWarmupSeconds > 0
      ? await runVegeta(server.url, { ...options, seconds: fixedWarmupSeconds })
      : { requests: 0, errors: 0 };
    const cpuBefore = cpuSeconds(server.child.pid);
    const load = await runVegeta(server.url, { ...options, seconds: fixedSeconds });
    const cpu = cpuSeconds(server.child.pid) - cpuBefore;
    const rssAfterLoadMb = rssMegabytes(server.child.pid);
    stopping = true;
    const received = await stop(server);
    return {
      configuration: config.name,
      rate,
      ...latencyFigures(load),
      errors: warmup.errors + load.errors,
      cpuMicrosPerRequest: cpu * 1e6 / load.requests,
      rssAfterLoadMb,
      requestsServed: 1 + warmup.requests + load.requests,
      spansReceived: received.spans,
      logsReceived: received.accessLogs,
    };
  } finally {
    if (!stopping) await abandon(server);
  }
}

if (taskset) {
  // The bench itself (the OTLP receiver decoding what arrives) shares CPU 1
  // with the load generator, so that CPU 0 is the server's alone. Child
  // processes inherit this; the server is then moved to CPU 0 explicitly.
  await new Deno.Command(taskset, {
    args: ["-a", "-c", "-p", "1", String(Deno.pid)],
    stdout: "null",
  })
    .output();
}

const outDir = new URL("results/", import.meta.url);
await Deno.mkdir(outDir, { recursive: true });
const placement = taskset ? "server on CPU 0, load generator on CPU 1" : "unpinned (one CPU)";
const machine =
  `Deno ${Deno.version.deno} ${deployedV8Flags().join(" ") || "(default V8 flags)"}, ` +
  `${navigator.hardwareConcurrency} CPUs`;
const results: RunResult[] = [];
const fixedRate: FixedRateRun[] = [];
const output: Record<string, unknown> = { pinned: taskset !== undefined, machine };

if (wrk) {
  for (let round = 1; round <= rounds; round++) {
    for (const config of roundOrder(selected, round)) {
      console.error(`saturation round ${round}/${rounds}: ${config.name}`);
      results.push(await runOnce(config, wrk));
    }
  }
  const summary = summarize(results, selected.map((c) => c.name));
  console.log(
    `\nSaturation: ${rounds} round(s) of ${seconds} s, wrk with ${connections} connections, ` +
      `${placement}, ${machine}\n`,
  );
  console.log(renderTable(summary));
  output.saturation = { rounds, seconds, connections, results, summary };
}

if (vegeta) {
  for (let round = 1; round <= fixedRounds; round++) {
    for (const config of roundOrder(FIXED_RATE, round)) {
      console.error(`fixed-rate round ${round}/${fixedRounds}: ${config.name}`);
      fixedRate.push(await runFixedRateOnce(config, vegeta));
    }
  }
  const summary = summarizeFixedRate(fixedRate, FIXED_RATE.map((c) => c.name));
  console.log(
    `\nFixed rate: ${rate} requests/s for ${fixedSeconds} s after ${fixedWarmupSeconds} s of ` +
      `warm-up, ${fixedRounds} round(s), vegeta (open loop), ${placement}, ${machine}\n`,
  );
  console.log(renderFixedRateTable(summary));
  output.fixedRate = {
    rounds: fixedRounds,
    seconds: fixedSeconds,
    rate,
    results: fixedRate,
    summary,
  };
}

const outFile = new URL(`bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, outDir);
await Deno.writeTextFile(outFile, JSON.stringify(output, null, 2));
console.log(`\nresults: ${outFile.pathname}`);
