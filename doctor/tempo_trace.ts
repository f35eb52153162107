/**
 * Reads Tempo's answer to `GET /api/v2/traces/<id>`: whether it holds a span
 * of the trace asked for.
 *
 * A 200 alone proves nothing: Tempo 3.0.3 answers an id it does not know with
 * 200 and `{"trace":{},"metrics":{}}` (observed against the real Tempo; see
 * `doctor/_fake_stack.ts`). The trace is there only when the body holds a
 * span whose `traceId` is the one asked for. Tempo writes ids as base64 (its
 * protobuf `bytes` through jsonpb); OTLP/JSON writes them as hex: both are read.
 *
 * @module
 */

/** The number of spans of trace `traceId` (32 hex digits) in a Tempo trace-by-id body. */
export function spansOfTrace(body: string, traceId: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 0;
  }
  const wanted = traceId.toLowerCase();
  let count = 0;
  for (const resourceSpans of entries(field(field(parsed, "trace"), "resourceSpans"))) {
    for (const scopeSpans of entries(field(resourceSpans, "scopeSpans"))) {
      for (const span of entries(field(scopeSpans, "spans"))) {
        const id = field(span, "traceId");
        if (typeof id === "string" && traceIdHex(id) === wanted) count++;
      }
    }
  }
  return count;
}

/** A trace id as Tempo (base64) or OTLP/JSON (hex) writes it, as 32 lowercase hex digits. */
export function traceIdHex(id: string): string | undefined {
  if (/^[0-9a-fA-F]{32}$/.test(id)) return id.toLowerCase();
  let bytes: string;
  try {
    bytes = atob(id);
  } catch {
    return undefined;
  }
  if (bytes.length !== 16) return undefined;
  return [...bytes].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function entries(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
