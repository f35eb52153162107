/**
 * `greet-api doctor`: answers "why is there no data in Grafana?" by checking
 * each link between this service and Grafana, and says what to fix.
 *
 * @module
 */
import { parseArgs as parseFlags } from "node:util";
import type { Env } from "../config.ts";
import { createResource } from "../telemetry/resource.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../version.ts";
import { clockCheck, type DateSample } from "./clock.ts";
import { type ExportTarget, reportConfig } from "./config_report.ts";
import { sendExport } from "./export_probe.ts";
import { type Probe, recordProbe } from "../telemetry/probe_payload.ts";
import { checkReachability, type Lookup } from "./reachability.ts";
import { type Check, createReport, type DoctorReport, renderJson, renderText } from "./report.ts";
import {
  checkStack,
  DEFAULT_STACK_URLS,
  type StackOptions,
  type StackUrls,
} from "./stack_checks.ts";

/** Exit code when a check failed. */
export const EXIT_FAILED = 1;
/** Exit code for bad flags. */
export const EXIT_USAGE = 2;

/** The `doctor --help` text. */
export const DOCTOR_USAGE = `Usage: ${SERVICE_NAME} doctor [--stack] [--json] [options]

Checks why telemetry may not reach Grafana: prints the effective OTLP
configuration, checks DNS, TCP and HTTP to each signal's endpoint, sends one
test span, metric and log record with a fresh trace id, and compares the
clock with the servers'. Exits 0 when every check passes, 1 otherwise.

Options:
  --stack                 also wait for the test data in Tempo, Loki and Prometheus
                          and check Grafana's data sources (uids prometheus, tempo, loki)
  --tempo URL             Tempo HTTP API      (default ${DEFAULT_STACK_URLS.tempo}; implies --stack)
  --loki URL              Loki HTTP API       (default ${DEFAULT_STACK_URLS.loki}; implies --stack)
  --prometheus URL        Prometheus API      (default ${DEFAULT_STACK_URLS.prometheus}; implies --stack)
  --grafana URL           Grafana             (default ${DEFAULT_STACK_URLS.grafana}; implies --stack)
  --grafana-user NAME     Grafana login (env GRAFANA_USER, else GRAFANA_ADMIN_USER, else admin)
  --grafana-password PW   (env GRAFANA_PASSWORD, else GRAFANA_ADMIN_PASSWORD; prefer the env)
  --wait SECONDS          how long to wait for the test data in the backends (default 30)
  --timeout SECONDS       budget for each connection and request (default 5)
  --json                  print the result as JSON
  --help                  print this text

The OTLP settings come from the same OTEL_* variables the service reads.`;

/** Options for {@linkcode runDoctor}. */
export interface DoctorOptions {
  /**
   * The environment to read the configuration from, as the service would.
   * The resource, like the service's, comes from the process environment
   * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`) through the SDK's detector.
   */
  readonly env: Env;
  /** With `--stack`: where the backends are; `undefined` skips the stack checks. */
  readonly stack?: StackUrls | undefined;
  /** Bound on waiting for the test data in the backends, milliseconds. */
  readonly waitMs?: number;
  /** Budget for each connection and request, milliseconds. */
  readonly timeoutMs?: number;
  readonly grafanaAuth?: StackOptions["grafanaAuth"];
  /** Replaces DNS lookups (tests). */
  readonly lookup?: Lookup;
}

/** Runs every check and returns the report; never throws for a failing check. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const config = reportConfig(options.env);
  const resource = createResource();
  const probe = await recordProbe(resource);
  const checks: Check[] = [...config.checks];
  const dates: DateSample[] = [];

  const perSignal = await Promise.all(
    config.targets.map((target) => probeSignal(target, probe, timeoutMs, options.lookup)),
  );
  const accepted = { traces: false, metrics: false, logs: false };
  for (const [index, result] of perSignal.entries()) {
    checks.push(...result.checks);
    dates.push(...result.dates);
    const signal = config.targets[index]?.signal;
    if (signal) accepted[signal] = result.accepted;
  }

  if (options.stack) {
    const stack = await checkStack(
      {
        traceId: probe.traceId,
        serviceName: config.serviceName ?? probe.serviceName,
        instanceId: probe.instanceId,
        accepted,
      },
      {
        urls: options.stack,
        waitMs: options.waitMs ?? 30_000,
        timeoutMs,
        grafanaAuth: options.grafanaAuth,
      },
    );
    checks.push(...stack.checks);
    dates.push(...stack.dates);
  }
  if (config.targets.length > 0) checks.push(clockCheck(dates));

  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(resource.attributes)) {
    if (["string", "number", "boolean"].includes(typeof value)) {
      attributes[key] = value as string | number | boolean;
    }
  }
  return createReport({
    traceId: probe.traceId,
    configuration: config.entries,
    resource: attributes,
    checks,
  });
}

async function probeSignal(
  target: ExportTarget,
  probe: Probe,
  timeoutMs: number,
  lookup: Lookup | undefined,
): Promise<{ checks: Check[]; dates: DateSample[]; accepted: boolean }> {
  if (!target.enabled) {
    return {
      checks: [{
        id: `${target.signal}.export`,
        title: `${target.signal}: export`,
        status: "skip",
        detail: `not exported over OTLP (${target.disabledReason})`,
      }],
      dates: [],
      accepted: false,
    };
  }
  const reach = await checkReachability(target.signal, target.url, {
    timeoutMs,
    ...(lookup ? { lookup } : {}),
  });
  const dates = reach.date ? [reach.date] : [];
  if (reach.checks.some((check) => check.status !== "pass")) {
    const skipped: Check = {
      id: `${target.signal}.export`,
      title: `${target.signal}: export`,
      status: "skip",
      detail: "not sent: the endpoint is not reachable",
    };
    return { checks: [...reach.checks, skipped], dates, accepted: false };
  }
  const sent = await sendExport(target, probe.body(target.signal, target.protocol), { timeoutMs });
  if (sent.date) dates.push(sent.date);
  return { checks: [...reach.checks, sent.check], dates, accepted: sent.accepted };
}

/** What the doctor's command line asks for. */
export type DoctorCommand =
  | {
    readonly kind: "run";
    readonly json: boolean;
    readonly options: Omit<DoctorOptions, "env" | "lookup">;
  }
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string };

/** Parses the arguments after `doctor`; `env` supplies the Grafana login when no flag does. */
export function parseDoctorArgs(args: readonly string[], env: Env): DoctorCommand {
  let values;
  try {
    ({ values } = parseFlags({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        tempo: { type: "string" },
        loki: { type: "string" },
        prometheus: { type: "string" },
        grafana: { type: "string" },
        "grafana-user": { type: "string" },
        "grafana-password": { type: "string" },
        wait: { type: "string" },
        timeout: { type: "string" },
      },
    }));
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: "help" };
  const urls: { -readonly [K in keyof StackUrls]: string } = { ...DEFAULT_STACK_URLS };
  let explicitUrl = false;
  for (const name of ["tempo", "loki", "prometheus", "grafana"] as const) {
    const raw = values[name];
    if (raw === undefined) continue;
    if (!/^https?:\/\/[^/]/.test(raw) || !URL.canParse(raw)) {
      return {
        kind: "error",
        message: `--${name} must be an http:// or https:// URL: got "${raw}"`,
      };
    }
    urls[name] = raw.replace(/\/+$/, "");
    explicitUrl = true;
  }
  const seconds = (name: "wait" | "timeout", fallback: number): number | string => {
    const raw = values[name];
    if (raw === undefined) return fallback * 1000;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > 600) {
      return `--${name} must be a number of seconds from 0 to 600: got "${raw}"`;
    }
    return value * 1000;
  };
  const waitMs = seconds("wait", 30);
  const timeoutMs = seconds("timeout", 5);
  if (typeof waitMs === "string") return { kind: "error", message: waitMs };
  if (typeof timeoutMs === "string") return { kind: "error", message: timeoutMs };
  const password = values["grafana-password"] ?? env.GRAFANA_PASSWORD ??
    env.GRAFANA_ADMIN_PASSWORD;
  const user = values["grafana-user"] ?? env.GRAFANA_USER ?? env.GRAFANA_ADMIN_USER ?? "admin";
  return {
    kind: "run",
    json: values.json ?? false,
    options: {
      stack: values.stack || explicitUrl ? urls : undefined,
      waitMs,
      timeoutMs,
      grafanaAuth: password ? { user, password } : undefined,
    },
  };
}

/** Runs `doctor` with the arguments after it, prints the result, and returns the exit code. */
export async function doctorMain(args: readonly string[], env: Env): Promise<number> {
  const command = parseDoctorArgs(args, env);
  switch (command.kind) {
    case "help":
      console.log(DOCTOR_USAGE);
      return 0;
    case "error":
      console.error(`${command.message}\n\n${DOCTOR_USAGE}`);
      return EXIT_USAGE;
    case "run":
      break;
  }
  const report = await runDoctor({ env, ...command.options });
  console.log(
    command.json
      ? renderJson(report)
      : renderText(report, `${SERVICE_NAME} doctor ${SERVICE_VERSION}`),
  );
  return report.ok ? 0 : EXIT_FAILED;
}
