/**
 * Many requests at a low cost to the machine: a small HTTP/1.1 client over
 * `Deno.connect` that writes a batch of GETs on each keep-alive connection
 * before reading their answers (pipelining). The memory checks send 100,000
 * requests with it. Against the service with a collector that does not
 * decode, 50,000 requests cost the client 0.6-0.7 CPU-seconds and the
 * service 2.7-3.1, where a 16-wide `fetch` loop costs 5.4-6.0 and 4.6-5.0
 * (two runs each, on two cores other work kept busy): that matters when the
 * tests share the cores with the service. It needs no outside program such
 * as wrk.
 *
 * It reads only what the service sends: answers framed by `content-length`.
 * Anything else (a chunked or unframed body, a closed connection) is
 * reported as a failure, never guessed at.
 *
 * @module
 */

/** What a {@linkcode pipelinedLoad} run saw. */
export interface PipelinedLoadResult {
  /** Requests written. */
  readonly sent: number;
  /** Answers read, whatever their status. */
  readonly answered: number;
  /** Number of answers per status code. */
  readonly statuses: Readonly<Record<number, number>>;
  /** What went wrong on a connection, e.g. that it closed with answers outstanding. */
  readonly failures: readonly string[];
}

/** Options for {@linkcode pipelinedLoad}. */
export interface PipelinedLoadOptions {
  /** How many requests in total. */
  readonly requests: number;
  /** Keep-alive connections, each with its own pipeline; defaults to 8. */
  readonly connections?: number;
  /** Requests written on a connection before their answers are read; defaults to 32. */
  readonly depth?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const latin1 = new TextDecoder("latin1");

/**
 * Sends `requests` GETs of `url` (plain `http:` only) over `connections`
 * connections, `depth` at a time on each, and reads every answer.
 * A connection that fails ends with a failure recorded; the others go on.
 */
export async function pipelinedLoad(
  url: string | URL,
  options: PipelinedLoadOptions,
): Promise<PipelinedLoadResult> {
  const target = new URL(url);
  if (target.protocol !== "http:") {
    throw new Error(`Cannot send pipelined requests to "${target}": only http: is supported`);
  }
  const port = Number(target.port || 80);
  const depth = Math.max(1, options.depth ?? 32);
  const request = new TextEncoder().encode(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`,
  );
  const batch = new Uint8Array(request.length * depth);
  for (let i = 0; i < depth; i++) batch.set(request, i * request.length);

  const statuses: Record<number, number> = {};
  const failures: string[] = [];
  let claimed = 0;
  let sent = 0;
  let answered = 0;

  async function connection(): Promise<void> {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ hostname: target.hostname, port });
    } catch (error: unknown) {
      failures.push(`Cannot connect to ${target.host}: ${message(error)}`);
      return;
    }
    const reader = new AnswerReader(conn);
    try {
      while (claimed < options.requests) {
        const count = Math.min(depth, options.requests - claimed);
        claimed += count;
        await writeAll(conn, batch.subarray(0, count * request.length));
        sent += count;
        for (let i = 0; i < count; i++) {
          const status = await reader.next();
          statuses[status] = (statuses[status] ?? 0) + 1;
          answered++;
        }
      }
    } catch (error: unknown) {
      failures.push(message(error));
    } finally {
      conn.close();
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.connections ?? 8) }, connection));
  return { sent, answered, statuses, failures };
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads HTTP/1.1 answers framed by `content-length` off one connection, in order. */
class AnswerReader {
  readonly #conn: Deno.TcpConn;
  #buffer = new Uint8Array(1 << 16);
  /** Start of the bytes not yet consumed. */
  #start = 0;
  /** End of the bytes read so far. */
  #end = 0;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Reads the next answer, body included, and returns its status code. */
  async next(): Promise<number> {
    // Offsets from #start, which #fill() may move.
    let scanned = 0;
    for (;;) {
      const headEnd = this.#findHeadEnd(this.#start + scanned);
      if (headEnd >= 0) {
        const head = latin1.decode(this.#buffer.subarray(this.#start, headEnd));
        const length = headEnd - this.#start + 4 + bodyLength(head);
        while (this.#end - this.#start < length) await this.#fill();
        this.#start += length;
        return statusCode(head);
      }
      scanned = Math.max(0, this.#end - this.#start - 3);
      await this.#fill();
    }
  }

  /** Index of the blank line ending the head, searching from `from`; -1 if not read yet. */
  #findHeadEnd(from: number): number {
    const b = this.#buffer;
    for (let i = from; i + 3 < this.#end; i++) {
      if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) return i;
    }
    return -1;
  }

  /** Reads more bytes, moving unconsumed ones to the front (and growing) to make room. */
  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buffer.length) {
      const grown = new Uint8Array(this.#buffer.length * 2);
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    const n = await this.#conn.read(this.#buffer.subarray(this.#end));
    if (n === null) {
      throw new Error(
        `The server closed the connection with an answer outstanding (${this.#end} bytes of it read)`,
      );
    }
    this.#end += n;
  }
}

function statusCode(head: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!match) throw new Error(`Cannot read the status line: ${JSON.stringify(head.slice(0, 80))}`);
  return Number(match[1]);
}

function bodyLength(head: string): number {
  const length = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r\n|$)/i.exec(head);
  if (length) return Number(length[1]);
  if (/\r\ntransfer-encoding:/i.test(head)) {
    throw new Error("Cannot read a chunked answer: this client reads content-length bodies only");
  }
  // 1xx, 204 and 304 answers have no body; anything else must say how long it is.
  const status = statusCode(head);
  if (status < 200 || status === 204 || status === 304) return 0;
  throw new Error(
    `Cannot tell where the answer ends: no content-length in ${JSON.stringify(head)}`,
  );
}
