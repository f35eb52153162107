/**
 * Runs wrk, the load generator, and reads its summary.
 *
 * @module
 */

/** What one wrk run measured. */
export interface WrkResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors and non-2xx answers together. */
  readonly errors: number;
}

/** Options for {@linkcode runWrk}. */
export interface WrkOptions {
  /** Path of the wrk program. */
  readonly wrk: string;
  readonly seconds: number;
  readonly connections: number;
  /** Path of taskset and the CPU to pin wrk to, when pinning. */
  readonly pin?: { readonly taskset: string; readonly cpu: number };
}

/** Runs `wrk --latency` against `url`. */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const wrkArgs = [
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--latency",
    url,
  ];
  const [command, args] = options.pin
    ? [options.pin.taskset, ["-c", String(options.pin.cpu), options.wrk, ...wrkArgs]]
    : [options.wrk, wrkArgs];
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}${text}`);
  }
  return parseWrk(text);
}

/** Parses wrk's `--latency` report. */
export function parseWrk(text: string): WrkResult {
  const requests = text.match(/(\d+) requests in/);
  const rate = text.match(/Requests\/sec:\s+([\d.]+)/);
  const p50 = text.match(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m);
  const p99 = text.match(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m);
  if (!requests || !rate || !p50 || !p99) throw new Error(`Cannot read wrk output:\n${text}`);
  const socketErrors = text.match(
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/,
  );
  const non2xx = text.match(/Non-2xx or 3xx responses: (\d+)/);
  const errors = (socketErrors?.slice(1).reduce((sum, n) => sum + Number(n), 0) ?? 0) +
    Number(non2xx?.[1] ?? 0);
  return {
    requests: Number(requests[1]),
    requestsPerSecond: Number(rate[1]),
    p50Ms: toMs(Number(p50[1]), p50[2] ?? "ms"),
    p99Ms: toMs(Number(p99[1]), p99[2] ?? "ms"),
    errors,
  };
}

function toMs(value: number, unit: string): number {
  return unit === "us" ? value / 1000 : unit === "s" ? value * 1000 : value;
}
