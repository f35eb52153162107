/**
 * `deno task bench`: the service's throughput, latency, CPU, memory and cold
 * start with and without telemetry, side by side with a bare `Deno.serve`,
 * in one run on one machine.
 *
 * Besides the service, one row is the SDK floor (bench/sdk_floor_server.ts):
 * a bare handler recording the same span, metric point and log record
 * through the same telemetry module, the least any SDK-based service pays.
 *
 * Each configuration runs against a local OTLP sink that keeps what arrives
 * and counts it after the run. The server is pinned to CPU 0 and wrk to CPU 1 when the machine has
 * two, configurations are interleaved round by round, and each run starts with
 * a warm-up. Results are printed as a table and written to bench/results/.
 *
 * Usage: deno task bench [--quick] [--smoke] [--breakdown]
 *   --quick      about one minute (3 rounds of 3 s)
 *   --breakdown  bare and the SDK floor with each signal's export switched off
 *                in turn, instead of the service
 *   --smoke      a few seconds (1 round of 1 s), to keep the bench working in tests
 *
 * @module
 */
import { startTaskFlags } from "../testing/service_process.ts";
import { freePort } from "../testing/free_port.ts";
import { findTool } from "../testing/external_tool.ts";
import { cpuSeconds, rssMegabytes } from "./proc.ts";
import { startSink } from "./sink.ts";
import { runWrk, type WrkResult } from "./wrk.ts";
import { renderTable, type RunResult, summarize } from "./report.ts";

/** One server setup under test. */
interface Configuration {
  readonly name: string;
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
}

const FULL_TELEMETRY = { OTEL_METRIC_EXPORT_INTERVAL: "5000" };
const BARE: Configuration = { name: "bare Deno.serve", script: "bench/bare_server.ts", env: {} };
const FLOOR_SCRIPT = "bench/sdk_floor_server.ts";
const FLOOR_ENV = { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" };
/** The least any handler pays to trace and log every request with the JS SDK. */
const SDK_FLOOR: Configuration = {
  name: "SDK floor: bare + span, log, metric",
  script: FLOOR_SCRIPT,
  env: FLOOR_ENV,
};

const CONFIGURATIONS: readonly Configuration[] = [
  BARE,
  { name: "service, telemetry off", script: "main.ts", env: { OTEL_SDK_DISABLED: "true" } },
  SDK_FLOOR,
  {
    name: "service, OTel SDK, http/json",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
  },
  {
    name: "service, OTel SDK, http/protobuf",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" },
  },
  {
    name: "service, Deno built-in OTel",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_DENO: "true" },
  },
];

/** The SDK floor with `env` added, under `name`. */
function floorWith(name: string, env: Readonly<Record<string, string>>): Configuration {
  return { name, script: FLOOR_SCRIPT, env: { ...FLOOR_ENV, ...env } };
}

/**
 * `--breakdown`: the SDK floor with one part switched off at a time, to see
 * what each signal's export and the recording itself cost per request.
 */
const BREAKDOWN: readonly Configuration[] = [
  BARE,
  floorWith("floor, API calls only (OTEL_SDK_DISABLED)", { OTEL_SDK_DISABLED: "true" }),
  floorWith("floor, recorded, nothing exported", {
    OTEL_TRACES_EXPORTER: "none",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  }),
  floorWith("floor, spans not exported", { OTEL_TRACES_EXPORTER: "none" }),
  floorWith("floor, logs not exported", { OTEL_LOGS_EXPORTER: "none" }),
  floorWith("floor, metrics not exported", { OTEL_METRICS_EXPORTER: "none" }),
  SDK_FLOOR,
];

const args = new Set(Deno.args);
const selected = args.has("--breakdown") ? BREAKDOWN : CONFIGURATIONS;
const smoke = args.has("--smoke");
const quick = args.has("--quick") || smoke;
const rounds = smoke ? 1 : quick ? 3 : 5;
const seconds = smoke ? 1 : quick ? 3 : 10;
const warmupSeconds = smoke ? 1 : 2;
const connections = 50;
const pinned = navigator.hardwareConcurrency >= 2;

/** Starts a server and resolves once it answers 200, with the time that took. */
async function startServer(
  config: Configuration,
  port: number,
  otlpUrl: string,
): Promise<{ child: Deno.ChildProcess; coldStartMs: number }> {
  const denoArgs = ["run", ...startTaskFlags(), config.script];
  const [command, commandArgs] = pinned
    ? ["taskset", ["-c", "0", Deno.execPath(), ...denoArgs]]
    : [Deno.execPath(), denoArgs];
  const started = performance.now();
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd: new URL("..", import.meta.url),
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      ...config.env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const deadline = started + 30_000;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/greet?name=Ada`);
      await response.body?.cancel();
      if (response.status === 200) return { child, coldStartMs: performance.now() - started };
    } catch {
      // Not listening yet: cold start is what this loop measures.
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  child.kill("SIGKILL");
  throw new Error(`${config.name} did not answer within 30 s: ${await text(child.stderr)}`);
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

/** Runs one configuration once: cold start, idle memory, warm-up, load, flush. */
async function runOnce(config: Configuration): Promise<RunResult> {
  const receiver = startSink();
  const port = freePort();
  const { child, coldStartMs } = await startServer(config, port, receiver.url);
  try {
    const idleRssMb = rssMegabytes(child.pid);
    const url = `http://127.0.0.1:${port}/greet?name=Ada`;
    const wrkOptions = { connections, ...(pinned && { cpu: 1 }) };
    const warmup = await runWrk(url, { ...wrkOptions, seconds: warmupSeconds });
    const cpuBefore = cpuSeconds(child.pid);
    const load: WrkResult = await runWrk(url, { ...wrkOptions, seconds });
    const cpu = cpuSeconds(child.pid) - cpuBefore;
    const rssAfterLoadMb = rssMegabytes(child.pid);
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = await text(child.stderr);
    if (!status.success) throw new Error(`${config.name} exited ${status.code}: ${stderr}`);
    const served = 1 + warmup.requests + load.requests;
    const received = await receiver.count();
    return {
      configuration: config.name,
      requestsPerSecond: load.requestsPerSecond,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      errors: warmup.errors + load.errors,
      cpuMicrosPerRequest: cpu * 1e6 / load.requests,
      rssAfterLoadMb,
      idleRssMb,
      coldStartMs,
      requestsServed: served,
      spansReceived: received.spans,
      logsReceived: received.accessLogs,
      metricExports: received.metricExports,
    };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await receiver.close();
  }
}

const wrk = findTool({
  env: "WRK_BIN",
  command: "wrk",
  hint: "install wrk (apt-get install wrk), the load generator of the bench",
});
if (!wrk.path) {
  // A newcomer's `deno task test` must pass without it; CI has it (findTool
  // throws there when it is missing).
  if (smoke) Deno.exit(0);
  console.error(`Cannot run the bench: ${wrk.reason}`);
  Deno.exit(1);
}

if (pinned) {
  // The bench itself (the OTLP receiver decoding what arrives) shares CPU 1
  // with wrk, so that CPU 0 is the server's alone. Child processes inherit
  // this; the server is then moved to CPU 0 explicitly.
  await new Deno.Command("taskset", {
    args: ["-a", "-c", "-p", "1", String(Deno.pid)],
    stdout: "null",
  })
    .output();
}

const results: RunResult[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const config of selected) {
    console.error(`round ${round}/${rounds}: ${config.name}`);
    results.push(await runOnce(config));
  }
}
const summary = summarize(results, selected.map((c) => c.name));
console.log(
  `\n${rounds} round(s) of ${seconds} s, ${connections} connections, ` +
    `${pinned ? "server on CPU 0, wrk on CPU 1" : "unpinned (one CPU)"}, ` +
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs\n`,
);
console.log(renderTable(summary));
const outDir = new URL("results/", import.meta.url);
await Deno.mkdir(outDir, { recursive: true });
const outFile = new URL(`bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, outDir);
await Deno.writeTextFile(
  outFile,
  JSON.stringify({ rounds, seconds, connections, pinned, results, summary }, null, 2),
);
console.log(`\nresults: ${outFile.pathname}`);
