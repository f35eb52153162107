/**
 * Turns OTLP export requests in their JSON shape into the flat records of
 * `otlp_types.ts`.
 *
 * The input is either parsed OTLP/HTTP JSON (ids as hex strings, 64-bit
 * integers as decimal strings or numbers, `bytes` as base64) or the output of
 * `decodeOtlpProto` (the same keys, 64-bit integers as `bigint`, `bytes` as
 * `Uint8Array`); both are accepted everywhere. Missing fields take their
 * proto3 defaults, unknown fields are ignored (as OTLP/JSON receivers must),
 * and a field of the wrong type is an error naming its path.
 *
 * @module
 */

import type {
  Attributes,
  AttrValue,
  MetricType,
  ReceivedDataPoint,
  ReceivedExemplar,
  ReceivedExponentialBuckets,
  ReceivedLog,
  ReceivedMetric,
  ReceivedSpan,
  ReceivedTelemetry,
  Signal,
} from "./otlp_types.ts";

type Obj = Record<string, unknown>;

/**
 * Normalizes one export request of `signal` (`{ resourceSpans: [...] }`,
 * `{ resourceLogs: [...] }` or `{ resourceMetrics: [...] }`).
 */
export function normalizeExport(signal: Signal, request: unknown): ReceivedTelemetry {
  const root = object(request, "request");
  switch (signal) {
    case "traces":
      return { spans: normalizeSpans(root), logs: [], metrics: [] };
    case "logs":
      return { spans: [], logs: normalizeLogs(root), metrics: [] };
    case "metrics":
      return { spans: [], logs: [], metrics: normalizeMetrics(root) };
  }
}

/** The signal of a request in OTLP JSON shape, from its top-level key. */
export function signalOf(request: unknown): Signal | undefined {
  if (typeof request !== "object" || request === null) return undefined;
  if ("resourceSpans" in request) return "traces";
  if ("resourceLogs" in request) return "logs";
  if ("resourceMetrics" in request) return "metrics";
  return undefined;
}

interface Origin {
  readonly resource: Attributes;
  readonly scope: string;
  readonly scopeVersion: string;
}

/** Calls `each` for every scope block under every resource block. */
function forEachScope(
  root: Obj,
  resourceKey: string,
  scopeKey: string,
  each: (block: Obj, origin: Origin, path: string) => void,
): void {
  array(root[resourceKey], resourceKey).forEach((r, i) => {
    const rPath = `${resourceKey}[${i}]`;
    const resourceBlock = object(r, rPath);
    const resource = attributes(
      object(resourceBlock["resource"], `${rPath}.resource`)["attributes"],
      `${rPath}.resource.attributes`,
    );
    array(resourceBlock[scopeKey], `${rPath}.${scopeKey}`).forEach((s, j) => {
      const sPath = `${rPath}.${scopeKey}[${j}]`;
      const block = object(s, sPath);
      const scope = object(block["scope"], `${sPath}.scope`);
      each(block, {
        resource,
        scope: string(scope["name"], `${sPath}.scope.name`),
        scopeVersion: string(scope["version"], `${sPath}.scope.version`),
      }, sPath);
    });
  });
}

function normalizeSpans(root: Obj): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  forEachScope(root, "resourceSpans", "scopeSpans", (block, origin, scopePath) => {
    array(block["spans"], `${scopePath}.spans`).forEach((s, k) => {
      const path = `${scopePath}.spans[${k}]`;
      const span = object(s, path);
      const status = object(span["status"], `${path}.status`);
      const statusMessage = string(status["message"], `${path}.status.message`);
      out.push({
        traceId: requiredId(span["traceId"], `${path}.traceId`),
        spanId: requiredId(span["spanId"], `${path}.spanId`),
        parentSpanId: id(span["parentSpanId"], `${path}.parentSpanId`),
        traceState: string(span["traceState"], `${path}.traceState`) || undefined,
        name: string(span["name"], `${path}.name`),
        kind: int(span["kind"], `${path}.kind`),
        startTimeUnixNano: uint64(span["startTimeUnixNano"], `${path}.startTimeUnixNano`),
        endTimeUnixNano: uint64(span["endTimeUnixNano"], `${path}.endTimeUnixNano`),
        attributes: attributes(span["attributes"], `${path}.attributes`),
        events: array(span["events"], `${path}.events`).map((e, n) => {
          const ePath = `${path}.events[${n}]`;
          const event = object(e, ePath);
          return {
            name: string(event["name"], `${ePath}.name`),
            timeUnixNano: uint64(event["timeUnixNano"], `${ePath}.timeUnixNano`),
            attributes: attributes(event["attributes"], `${ePath}.attributes`),
          };
        }),
        links: array(span["links"], `${path}.links`).map((l, n) => {
          const lPath = `${path}.links[${n}]`;
          const link = object(l, lPath);
          return {
            traceId: requiredId(link["traceId"], `${lPath}.traceId`),
            spanId: requiredId(link["spanId"], `${lPath}.spanId`),
            attributes: attributes(link["attributes"], `${lPath}.attributes`),
          };
        }),
        status: {
          code: int(status["code"], `${path}.status.code`),
          ...(statusMessage ? { message: statusMessage } : {}),
        },
        ...origin,
      });
    });
  });
  return out;
}

function normalizeLogs(root: Obj): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  forEachScope(root, "resourceLogs", "scopeLogs", (block, origin, scopePath) => {
    array(block["logRecords"], `${scopePath}.logRecords`).forEach((r, k) => {
      const path = `${scopePath}.logRecords[${k}]`;
      const record = object(r, path);
      out.push({
        timeUnixNano: uint64(record["timeUnixNano"], `${path}.timeUnixNano`),
        observedTimeUnixNano: uint64(
          record["observedTimeUnixNano"],
          `${path}.observedTimeUnixNano`,
        ),
        severityNumber: int(record["severityNumber"], `${path}.severityNumber`),
        severityText: string(record["severityText"], `${path}.severityText`),
        body: record["body"] === undefined || record["body"] === null
          ? undefined
          : anyValue(record["body"], `${path}.body`),
        attributes: attributes(record["attributes"], `${path}.attributes`),
        traceId: id(record["traceId"], `${path}.traceId`),
        spanId: id(record["spanId"], `${path}.spanId`),
        eventName: string(record["eventName"], `${path}.eventName`) || undefined,
        ...origin,
      });
    });
  });
  return out;
}

const METRIC_TYPES: readonly MetricType[] = [
  "sum",
  "gauge",
  "histogram",
  "exponentialHistogram",
  "summary",
];

function normalizeMetrics(root: Obj): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  forEachScope(root, "resourceMetrics", "scopeMetrics", (block, origin, scopePath) => {
    array(block["metrics"], `${scopePath}.metrics`).forEach((m, k) => {
      const path = `${scopePath}.metrics[${k}]`;
      const metric = object(m, path);
      const type = METRIC_TYPES.find((t) => metric[t] !== undefined && metric[t] !== null);
      if (!type) {
        throw new Error(
          `Cannot read OTLP metric: ${path} has none of ${METRIC_TYPES.join(", ")}`,
        );
      }
      const data = object(metric[type], `${path}.${type}`);
      const temporality = data["aggregationTemporality"];
      out.push({
        name: string(metric["name"], `${path}.name`),
        unit: string(metric["unit"], `${path}.unit`),
        description: string(metric["description"], `${path}.description`),
        type,
        ...(type === "sum" ? { monotonic: bool(data["isMonotonic"], `${path}.sum`) } : {}),
        ...(type === "sum" || type === "histogram" || type === "exponentialHistogram"
          ? { temporality: int(temporality, `${path}.${type}.aggregationTemporality`) }
          : {}),
        dataPoints: array(data["dataPoints"], `${path}.${type}.dataPoints`).map((p, n) =>
          dataPoint(type, object(p, `${path}.${type}.dataPoints[${n}]`), `${path}.dataPoints[${n}]`)
        ),
        ...origin,
      });
    });
  });
  return out;
}

function dataPoint(type: MetricType, point: Obj, path: string): ReceivedDataPoint {
  const common = {
    attributes: attributes(point["attributes"], `${path}.attributes`),
    startTimeUnixNano: uint64(point["startTimeUnixNano"], `${path}.startTimeUnixNano`),
    timeUnixNano: uint64(point["timeUnixNano"], `${path}.timeUnixNano`),
    flags: int(point["flags"], `${path}.flags`),
    exemplars: array(point["exemplars"], `${path}.exemplars`).map((e, n) =>
      exemplar(object(e, `${path}.exemplars[${n}]`), `${path}.exemplars[${n}]`)
    ),
  };
  const optional = (key: string): { [key: string]: number } => {
    const value = optionalDouble(point[key], `${path}.${key}`);
    return value === undefined ? {} : { [key]: value };
  };
  switch (type) {
    case "sum":
    case "gauge":
      return { ...common, value: numberValue(point, path) };
    case "histogram":
      return {
        ...common,
        count: Number(uint64(point["count"], `${path}.count`)),
        ...optional("sum"),
        ...optional("min"),
        ...optional("max"),
        bucketCounts: array(point["bucketCounts"], `${path}.bucketCounts`).map((c, n) =>
          Number(uint64(c, `${path}.bucketCounts[${n}]`))
        ),
        explicitBounds: array(point["explicitBounds"], `${path}.explicitBounds`).map((b, n) =>
          double(b, `${path}.explicitBounds[${n}]`)
        ),
      };
    case "exponentialHistogram":
      return {
        ...common,
        count: Number(uint64(point["count"], `${path}.count`)),
        ...optional("sum"),
        ...optional("min"),
        ...optional("max"),
        scale: int(point["scale"], `${path}.scale`),
        zeroCount: Number(uint64(point["zeroCount"], `${path}.zeroCount`)),
        positive: buckets(point["positive"], `${path}.positive`),
        negative: buckets(point["negative"], `${path}.negative`),
      };
    case "summary":
      return {
        ...common,
        count: Number(uint64(point["count"], `${path}.count`)),
        sum: double(point["sum"], `${path}.sum`),
        quantiles: array(point["quantileValues"], `${path}.quantileValues`).map((q, n) => {
          const qPath = `${path}.quantileValues[${n}]`;
          const entry = object(q, qPath);
          return {
            quantile: double(entry["quantile"], `${qPath}.quantile`),
            value: double(entry["value"], `${qPath}.value`),
          };
        }),
      };
  }
}

function buckets(value: unknown, path: string): ReceivedExponentialBuckets {
  const b = object(value, path);
  return {
    offset: int(b["offset"], `${path}.offset`),
    bucketCounts: array(b["bucketCounts"], `${path}.bucketCounts`).map((c, n) =>
      Number(uint64(c, `${path}.bucketCounts[${n}]`))
    ),
  };
}

function exemplar(e: Obj, path: string): ReceivedExemplar {
  return {
    traceId: id(e["traceId"], `${path}.traceId`),
    spanId: id(e["spanId"], `${path}.spanId`),
    value: numberValue(e, path),
    timeUnixNano: uint64(e["timeUnixNano"], `${path}.timeUnixNano`),
    filteredAttributes: attributes(e["filteredAttributes"], `${path}.filteredAttributes`),
  };
}

/** The `asDouble` / `asInt` oneof of number data points and exemplars. */
function numberValue(point: Obj, path: string): number {
  if (point["asInt"] !== undefined && point["asInt"] !== null) {
    return Number(int64(point["asInt"], `${path}.asInt`));
  }
  return double(point["asDouble"], `${path}.asDouble`);
}

function attributes(value: unknown, path: string): Attributes {
  const out: Attributes = {};
  array(value, path).forEach((kv, i) => {
    const entry = object(kv, `${path}[${i}]`);
    const key = string(entry["key"], `${path}[${i}].key`);
    out[key] = anyValue(entry["value"], `${path}[${i}].value`);
  });
  return out;
}

function anyValue(value: unknown, path: string): AttrValue {
  const v = object(value, path);
  if (v["stringValue"] !== undefined) return string(v["stringValue"], `${path}.stringValue`);
  if (v["boolValue"] !== undefined) return bool(v["boolValue"], `${path}.boolValue`);
  if (v["intValue"] !== undefined) {
    const n = int64(v["intValue"], `${path}.intValue`);
    const asNumber = Number(n);
    return Number.isSafeInteger(asNumber) ? asNumber : n;
  }
  if (v["doubleValue"] !== undefined) return double(v["doubleValue"], `${path}.doubleValue`);
  if (v["arrayValue"] !== undefined) {
    const values = object(v["arrayValue"], `${path}.arrayValue`)["values"];
    return array(values, `${path}.arrayValue.values`).map((item, i) =>
      anyValue(item, `${path}.arrayValue.values[${i}]`)
    );
  }
  if (v["kvlistValue"] !== undefined) {
    const values = object(v["kvlistValue"], `${path}.kvlistValue`)["values"];
    return attributes(values, `${path}.kvlistValue.values`);
  }
  if (v["bytesValue"] !== undefined) return bytes(v["bytesValue"], `${path}.bytesValue`);
  return null;
}

// Readers of single fields. `undefined` and `null` mean "not set" and give the
// proto3 default; anything else of the wrong type is an error.

function fail(path: string, expected: string, value: unknown): never {
  const shown = typeof value === "bigint" ? `${value}n` : JSON.stringify(value) ?? String(value);
  throw new Error(
    `Cannot read OTLP field ${path}: expected ${expected}, got ${shown.slice(0, 80)}`,
  );
}

function object(value: unknown, path: string): Obj {
  if (value === undefined || value === null) return {};
  if (typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array)) {
    return value as Obj;
  }
  return fail(path, "an object", value);
}

function array(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  return fail(path, "an array", value);
}

function string(value: unknown, path: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return fail(path, "a string", value);
}

function bool(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  return fail(path, "a boolean", value);
}

/** 32-bit integers and enums: JSON numbers (or numeric strings). */
function int(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return fail(path, "an integer", value);
}

/** 64-bit integers: decimal strings in OTLP JSON, `bigint` from protobuf. */
function int64(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  return fail(path, "a 64-bit integer", value);
}

function uint64(value: unknown, path: string): bigint {
  const n = int64(value, path);
  return n < 0n ? fail(path, "an unsigned 64-bit integer", value) : n;
}

/** Doubles: JSON numbers, or "NaN", "Infinity", "-Infinity" as proto3 JSON writes them. */
function double(value: unknown, path: string): number {
  return optionalDouble(value, path) ?? 0;
}

function optionalDouble(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return fail(path, "a number", value);
}

/** Trace and span ids: hex in OTLP JSON; empty (or absent) means none. */
function id(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string" && /^(?:[0-9a-fA-F]{2})+$/.test(value)) {
    return /^0+$/.test(value) ? undefined : value.toLowerCase();
  }
  return fail(path, "a hex id", value);
}

function requiredId(value: unknown, path: string): string {
  return id(value, path) ?? fail(path, "a valid (non-zero) id", value);
}

/** `bytes`: base64 (standard or URL-safe) in JSON, `Uint8Array` from protobuf. */
function bytes(value: unknown, path: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") {
    try {
      const binary = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
      return Uint8Array.from(binary, (c) => c.charCodeAt(0));
    } catch {
      return fail(path, "base64", value);
    }
  }
  return fail(path, "base64 bytes", value);
}
