/**
 * Waits for another process to get somewhere: asks again with a growing
 * pause until the answer is what the test needs or a deadline passes. Never a
 * fixed sleep.
 *
 * @module
 */

/** Options for {@linkcode pollFor}. */
export interface PollOptions {
  /** What is waited for, for the timeout message. */
  readonly what: string;
  /** Deadline, from now; default 60 s. */
  readonly timeoutMs?: number;
}

/**
 * Calls `ask` until `done` holds for its answer and resolves with that
 * answer. Rejects after the deadline with the last answer (or error) in the
 * message. Errors from `ask` count as "not yet".
 */
export async function pollFor<T>(
  ask: () => Promise<T>,
  done: (answer: T) => boolean,
  options: PollOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let pause = 100;
  let last = "no answer yet";
  for (;;) {
    try {
      const answer = await ask();
      if (done(answer)) return answer;
      last = `last answer: ${JSON.stringify(answer)?.slice(0, 2_000)}`;
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() + pause > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${options.what}: ${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 1_000);
  }
}
