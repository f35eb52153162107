/**
 * Runs one real backend (Loki, Prometheus, Tempo, ...) as a child process for
 * a test: waits for its readiness URL, keeps its output for failure messages,
 * and stops it with SIGTERM (SIGKILL after a grace period).
 *
 * @module
 */

/** Options for {@linkcode BackendProcess.start}. */
export interface BackendProcessOptions {
  /** Name used in messages, e.g. `Loki`. */
  readonly name: string;
  /** Path of the binary. */
  readonly bin: string;
  readonly args: readonly string[];
  /** URL that answers 200 once the backend is ready, e.g. `http://127.0.0.1:3100/ready`. */
  readonly readyUrl: string;
  /** Working directory (a temporary directory of the test). */
  readonly cwd: string;
  /** How long it may take to become ready; default 60 s (Loki waits 15 s for its ring). */
  readonly startTimeoutMs?: number;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Thrown by {@linkcode BackendProcess.start} with the backend's output. */
export class BackendStartError extends Error {
  /** What the backend printed before it failed. */
  readonly output: string;

  constructor(message: string, output: string) {
    super(`${message}: ${output.trim().slice(-4_000) || "(no output)"}`);
    this.name = "BackendStartError";
    this.output = output;
  }
}

const STOP_GRACE_MS = 15_000;

/** A running backend. */
export class BackendProcess {
  readonly name: string;
  readonly #child: Deno.ChildProcess;
  readonly #status: Promise<Deno.CommandStatus>;
  readonly #drained: Promise<void>;
  #output = "";
  #exited: Deno.CommandStatus | undefined;

  private constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.#child = child;
    this.#status = child.status.then((status) => this.#exited = status);
    this.#drained = Promise.all([this.#read(child.stdout), this.#read(child.stderr)]).then(
      () => {},
    );
  }

  /** Starts the backend and resolves once `readyUrl` answers 200; rejects with its output. */
  static async start(options: BackendProcessOptions): Promise<BackendProcess> {
    const child = new Deno.Command(options.bin, {
      args: [...options.args],
      cwd: options.cwd,
      env: { ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const backend = new BackendProcess(options.name, child);
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    let last = "no answer yet";
    let backoff = 50;
    for (;;) {
      if (backend.#exited) {
        await backend.#drained;
        throw new BackendStartError(
          `Cannot start ${options.name}: it exited with code ${backend.#exited.code}`,
          backend.#output,
        );
      }
      try {
        const response = await fetch(options.readyUrl, { signal: AbortSignal.timeout(2_000) });
        const body = await response.text();
        if (response.status === 200) return backend;
        last = `${options.readyUrl} answered ${response.status}: ${body.trim().slice(0, 200)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() + backoff > deadline) {
        const output = await backend.stop();
        throw new BackendStartError(
          `Cannot start ${options.name}: not ready in time: ${last}`,
          output,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 500);
    }
  }

  /** Process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Everything it printed so far (stdout and stderr, interleaved as read). */
  get output(): string {
    return this.#output;
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.#exited === undefined;
  }

  /**
   * Stops it (SIGTERM, then SIGKILL after `graceMs`, default 15 s) and
   * resolves with all it printed.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<string> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // It exited between the check and the signal.
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          try {
            if (!this.#exited) this.#child.kill("SIGKILL");
          } catch {
            // Already gone.
          }
          resolve();
        }, graceMs);
      });
      await Promise.race([this.#status, killed]);
      clearTimeout(timer);
    }
    await this.#status;
    await this.#drained;
    return this.#output;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      this.#output += chunk;
      // A chatty backend must not grow a test's memory without bound.
      if (this.#output.length > 1_000_000) this.#output = this.#output.slice(-500_000);
    }
  }
}

/**
 * Runs `start` in a fresh temporary directory, again (at most three times in
 * all) when the backend failed only because a port picked with `freePort`
 * was taken before it could bind; the directory of a failed attempt is
 * removed.
 */
export async function inFreshDir<T>(
  prefix: string,
  start: (dir: string) => Promise<T>,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    const dir = await Deno.makeTempDir({ prefix });
    try {
      return await start(dir);
    } catch (error) {
      await Deno.remove(dir, { recursive: true });
      const portTaken = error instanceof BackendStartError &&
        /address already in use/.test(error.output);
      if (attempt < 3 && portTaken) continue;
      throw error;
    }
  }
}
