/**
 * Bounded load for reliability tests: a concurrent `fetch` loop that records
 * every answer, for correctness ("no failed request among N", "every span of
 * every answered request arrived"). It measures no latency: tests assert
 * what happened, never how fast; figures belong in `deno task bench`.
 *
 * For 100,000 requests at a low cost see `pipelined_load.ts`.
 *
 * @module
 */

/** What a {@linkcode fetchLoad} run saw. */
export interface FetchLoadResult {
  /** Requests sent. */
  readonly sent: number;
  /** Answers with the expected status. */
  readonly ok: number;
  /** Failures: other statuses or network errors, with what happened. */
  readonly failures: readonly string[];
  /** Trace ids from the `traceresponse` header of each expected answer. */
  readonly traceIds: readonly string[];
}

/** Options for {@linkcode fetchLoad}. */
export interface FetchLoadOptions {
  /** How many requests in total. */
  readonly requests: number;
  /** How many at a time. */
  readonly concurrency: number;
  /** Status that counts as a success; defaults to 200. */
  readonly expectStatus?: number;
  /** Stops sending new requests once aborted; those in flight finish. */
  readonly signal?: AbortSignal;
}

/**
 * Sends `requests` GETs to `url`, `concurrency` at a time, and reads every
 * body. A request that fails does not stop the others.
 */
export async function fetchLoad(url: string, options: FetchLoadOptions): Promise<FetchLoadResult> {
  const expected = options.expectStatus ?? 200;
  const failures: string[] = [];
  const traceIds: string[] = [];
  let ok = 0;
  let sent = 0;
  async function worker(): Promise<void> {
    while (sent < options.requests && !options.signal?.aborted) {
      sent++;
      try {
        const response = await fetch(url);
        await response.arrayBuffer();
        if (response.status === expected) {
          ok++;
          const traceresponse = response.headers.get("traceresponse");
          if (traceresponse) traceIds.push(traceresponse.split("-")[1] ?? "");
        } else {
          failures.push(`status ${response.status}`);
        }
      } catch (error: unknown) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { sent, ok, failures, traceIds };
}
