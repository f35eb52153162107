/**
 * Aggregates bench runs and renders the comparison table.
 *
 * @module
 */

/** What one run of one configuration measured. */
export interface RunResult {
  readonly configuration: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly cpuMicrosPerRequest: number;
  readonly rssAfterLoadMb: number;
  readonly idleRssMb: number;
  readonly coldStartMs: number;
  readonly requestsServed: number;
  readonly spansReceived: number;
  readonly logsReceived: number;
  readonly metricExports: number;
}

/** Medians over the runs of one configuration, with ratios to the first (bare). */
export interface Summary {
  readonly configuration: string;
  readonly runs: number;
  readonly requestsPerSecond: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
  };
  readonly ratioToBare: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p99RatioToBare: number;
  readonly cpuMicrosPerRequest: number;
  readonly rssAfterLoadMb: number;
  readonly idleRssMb: number;
  readonly idleRssOverBareMb: number;
  readonly coldStartMs: number;
  readonly coldStartRatioToBare: number;
  readonly errors: number;
  /** Spans and access log records received over requests served, all runs together. */
  readonly spansDelivered: string;
  readonly logsDelivered: string;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle] ?? Number.NaN
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Summarizes runs per configuration, in `order`; the first is the baseline. */
export function summarize(results: readonly RunResult[], order: readonly string[]): Summary[] {
  const base = order[0];
  const of = (name: string | undefined): RunResult[] =>
    results.filter((r) => r.configuration === name);
  const bare = of(base);
  const bareRate = median(bare.map((r) => r.requestsPerSecond));
  const bareP99 = median(bare.map((r) => r.p99Ms));
  const bareIdle = median(bare.map((r) => r.idleRssMb));
  const bareCold = median(bare.map((r) => r.coldStartMs));
  return order.map((name) => {
    const runs = of(name);
    const rates = runs.map((r) => r.requestsPerSecond);
    const rate = median(rates);
    const served = runs.reduce((sum, r) => sum + r.requestsServed, 0);
    const spans = runs.reduce((sum, r) => sum + r.spansReceived, 0);
    const logs = runs.reduce((sum, r) => sum + r.logsReceived, 0);
    const p99 = median(runs.map((r) => r.p99Ms));
    const idle = median(runs.map((r) => r.idleRssMb));
    const cold = median(runs.map((r) => r.coldStartMs));
    return {
      configuration: name,
      runs: runs.length,
      requestsPerSecond: { median: rate, min: Math.min(...rates), max: Math.max(...rates) },
      ratioToBare: rate / bareRate,
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: p99,
      p99RatioToBare: p99 / bareP99,
      cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest)),
      rssAfterLoadMb: median(runs.map((r) => r.rssAfterLoadMb)),
      idleRssMb: idle,
      idleRssOverBareMb: idle - bareIdle,
      coldStartMs: cold,
      coldStartRatioToBare: cold / bareCold,
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      spansDelivered: name === base ? "-" : `${spans}/${served}`,
      logsDelivered: name === base ? "-" : `${logs}/${served}`,
    };
  });
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const fixed = (n: number, digits = 2): string => n.toFixed(digits);

/** Renders summaries as a Markdown table. */
export function renderTable(summaries: readonly Summary[]): string {
  const header = [
    "configuration",
    "requests/s median (min-max)",
    "ratio to bare",
    "p50 ms",
    "p99 ms (x bare)",
    "CPU µs/request",
    "RSS after load MB",
    "idle RSS MB (+bare)",
    "cold start ms (x bare)",
    "spans delivered/served",
    "logs delivered/served",
    "errors",
  ];
  const rows = summaries.map((s) => [
    s.configuration,
    `${int(s.requestsPerSecond.median)} (${int(s.requestsPerSecond.min)}-${
      int(s.requestsPerSecond.max)
    })`,
    fixed(s.ratioToBare),
    fixed(s.p50Ms),
    `${fixed(s.p99Ms)} (${fixed(s.p99RatioToBare)})`,
    fixed(s.cpuMicrosPerRequest, 1),
    fixed(s.rssAfterLoadMb, 1),
    `${fixed(s.idleRssMb, 1)} (+${fixed(s.idleRssOverBareMb, 1)})`,
    `${int(s.coldStartMs)} (${fixed(s.coldStartRatioToBare)})`,
    s.spansDelivered,
    s.logsDelivered,
    String(s.errors),
  ]);
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
