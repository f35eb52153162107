/**
 * Entry point: configuration -> telemetry -> routes -> Deno.serve -> signals.
 *
 * @module
 */
import { parseArgs, USAGE } from "./cli.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { type Env, processEnv } from "./env.ts";
import { doctorMain } from "./doctor/main.ts";
import { createApp } from "./routes/app.ts";
import type { Readiness } from "./routes/health.ts";
import { waitForShutdown } from "./shutdown.ts";
import { startTelemetry, TelemetryStartError } from "./telemetry/sdk.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "./version.ts";

/** Exit code for a bad flag or environment value. */
export const EXIT_USAGE = 2;

/**
 * Runs the service until SIGINT or SIGTERM, then drains requests, flushes
 * telemetry and resolves with the process exit code.
 */
export async function main(
  args: readonly string[] = Deno.args,
  env: Env = processEnv(),
): Promise<number> {
  const command = parseArgs(args);
  switch (command.kind) {
    case "version":
      console.log(`${SERVICE_NAME} ${SERVICE_VERSION}`);
      return 0;
    case "help":
      console.log(USAGE);
      return 0;
    case "error":
      console.error(`${command.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    case "doctor":
      return await doctorMain(command.args, env);
    case "serve":
      break;
  }

  let config;
  let telemetry;
  try {
    config = loadConfig(env);
    telemetry = startTelemetry(config.telemetry, {
      level: config.logLevel,
      format: config.logFormat,
    });
  } catch (error: unknown) {
    if (error instanceof ConfigError || error instanceof TelemetryStartError) {
      console.error(`Cannot start server: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const { logger } = telemetry;
  const readiness: Readiness = { ready: false };
  const app = createApp({
    logger,
    readiness,
    reuseServerSpan: telemetry.mode === "deno",
  });

  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) => {
      logger.info("listening", {
        "server.address": hostname,
        "server.port": port,
        "service.version": SERVICE_VERSION,
        "otel.mode": telemetry.mode,
        "otel.traces.endpoint": config.telemetry.traces.endpoint.value,
        "otel.protocol": config.telemetry.traces.protocol.value,
      });
    },
    onError: (error) => {
      logger.error("unhandled server error", { "error.message": String(error) });
      return new Response("Internal Server Error", { status: 500 });
    },
  }, app);
  readiness.ready = true;

  await waitForShutdown({
    server,
    telemetry,
    logger,
    readiness,
    budgetMs: config.shutdownTimeoutMs,
    drainMs: config.shutdownDrainMs,
  });
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
