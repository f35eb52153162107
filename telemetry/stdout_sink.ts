/**
 * Buffered, ordered writes of log lines to stdout.
 *
 * One `write` system call per log line costs more than the rest of a request
 * under load; lines are instead gathered and written together once per turn
 * of the event loop, or sooner when 64 KiB are waiting. `flush()` writes what
 * is left synchronously; the shutdown sequence calls it before exiting.
 *
 * @module
 */

/** A destination for log lines. */
export interface LineSink {
  /** Queues one line (without its newline). */
  write(line: string): void;
  /** Writes everything queued, synchronously. */
  flush(): void;
}

/** Bytes queued before a write happens without waiting for the timer. */
export const MAX_BUFFERED_BYTES = 64 * 1024;

/** Options for {@linkcode createBufferedSink}. */
export interface BufferedSinkOptions {
  /** Writes bytes, all of them; defaults to a synchronous write to stdout. */
  readonly writeAll?: (bytes: Uint8Array) => void;
}

const encoder = new TextEncoder();

/** Writes `bytes` to stdout completely, synchronously. */
export function writeAllStdout(bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** Creates a sink that batches lines into few writes. */
export function createBufferedSink(options: BufferedSinkOptions = {}): LineSink {
  const writeAll = options.writeAll ?? writeAllStdout;
  let buffer = "";
  let scheduled: ReturnType<typeof setTimeout> | undefined;

  function flush(): void {
    if (scheduled !== undefined) {
      clearTimeout(scheduled);
      scheduled = undefined;
    }
    if (buffer === "") return;
    const text = buffer;
    buffer = "";
    writeAll(encoder.encode(text));
  }

  return {
    write(line: string): void {
      buffer += line + "\n";
      // String length approximates bytes; exactness does not matter here.
      if (buffer.length >= MAX_BUFFERED_BYTES) {
        flush();
      } else if (scheduled === undefined) {
        const timer = setTimeout(flush, 0);
        // A pending flush must not keep the process alive on its own.
        Deno.unrefTimer(timer);
        scheduled = timer;
      }
    },
    flush,
  };
}
