/**
 * Measures what each OTLP/HTTP encoding costs the service: bytes on the wire
 * per request and CPU time per request, with every request traced and logged.
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

console.log(`| protocol | requests | bytes/request (traces+logs+metrics) | CPU ms/request |`);
console.log(`| --- | --- | --- | --- |`);
for (const protocol of ["http/protobuf", "http/json"]) {
  const receiver = await OtlpReceiver.start();
  const service = await ServiceProcess.start({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_MAX_QUEUE_SIZE: "65536",
      OTEL_BLRP_MAX_QUEUE_SIZE: "65536",
      LOG_LEVEL: "info",
    },
  });
  const before = cpuSeconds(service.pid);
  const served = await wrk(`${service.url}/greet?name=Ada`);
  const cpu = cpuSeconds(service.pid) - before;
  await service.stop("SIGTERM");
  await receiver.close();
  const bytes = receiver.requests.reduce((sum, r) => sum + r.bytes, 0);
  console.log(
    `| ${protocol} | ${served} | ${(bytes / served).toFixed(0)} | ${
      (cpu * 1000 / served).toFixed(3)
    } |`,
  );
}
