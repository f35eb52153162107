/**
 * The doctor's result model, and its two renderings: a ✓/✗ checklist for
 * people and JSON for scripts.
 *
 * @module
 */

/** Outcome of one check: `skip` when it could not or need not run (it never fails the run). */
export type CheckStatus = "pass" | "fail" | "skip";

/** One line of the checklist. */
export interface Check {
  /** Stable identifier for scripts, e.g. `traces.export` or `stack.tempo`. */
  readonly id: string;
  /** What was checked, e.g. `traces: export`. */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was observed, e.g. `HTTP 200 from http://127.0.0.1:4319/v1/traces in 3 ms`. */
  readonly detail: string;
  /** One line of advice; set on every failing check whose cause is known. */
  readonly hint?: string;
}

/** One configuration value and where it came from. */
export interface ConfigEntry {
  /** What it is, e.g. `traces.endpoint`. */
  readonly name: string;
  /** The value, with secrets masked. */
  readonly value: string;
  /** `default`, or the environment variable that set it. */
  readonly source: string;
}

/** Everything `doctor` found. */
export interface DoctorReport {
  /** `true` when no check failed: the exit code is 0. */
  readonly ok: boolean;
  /** Trace id of the test span, log record and metric sent by this run. */
  readonly traceId: string;
  /** The effective telemetry configuration. */
  readonly configuration: readonly ConfigEntry[];
  /** The resource the service reports under. */
  readonly resource: Readonly<Record<string, string | number | boolean>>;
  /** Every check, in the order it is printed. */
  readonly checks: readonly Check[];
}

const MARKS: Readonly<Record<CheckStatus, string>> = { pass: "✓", fail: "✗", skip: "-" };

/** Builds a report whose `ok` says whether any check failed. */
export function createReport(fields: Omit<DoctorReport, "ok">): DoctorReport {
  const { traceId, configuration, resource, checks } = fields;
  const ok = checks.every((check) => check.status !== "fail");
  return { ok, traceId, configuration, resource, checks };
}

/** Renders the report as the checklist `doctor` prints. */
export function renderText(report: DoctorReport, header: string): string {
  const lines = [header, "", "Configuration"];
  const width = Math.max(...report.configuration.map((entry) => entry.name.length));
  for (const entry of report.configuration) {
    lines.push(`  ${entry.name.padEnd(width)}  ${entry.value}  (${entry.source})`);
  }
  lines.push("", "Resource");
  for (const [key, value] of Object.entries(report.resource)) {
    lines.push(`  ${key}=${value}`);
  }
  lines.push("", `Checks (test trace id ${report.traceId})`);
  for (const check of report.checks) {
    lines.push(`  ${MARKS[check.status]} ${check.title}: ${check.detail}`);
    if (check.status === "fail" && check.hint) lines.push(`      → ${check.hint}`);
  }
  const failed = report.checks.filter((check) => check.status === "fail").length;
  lines.push(
    "",
    failed === 0
      ? `All checks passed.`
      : `${failed} check${failed === 1 ? "" : "s"} failed: see the → lines above.`,
  );
  return lines.join("\n");
}

/** Renders the report as pretty-printed JSON. */
export function renderJson(report: DoctorReport): string {
  return JSON.stringify(report, null, 2);
}
