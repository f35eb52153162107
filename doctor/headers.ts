/**
 * The OTLP header variables (`OTEL_EXPORTER_OTLP_HEADERS` and the per-signal
 * `OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS`), parsed as the exporters parse them,
 * so the doctor's test exports carry the same credentials as the service's.
 *
 * @module
 */
import type { Env } from "../config.ts";
import type { Signal } from "../telemetry/config.ts";

/** The headers one signal's exports carry, and which variables set them. */
export interface SignalHeaders {
  /** Header name (lower case) to value. */
  readonly headers: Readonly<Record<string, string>>;
  /** The variables that contributed, or `default` when none is set. */
  readonly source: string;
}

/**
 * Resolves a signal's headers: the general variable's, overridden key by key
 * by the per-signal variable's. Values are percent-decoded.
 */
export function signalHeaders(env: Env, signal: Signal): SignalHeaders {
  const names = [
    "OTEL_EXPORTER_OTLP_HEADERS",
    `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`,
  ];
  const headers: Record<string, string> = {};
  const sources: string[] = [];
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    sources.push(name);
    Object.assign(headers, parseHeaders(raw));
  }
  return { headers, source: sources.length ? sources.join(" + ") : "default" };
}

/** Parses `key=value,key=value`, percent-decoded; entries without `=` are ignored, as the SDK does. */
export function parseHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of raw.split(",")) {
    const equals = pair.indexOf("=");
    if (equals <= 0) continue;
    const key = decode(pair.slice(0, equals).trim()).toLowerCase();
    if (key) headers[key] = decode(pair.slice(equals + 1).trim());
  }
  return headers;
}

/** Header names with every value replaced by `****`: `authorization=****`, or `(none)`. */
export function maskHeaders(headers: Readonly<Record<string, string>>): string {
  const keys = Object.keys(headers);
  return keys.length ? keys.map((key) => `${key}=****`).join(",") : "(none)";
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
