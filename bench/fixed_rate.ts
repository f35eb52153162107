/**
 * The fixed-rate table: latency percentiles at a load the server keeps up
 * with (1,000 requests/s by default), what a user feels at normal load,
 * beside the saturation table's throughput.
 *
 * @module
 */
import { median } from "./report.ts";
import type { FixedRateLoad } from "./vegeta.ts";

/** What one fixed-rate run of one configuration measured. */
export interface FixedRateRun {
  readonly configuration: string;
  /** Requests per second asked for. */
  readonly rate: number;
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly cpuMicrosPerRequest: number;
  readonly rssAfterLoadMb: number;
  /** Requests answered over the whole run, warm-up included. */
  readonly requestsServed: number;
  readonly spansReceived: number;
  readonly logsReceived: number;
}

/** The value below which `fraction` of `sorted` (ascending) lies: the nearest-rank percentile. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** The latency part of a {@linkcode FixedRateRun}, from vegeta's results. */
export function latencyFigures(
  load: FixedRateLoad,
): Pick<FixedRateRun, "requests" | "errors" | "p50Ms" | "p99Ms" | "p999Ms" | "maxMs"> {
  const sorted = load.latenciesMs;
  return {
    requests: load.requests,
    errors: load.errors,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** A median with the spread of the rounds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The rounds of one configuration, summarized. */
export interface FixedRateSummary {
  readonly configuration: string;
  readonly runs: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: Spread;
  /** Median p99 over bare's median p99. */
  readonly p99RatioToBare: number;
  readonly p999Ms: Spread;
  /** The longest request of all rounds. */
  readonly maxMs: number;
  readonly cpuMicrosPerRequest: number;
  readonly rssAfterLoadMb: number;
  readonly errors: number;
  readonly spansDelivered: string;
  readonly logsDelivered: string;
}

function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Summarizes fixed-rate runs per configuration, in `order`; the first is the baseline. */
export function summarizeFixedRate(
  runs: readonly FixedRateRun[],
  order: readonly string[],
): FixedRateSummary[] {
  const base = order[0];
  const of = (name: string | undefined): FixedRateRun[] =>
    runs.filter((r) => r.configuration === name);
  const bareP99 = median(of(base).map((r) => r.p99Ms));
  return order.map((name) => {
    const own = of(name);
    const served = own.reduce((sum, r) => sum + r.requestsServed, 0);
    const spans = own.reduce((sum, r) => sum + r.spansReceived, 0);
    const logs = own.reduce((sum, r) => sum + r.logsReceived, 0);
    const p99 = spread(own.map((r) => r.p99Ms));
    return {
      configuration: name,
      runs: own.length,
      rate: own[0]?.rate ?? Number.NaN,
      p50Ms: median(own.map((r) => r.p50Ms)),
      p99Ms: p99,
      p99RatioToBare: p99.median / bareP99,
      p999Ms: spread(own.map((r) => r.p999Ms)),
      maxMs: Math.max(...own.map((r) => r.maxMs)),
      cpuMicrosPerRequest: median(own.map((r) => r.cpuMicrosPerRequest)),
      rssAfterLoadMb: median(own.map((r) => r.rssAfterLoadMb)),
      errors: own.reduce((sum, r) => sum + r.errors, 0),
      spansDelivered: name === base ? "-" : `${spans}/${served}`,
      logsDelivered: name === base ? "-" : `${logs}/${served}`,
    };
  });
}

const fixed = (n: number, digits = 2): string => n.toFixed(digits);
const ranged = (s: Spread): string => `${fixed(s.median)} (${fixed(s.min)}-${fixed(s.max)})`;

/** Renders fixed-rate summaries as a Markdown table. */
export function renderFixedRateTable(summaries: readonly FixedRateSummary[]): string {
  const header = [
    "configuration",
    "p50 ms",
    "p99 ms median (min-max)",
    "p99 x bare",
    "p99.9 ms median (min-max)",
    "max ms",
    "CPU µs/request",
    "RSS after load MB",
    "spans delivered/served",
    "logs delivered/served",
    "errors",
  ];
  const rows = summaries.map((s) => [
    s.configuration,
    fixed(s.p50Ms),
    ranged(s.p99Ms),
    fixed(s.p99RatioToBare),
    ranged(s.p999Ms),
    fixed(s.maxMs),
    fixed(s.cpuMicrosPerRequest, 1),
    fixed(s.rssAfterLoadMb, 1),
    s.spansDelivered,
    s.logsDelivered,
    String(s.errors),
  ]);
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
