/**
 * Sends one signal's test export to its endpoint the way the service's
 * exporter would (same URL, encoding, headers and compression), and turns the
 * HTTP status into a check with a hint.
 *
 * The request is made here rather than through the SDK exporter because the
 * exporter retries 429/502/503/504 and network errors without reporting the
 * status, and never exposes the `Date` header the clock check needs.
 *
 * @module
 */
import type { Signal } from "../telemetry/config.ts";
import { type DateSample, dateSample } from "./clock.ts";
import type { ExportTarget } from "./config_report.ts";
import { statusMessage } from "./rpc_status.ts";
import { diagnoseNetworkError, type Diagnosis, HINTS } from "./hints.ts";
import type { Check } from "./report.ts";

/** Result of {@linkcode sendExport}. */
export interface ExportResult {
  readonly check: Check;
  /** Whether the receiver accepted the export: only then is it worth looking for in the backends. */
  readonly accepted: boolean;
  readonly date: DateSample | undefined;
}

/** Options for {@linkcode sendExport}. */
export interface SendExportOptions {
  readonly timeoutMs: number;
}

const ITEMS: Readonly<Record<Signal, string>> = {
  traces: "span",
  metrics: "metric",
  logs: "log record",
};

/** POSTs `body`, the serialized test export of `target.signal`, and reports the outcome. */
export async function sendExport(
  target: ExportTarget,
  body: Uint8Array,
  options: SendExportOptions,
): Promise<ExportResult> {
  const id = `${target.signal}.export`;
  const title = `${target.signal}: export`;
  const headers: Record<string, string> = {
    ...target.headers,
    "content-type": target.protocol === "http/json" ? "application/json" : "application/x-protobuf",
    "user-agent": "greet-api-doctor",
  };
  let payload: Uint8Array<ArrayBuffer> = new Uint8Array(body);
  if (target.compression === "gzip") {
    headers["content-encoding"] = "gzip";
    payload = await gzip(payload);
  }
  const startedMs = Date.now();
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(target.url, {
      method: "POST",
      headers,
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const bytes = await response.bytes();
    // A protobuf receiver explains an error in a google.rpc.Status.
    const binary = /protobuf|octet-stream/.test(response.headers.get("content-type") ?? "");
    text = (!response.ok && binary ? statusMessage(bytes) : undefined) ??
      new TextDecoder().decode(bytes);
  } catch (error) {
    const diagnosis = diagnoseNetworkError(error, new URL(target.url));
    return { check: { id, title, status: "fail", ...diagnosis }, accepted: false, date: undefined };
  }
  const ms = Math.round(performance.now() - started);
  const date = dateSample(`the ${target.signal} endpoint`, response, startedMs);
  const what = `1 ${
    ITEMS[target.signal]
  } as ${target.protocol}: HTTP ${response.status} from ${target.url}`;
  if (response.ok) {
    const rejected = partialSuccess(text);
    if (rejected) {
      return {
        check: { id, title, status: "fail", detail: `${what}: ${rejected}`, hint: HINTS.partial },
        accepted: false,
        date,
      };
    }
    return {
      check: { id, title, status: "pass", detail: `${what} in ${ms} ms` },
      accepted: true,
      date,
    };
  }
  const diagnosis = diagnoseStatus(response.status, text);
  return {
    check: {
      id,
      title,
      status: "fail",
      detail: `${what}${diagnosis.detail ? `: ${diagnosis.detail}` : ""}`,
      hint: diagnosis.hint,
    },
    accepted: false,
    date,
  };
}

/** Explains a non-2xx answer to an OTLP export; `body` is the response text. */
export function diagnoseStatus(status: number, body: string): Diagnosis {
  const excerpt = body.replace(/\s+/g, " ").trim().slice(0, 200);
  if (/structured metadata/i.test(body)) return { detail: excerpt, hint: HINTS.structuredMetadata };
  if (status === 404) return { detail: excerpt, hint: HINTS.path };
  if (status === 400) return { detail: excerpt, hint: HINTS.payload };
  if (status === 415) return { detail: excerpt, hint: HINTS.mediaType };
  if (status === 401 || status === 403) return { detail: excerpt, hint: HINTS.auth };
  if (status === 405) return { detail: excerpt, hint: HINTS.method };
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return { detail: excerpt, hint: HINTS.overloaded };
  }
  return { detail: excerpt, hint: HINTS.serverError };
}

/** The error message of a JSON `partialSuccess` with rejected items, or `""`. */
function partialSuccess(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return ""; // protobuf, or an empty body: full success
  }
  if (typeof parsed !== "object" || parsed === null || !("partialSuccess" in parsed)) return "";
  const partial = parsed.partialSuccess;
  if (typeof partial !== "object" || partial === null) return "";
  const fields = partial as Record<string, unknown>;
  const rejected = Number(
    fields.rejectedSpans ?? fields.rejectedDataPoints ?? fields.rejectedLogRecords ?? 0,
  );
  if (!rejected) return "";
  return `${rejected} rejected: ${String(fields.errorMessage ?? "no message")}`;
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return await new Response(stream).bytes();
}
