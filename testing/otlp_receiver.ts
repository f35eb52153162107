/**
 * An OTLP/HTTP receiver for tests: the service's real exporters send to it
 * over loopback, and the test asserts on what arrived, already decoded.
 *
 * ```ts
 * const rx = await OtlpReceiver.start();
 * try {
 *   // point OTEL_EXPORTER_OTLP_ENDPOINT (or the exporters' `url`) at rx.url
 *   await rx.waitFor(() => rx.spans.length >= 1, { what: "the request span" });
 *   assert.equal(rx.spans[0]?.name, "GET /greet/:name");
 * } finally {
 *   await rx.close();
 * }
 * ```
 *
 * It accepts what a collector's `otlp` receiver accepts on `/v1/traces`,
 * `/v1/logs` and `/v1/metrics`: `application/x-protobuf` and
 * `application/json` bodies, optionally `gzip` or `deflate` encoded, and
 * answers like one: 404 for other paths, 405 for other methods, 415 for other
 * content types, 400 for bodies it cannot decode, and 200 with an empty
 * export response in the request's content type otherwise.
 *
 * @module
 */

import { decodeOtlpProto } from "./_otlp_proto.ts";
import { normalizeExport } from "./_otlp_normalize.ts";
import {
  describeTelemetry,
  type ReceivedLog,
  type ReceivedMetric,
  type ReceivedSpan,
  type ReceivedTelemetry,
  type Signal,
  type WaitForOptions,
} from "./otlp_types.ts";

export type * from "./otlp_types.ts";

/** One HTTP request the receiver got, whatever became of it. */
export interface ReceivedRequest {
  /** HTTP method. */
  readonly method: string;
  /** URL path, e.g. `/v1/traces`. */
  readonly path: string;
  /** The signal the path is for, `undefined` for an unknown path. */
  readonly signal: Signal | undefined;
  /** `content-type` header as sent, empty when missing. */
  readonly contentType: string;
  /** `content-encoding` header as sent, empty when missing. */
  readonly contentEncoding: string;
  /** Every request header, names in lower case (e.g. `authorization`, `user-agent`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body size on the wire (before decompression), in bytes. */
  readonly bytes: number;
  /** What the body decoded to; empty unless it was a well-formed export. */
  readonly telemetry: ReceivedTelemetry;
  /** Why the receiver rejected the request itself (4xx), `undefined` otherwise. */
  readonly error: string | undefined;
  /**
   * Status of the response, or `undefined` while the `respond` hook has not
   * answered yet (a hook may hold a request to simulate a slow collector).
   */
  readonly status: number | undefined;
}

/** Decides the response to a well-formed export, or `undefined` for the default 200. */
export type RespondHook = (
  request: ReceivedRequest,
) => Response | undefined | Promise<Response | undefined>;

/** Options for {@linkcode OtlpReceiver.start}. */
export interface OtlpReceiverOptions {
  /**
   * Called for every well-formed export (after decoding, before it counts as
   * received) to inject faults: return e.g. `new Response(null, { status: 503 })`
   * or a promise that settles late. Only exports answered with a 2xx status
   * are added to `spans`, `logs` and `metrics`, as only those count as
   * accepted by a collector; every request is in `requests`. A hook that
   * throws gets a 500. Responses still pending at {@linkcode OtlpReceiver.close}
   * are answered 503.
   */
  readonly respond?: RespondHook;
  /**
   * Serve HTTPS with this PEM certificate chain and private key instead of
   * plain HTTP; {@linkcode OtlpReceiver.url} then starts with `https://`.
   * The certificate must be valid for `127.0.0.1`.
   */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * Port to listen on; defaults to one the system picks. A test that stops
   * a receiver and starts another on the same port simulates a collector
   * that restarts.
   */
  readonly port?: number;
  /**
   * Whether to decompress and decode every export; defaults to `true`.
   * `false` is for load tests where only the service's side matters:
   * decoding 100,000 spans and log records costs the test process several
   * times the CPU the load itself does, on the cores the service needs.
   * Every POST with a supported content type is then answered (or held by
   * `respond`) as a well-formed export would be, and `spans`, `logs` and
   * `metrics` stay empty.
   */
  readonly decode?: boolean;
}

const PATHS: Record<string, Signal> = {
  "/v1/traces": "traces",
  "/v1/logs": "logs",
  "/v1/metrics": "metrics",
};

const PROTOBUF = "application/x-protobuf";
const JSON_TYPE = "application/json";

const EMPTY: ReceivedTelemetry = { spans: [], logs: [], metrics: [] };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Waiter {
  readonly predicate: (received: ReceivedTelemetry) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** An OTLP/HTTP receiver on a free loopback port. */
export class OtlpReceiver implements ReceivedTelemetry {
  /** Every span accepted, in arrival order. */
  readonly spans: ReceivedSpan[] = [];
  /** Every log record accepted, in arrival order. */
  readonly logs: ReceivedLog[] = [];
  /** Every metric accepted, one entry per metric per export, in arrival order. */
  readonly metrics: ReceivedMetric[] = [];
  /** Every request received, in arrival order, including rejected ones. */
  readonly requests: ReceivedRequest[] = [];

  readonly #respond: RespondHook | undefined;
  readonly #decode: boolean;
  readonly #scheme: "http" | "https";
  readonly #waiters = new Set<Waiter>();
  readonly #closing = Promise.withResolvers<void>();
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #closed = false;

  private constructor(options: OtlpReceiverOptions) {
    this.#respond = options.respond;
    this.#decode = options.decode ?? true;
    this.#scheme = options.tls ? "https" : "http";
  }

  /** Starts a receiver on 127.0.0.1 (on `port`, else one the system picks), over HTTPS if `tls` is given. */
  static start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver(options);
    const listening = Promise.withResolvers<void>();
    receiver.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
      onListen: () => listening.resolve(),
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    }, (request) => receiver.#handle(request));
    return listening.promise.then(() => receiver);
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`; exporters append `/v1/traces` etc. */
  get url(): string {
    if (!this.#server) throw new Error("Cannot get the receiver URL: it is not listening");
    return `${this.#scheme}://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Forgets everything received so far, e.g. between test steps. */
  clear(): void {
    this.spans.length = 0;
    this.logs.length = 0;
    this.metrics.length = 0;
    this.requests.length = 0;
  }

  /**
   * Resolves, with this receiver, as soon as `predicate` returns true. It is
   * called with this receiver now and again each time a request arrives or an
   * export is accepted, never on a timer. Rejects after `timeoutMs` (default
   * 60 000 ms, a bound on a hang even on a busy machine), or when
   * the receiver closes first, with a message naming `what` and summarizing
   * what was received; rejects with the predicate's error if it throws.
   */
  waitFor(
    predicate: (received: ReceivedTelemetry) => boolean,
    options: WaitForOptions = {},
  ): Promise<ReceivedTelemetry> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const what = options.what ?? "the condition";
    try {
      if (predicate(this)) return Promise.resolve(this);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) {
      return Promise.reject(
        new Error(`Cannot wait for ${what}: the receiver is closed: ${this.#describe()}`),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<ReceivedTelemetry>();
    const timer = setTimeout(() => {
      this.#waiters.delete(waiter);
      reject(new Error(`Timed out after ${timeoutMs}ms waiting for ${what}: ${this.#describe()}`));
    }, timeoutMs);
    const waiter: Waiter = {
      predicate,
      resolve: () => {
        clearTimeout(timer);
        resolve(this);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    };
    this.#waiters.add(waiter);
    return promise;
  }

  /**
   * Stops the server: answers 503 to responses a hook still holds, rejects
   * pending {@linkcode waitFor}s, and resolves once the server has finished.
   * What was received stays readable.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.resolve();
    for (const waiter of this.#waiters) {
      waiter.reject(new Error(`Cannot wait any longer: the receiver closed: ${this.#describe()}`));
    }
    this.#waiters.clear();
    if (this.#server) {
      await this.#server.shutdown();
      await this.#server.finished;
    }
  }

  async #handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const signal = PATHS[path];
    const contentType = request.headers.get("content-type") ?? "";
    const contentEncoding = request.headers.get("content-encoding") ?? "";
    const body = request.body ? await request.bytes() : new Uint8Array();
    const record: Mutable<ReceivedRequest> = {
      method: request.method,
      path,
      signal,
      contentType,
      contentEncoding,
      headers: Object.fromEntries(request.headers),
      bytes: body.length,
      telemetry: EMPTY,
      error: undefined,
      status: undefined,
    };
    this.requests.push(record);

    const reject = (status: number, error: string, headers: HeadersInit = {}): Response => {
      record.error = error;
      record.status = status;
      this.#notify();
      return new Response(`${error}\n`, {
        status,
        headers: { "content-type": "text/plain; charset=utf-8", ...headers },
      });
    };
    if (!signal) return reject(404, `No OTLP endpoint at "${path}"`);
    if (request.method !== "POST") {
      return reject(405, `Method "${request.method}" is not allowed: use POST`, { allow: "POST" });
    }
    const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    if (mediaType !== PROTOBUF && mediaType !== JSON_TYPE) {
      return reject(
        415,
        `Unsupported content-type "${contentType}": use "${PROTOBUF}" or "${JSON_TYPE}"`,
      );
    }
    if (this.#decode) {
      try {
        const raw = await decompress(body, contentEncoding);
        const decoded = mediaType === PROTOBUF
          ? decodeOtlpProto(signal, raw)
          : JSON.parse(new TextDecoder().decode(raw));
        record.telemetry = normalizeExport(signal, decoded);
      } catch (error) {
        return reject(400, error instanceof Error ? error.message : String(error));
      }
    }
    this.#notify();

    let response: Response;
    try {
      const chosen = this.#respond ? await this.#raceClose(this.#respond(record)) : undefined;
      response = chosen ?? exportResponse(mediaType);
    } catch (error) {
      response = new Response(`Respond hook failed: ${error}\n`, { status: 500 });
    }
    record.status = response.status;
    if (response.status >= 200 && response.status < 300) {
      this.spans.push(...record.telemetry.spans);
      this.logs.push(...record.telemetry.logs);
      this.metrics.push(...record.telemetry.metrics);
    }
    this.#notify();
    return response;
  }

  /** Settles with the hook's answer, or with a 503 once the receiver closes. */
  #raceClose(
    answer: Response | undefined | Promise<Response | undefined>,
  ): Promise<Response | undefined> {
    const closed = this.#closing.promise.then(() =>
      new Response("The receiver is closing\n", { status: 503 })
    );
    return Promise.race([Promise.resolve(answer), closed]);
  }

  #notify(): void {
    for (const waiter of this.#waiters) {
      let done: boolean;
      try {
        done = waiter.predicate(this);
      } catch (error) {
        this.#waiters.delete(waiter);
        waiter.reject(error);
        continue;
      }
      if (done) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  #describe(): string {
    const requests = this.requests.map((r) => `${r.method} ${r.path} ${r.status ?? "pending"}`);
    const shown = requests.slice(0, 10).join(", ");
    const more = requests.length > 10 ? `, and ${requests.length - 10} more` : "";
    return `received ${describeTelemetry(this)} in ${requests.length} requests${
      requests.length ? ` (${shown}${more})` : ""
    }`;
  }
}

/** The empty `Export*ServiceResponse` (full success) in the request's encoding. */
function exportResponse(mediaType: string): Response {
  return mediaType === PROTOBUF
    ? new Response(new Uint8Array(), { headers: { "content-type": PROTOBUF } })
    : new Response("{}", { headers: { "content-type": JSON_TYPE } });
}

async function decompress(
  body: Uint8Array<ArrayBuffer>,
  encoding: string,
): Promise<Uint8Array> {
  const format = encoding.trim().toLowerCase();
  if (format === "" || format === "identity") return body;
  if (format !== "gzip" && format !== "deflate") {
    throw new Error(`Unsupported content-encoding "${encoding}": use gzip, deflate or none`);
  }
  const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream(format));
  try {
    return await new Response(stream).bytes();
  } catch (error) {
    throw new Error(`Cannot decompress the ${format} body: ${error}`);
  }
}
