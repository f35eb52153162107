/**
 * Command-line flags of the service binary.
 *
 * @module
 */
import { SERVICE_NAME, SERVICE_VERSION } from "./version.ts";

/** What the command line asks for. */
export type Command =
  | { readonly kind: "serve" }
  | { readonly kind: "version" }
  | { readonly kind: "help" }
  /** `doctor [flags]`: the flags after `doctor`, parsed by `doctor/main.ts`. */
  | { readonly kind: "doctor"; readonly args: readonly string[] }
  | { readonly kind: "error"; readonly message: string };

/** Parses the arguments; anything unknown is an error (exit code 2). */
export function parseArgs(args: readonly string[]): Command {
  const [first, ...rest] = args;
  if (first === undefined) return { kind: "serve" };
  if (first === "doctor") return { kind: "doctor", args: rest };
  if (rest.length > 0) {
    return { kind: "error", message: `Unexpected argument: ${JSON.stringify(rest[0])}` };
  }
  switch (first) {
    case "--version":
    case "-V":
      return { kind: "version" };
    case "--help":
    case "-h":
      return { kind: "help" };
    default:
      return { kind: "error", message: `Unknown argument: ${JSON.stringify(first)}` };
  }
}

/** The `--help` text. */
export const USAGE = `${SERVICE_NAME} ${SERVICE_VERSION}: a greeting service with OpenTelemetry

Usage: ${SERVICE_NAME} [--help | --version]
       ${SERVICE_NAME} doctor [--stack] [--json] [--help]   (why is there no data in Grafana?)

Serves GET /greet[?name=...], /healthz and /readyz on HOST:PORT and exports
traces, metrics and logs over OTLP/HTTP. Configured by environment variables:
  HOST, PORT, LOG_LEVEL, LOG_FORMAT, SHUTDOWN_TIMEOUT_MS, SHUTDOWN_DRAIN_MS,
  OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4319), OTEL_SERVICE_NAME,
  OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER, OTEL_SDK_DISABLED, ...
Every variable: docs/configuration.md.`;
