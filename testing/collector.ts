/**
 * Runs the OpenTelemetry Collector built by `.ci/build-collector` for
 * end-to-end tests, and reads back what its file exporters wrote.
 *
 * ```ts
 * const otelcol = findCollector();
 * Deno.test({ name: "...", ignore: !otelcol.path, fn: async () => {
 *   const collector = await Collector.start({ bin: otelcol.path });
 *   try {
 *     // export to collector.url
 *     const received = await collector.waitFor((r) => r.spans.length > 0, { what: "a span" });
 *   } finally {
 *     await collector.stop();
 *   }
 * } });
 * ```
 *
 * The collector runs `collector/otelcol.yaml`: an OTLP/HTTP receiver on a
 * free loopback port and one OTLP JSON lines file per signal in a temporary
 * directory, parsed with the same normalizer as {@linkcode OtlpReceiver}.
 *
 * @module
 */

import { normalizeExport, signalOf } from "./_otlp_normalize.ts";
import { findTool, type FoundTool } from "./external_tool.ts";
import { freePort } from "./free_port.ts";
import { HANG_BOUND_MS } from "./service_process.ts";
import {
  describeTelemetry,
  type ReceivedLog,
  type ReceivedMetric,
  type ReceivedSpan,
  type ReceivedTelemetry,
  type WaitForOptions,
} from "./otlp_types.ts";

/** Locates the collector binary from `OTELCOL_BIN`, for `ignore:` in tests. */
export function findCollector(): FoundTool {
  return findTool({ env: "OTELCOL_BIN", hint: "run .ci/build-collector" });
}

/** Options for {@linkcode Collector.start}. */
export interface CollectorOptions {
  /** Path of the collector binary. Defaults to `OTELCOL_BIN`. */
  readonly bin?: string | undefined;
  /** Collector config file. Defaults to the repo's `collector/otelcol.yaml`. */
  readonly config?: string;
  /** How long the collector may take to become healthy. Defaults to 30 000 ms. */
  readonly startTimeoutMs?: number;
  /**
   * OTLP/HTTP port; defaults to a free one. Starting a second collector on
   * the port of a stopped one simulates a collector that restarts.
   */
  readonly otlpPort?: number;
  /** More environment for the config, e.g. the backends' endpoints of `collector/otelcol-stack.yaml`. */
  readonly env?: Readonly<Record<string, string>>;
}

const DEFAULT_CONFIG = decodeURIComponent(
  new URL("../collector/otelcol.yaml", import.meta.url).pathname,
);
const FILES = ["traces.jsonl", "logs.jsonl", "metrics.jsonl"] as const;
/** How often `waitFor` re-reads the output files: the collector is another process. */
const POLL_MS = 50;
const STOP_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;

/** A running collector. */
export class Collector {
  /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:40123`; exporters append `/v1/traces` etc. */
  readonly url: string;
  /** Directory the file exporters write `traces.jsonl`, `logs.jsonl` and `metrics.jsonl` to. */
  readonly outputDir: string;

  readonly #process: Deno.ChildProcess;
  readonly #stderr: Promise<string>;
  readonly #status: Promise<Deno.CommandStatus>;
  #exited: Deno.CommandStatus | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(url: string, outputDir: string, child: Deno.ChildProcess) {
    this.url = url;
    this.outputDir = outputDir;
    this.#process = child;
    this.#stderr = new Response(child.stderr).text();
    this.#status = child.status.then((status) => this.#exited = status);
  }

  /**
   * Starts the collector on free loopback ports with a fresh output
   * directory and resolves once its health check answers 200. Rejects, with
   * the collector's stderr, if it exits first or is not healthy in time.
   */
  static async start(options: CollectorOptions = {}): Promise<Collector> {
    const bin = options.bin ?? findCollector().path;
    if (!bin) {
      throw new Error("Cannot start the collector: OTELCOL_BIN is unset: run .ci/build-collector");
    }
    const config = options.config ?? DEFAULT_CONFIG;
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (let attempt = 1;; attempt++) {
      const outputDir = await Deno.makeTempDir({ prefix: "otelcol-" });
      const otlpPort = options.otlpPort ?? freePort();
      const healthPort = freePort();
      const child = new Deno.Command(bin, {
        args: [`--config=${config}`],
        env: {
          ...options.env,
          OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
          OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
          OTELCOL_OUTPUT_DIR: outputDir,
        },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const collector = new Collector(`http://127.0.0.1:${otlpPort}`, outputDir, child);
      try {
        await collector.#waitHealthy(`http://127.0.0.1:${healthPort}/`, deadline);
        return collector;
      } catch (error) {
        const stderr = await collector.stop();
        // The ports were free when chosen, but another process may have taken
        // one since: that is worth another try with new ports.
        if (attempt < PORT_ATTEMPTS && /address already in use/.test(stderr)) continue;
        throw new Error(
          `Cannot start the collector: ${error instanceof Error ? error.message : error}: ${
            stderr.trim() || "(no output)"
          }`,
        );
      }
    }
  }

  /** Process id of the collector. */
  get pid(): number {
    return this.#process.pid;
  }

  /** Reads everything the collector has written so far. */
  async read(): Promise<ReceivedTelemetry> {
    const spans: ReceivedSpan[] = [];
    const logs: ReceivedLog[] = [];
    const metrics: ReceivedMetric[] = [];
    for (const file of FILES) {
      let text: string;
      try {
        text = await Deno.readTextFile(`${this.outputDir}/${file}`);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      // A flush may end mid-line: only lines with their newline are complete.
      const lines = text.split("\n").slice(0, -1);
      lines.forEach((line, index) => {
        if (!line.trim()) return;
        const where = `${file} line ${index + 1}`;
        let request: unknown;
        try {
          request = JSON.parse(line);
        } catch (error) {
          throw new Error(`Cannot read the collector output: ${where} is not JSON: ${error}`);
        }
        const signal = signalOf(request);
        if (!signal) {
          throw new Error(`Cannot read the collector output: ${where} is not an OTLP export`);
        }
        const telemetry = normalizeExport(signal, request);
        spans.push(...telemetry.spans);
        logs.push(...telemetry.logs);
        metrics.push(...telemetry.metrics);
      });
    }
    return { spans, logs, metrics };
  }

  /**
   * Re-reads the output files every 50 ms until `predicate` holds for what
   * they contain, and resolves with it. Rejects after `timeoutMs` (default
   * {@linkcode HANG_BOUND_MS}, a minute) with a message naming `what` and summarizing what was written,
   * or at once if the collector exits.
   */
  async waitFor(
    predicate: (received: ReceivedTelemetry) => boolean,
    options: WaitForOptions = {},
  ): Promise<ReceivedTelemetry> {
    const timeoutMs = options.timeoutMs ?? HANG_BOUND_MS;
    const what = options.what ?? "the condition";
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const received = await this.read();
      if (predicate(received)) return received;
      if (this.#exited) {
        throw new Error(
          `Cannot wait for ${what}: the collector exited with code ${this.#exited.code}: ` +
            `received ${describeTelemetry(received)}`,
        );
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `Timed out after ${timeoutMs}ms waiting for ${what}: the collector wrote ${
            describeTelemetry(received)
          }`,
        );
      }
      await delay(POLL_MS);
    }
  }

  /**
   * Stops the collector with SIGTERM (SIGKILL if it takes over 10 s), waits
   * for it to exit and removes its output directory. Returns its stderr.
   */
  async stop(): Promise<string> {
    const stderr = await this.#stopAndRead();
    await Deno.remove(this.outputDir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    return stderr;
  }

  async #stopAndRead(): Promise<string> {
    this.#stopped ??= this.#terminate();
    await this.#stopped;
    return await this.#stderr;
  }

  async #terminate(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#process.kill("SIGTERM");
      } catch (error) {
        // It exited between the check and the signal.
        if (!(error instanceof TypeError)) throw error;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (!this.#exited) this.#process.kill("SIGKILL");
          resolve();
        }, STOP_TIMEOUT_MS);
      });
      await Promise.race([this.#status, killed]);
      clearTimeout(timer);
    }
    await this.#status;
  }

  async #waitHealthy(url: string, deadline: number): Promise<void> {
    // Process readiness: retry the probe with a short backoff until the
    // deadline, stopping early if the process exits.
    let backoff = 10;
    let last = "no answer yet";
    for (;;) {
      if (this.#exited) throw new Error(`it exited with code ${this.#exited.code}`);
      try {
        const response = await fetch(url);
        await response.body?.cancel();
        if (response.status === 200) return;
        last = `health check answered ${response.status}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() + backoff > deadline) {
        throw new Error(`it was not healthy in time: ${last}`);
      }
      await delay(backoff);
      backoff = Math.min(backoff * 2, 200);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
