import assert from "node:assert/strict";
import { Collector, findCollector } from "../testing/collector.ts";
import { freePort } from "../testing/free_port.ts";
import { OtlpReceiver, type OtlpReceiverOptions } from "../testing/otlp_receiver.ts";
import { startTaskFlags } from "../testing/service_process.ts";
import { beforeHangBound } from "../testing/hang_bound.ts";
import { FakeStack, type FakeStackOptions } from "./_fake_stack.ts";
import { type DoctorOptions, runDoctor } from "./main.ts";
import type { Check, DoctorReport } from "./report.ts";
import { type CommandResult, runCommand } from "../testing/run_command.ts";

const AUTH = { user: "admin", password: "secret" };

/** Runs the doctor in-process against a fresh receiver and, with `stack`, fake backends. */
async function doctor(
  setup: {
    readonly env?: (receiver: OtlpReceiver, stack: FakeStack) => Record<string, string>;
    readonly receiver?: OtlpReceiverOptions;
    readonly stack?: FakeStackOptions;
    readonly withStack?: boolean;
    readonly options?: Partial<DoctorOptions>;
  } = {},
): Promise<{ report: DoctorReport; receiver: OtlpReceiver; stack: FakeStack }> {
  const receiver = await OtlpReceiver.start(setup.receiver);
  const stack = await FakeStack.start(receiver, setup.stack);
  try {
    const report = await runDoctor({
      env: setup.env?.(receiver, stack) ?? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      stack: setup.withStack === false ? undefined : stack.urls,
      // Generous: the fakes answer at once, so these only bound a hang.
      waitMs: 30_000,
      timeoutMs: 30_000,
      grafanaAuth: AUTH,
      ...setup.options,
    });
    return { report, receiver, stack };
  } finally {
    await stack.close();
    await receiver.close();
  }
}

function check(report: DoctorReport, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check "${id}" in ${report.checks.map((c) => c.id).join(", ")}`);
  return found;
}

function failing(report: DoctorReport): string[] {
  return report.checks.filter((c) => c.status === "fail").map((c) => c.id);
}

Deno.test("doctor --stack passes every check when the test data reaches every backend", async () => {
  const { report, receiver } = await doctor();
  assert.deepEqual(failing(report), []);
  assert.equal(report.ok, true);
  assert.ok(report.checks.every((c) => c.status === "pass"), JSON.stringify(report.checks));
  assert.ok(receiver.spans.some((s) => s.traceId === report.traceId));
  assert.ok(receiver.logs.some((l) => l.traceId === report.traceId));
  for (const id of ["stack.tempo", "stack.loki", "stack.prometheus", "stack.grafana.tempo"]) {
    assert.equal(check(report, id).status, "pass");
  }
});

Deno.test("doctor sends the test data as http/protobuf when the service is configured so", async () => {
  const { report, receiver } = await doctor({
    env: (rx) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20s3cret",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    }),
  });
  assert.equal(report.ok, true, JSON.stringify(failing(report)));
  const exports = receiver.requests.filter((r) => r.method === "POST");
  assert.equal(exports.length, 3);
  assert.ok(exports.every((r) => r.contentType === "application/x-protobuf"));
  assert.ok(exports.every((r) => r.contentEncoding === "gzip"));
  assert.equal(receiver.metrics.find((m) => m.name === "app.doctor.probes")?.dataPoints.length, 1);
  const headers = report.configuration.find((e) => e.name === "traces.headers");
  assert.equal(headers?.value, "authorization=****");
  assert.doesNotMatch(JSON.stringify(report), /s3cret/);
});

Deno.test("a base URL that already ends in /v1/traces fails every export with 404 and the path hint", async () => {
  const { report } = await doctor({
    env: (rx) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${rx.url}/v1/traces` }),
    withStack: false,
  });
  assert.equal(report.ok, false);
  const traces = check(report, "traces.export");
  assert.equal(traces.status, "fail");
  assert.match(traces.detail, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/v1\/traces\/v1\/traces/);
  assert.match(traces.hint ?? "", /OTEL_EXPORTER_OTLP_ENDPOINT is a base URL/);
  assert.deepEqual(failing(report), ["traces.export", "metrics.export", "logs.export"]);
});

Deno.test("a port nobody listens on fails TCP as connection refused with the 4319 hint", async () => {
  const port = freePort();
  const { report } = await doctor({
    env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }),
  });
  const tcp = check(report, "traces.tcp");
  assert.equal(tcp.status, "fail");
  assert.match(tcp.detail, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`));
  assert.match(tcp.hint ?? "", /host port 4319 \(4318 inside compose\)/);
  assert.equal(check(report, "traces.export").status, "skip");
  assert.equal(check(report, "stack.tempo").status, "skip", "nothing to look for in Tempo");
  assert.equal(check(report, "stack.grafana.tempo").status, "pass", "Grafana is checked anyway");
});

Deno.test("a 400 from the receiver fails that export with the payload or protocol hint", async () => {
  const { report } = await doctor({
    receiver: {
      respond: (request) =>
        request.signal === "metrics"
          ? new Response("proto: cannot parse invalid wire-format data", { status: 400 })
          : undefined,
    },
  });
  const metrics = check(report, "metrics.export");
  assert.equal(metrics.status, "fail");
  assert.match(metrics.detail, /HTTP 400 .*cannot parse invalid wire-format data/);
  assert.match(metrics.hint ?? "", /payload or protocol mismatch/);
  assert.equal(check(report, "stack.prometheus").status, "skip");
  assert.deepEqual(failing(report), ["metrics.export"]);
});

Deno.test("Loki refusing structured metadata fails the logs export with the schema v13 hint", async () => {
  const { report } = await doctor({
    stack: { loki: "no-structured-metadata" },
    env: (rx, stack) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${stack.urls.loki}/otlp/v1/logs`,
    }),
  });
  const logs = check(report, "logs.export");
  assert.equal(logs.status, "fail");
  assert.match(
    logs.detail,
    // Loki's google.rpc.Status, read as its message, not shown as binary.
    /HTTP 400 from \S+: stream '\{service_name="greet-api"\}' includes structured metadata, but this feature is disallowed/,
  );
  assert.match(logs.hint ?? "", /schema v13 .*allow_structured_metadata: true/);
  assert.deepEqual(failing(report), ["logs.export"]);
});

Deno.test("test data that never reaches a backend fails that backend's check within the bound", async (t) => {
  const cases = [
    {
      fault: { tempo: "empty" },
      id: "stack.tempo",
      hint: /Alloy's traces pipeline/,
    },
    {
      fault: { loki: "empty" },
      id: "stack.loki",
      hint: /Alloy's logs pipeline .*structured metadata needs schema v13/,
    },
    {
      fault: { prometheus: "no-otlp-receiver" },
      id: "stack.prometheus",
      hint: /without --web\.enable-otlp-receiver/,
    },
  ] as const;
  for (const { fault, id, hint } of cases) {
    await t.step(id, async () => {
      // The wait's own bound is what ends this test: a doctor that polled
      // past it would hang here.
      const { report } = await doctor({ stack: fault, options: { waitMs: 500 } });
      const missing = check(report, id);
      assert.equal(missing.status, "fail");
      assert.match(missing.detail, /(not found|matched nothing|has no sample) within \d/);
      assert.match(missing.hint ?? "", hint);
      assert.deepEqual(failing(report), [id]);
    });
  }
});

Deno.test("a data source uid Grafana does not have fails with the provisioning hint", async () => {
  const { report } = await doctor({ stack: { datasources: ["prometheus", "loki"] } });
  const tempo = check(report, "stack.grafana.tempo");
  assert.equal(tempo.status, "fail");
  assert.match(tempo.detail, /HTTP 404: no data source with uid "tempo"/);
  assert.match(tempo.hint ?? "", /grafana\/provisioning\/datasources \(uid:\)/);
  assert.deepEqual(failing(report), ["stack.grafana.tempo"]);
});

Deno.test("an unhealthy data source fails with Grafana's message and the URL hint", async () => {
  const { report } = await doctor({ stack: { unhealthy: ["tempo"] } });
  const tempo = check(report, "stack.grafana.tempo");
  assert.equal(tempo.status, "fail");
  assert.match(tempo.detail, /unhealthy \(HTTP 400\): .*connection refused/);
  assert.match(tempo.hint ?? "", /compose service name \(http:\/\/tempo:3200/);
});

Deno.test("a wrong Grafana password fails each data source check with the login hint", async () => {
  const { report } = await doctor({ options: { grafanaAuth: { user: "admin", password: "no" } } });
  const ids = failing(report);
  assert.deepEqual(ids, ["stack.grafana.prometheus", "stack.grafana.tempo", "stack.grafana.loki"]);
  assert.match(check(report, "stack.grafana.loki").hint ?? "", /GRAFANA_PASSWORD/);
});

Deno.test("a backend that is down fails its check at once with the tunnel hint", async () => {
  const port = freePort();
  const receiver = await OtlpReceiver.start();
  const stack = await FakeStack.start(receiver);
  try {
    // Ten minutes to find the trace: only a check that gives up on a refused
    // connection at once finishes before the hang bound.
    const report = await beforeHangBound(
      runDoctor({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        stack: { ...stack.urls, tempo: `http://127.0.0.1:${port}` },
        waitMs: 600_000,
        timeoutMs: 30_000,
        grafanaAuth: AUTH,
      }),
      "the doctor waited on a refused connection",
    );
    const tempo = check(report, "stack.tempo");
    assert.equal(tempo.status, "fail");
    assert.match(tempo.hint ?? "", /Tempo is not reachable .*pass --tempo/);
  } finally {
    await stack.close();
    await receiver.close();
  }
});

Deno.test("backends whose clock is two minutes off fail the clock check with the NTP hint", async () => {
  const date = new Date(Date.now() - 120_000).toUTCString();
  const { report } = await doctor({ stack: { date } });
  const clock = check(report, "clock");
  assert.equal(clock.status, "fail");
  assert.match(clock.detail, /1[12]\d s ahead of (Tempo|Loki|Prometheus|Grafana)'s/);
  assert.match(clock.hint ?? "", /timedatectl set-ntp true/);
});

Deno.test("a host name that does not resolve fails DNS and tries nothing else", async () => {
  const { report } = await doctor({
    env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://pi.invalid:4319" }),
    withStack: false,
    options: { lookup: () => Promise.reject(new Error("no record")) },
  });
  const dns = check(report, "traces.dns");
  assert.equal(dns.status, "fail");
  assert.match(dns.hint ?? "", /"pi\.invalid" does not resolve/);
  assert.equal(check(report, "traces.tcp").status, "skip");
});

Deno.test("a signal with OTEL_*_EXPORTER=none is skipped, not failed", async () => {
  const { report, receiver } = await doctor({
    env: (rx) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_LOGS_EXPORTER: "none" }),
  });
  assert.equal(report.ok, true, JSON.stringify(failing(report)));
  assert.match(check(report, "logs.export").detail, /OTEL_LOGS_EXPORTER=none/);
  assert.equal(check(report, "stack.loki").status, "skip");
  assert.ok(receiver.requests.every((r) => r.path !== "/v1/logs"));
});

Deno.test("a configuration the service would refuse fails the configuration check", async () => {
  const { report, receiver } = await doctor({
    env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: "pi:4319" }),
    withStack: false,
  });
  assert.deepEqual(failing(report), ["config"]);
  assert.match(check(report, "config").detail, /OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute/);
  assert.equal(receiver.requests.length, 0);
});

/** Runs `main.ts doctor` the way `deno task doctor` does. */
function runCli(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return runCommand(Deno.execPath(), ["run", ...startTaskFlags(), "main.ts", "doctor", ...args], {
    cwd: new URL("..", import.meta.url),
    // Only what Deno itself needs: none of the developer's OTEL_* or GRAFANA_* variables.
    env: { NO_COLOR: "1", ...passThrough("HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME"), ...env },
    clearEnv: true,
  });
}

function passThrough(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => {
    const value = Deno.env.get(name);
    return value === undefined ? [] : [[name, value]];
  }));
}

function stackArgs(stack: FakeStack): string[] {
  return [
    `--tempo=${stack.urls.tempo}`,
    `--loki=${stack.urls.loki}`,
    `--prometheus=${stack.urls.prometheus}`,
    `--grafana=${stack.urls.grafana}`,
    "--wait=5",
  ];
}

Deno.test("main.ts doctor --stack --json exits 0 when all is well and 1 naming the failed check", async (t) => {
  const receiver = await OtlpReceiver.start();
  try {
    await t.step("all good", async () => {
      const stack = await FakeStack.start(receiver);
      try {
        const { code, stdout, stderr } = await runCli(["--stack", "--json", ...stackArgs(stack)], {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          GRAFANA_PASSWORD: "secret",
        });
        assert.equal(code, 0, `${stdout}\n${stderr}`);
        const report = JSON.parse(stdout) as DoctorReport;
        assert.equal(report.ok, true);
        assert.ok(receiver.spans.some((s) => s.traceId === report.traceId));
        assert.equal(check(report, "stack.loki").status, "pass");
      } finally {
        await stack.close();
      }
    });
    await t.step("a missing data source", async () => {
      const stack = await FakeStack.start(receiver, { datasources: ["tempo", "loki"] });
      try {
        const { code, stdout } = await runCli(["--stack", ...stackArgs(stack)], {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          GRAFANA_ADMIN_PASSWORD: "secret",
        });
        assert.equal(code, 1, stdout);
        assert.match(stdout, /✗ Grafana: data source "prometheus": HTTP 404/);
        assert.match(stdout, /→ Grafana has no data source with uid "prometheus"/);
        assert.match(stdout, /1 check failed/);
      } finally {
        await stack.close();
      }
    });
  } finally {
    await receiver.close();
  }
});

Deno.test("main.ts doctor with an unknown flag exits 2 with the doctor usage", async () => {
  const { code, stderr } = await runCli(["--stak"], {});
  assert.equal(code, 2);
  assert.match(stderr, /Unknown option '--stak'/);
  assert.match(stderr, /Usage: greet-api doctor/);
});

const collectorBin = findCollector();

for (const protocol of ["http/json", "http/protobuf"] as const) {
  Deno.test({
    name: `doctor passes against a real OpenTelemetry Collector over ${protocol}`,
    ignore: !collectorBin.path,
    async fn(): Promise<void> {
      const collector = await Collector.start();
      try {
        const { code, stdout, stderr } = await runCli([], {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        });
        assert.equal(code, 0, `${stdout}\n${stderr}`);
        assert.match(stdout, /✓ traces: export: 1 span as .*HTTP 200/);
        assert.match(stdout, /✓ clock: within/);
        const traceId = stdout.match(/test trace id ([0-9a-f]{32})/)?.[1];
        await collector.waitFor(
          (r) =>
            r.spans.some((s) => s.traceId === traceId) &&
            r.logs.some((l) => l.traceId === traceId) &&
            r.metrics.some((m) => m.name === "app.doctor.probes"),
          { what: `the doctor's span, log record and metric of trace ${traceId}` },
        );
      } finally {
        await collector.stop();
      }
    },
  });
}
