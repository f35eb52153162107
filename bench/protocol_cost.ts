/**
 * Measures what each OTLP/HTTP encoding costs: bytes on the wire per request,
 * the service's CPU time per request, and, when `OTELCOL_BIN` names an
 * OpenTelemetry Collector, the collector's CPU time per request to decode it.
 * Every request is traced and logged; wrk drives the load.
 *
 * Usage: deno task bench:protocol [seconds]   (needs wrk on PATH)
 *
 * @module
 */
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { ServiceProcess } from "../testing/service_process.ts";

const seconds = Number(Deno.args[0] ?? "10");
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds of `pid` (read through `cat`: Deno asks -A for /proc). */
function cpuSeconds(pid: number): number {
  const out = new Deno.Command("cat", { args: [`/proc/${pid}/stat`] }).outputSync();
  const stat = new TextDecoder().decode(out.stdout);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function wrk(url: string): Promise<number> {
  const out = await new Deno.Command("wrk", {
    args: ["-t1", "-c10", `-d${seconds}s`, url],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const match = text.match(/(\d+) requests in/);
  if (!match) throw new Error(`Cannot read wrk output:\n${text}`);
  return Number(match[1]);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts the receive-only collector and resolves once its health check answers. */
async function startCollector(bin: string): Promise<{ url: string; child: Deno.ChildProcess }> {
  const otlp = freePort();
  const health = freePort();
  const child = new Deno.Command(bin, {
    args: [`--config=${new URL("otelcol_receive_only.yaml", import.meta.url).pathname}`],
    env: {
      OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlp}`,
      OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      const response = await fetch(`http://127.0.0.1:${health}/`);
      await response.body?.cancel();
      if (response.ok) return { url: `http://127.0.0.1:${otlp}`, child };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error("The collector did not become healthy in 20 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const collectorBin = Deno.env.get("OTELCOL_BIN");
console.log(
  "| protocol | requests | bytes/request (traces+logs+metrics) | service CPU ms/request | collector CPU ms/request |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const protocol of ["http/protobuf", "http/json"]) {
  // Bytes and service CPU against the test receiver, which counts bytes.
  const receiver = await OtlpReceiver.start();
  const env = {
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_MAX_QUEUE_SIZE: "65536",
    OTEL_BLRP_MAX_QUEUE_SIZE: "65536",
  };
  const service = await ServiceProcess.start({
    env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
  });
  const before = cpuSeconds(service.pid);
  const served = await wrk(`${service.url}/greet?name=Ada`);
  const cpu = cpuSeconds(service.pid) - before;
  await service.stop("SIGTERM");
  await receiver.close();
  const bytes = receiver.requests.reduce((sum, r) => sum + r.bytes, 0);

  // Collector CPU against a real collector that decodes and discards.
  let collectorCpu = "(set OTELCOL_BIN)";
  if (collectorBin) {
    const collector = await startCollector(collectorBin);
    const againstCollector = await ServiceProcess.start({
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    const start = cpuSeconds(collector.child.pid);
    const count = await wrk(`${againstCollector.url}/greet?name=Ada`);
    await againstCollector.stop("SIGTERM");
    collectorCpu = ((cpuSeconds(collector.child.pid) - start) * 1000 / count).toFixed(4);
    collector.child.kill("SIGTERM");
    await collector.child.status;
  }
  console.log(
    `| ${protocol} | ${served} | ${(bytes / served).toFixed(0)} | ${
      (cpu * 1000 / served).toFixed(3)
    } | ${collectorCpu} |`,
  );
}
