/**
 * Runs vegeta, the open-loop load generator of the fixed-rate table, and
 * reads back every request's result.
 *
 * Open loop: vegeta sends requests at the set rate whatever the server's
 * latency (it adds workers when answers are slow), so a pause in the server
 * shows up in the percentiles instead of slowing the load down, as it does
 * with a closed-loop tool such as wrk. `.ci/install-vegeta` builds it.
 *
 * @module
 */

/** What one fixed-rate run measured. */
export interface FixedRateLoad {
  /** Requests sent. */
  readonly requests: number;
  /** Requests that failed or were not answered 200. */
  readonly errors: number;
  /** Every request's latency in milliseconds, ascending. */
  readonly latenciesMs: readonly number[];
}

/** Options for {@linkcode runVegeta}. */
export interface VegetaOptions {
  /** Path of the vegeta program. */
  readonly vegeta: string;
  /** Requests per second. */
  readonly rate: number;
  readonly seconds: number;
  /** Path of taskset and the CPU to pin vegeta to, when pinning. */
  readonly pin?: { readonly taskset: string; readonly cpu: number };
  /** Directory for the targets and results files (removed afterwards); defaults to the system's. */
  readonly scratchDir?: string;
}

/** Sends GET `url` at a fixed rate for a while and returns every result. */
export async function runVegeta(url: string, options: VegetaOptions): Promise<FixedRateLoad> {
  const dir = await Deno.makeTempDir({
    prefix: ".vegeta-",
    ...(options.scratchDir && { dir: options.scratchDir }),
  });
  try {
    const targets = `${dir}/targets`;
    const results = `${dir}/results.bin`;
    await Deno.writeTextFile(targets, `GET ${url}\n`);
    const attack = [
      "attack",
      `-targets=${targets}`,
      `-rate=${options.rate}/1s`,
      `-duration=${options.seconds}s`,
      // The latency is what is wanted, not the body.
      "-max-body=0",
      `-output=${results}`,
    ];
    const [command, args] = options.pin
      ? [options.pin.taskset, ["-c", String(options.pin.cpu), options.vegeta, ...attack]]
      : [options.vegeta, attack];
    await run(command, args);
    return parseVegetaJson(await run(options.vegeta, ["encode", "-to=json", results]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/** Reads `vegeta encode -to=json` output: one JSON object per request. */
export function parseVegetaJson(text: string): FixedRateLoad {
  const latencies: number[] = [];
  let errors = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const result: unknown = JSON.parse(line);
    if (!isVegetaResult(result)) throw new Error(`Cannot read vegeta result: ${line}`);
    // Latency is in nanoseconds.
    latencies.push(result.latency / 1e6);
    if (result.code !== 200 || result.error !== "") errors++;
  }
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, latenciesMs: latencies };
}

interface VegetaResult {
  readonly code: number;
  readonly latency: number;
  readonly error: string;
}

function isVegetaResult(value: unknown): value is VegetaResult {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.code === "number" && typeof record.latency === "number" &&
    typeof record.error === "string";
}
