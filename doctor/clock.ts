/**
 * Compares the local clock with the `Date` header of the servers the doctor
 * talked to: a Pi without network time starts at the last shutdown's time,
 * and telemetry stamped hours off is stored but never shown.
 *
 * @module
 */
import { HINTS } from "./hints.ts";
import type { Check } from "./report.ts";

/** Skew above which the clock check fails. */
export const MAX_SKEW_MS = 30_000;

/** One server's `Date` header and the local time it was read at. */
export interface DateSample {
  /** Who answered, e.g. `traces endpoint` or `Tempo`. */
  readonly source: string;
  /** The `Date` header, milliseconds since the epoch (second resolution). */
  readonly serverMs: number;
  /** Local time halfway through the request, milliseconds since the epoch. */
  readonly localMs: number;
}

/**
 * Reads a response's `Date` header, or `undefined` without a valid one.
 * `startedMs` is `Date.now()` before the request was sent.
 */
export function dateSample(
  source: string,
  response: Response,
  startedMs: number,
): DateSample | undefined {
  const header = response.headers.get("date");
  if (!header) return undefined;
  const serverMs = Date.parse(header);
  if (Number.isNaN(serverMs)) return undefined;
  return { source, serverMs, localMs: (startedMs + Date.now()) / 2 };
}

/** The clock check: fails when any server's clock is more than 30 s away from ours. */
export function clockCheck(samples: readonly DateSample[]): Check {
  if (samples.length === 0) {
    return {
      id: "clock",
      title: "clock",
      status: "skip",
      detail: "no server answered with a Date header to compare with",
    };
  }
  // The header has whole seconds: half a second of the skew can be rounding.
  const skews = samples.map((sample) => ({ ...sample, skew: sample.localMs - sample.serverMs }));
  const worst = skews.reduce((a, b) => Math.abs(b.skew) > Math.abs(a.skew) ? b : a);
  const seconds = Math.round(Math.abs(worst.skew) / 1000);
  const direction = worst.skew > 0 ? "ahead of" : "behind";
  if (Math.abs(worst.skew) > MAX_SKEW_MS + 1000) {
    return {
      id: "clock",
      title: "clock",
      status: "fail",
      detail: `this machine's clock is ${seconds} s ${direction} ${worst.source}'s ` +
        `(local ${new Date(worst.localMs).toISOString()}, server ${
          new Date(worst.serverMs).toISOString()
        })`,
      hint: HINTS.clock,
    };
  }
  return {
    id: "clock",
    title: "clock",
    status: "pass",
    detail: `within ${
      Math.max(seconds, 1)
    } s of the servers' clocks (${samples.length} Date header${
      samples.length === 1 ? "" : "s"
    }, limit ${MAX_SKEW_MS / 1000} s)`,
  };
}
