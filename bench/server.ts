/**
 * Starts a configuration's server beside its OTLP sink, measures its cold
 * start and idle memory, and stops it, counting what it delivered.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { startTaskFlags } from "../testing/service_process.ts";
import { freePort } from "../testing/free_port.ts";
import type { Configuration } from "./configurations.ts";
import { rssMegabytes } from "./proc.ts";
import { type OtlpSink, type SinkCounts, startSink } from "./sink.ts";

/**
 * The V8 flags `deno task compile` bakes into the binary the Pi runs: every
 * configuration runs with them, so the bench measures the runtime as deployed.
 */
export function deployedV8Flags(): string[] {
  return denoJson.tasks.compile.split(/\s+/).filter((word) => word.startsWith("--v8-flags="));
}

/** A server under test, with its sink. */
export interface Launched {
  readonly config: Configuration;
  readonly child: Deno.ChildProcess;
  readonly receiver: OtlpSink;
  /** The URL the load generators request. */
  readonly url: string;
  /** From spawning the process to its first 200. */
  readonly coldStartMs: number;
  /** Resident memory right after the first 200. */
  readonly idleRssMb: number;
}

/**
 * Starts the sink and the server, the server on CPU 0 when `taskset` is
 * given, and resolves once it answers 200.
 */
export async function launch(
  config: Configuration,
  taskset: string | undefined,
): Promise<Launched> {
  // The previous run's sink left up to hundreds of MB of received requests
  // behind in this process: collected now, before the clock starts, not
  // during the cold-start loop below. Without this, a row run after one with
  // full telemetry measured 40-50 ms slower to start whichever code it ran
  // (rows swapped, same code). `deno task bench` passes --expose-gc.
  (globalThis as { gc?: () => void }).gc?.();
  const receiver = startSink();
  const port = freePort();
  const denoArgs = ["run", ...deployedV8Flags(), ...startTaskFlags(), config.script];
  const [command, commandArgs] = taskset
    ? [taskset, ["-c", "0", Deno.execPath(), ...denoArgs]]
    : [Deno.execPath(), denoArgs];
  const started = performance.now();
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd: new URL("..", import.meta.url),
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...config.env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}/greet?name=Ada`;
  const deadline = started + 30_000;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.status === 200) {
        const coldStartMs = performance.now() - started;
        return { config, child, receiver, url, coldStartMs, idleRssMb: rssMegabytes(child.pid) };
      }
    } catch {
      // Not listening yet: cold start is what this loop measures.
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  child.kill("SIGKILL");
  await receiver.close();
  throw new Error(`${config.name} did not answer within 30 s: ${await text(child.stderr)}`);
}

/** Stops the server (SIGTERM: it flushes its telemetry) and counts what the sink received. */
export async function stop(server: Launched): Promise<SinkCounts> {
  try {
    server.child.kill("SIGTERM");
    const status = await server.child.status;
    const stderr = await text(server.child.stderr);
    if (!status.success) throw new Error(`${server.config.name} exited ${status.code}: ${stderr}`);
    return await server.receiver.count();
  } finally {
    try {
      server.child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await server.receiver.close();
  }
}

/** Stops the server after a failed run, keeping the run's error rather than a second one. */
export async function abandon(server: Launched): Promise<void> {
  try {
    server.child.kill("SIGKILL");
  } catch {
    // Already exited.
  }
  await server.child.status;
  await server.child.stderr.cancel().catch(() => {});
  await server.receiver.close();
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}
