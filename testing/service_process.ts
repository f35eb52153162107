/**
 * Runs the real service as a child process, the way `deno task start` does,
 * for integration tests: stdout is parsed as JSON log lines, readiness is
 * the "listening" line, and stopping sends a real signal.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** One JSON log line the service wrote. */
export type LogLine = Record<string, string | number | boolean>;

/** Options for {@linkcode startService}. */
export interface StartServiceOptions {
  /** Extra environment; `PORT=0`, `HOST=127.0.0.1` and `LOG_FORMAT=json` are set unless given. */
  readonly env?: Readonly<Record<string, string>>;
  /** Command-line arguments after `main.ts`. */
  readonly args?: readonly string[];
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
  #url = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#drained = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
  }

  /** Starts `main.ts` and resolves once it logs that it is listening. */
  static async start(options: StartServiceOptions = {}): Promise<ServiceProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...startTaskFlags(), "main.ts", ...(options.args ?? [])],
      cwd: new URL("..", import.meta.url),
      env: { PORT: "0", HOST: "127.0.0.1", LOG_FORMAT: "json", NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const service = new ServiceProcess(child);
    const listening = await service.waitForLine((l) => l.msg === "listening", 30_000);
    service.#url = `http://127.0.0.1:${listening["server.port"]}`;
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

  /** Resolves with the first line (already written or future) matching `predicate`. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const found = this.lines.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.lines.find(predicate);
        if (!line) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `No matching log line within ${timeoutMs} ms; stdout:\n${
              this.lines.map((l) => JSON.stringify(l)).join("\n")
            }\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
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
