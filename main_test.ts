import assert from "node:assert/strict";
import { OtlpReceiver } from "./testing/otlp_receiver.ts";
import { ServiceProcess, startTaskFlags } from "./testing/service_process.ts";
import { freePort } from "./testing/free_port.ts";
import { type CommandResult, runCommand } from "./testing/run_command.ts";
import { INSTRUMENTS } from "./telemetry/instruments.ts";
import { DROPPED_NOT_ACCEPTED } from "./shutdown_line.ts";
import denoJson from "./deno.json" with { type: "json" };

const CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN = "b7ad6b7169203331";

/** Runs main.ts once with `args` and `env` and captures its output. */
function runOnce(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return runCommand(Deno.execPath(), ["run", ...startTaskFlags(), "main.ts", ...args], {
    cwd: new URL(".", import.meta.url),
    env: { NO_COLOR: "1", ...env },
  });
}

Deno.test("--version prints the version from deno.json", async () => {
  const { code, stdout } = await runOnce(["--version"]);
  assert.equal(code, 0);
  assert.equal(stdout.trim(), `greet-api ${denoJson.version}`);
});

Deno.test("an unknown flag exits 2 with the usage", async () => {
  const { code, stderr } = await runOnce(["--verbose"]);
  assert.equal(code, 2);
  assert.match(stderr, /Unknown argument: "--verbose"/);
  assert.match(stderr, /Usage: greet-api/);
});

Deno.test("a bad PORT stops start-up naming the variable and the value", async () => {
  const { code, stderr } = await runOnce([], { PORT: "eighty" });
  assert.equal(code, 2);
  assert.equal(
    stderr.trim(),
    'Cannot start server: PORT must be an integer from 0 to 65535: current value is "eighty"',
  );
});

Deno.test("OTLP compression and metric temporality follow the OTEL_EXPORTER_OTLP_* variables", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: "none",
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "delta",
        SHUTDOWN_TIMEOUT_MS: "30000",
      },
    });
    service = svc;
    const response = await fetch(`${svc.url}/greet?name=Ada`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const status = await svc.stop("SIGTERM");
    assert.equal(status.code, 0, svc.stderr);
    const encodings = (signal: string): Set<string> =>
      new Set(receiver.requests.filter((r) => r.signal === signal).map((r) => r.contentEncoding));
    assert.deepEqual(encodings("traces"), new Set(["gzip"]));
    assert.deepEqual(encodings("metrics"), new Set(["gzip"]));
    assert.deepEqual(encodings("logs"), new Set([""]));
    assert.ok(receiver.spans.some((s) => s.name === "GET /greet"), "gzip spans not decoded");
    const temporality = (name: string): number | undefined =>
      receiver.metrics.find((m) => m.name === name)?.temporality;
    // Delta for the request histogram; up-down counters stay cumulative (1 delta, 2 cumulative).
    assert.equal(temporality("http.server.request.duration"), 1);
    assert.equal(temporality("app.greetings"), 1);
    assert.equal(temporality("http.server.active_requests"), 2);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("a malformed OTLP endpoint stops start-up instead of exporting nowhere", async () => {
  const { code, stderr } = await runOnce([], { OTEL_EXPORTER_OTLP_ENDPOINT: "pi:4319" });
  assert.equal(code, 2);
  assert.match(stderr, /OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http/);
});

for (const protocol of ["http/protobuf", "http/json"] as const) {
  Deno.test(`over ${protocol}, every span, log record and metric recorded before SIGTERM arrives`, async () => {
    const receiver = await OtlpReceiver.start();
    let service: ServiceProcess | undefined;
    try {
      const svc = await ServiceProcess.start({
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          // Long intervals: nothing is exported before the signal, so what
          // arrives proves the shutdown flush.
          OTEL_BSP_SCHEDULE_DELAY: "60000",
          OTEL_BLRP_SCHEDULE_DELAY: "60000",
          OTEL_METRIC_EXPORT_INTERVAL: "60000",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
          // The flush ends once everything is delivered; a budget a busy
          // machine could run out of would fail the test, not the service.
          SHUTDOWN_TIMEOUT_MS: "30000",
        },
      });
      service = svc;
      const requests = 25;
      const traceIds: string[] = [];
      for (let i = 0; i < requests; i++) {
        const headers: Record<string, string> = { "user-agent": "greet-test" };
        if (i === 0) headers.traceparent = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
        const response = await fetch(`${svc.url}/greet?name=Ada`, { headers });
        assert.deepEqual(await response.json(), { message: "Hello, Ada!" });
        const traceresponse = response.headers.get("traceresponse") ?? "";
        assert.match(traceresponse, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
        traceIds.push(traceresponse.split("-")[1] ?? "");
      }
      const bad = await fetch(`${svc.url}/greet?name=%3Cb%3E`);
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
      assert.equal(receiver.spans.length, 0, "spans were exported before the signal");

      const status = await svc.stop("SIGTERM");
      assert.equal(status.code, 0, svc.stderr);
      const flushed = svc.lines.find((l) => l.msg === "telemetry flushed");
      assert.ok(flushed, "no 'telemetry flushed' line");

      const greetSpans = receiver.spans.filter((s) => s.name === "GET /greet");
      assert.equal(greetSpans.length, requests + 1, "spans lost");
      assert.deepEqual(
        new Set(
          greetSpans.filter((s) => s.attributes["http.response.status_code"] === 200)
            .map((s) => s.traceId),
        ),
        new Set(traceIds),
      );
      assert.equal(traceIds[0], CALLER_TRACE);
      const joined = greetSpans.find((s) => s.traceId === CALLER_TRACE);
      assert.equal(joined?.parentSpanId, CALLER_SPAN);
      const sample = greetSpans[1];
      assert.ok(sample);
      assert.equal(sample.kind, 2, "SERVER");
      assert.equal(sample.attributes["http.route"], "/greet");
      assert.equal(sample.attributes["user_agent.original"], "greet-test");
      assert.equal(sample.attributes["client.address"], "127.0.0.1");
      assert.equal(sample.resource["service.name"], "greet-api");
      assert.equal(sample.resource["service.version"], denoJson.version);
      assert.equal(sample.resource["deployment.environment.name"], "test");
      assert.equal(sample.resource["process.runtime.name"], "deno");

      const access = receiver.logs.filter((l) => l.body === "GET /greet 200");
      assert.equal(access.length, requests, "log records lost");
      assert.deepEqual(new Set(access.map((l) => l.traceId)), new Set(traceIds));
      assert.equal(access[0]?.severityText, "INFO");
      assert.ok(receiver.logs.some((l) => l.body === "listening"));
      assert.ok(receiver.logs.some((l) => l.body === "shutting down"));

      const names = new Set(receiver.metrics.map((m) => m.name));
      for (const instrument of INSTRUMENTS) {
        assert.ok(names.has(instrument.name), `metric ${instrument.name} missing`);
      }
      const duration = receiver.metrics.find((m) => m.name === "http.server.request.duration");
      const ok = duration?.dataPoints.find((p) =>
        p.attributes["http.response.status_code"] === 200
      );
      assert.equal(ok?.count, requests);
      const greetings = receiver.metrics.find((m) => m.name === "app.greetings");
      assert.deepEqual(greetings?.dataPoints.map((p) => [p.attributes, p.value]), [
        [{ "app.greeting.kind": "named" }, requests],
      ]);
      const contentType = protocol === "http/json" ? "application/json" : "application/x-protobuf";
      assert.ok(receiver.requests.every((r) => r.contentType.startsWith(contentType)));
    } finally {
      await service?.stop("SIGKILL");
      await receiver.close();
    }
  });
}

Deno.test("with OTEL_DENO=true the service enriches Deno's own server span instead of adding a second", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: { OTEL_DENO: "true", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    service = svc;
    const response = await fetch(`${svc.url}/greet?name=Ada`, {
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.match(response.headers.get("traceresponse") ?? "", new RegExp(`^00-${CALLER_TRACE}-`));
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    assert.equal(svc.lines[0]?.["otel.mode"], "deno");
    await receiver.waitFor(() => receiver.spans.length > 0 && receiver.logs.length > 0, {
      what: "Deno's span and logs",
    });
    assert.equal(receiver.spans.length, 1, "exactly one span: no JS SDK beside Deno's");
    const span = receiver.spans[0];
    assert.equal(span?.name, "GET /greet");
    assert.equal(span?.traceId, CALLER_TRACE);
    assert.equal(span?.attributes["http.route"], "/greet");
    assert.equal(span?.attributes["app.greeting.kind"], "named");
    const access = receiver.logs.find((l) => String(l.body).includes("GET /greet 200"));
    assert.equal(access?.traceId, CALLER_TRACE);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("OTEL_SDK_DISABLED=true serves requests and exports nothing", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: { OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    service = svc;
    const response = await fetch(`${svc.url}/greet`);
    assert.deepEqual(await response.json(), { message: "Hello, World!" });
    assert.equal(response.headers.get("traceresponse"), null);
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    assert.ok(svc.lines.some((l) => l.msg === "GET /greet 200"), "stdout logging still works");
    assert.equal(receiver.requests.length, 0);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("OTEL_{TRACES,LOGS}_EXPORTER=none leaves only metrics on the wire", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const svc = await ServiceProcess.start({
      env: {
        OTEL_TRACES_EXPORTER: "none",
        OTEL_LOGS_EXPORTER: "none",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      },
    });
    service = svc;
    const response = await fetch(`${svc.url}/greet`);
    await response.body?.cancel();
    assert.match(response.headers.get("traceresponse") ?? "", /^00-/, "spans are still made");
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    assert.deepEqual(new Set(receiver.requests.map((r) => r.path)), new Set(["/v1/metrics"]));
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("an unreachable collector costs no request and is reported once per signal", async () => {
  const closed = freePort(); // nothing listens here: connection refused
  const svc = await ServiceProcess.start({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: "500",
      OTEL_BSP_SCHEDULE_DELAY: "50",
      OTEL_BLRP_SCHEDULE_DELAY: "50",
      // Exports stop retrying at shutdown, so the flush ends at once; a
      // budget a busy machine could run out of would change the last line.
      SHUTDOWN_TIMEOUT_MS: "30000",
    },
  });
  try {
    const ok = async (): Promise<void> => {
      const response = await fetch(`${svc.url}/greet`);
      assert.equal(response.status, 200);
      await response.body?.cancel();
    };
    for (let i = 0; i < 20; i++) await ok();
    await svc.waitForLine((l) => String(l.msg).startsWith("OTLP export failing"));
    // More batches fail after the first warning; none of them may log again.
    for (let i = 0; i < 20; i++) await ok();
    await svc.waitForLine((l) =>
      String(l.msg).startsWith("OTLP export failing") && l["otel.signal"] === "logs"
    );
    for (let i = 0; i < 20; i++) await ok();
  } finally {
    const status = await svc.stop("SIGTERM");
    assert.equal(status.code, 0, svc.stderr);
  }
  const warnings = svc.lines.filter((l) => String(l.msg).startsWith("OTLP export failing"));
  const perSignal = warnings.map((l) => l["otel.signal"]);
  assert.deepEqual(perSignal.toSorted(), [...new Set(perSignal)].toSorted(), "one per signal");
  const last = svc.lines.at(-1);
  assert.equal(last?.msg, DROPPED_NOT_ACCEPTED);
  assert.match(String(last?.["otel.shutdown.reason"]), /Connection refused/);
  assert.ok(Number(last?.["otel.traces.dropped_items"]) > 0, "drops are counted");
});

Deno.test("with telemetry disabled, log lines carry no all-zero trace ids", async () => {
  const svc = await ServiceProcess.start({ env: { OTEL_SDK_DISABLED: "true" } });
  try {
    const response = await fetch(`${svc.url}/greet`);
    await response.body?.cancel();
  } finally {
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
  }
  const access = svc.lines.find((l) => l.msg === "GET /greet 200");
  assert.ok(access);
  assert.equal(access.trace_id, undefined);
  assert.equal(access.span_id, undefined);
});
