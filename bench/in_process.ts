/**
 * The request path's own cost, without HTTP: calls the application handler
 * in a loop, with telemetry as configured, and prints microseconds of
 * wall time per request. Quieter than `deno task bench` on a busy machine,
 * so it is the number to compare before and after a change to the hot path.
 *
 * Usage: deno task bench:in-process [off|sdk] [requests]
 *   off  OTEL_SDK_DISABLED=true
 *   sdk  the full SDK, exporting to OTEL_EXPORTER_OTLP_ENDPOINT (start a
 *        collector there, or the exports fail and are counted, which is cheaper)
 *
 * @module
 */
import { createApp } from "../routes/app.ts";
import { loadTelemetryConfig } from "../telemetry/config.ts";
import { startTelemetry } from "../telemetry/sdk.ts";

const mode = Deno.args[0] ?? "sdk";
const requests = Number(Deno.args[1] ?? "50000");
const env: Record<string, string | undefined> = { ...Deno.env.toObject() };
if (mode === "off") env.OTEL_SDK_DISABLED = "true";
const telemetry = startTelemetry(loadTelemetryConfig(env), {
  level: "info",
  format: "json",
  // Lines are formatted but not written: this measures the service, not the terminal.
  write: () => {},
});
const app = createApp({ logger: telemetry.logger, readiness: { ready: true } });
const info: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
  completed: Promise.resolve(),
};

async function run(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await app(
      new Request("http://127.0.0.1:8000/greet?name=Ada", { headers: { "user-agent": "bench" } }),
      info,
    );
    await response.text();
  }
}

await run(Math.ceil(requests / 2)); // warm-up: let the JIT settle
const started = performance.now();
await run(requests);
const elapsed = performance.now() - started;
console.log(
  `${mode}: ${(elapsed * 1000 / requests).toFixed(2)} µs per request over ${requests} requests`,
);
await telemetry.shutdown(5000);
Deno.exit(0);
