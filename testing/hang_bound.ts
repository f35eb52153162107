/**
 * Fails a test that would otherwise hang, instead of timing anything: the
 * bound is far beyond any busy machine's slowness, so only a real hang (a
 * wait that never ends by design) can reach it.
 *
 * @module
 */
import { HANG_BOUND_MS } from "./service_process.ts";

/**
 * Resolves as `promise` does, or rejects naming `what` once
 * {@linkcode HANG_BOUND_MS} has passed without an answer.
 */
export async function beforeHangBound<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Still waiting after ${HANG_BOUND_MS} ms: ${what}`)),
      HANG_BOUND_MS,
    );
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}
