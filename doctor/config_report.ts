/**
 * The effective telemetry configuration, loaded with the service's own
 * `loadConfig`, and where each value came from.
 *
 * @module
 */
import { ConfigError, type Env, loadConfig } from "../config.ts";
import {
  type Compression,
  type Signal,
  SIGNALS,
  type TelemetryConfig,
} from "../telemetry/config.ts";
import { maskHeaders, signalHeaders } from "./headers.ts";
import type { Check, ConfigEntry } from "./report.ts";

/** What one signal's test export is sent with. */
export interface ExportTarget {
  readonly signal: Signal;
  /** Whether the service exports this signal over OTLP at all. */
  readonly enabled: boolean;
  /** Why not, when `enabled` is false. */
  readonly disabledReason: string;
  /** Full URL, `/v1/<signal>` included. */
  readonly url: string;
  readonly protocol: TelemetryConfig["traces"]["protocol"]["value"];
  /** Unmasked: sent, never printed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: Compression;
}

/** Result of {@linkcode reportConfig}. */
export interface ConfigReport {
  /** What to print, secrets masked. */
  readonly entries: ConfigEntry[];
  /** Configuration checks: it loads, telemetry is on, the sampler keeps traces. */
  readonly checks: Check[];
  /** One target per signal, or none when the configuration does not load. */
  readonly targets: ExportTarget[];
  /** The service's `service.name` as `OTEL_SERVICE_NAME` may override it, for queries. */
  readonly serviceName: string | undefined;
}

/** Loads the configuration as the service does and describes it. */
export function reportConfig(env: Env): ConfigReport {
  let config: TelemetryConfig;
  try {
    config = loadConfig(env).telemetry;
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      entries: [],
      checks: [{
        id: "config",
        title: "configuration",
        status: "fail",
        detail: error.message,
        hint: "fix that variable: the service refuses to start with it (exit code 2)",
      }],
      targets: [],
      serviceName: undefined,
    };
  }
  const entries: ConfigEntry[] = [];
  const mode = config.sdkDisabled
    ? { value: "disabled", source: "OTEL_SDK_DISABLED" }
    : config.denoBuiltIn
    ? { value: "deno (built-in OpenTelemetry)", source: "OTEL_DENO" }
    : { value: "sdk (OpenTelemetry JS)", source: "default" };
  entries.push({ name: "mode", ...mode });
  const targets: ExportTarget[] = [];
  for (const signal of SIGNALS) {
    const settings = config[signal];
    const headers = signalHeaders(env, signal);
    entries.push(
      { name: `${signal}.exporter`, ...settings.exporter },
      { name: `${signal}.endpoint`, ...settings.endpoint },
      { name: `${signal}.protocol`, ...settings.protocol },
      { name: `${signal}.headers`, value: maskHeaders(headers.headers), source: headers.source },
      { name: `${signal}.compression`, ...settings.compression },
      {
        name: `${signal}.timeout`,
        value: `${settings.timeoutMillis.value} ms`,
        source: settings.timeoutMillis.source,
      },
    );
    if (signal === "metrics") {
      entries.push({ name: "metrics.temporality", ...config.metricTemporality });
    }
    const disabledReason = config.sdkDisabled
      ? "OTEL_SDK_DISABLED=true"
      : settings.exporter.value === "otlp"
      ? ""
      : `${settings.exporter.source}=${settings.exporter.value}`;
    targets.push({
      signal,
      enabled: disabledReason === "",
      disabledReason,
      url: settings.endpoint.value,
      protocol: settings.protocol.value,
      headers: headers.headers,
      compression: settings.compression.value,
    });
  }
  const samplerSource = env.OTEL_TRACES_SAMPLER?.trim() ? "OTEL_TRACES_SAMPLER" : "default";
  const ratio = config.sampler.name.endsWith("traceidratio")
    ? ` ratio ${config.sampler.ratio}`
    : "";
  entries.push({ name: "sampler", value: `${config.sampler.name}${ratio}`, source: samplerSource });
  return {
    entries,
    checks: [
      {
        id: "config",
        title: "configuration",
        status: "pass",
        detail: "loads as the service loads it",
      },
      telemetryCheck(config),
      samplerCheck(config),
    ],
    targets,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
  };
}

function telemetryCheck(config: TelemetryConfig): Check {
  if (config.sdkDisabled) {
    return {
      id: "config.telemetry",
      title: "telemetry",
      status: "fail",
      detail: "OTEL_SDK_DISABLED=true: the service exports nothing",
      hint: "unset OTEL_SDK_DISABLED (or set it to false) and restart the service",
    };
  }
  const off = SIGNALS.filter((signal) => config[signal].exporter.value !== "otlp");
  return {
    id: "config.telemetry",
    title: "telemetry",
    status: "pass",
    detail: off.length
      ? `on; not over OTLP: ${off.map((s) => `${s} (${config[s].exporter.value})`).join(", ")}`
      : "on for traces, metrics and logs",
  };
}

function samplerCheck(config: TelemetryConfig): Check {
  const { name, ratio } = config.sampler;
  const dropsAll = name.endsWith("always_off") || (name.endsWith("traceidratio") && ratio === 0);
  if (dropsAll) {
    return {
      id: "config.sampler",
      title: "sampler",
      status: "fail",
      detail: `${name}${
        name.endsWith("traceidratio") ? ` ratio ${ratio}` : ""
      } records no new trace`,
      hint:
        "unset OTEL_TRACES_SAMPLER (default parentbased_always_on) or raise OTEL_TRACES_SAMPLER_ARG",
    };
  }
  const share = name.endsWith("traceidratio") && ratio < 1
    ? `keeps ${Math.round(ratio * 1000) / 10}% of new traces: a given request may be missing`
    : "keeps every new trace";
  return { id: "config.sampler", title: "sampler", status: "pass", detail: `${name} ${share}` };
}
