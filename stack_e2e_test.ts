/**
 * End to end against the real backends: the service -> the real Alloy running
 * alloy/config.alloy where `ALLOY_BIN` is set, else the OpenTelemetry
 * Collector running the same pipeline (collector/otelcol-stack.yaml) -> the
 * real Loki and Prometheus, started with the shipped loki/loki.yaml and
 * prometheus/prometheus.yaml and compose.yaml's flags (paths and ports
 * adjusted, nothing else), and the real Tempo where `TEMPO_BIN` is set.
 *
 * Needs `LOKI_BIN`, `PROMETHEUS_BIN` and `OTELCOL_BIN` (all three built by
 * `.ci/`, required under CI); `TEMPO_BIN` and `ALLOY_BIN` are optional.
 */
import assert from "node:assert/strict";
import { type Check, type DoctorReport } from "./doctor/report.ts";
import { FakeStack } from "./doctor/_fake_stack.ts";
import { checkStack } from "./doctor/stack_checks.ts";
import { Alloy, findAlloy } from "./testing/backends/alloy.ts";
import { changedPaths } from "./testing/backends/config_edit.ts";
import { panelQueries, substitute, variableQuery } from "./testing/backends/dashboard_queries.ts";
import { findLoki, Loki } from "./testing/backends/loki.ts";
import { pollFor } from "./testing/backends/poll.ts";
import { findPrometheus, Prometheus } from "./testing/backends/prometheus.ts";
import { serveMetrics } from "./testing/backends/scrape_target.ts";
import { findTempo, Tempo, TEMPO_DEFAULT_PATHS } from "./testing/backends/tempo.ts";
import { Collector, findCollector } from "./testing/collector.ts";
import { freePort } from "./testing/free_port.ts";
import { OtlpReceiver } from "./testing/otlp_receiver.ts";
import { runCommand } from "./testing/run_command.ts";
import { ServiceProcess, startTaskFlags } from "./testing/service_process.ts";
import { repoPath } from "./testing/stack/yaml_file.ts";

const lokiBin = findLoki();
const prometheusBin = findPrometheus();
const collectorBin = findCollector();
const alloyBin = findAlloy();
const tempoBin = findTempo();

const SERVICE = "greet-api";
const STACK_CONFIG = repoPath("collector/otelcol-stack.yaml");
const dashboard: unknown = JSON.parse(
  await Deno.readTextFile(repoPath("grafana/dashboards/greet-api.json")),
);

/**
 * What Prometheus scrapes from Alloy when no real Alloy runs: its own OTLP
 * receiver's request-duration histogram, under the same name as the
 * service's, which is why a dashboard that picks services by that metric
 * alone offers "alloy" (issue 12). Copied from the real Alloy v1.18.1's
 * :12345/metrics after one OTLP/HTTP request (one bucket kept): like every
 * scraped series, it has no service_name label.
 */
const ALLOY_METRICS = (() => {
  const labels = 'component_id="otelcol.receiver.otlp.default",component_path="/",' +
    'http_request_method="POST",http_response_status_code="200",http_route="/v1/logs",' +
    'network_protocol_name="http",network_protocol_version="1.1",' +
    'otel_scope_name="go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",' +
    'otel_scope_schema_url="",otel_scope_version="0.69.0",server_address="127.0.0.1",' +
    'server_port="4318",url_scheme="http"';
  return [
    "# TYPE http_server_request_duration_seconds histogram",
    `http_server_request_duration_seconds_bucket{${labels},le="0.005"} 1`,
    `http_server_request_duration_seconds_bucket{${labels},le="+Inf"} 1`,
    `http_server_request_duration_seconds_sum{${labels}} 0.0012`,
    `http_server_request_duration_seconds_count{${labels}} 1`,
    "",
  ].join("\n");
})();

/** Keys of loki/loki.yaml the test may change: paths and ports, nothing else. */
const LOKI_ADJUSTED = [
  "common.path_prefix",
  "common.storage.filesystem.chunks_directory",
  "common.storage.filesystem.rules_directory",
  "compactor.working_directory",
  "server.grpc_listen_port",
  "server.http_listen_port",
];

/** Where compose.yaml's Prometheus scrapes "alloy" and "grafana" becomes the test's Alloy and fake Grafana. */
const PROMETHEUS_ADJUSTED = [
  "scrape_configs.0.static_configs.0.targets.0", // prometheus: itself
  "scrape_configs.1.static_configs.0.targets.0", // alloy: the real one or the stand-in
  "scrape_configs.4.static_configs.0.targets.0", // grafana: the fake Grafana
];

Deno.test({
  name: "the service's logs and metrics reach the real Loki and Prometheus as the dashboard " +
    "and doctor --stack expect them",
  ignore: !lokiBin.path || !prometheusBin.path || !(collectorBin.path || alloyBin.path),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t): Promise<void> {
    const cleanups: (() => Promise<unknown>)[] = [];
    const failed: string[] = [];
    const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
      if (!await t.step(name, fn)) failed.push(name);
    };
    let loki: Loki | undefined;
    let prometheus: Prometheus | undefined;
    let tempo: Tempo | undefined;
    let collector: Collector | undefined;
    let alloy: Alloy | undefined;
    try {
      // With ALLOY_BIN, the real Alloy runs alloy/config.alloy and Prometheus
      // scrapes it; without, the collector runs the same pipeline and a
      // stand-in serves what Alloy's /metrics was observed to serve.
      const alloyUiPort = freePort();
      const alloyMetrics = alloyBin.path ? undefined : await serveMetrics(ALLOY_METRICS);
      if (alloyMetrics) cleanups.push(() => alloyMetrics.close());
      const alloyAddress = alloyMetrics?.address ?? `127.0.0.1:${alloyUiPort}`;
      // Grafana (which cannot be built here) and, without TEMPO_BIN, Tempo
      // are the fakes that answer as the pinned versions do.
      const nobody = await OtlpReceiver.start();
      cleanups.push(() => nobody.close());
      const fakes = await FakeStack.start(nobody);
      cleanups.push(() => fakes.close());

      const promStarted = Prometheus.start({
        bin: prometheusBin.path ?? "",
        scrapeTargets: { alloy: alloyAddress, grafana: new URL(fakes.urls.grafana).host },
      });
      const lokiStarted = Loki.start({ bin: lokiBin.path ?? "" });
      prometheus = await promStarted.catch(async (error) => {
        await lokiStarted.then((l) => l.stop(), () => {});
        throw error;
      });
      const prometheusUrl = prometheus.url;
      const tempoStarted = tempoBin.path
        ? Tempo.start({ bin: tempoBin.path, prometheusUrl })
        : Promise.resolve(undefined);
      // Both are kept before either failure is thrown, so `finally` stops them.
      const [lokiResult, tempoResult] = await Promise.allSettled([lokiStarted, tempoStarted]);
      if (lokiResult.status === "fulfilled") loki = lokiResult.value;
      if (tempoResult.status === "fulfilled") tempo = tempoResult.value;
      for (const result of [lokiResult, tempoResult]) {
        if (result.status === "rejected") throw result.reason;
      }
      if (!loki) throw new Error("Loki did not start");
      const tempoUrl = tempo?.url ?? fakes.urls.tempo;

      await step("the backends run the shipped configs with only paths and ports changed", () => {
        assert.ok(loki && prometheus);
        assert.deepEqual(changedPaths(loki.original, loki.config), LOKI_ADJUSTED);
        assert.deepEqual(changedPaths(prometheus.original, prometheus.config), PROMETHEUS_ADJUSTED);
        const flagName = (arg: string): string => arg.split("=")[0] ?? arg;
        assert.deepEqual(
          prometheus.args.map(flagName),
          [...prometheus.composeArgs.map(flagName), "--web.listen-address"],
        );
        if (tempo) {
          const added = TEMPO_DEFAULT_PATHS.map((p) => p.path.join("."));
          assert.deepEqual(
            changedPaths(tempo.original, tempo.config).filter((p) => !added.includes(p)),
            [
              "backend_worker.backend_scheduler_addr",
              "distributor.receivers.otlp.protocols.grpc.endpoint",
              "distributor.receivers.otlp.protocols.http.endpoint",
              "metrics_generator.storage.path",
              "metrics_generator.storage.remote_write.0.url",
              "querier.frontend_worker.frontend_address",
              "server.grpc_listen_port",
              "server.http_listen_port",
              "storage.trace.local.path",
              "storage.trace.wal.path",
            ],
          );
        }
        return Promise.resolve();
      });

      const endpoints = {
        LOKI_OTLP_HTTP_ENDPOINT: `${loki.url}/otlp`,
        PROMETHEUS_OTLP_HTTP_ENDPOINT: `${prometheusUrl}/api/v1/otlp`,
        // Without Tempo, Alloy's traces go nowhere (it retries and logs);
        // the collector writes them to a file instead.
        TEMPO_OTLP_GRPC_ENDPOINT: tempo?.otlpGrpc ?? `127.0.0.1:${freePort()}`,
      };
      if (alloyBin.path) {
        alloy = await Alloy.start({ bin: alloyBin.path, uiPort: alloyUiPort, endpoints });
        const shipped = alloy.original.split("\n");
        const changed = alloy.config.split("\n").filter((line, i) => line !== shipped[i]);
        assert.deepEqual(
          changed.map((line) => line.trim().replace(/\d+"$/, 'PORT"')),
          ['endpoint = "0.0.0.0:PORT"', 'endpoint = "0.0.0.0:PORT"'],
          "only the receivers' ports",
        );
      } else {
        collector = await Collector.start({
          config: STACK_CONFIG,
          env: { ...endpoints, ...(tempo ? {} : { OTELCOL_TRACES_EXPORTER: "file/traces" }) },
        });
      }
      const collectorUrl = alloy?.otlpHttp ?? collector?.url ?? "";

      const service = await ServiceProcess.start({
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
          // Two exports a few seconds apart give rate() its two samples soon.
          OTEL_METRIC_EXPORT_INTERVAL: "1000",
          OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=e2e",
        },
      });
      cleanups.push(() => service.stop("SIGKILL"));

      // Requests keep coming while the test waits, so every rate() is above zero.
      const first = await greet(service.url, "Ada");
      let traffic = true;
      const background = (async () => {
        for (let i = 0; traffic; i++) {
          await greet(service.url, `n${i}`).catch(() => {});
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      cleanups.push(async () => {
        traffic = false;
        await background;
      });

      await step(
        "the access log of a request is in Loki with its trace_id and span_id as structured metadata, and no per-process index label",
        async () => {
          assert.ok(loki);
          const lokiNow = loki;
          const query = `{service_name="${SERVICE}"} | trace_id="${first.traceId}"`;
          const entries = await pollFor(
            () => lokiNow.queryRange(query),
            (found) => found.some((e) => e.line === "GET /greet 200"),
            { what: `${query} in Loki`, timeoutMs: 60_000 },
          );
          const access = entries.find((e) => e.line === "GET /greet 200");
          assert.ok(access);
          assert.equal(access.structuredMetadata.trace_id, first.traceId);
          assert.equal(access.structuredMetadata.span_id, first.spanId);
          const labels = await lokiNow.labels();
          assert.deepEqual(labels, ["service_name"], "/loki/api/v1/labels");
          assert.deepEqual(access.labels, { service_name: SERVICE }, "the stream's index labels");
          // The per-process and per-environment values are kept with each line.
          assert.equal(access.structuredMetadata.deployment_environment_name, "e2e");
          assert.match(access.structuredMetadata.service_instance_id ?? "", /^[0-9a-f-]{36}$/);
        },
      );

      await step(
        "every PromQL expression of the dashboard returns data for the service",
        async () => {
          assert.ok(prometheus);
          const prom = prometheus;
          const queries = panelQueries(dashboard);
          // Tempo's span metrics exist only where its metrics-generator runs.
          const needsTempo = (expr: string): boolean => expr.includes("traces_spanmetrics_");
          const runnable = queries.filter((q) => tempo || !needsTempo(q.expr));
          assert.ok(runnable.length > 0, "the dashboard has Prometheus panels");
          if (!tempo) {
            assert.deepEqual(
              queries.filter((q) => needsTempo(q.expr)).map((q) => q.name),
              ["Server span latency p95, with exemplars A"],
            );
          }
          await Promise.all(runnable.map(async ({ name, expr }) => {
            const promql = substitute(expr, SERVICE);
            const result = await pollFor(() => prom.query(promql), (r) => r.length > 0, {
              what: `data for "${name}": ${promql}`,
              timeoutMs: 90_000,
            });
            assert.ok(result.length > 0);
          }));
        },
      );

      await step("the dashboard's service variable offers the service and not Alloy", async () => {
        assert.ok(prometheus);
        const prom = prometheus;
        // First make sure Alloy's look-alike histogram is there to be offered.
        await pollFor(
          () => prom.query("count by (job) (http_server_request_duration_seconds_count)"),
          (r) => ["alloy", SERVICE].every((job) => r.some((sample) => sample.metric.job === job)),
          { what: "the service's and Alloy's request histograms in Prometheus", timeoutMs: 60_000 },
        );
        const variable = variableQuery(dashboard, "service");
        const values = await prom.labelValues(
          variable.label,
          substitute(variable.selector, SERVICE),
        );
        assert.deepEqual(
          values,
          [SERVICE],
          `label_values(${variable.selector}, ${variable.label})`,
        );
      });

      await step(
        "doctor --stack passes for Loki and Prometheus and finds no trace Tempo lacks",
        async () => {
          const { code, stdout, stderr } = await doctor([
            "--stack",
            "--json",
            `--tempo=${tempoUrl}`,
            `--loki=${loki?.url}`,
            `--prometheus=${prometheusUrl}`,
            `--grafana=${fakes.urls.grafana}`,
            "--wait=15",
          ], { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, GRAFANA_PASSWORD: "secret" });
          const report = JSON.parse(stdout) as DoctorReport;
          const status = (id: string): Check | undefined => report.checks.find((c) => c.id === id);
          assert.equal(status("stack.loki")?.status, "pass", JSON.stringify(status("stack.loki")));
          assert.equal(status("stack.prometheus")?.status, "pass", stderr);
          if (tempo) {
            // The real Tempo got the doctor's span through the pipeline.
            assert.equal(
              status("stack.tempo")?.status,
              "pass",
              JSON.stringify(status("stack.tempo")),
            );
            assert.equal(code, 0, stdout);
          } else {
            // The fake Tempo, like Tempo 3.0.3, answers 200 with an empty trace.
            assert.equal(status("stack.tempo")?.status, "fail");
            assert.match(status("stack.tempo")?.detail ?? "", /not found within/);
            assert.deepEqual(
              fakes.requests.tempo.every((r) => r.startsWith("GET /api/v2/traces/")),
              true,
            );
            assert.equal(code, 1);
          }
        },
      );

      if (tempo) {
        const realTempo = tempo;
        await step(
          "against the real Tempo, a trace it does not hold is reported missing",
          async () => {
            const traceId = crypto.randomUUID().replaceAll("-", "");
            const result = await checkStack({
              traceId,
              serviceName: SERVICE,
              instanceId: "none",
              accepted: { traces: true, metrics: false, logs: false },
            }, {
              urls: { ...fakes.urls, tempo: realTempo.url },
              waitMs: 1_000,
              timeoutMs: 5_000,
              grafanaAuth: { user: "admin", password: "secret" },
            });
            const check = result.checks.find((c) => c.id === "stack.tempo");
            assert.equal(check?.status, "fail", JSON.stringify(check));
            assert.match(check?.detail ?? "", new RegExp(`trace ${traceId} not found within`));
          },
        );
      }
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup();
      const outputs = await Promise.all([
        collector?.stop(),
        alloy?.stop(),
        tempo?.stop(),
        loki?.stop(),
        prometheus?.stop(),
      ]);
      if (failed.length > 0) {
        for (
          const [name, output] of ["collector", "Alloy", "Tempo", "Loki", "Prometheus"].map((
            n,
            i,
          ) => [n, outputs[i]] as const)
        ) {
          if (output) console.error(`--- ${name} output (tail) ---\n${output.slice(-3_000)}`);
        }
      }
    }
  },
});

/** One request; the ids of its trace from the `traceresponse` header. */
async function greet(base: string, name: string): Promise<{ traceId: string; spanId: string }> {
  const response = await fetch(`${base}/greet?name=${encodeURIComponent(name)}`);
  await response.body?.cancel();
  assert.equal(response.status, 200);
  const [, traceId = "", spanId = ""] = (response.headers.get("traceresponse") ?? "").split("-");
  return { traceId, spanId };
}

/** Runs `main.ts doctor` as `deno task doctor` does, with only the environment it needs. */
function doctor(args: string[], env: Record<string, string>): ReturnType<typeof runCommand> {
  const keep = ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR"]
    .concat(["NODE_EXTRA_CA_CERTS", "DENO_CERT"]);
  const passed = Object.fromEntries(
    keep.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  return runCommand(Deno.execPath(), ["run", ...startTaskFlags(), "main.ts", "doctor", ...args], {
    cwd: new URL(".", import.meta.url),
    env: { NO_COLOR: "1", ...passed, ...env },
    clearEnv: true,
  });
}
