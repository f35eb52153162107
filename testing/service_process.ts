/**
 * Runs the real service as a child process, the way `deno task start` does,
 * for integration tests: stdout is parsed as JSON log lines, readiness is
 * the "listening" line, and stopping sends a real signal.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/**
 * Default bound on a wait for the service (its start, a log line): long
 * enough that only a hang reaches it, even on a machine whose cores are
 * busy with other work. On a quiet machine these waits end within seconds.
 */
export const HANG_BOUND_MS = 60_000;

/** One JSON log line the service wrote. */
export type LogLine = Record<string, string | number | boolean>;

/** Options for {@linkcode startService}. */
export interface StartServiceOptions {
  /** Extra environment; `PORT=0`, `HOST=127.0.0.1` and `LOG_FORMAT=json` are set unless given. */
  readonly env?: Readonly<Record<string, string>>;
  /** Command-line arguments after `main.ts` (or after `command`). */
  readonly args?: readonly string[];
  /**
   * Program and arguments to run instead of `deno run <flags of deno task
   * start> main.ts`, e.g. `["dist/greet-api"]` for a compiled binary or
   * `["qemu-aarch64-static", "-L", sysroot, denoArm64, "run", ...]`. Relative
   * paths resolve against the repository root, the working directory.
   */
  readonly command?: readonly string[];
  /**
   * How long to wait for the "listening" line; defaults to
   * {@linkcode HANG_BOUND_MS}.
   */
  readonly startTimeoutMs?: number;
  /** Working directory; defaults to the repository root. */
  readonly cwd?: string | URL;
}

/** Permission flags of `deno task start`, so tests run the service exactly as users do. */
export function startTaskFlags(): string[] {
  const task = denoJson.tasks.start;
  const flags = task.split(/\s+/).filter((word) => word.startsWith("--"));
  if (flags.some((flag) => flag === "-A" || flag === "--allow-all")) {
    throw new Error(`deno task start must not use -A: ${task}`);
  }
  return flags;
}

/** A running service process. */
export class ServiceProcess {
  /** Every JSON line written to stdout so far. */
  readonly lines: LogLine[] = [];
  /** Raw stderr, for failure messages. */
  stderr = "";
  readonly #child: Deno.ChildProcess;
  readonly #listeners = new Set<() => void>();
  readonly #drained: Promise<void>;
  #exitCode: number | undefined;
  #url = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#drained = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
    // Once the process is gone and its output read, pending waits fail at once.
    void Promise.all([child.status, this.#drained]).then(([status]) => {
      this.#exitCode = status.code;
      for (const listener of [...this.#listeners]) listener();
    });
  }

  /**
   * Starts `main.ts` (or `command`) and resolves once it logs that it is
   * listening; if it exits or times out first, rejects with its output.
   */
  static async start(options: StartServiceOptions = {}): Promise<ServiceProcess> {
    const [program, ...programArgs] = options.command ??
      [Deno.execPath(), "run", ...startTaskFlags(), "main.ts"];
    if (program === undefined) throw new Error("Cannot start the service: command is empty");
    const child = new Deno.Command(program, {
      args: [...programArgs, ...(options.args ?? [])],
      cwd: options.cwd ?? new URL("..", import.meta.url),
      env: { PORT: "0", HOST: "127.0.0.1", LOG_FORMAT: "json", NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const service = new ServiceProcess(child);
    try {
      const listening = await service.waitForLine(
        (l) => l.msg === "listening",
        options.startTimeoutMs ?? HANG_BOUND_MS,
      );
      service.#url = `http://127.0.0.1:${listening["server.port"]}`;
    } catch (error) {
      await service.stop("SIGKILL");
      throw error;
    }
    return service;
  }

  /** Process id of the service. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Base URL of the service. */
  get url(): string {
    return this.#url;
  }

  /**
   * Resolves with the first line (already written or future) matching
   * `predicate`; rejects after `timeoutMs` (default
   * {@linkcode HANG_BOUND_MS}), or as soon as the process has exited without
   * writing one.
   */
  waitForLine(
    predicate: (line: LogLine) => boolean,
    timeoutMs = HANG_BOUND_MS,
  ): Promise<LogLine> {
    const found = this.lines.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const output = (): string =>
        `stdout:\n${this.lines.map((l) => JSON.stringify(l)).join("\n")}\nstderr:\n${this.stderr}`;
      const check = (): void => {
        const line = this.lines.find(predicate);
        if (line) {
          cleanup();
          resolve(line);
        } else if (this.#exitCode !== undefined) {
          cleanup();
          reject(
            new Error(`The service exited with code ${this.#exitCode} first; ${output()}`),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`No matching log line within ${timeoutMs} ms; ${output()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends `signal` and resolves with the exit status once the process ends. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill(signal);
    } catch {
      // Already exited.
    }
    const status = await this.#child.status;
    await this.#drained;
    return status;
  }

  async #readStdout(): Promise<void> {
    let buffered = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(text));
        } catch {
          this.lines.push({ msg: "(not JSON)", text });
        }
      }
      for (const listener of [...this.#listeners]) listener();
    }
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.stderr += chunk;
      for (const listener of [...this.#listeners]) listener();
    }
  }
}
