/**
 * Security of what ships: the service runs with the narrowest Deno
 * permissions that work, sends OTLP auth headers and trusts a private CA
 * under them, and never writes a credential to its output.
 */
import assert from "node:assert/strict";
import denoJson from "./deno.json" with { type: "json" };
import { findTool } from "./testing/external_tool.ts";
import { freePort } from "./testing/free_port.ts";
import { OtlpReceiver } from "./testing/otlp_receiver.ts";
import { ServiceProcess, startTaskFlags } from "./testing/service_process.ts";
import { createTestCa } from "./testing/test_ca.ts";

const openssl = findTool({ env: "OPENSSL_BIN", command: "openssl", hint: "install openssl" });

/**
 * Every variable the program reads: the service's own, the OpenTelemetry
 * ones (`OTEL_*`) and the Grafana login of `greet-api doctor`, which the
 * compiled binary runs under the same permissions.
 */
const ENV_ALLOW = "HOST,PORT,LOG_LEVEL,LOG_FORMAT,SHUTDOWN_TIMEOUT_MS,SHUTDOWN_DRAIN_MS,OTEL_*," +
  "GRAFANA_USER,GRAFANA_PASSWORD,GRAFANA_ADMIN_USER,GRAFANA_ADMIN_PASSWORD";

/** Runs main.ts with exactly `flags` and the service's own port. */
function narrowCommand(flags: readonly string[]): string[] {
  return [Deno.execPath(), "run", ...flags, "main.ts"];
}

/** Asserts every signal reached `receiver`. */
async function assertAllSignals(receiver: OtlpReceiver): Promise<void> {
  await receiver.waitFor(
    (r) =>
      r.spans.some((s) => s.name === "GET /greet") &&
      r.logs.some((l) => l.body === "GET /greet 200") &&
      r.metrics.some((m) => m.name === "http.server.request.duration"),
    { what: "the span, the access log and the duration histogram" },
  );
}

Deno.test("the service starts and exports every signal with only its port, the OTLP endpoint, its variables and the host name", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const port = freePort();
    const otlp = new URL(receiver.url).host;
    const svc = await ServiceProcess.start({
      command: narrowCommand([
        `--allow-net=127.0.0.1:${port},${otlp}`,
        `--allow-env=${ENV_ALLOW}`,
        "--allow-sys=hostname",
      ]),
      // A budget no busy machine runs out of: the flush ends once delivered.
      env: {
        PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        SHUTDOWN_TIMEOUT_MS: "30000",
      },
    });
    service = svc;
    const response = await fetch(`${svc.url}/greet?name=Ada`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    assert.equal(svc.stderr, "", "no permission prompt or error");
    await assertAllSignals(receiver);
    const span = receiver.spans.find((s) => s.name === "GET /greet");
    assert.notEqual(span?.resource["host.name"], "unknown", "--allow-sys=hostname suffices");
    assert.equal(svc.lines.at(-1)?.["otel.traces.delivered_items"], 1);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("without network access to the OTLP endpoint the service still serves and reports the outage once per signal", async () => {
  const receiver = await OtlpReceiver.start();
  let service: ServiceProcess | undefined;
  try {
    const port = freePort();
    const svc = await ServiceProcess.start({
      command: narrowCommand([
        `--allow-net=127.0.0.1:${port}`,
        `--allow-env=${ENV_ALLOW}`,
        "--allow-sys=hostname",
      ]),
      env: {
        PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
        OTEL_BSP_SCHEDULE_DELAY: "50",
        OTEL_BLRP_SCHEDULE_DELAY: "50",
      },
    });
    service = svc;
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${svc.url}/greet`);
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const warning = await svc.waitForLine((l) =>
      String(l.msg).startsWith("OTLP export failing") && l["otel.signal"] === "traces"
    );
    assert.match(String(warning["error.message"]), /net access/i, "the reason is named");
    assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
    assert.equal(receiver.requests.length, 0);
  } finally {
    await service?.stop("SIGKILL");
    await receiver.close();
  }
});

Deno.test("deno task start, dev and doctor grant env access to the program's variables only, never -A", () => {
  const flags = startTaskFlags();
  assert.ok(flags.includes(`--allow-env=${ENV_ALLOW}`), flags.join(" "));
  assert.ok(flags.includes("--allow-sys=hostname"), flags.join(" "));
  assert.ok(!flags.some((f) => f === "--allow-env" || f.startsWith("--allow-read")));
  for (const task of [denoJson.tasks.dev, denoJson.tasks.doctor]) {
    assert.ok(task.includes(`--allow-env=${ENV_ALLOW} `), task);
  }
});

const SECRET = "s3cr3t-token-5f2a";

Deno.test({
  name:
    "OTLP auth headers and HTTPS with a private CA work under narrowed permissions, and the token is never logged",
  ignore: !openssl.path,
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "greet-api-auth-" });
    let receiver: OtlpReceiver | undefined;
    let service: ServiceProcess | undefined;
    try {
      const ca = await createTestCa(dir, openssl.path);
      let rejecting = false;
      const rx = await OtlpReceiver.start({
        tls: { cert: ca.cert, key: ca.key },
        // A collector that rejects and echoes the credential in its answer.
        respond: (request) =>
          rejecting
            ? new Response(`bad token ${request.headers.authorization}`, { status: 401 })
            : undefined,
      });
      receiver = rx;
      const port = freePort();
      const svc = await ServiceProcess.start({
        command: narrowCommand([
          `--allow-net=127.0.0.1:${port},${new URL(rx.url).host}`,
          `--allow-env=${ENV_ALLOW}`,
          "--allow-sys=hostname",
          `--allow-read=${ca.caCertPath}`,
        ]),
        env: {
          PORT: String(port),
          LOG_LEVEL: "debug",
          OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
          OTEL_EXPORTER_OTLP_CERTIFICATE: ca.caCertPath,
          OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET},x-scope-orgid=pi`,
          OTEL_BSP_SCHEDULE_DELAY: "50",
          OTEL_BLRP_SCHEDULE_DELAY: "50",
          OTEL_METRIC_EXPORT_INTERVAL: "500",
        },
      });
      service = svc;
      const response = await fetch(`${svc.url}/greet?name=Ada`);
      await response.body?.cancel();
      await assertAllSignals(rx);
      assert.ok(rx.requests.every((r) => r.headers.authorization === `Bearer ${SECRET}`));
      assert.ok(rx.requests.every((r) => r.headers["x-scope-orgid"] === "pi"));

      rejecting = true;
      const again = await fetch(`${svc.url}/greet?name=Ada`);
      await again.body?.cancel();
      const warning = await svc.waitForLine((l) => String(l.msg).startsWith("OTLP export failing"));
      assert.match(String(warning["error.message"]), /401/);
      assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);

      const output = JSON.stringify(svc.lines) + svc.stderr;
      assert.ok(!output.includes(SECRET), "the token reached stdout or stderr");
      const exported = JSON.stringify(rx.logs, (_, v) => typeof v === "bigint" ? String(v) : v);
      assert.ok(!exported.includes(SECRET), "the token reached an exported log record");
    } finally {
      await service?.stop("SIGKILL");
      await receiver?.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
