/**
 * Service configuration: read from the environment once at start-up,
 * validated, and passed down as a typed, frozen object.
 *
 * Telemetry settings (`OTEL_*`) live in `telemetry/config.ts`; this module
 * holds what the HTTP service itself needs.
 *
 * @module
 */
import { ConfigError } from "./config_error.ts";
import type { Env } from "./env.ts";
import { loadTelemetryConfig, type TelemetryConfig } from "./telemetry/config.ts";

export { ConfigError };

/** Log severities the service accepts in `LOG_LEVEL`, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A `LOG_LEVEL` value. */
export type LogLevel = typeof LOG_LEVELS[number];
/** A `LOG_FORMAT` value: one JSON object per line, or `key=value` text. */
export type LogFormat = "json" | "text";

/** Everything the service reads from its environment. */
export interface Config {
  /** Interface to listen on (`HOST`, default `0.0.0.0`). */
  readonly host: string;
  /** TCP port (`PORT`, default `8000`; `0` picks a free port). */
  readonly port: number;
  /** Lowest severity written (`LOG_LEVEL`, default `info`). */
  readonly logLevel: LogLevel;
  /** Line format on stdout (`LOG_FORMAT`, default `json`). */
  readonly logFormat: LogFormat;
  /** Budget for draining requests and flushing telemetry on SIGTERM (`SHUTDOWN_TIMEOUT_MS`, default 5000). */
  readonly shutdownTimeoutMs: number;
  /**
   * How long the service keeps serving after SIGTERM, with `/readyz`
   * answering 503, before it closes the listener (`SHUTDOWN_DRAIN_MS`,
   * default 0): the time a load balancer needs to notice and stop sending.
   */
  readonly shutdownDrainMs: number;
  /** OpenTelemetry settings. */
  readonly telemetry: TelemetryConfig;
}

/** A read-only view of environment variables by name. */
export type { Env };

/**
 * Reads and validates the configuration.
 *
 * @throws {ConfigError} naming the first variable with a bad value.
 */
export function loadConfig(env: Env): Config {
  return Object.freeze({
    host: readHost(env),
    port: readInteger(env, "PORT", 8000, 0, 65_535),
    logLevel: readChoice(env, "LOG_LEVEL", LOG_LEVELS, "info"),
    logFormat: readChoice(env, "LOG_FORMAT", ["json", "text"] as const, "json"),
    shutdownTimeoutMs: readInteger(env, "SHUTDOWN_TIMEOUT_MS", 5_000, 100, 600_000),
    shutdownDrainMs: readInteger(env, "SHUTDOWN_DRAIN_MS", 0, 0, 600_000),
    telemetry: loadTelemetryConfig(env),
  });
}

function readHost(env: Env): string {
  const raw = env.HOST?.trim();
  if (raw === undefined || raw === "") return "0.0.0.0";
  // A host name or an IPv4/IPv6 literal; no scheme, port or path.
  if (!/^[A-Za-z0-9.\-:]+$/.test(raw) || raw.startsWith("-")) {
    throw new ConfigError("HOST", "must be a host name or an IP address", raw);
  }
  return raw;
}

/** Reads an integer variable within `[min, max]`, or `fallback` when unset or empty. */
export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}`, raw);
  }
  return value;
}

/** Reads a variable that must be one of `choices` (case-insensitive). */
export function readChoice<const T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const lower = raw.toLowerCase();
  const match = choices.find((choice) => choice === lower);
  if (match === undefined) {
    throw new ConfigError(name, `must be one of ${choices.join(", ")}`, raw);
  }
  return match;
}
