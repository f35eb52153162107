import assert from "node:assert/strict";
import { type InstrumentDescriptor, INSTRUMENTS } from "../telemetry/instruments.ts";
import { bindMounts, composeServices } from "../testing/stack/compose_model.ts";
import { dig, list, type Mapping, mapping, text } from "../testing/stack/narrow.ts";
import { promqlNames } from "../testing/stack/promql_names.ts";
import { prometheusLabelName, prometheusSeriesNames } from "../testing/stack/prometheus_names.ts";
import { parseYaml, readYaml, repoPath } from "../testing/stack/yaml_file.ts";
import { variableQuery } from "../testing/backends/dashboard_queries.ts";

const DATASOURCES = "grafana/provisioning/datasources/datasources.yaml";
const DASHBOARD = "grafana/dashboards/greet-api.json";

const datasourcesText = await Deno.readTextFile(repoPath(DATASOURCES));
const datasourceFile = parseYaml(datasourcesText);
const dashboard: unknown = JSON.parse(await Deno.readTextFile(repoPath(DASHBOARD)));
const compose = await readYaml("compose.yaml");
const tempoConfig = await readYaml("tempo/tempo.yaml");
const prometheusConfig = await readYaml("prometheus/prometheus.yaml");

const datasources = new Map(
  list(mapping(datasourceFile, DATASOURCES).datasources, "datasources").map((entry, index) => {
    const datasource = mapping(entry, `datasources[${index}]`);
    return [text(datasource.uid, `datasources[${index}].uid`), datasource];
  }),
);

/**
 * Series Tempo's metrics-generator writes into Prometheus (span metrics and
 * service graph), with the labels it gives them: its intrinsic dimensions plus
 * the span attributes tempo.yaml adds as dimensions.
 */
function tempoGeneratedSeries(): { names: string[]; labels: string[] } {
  const dimensions = list(
    dig(tempoConfig, ["metrics_generator", "processor", "span_metrics", "dimensions"]) ?? [],
    "span_metrics.dimensions",
  ).map((dimension) => prometheusLabelName(String(dimension)));
  return {
    names: [
      "traces_spanmetrics_latency_bucket",
      "traces_spanmetrics_latency_sum",
      "traces_spanmetrics_latency_count",
      "traces_spanmetrics_calls_total",
      "traces_service_graph_request_total",
      "traces_service_graph_request_failed_total",
      "traces_service_graph_request_server_seconds_bucket",
      "traces_service_graph_request_client_seconds_bucket",
    ],
    labels: ["service", "span_name", "span_kind", "status_code", "le", "job", "instance"]
      .concat(dimensions),
  };
}

/** Labels every OTLP series carries besides its attributes: job, instance and promoted resource attributes. */
function otlpCommonLabels(): string[] {
  const promoted = list(
    dig(prometheusConfig, ["otlp", "promote_resource_attributes"]) ?? [],
    "promote_resource_attributes",
  ).map((key) => prometheusLabelName(String(key)));
  return ["job", "instance", "le", ...promoted];
}

/** Problems with one PromQL query against what the service and Tempo emit. */
function promqlProblems(
  expression: string,
  instruments: readonly InstrumentDescriptor[],
): string[] {
  const names = promqlNames(expression);
  const tempo = tempoGeneratedSeries();
  const problems: string[] = [];
  const allowedLabels = new Set(otlpCommonLabels());
  for (const metric of names.metrics) {
    const instrument = instruments.find((candidate) =>
      prometheusSeriesNames(candidate).includes(metric)
    );
    if (instrument) {
      for (const attribute of instrument.attributes) {
        allowedLabels.add(prometheusLabelName(attribute));
      }
    } else if (tempo.names.includes(metric)) {
      for (const label of tempo.labels) allowedLabels.add(label);
    } else {
      problems.push(`unknown metric "${metric}"`);
    }
  }
  for (const label of names.labels) {
    if (!allowedLabels.has(label)) problems.push(`unknown label "${label}"`);
  }
  return problems;
}

/** Every object in a JSON-like tree, depth first. */
function* walk(value: unknown): Generator<Mapping> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walk(item);
  } else if (typeof value === "object" && value !== null) {
    yield value as Mapping;
    for (const child of Object.values(value)) yield* walk(child);
  }
}

/** Every data source uid a tree refers to (`datasourceUid: x` or `datasource: {uid: x}`). */
function referencedUids(tree: unknown): string[] {
  const uids: string[] = [];
  for (const node of walk(tree)) {
    if (typeof node.datasourceUid === "string") uids.push(node.datasourceUid);
    const datasource = node.datasource;
    if (typeof datasource === "object" && datasource !== null && "uid" in datasource) {
      uids.push(String((datasource as Mapping).uid));
    }
  }
  return uids;
}

/** The dashboard's panels, rows included. */
function panels(): Mapping[] {
  return list(mapping(dashboard, DASHBOARD).panels, "panels").map((panel, index) =>
    mapping(panel, `panels[${index}]`)
  );
}

/** Every Prometheus query in the dashboard. */
function dashboardPromQL(): string[] {
  return panels()
    .filter((panel) => dig(panel, ["datasource", "uid"]) === "prometheus")
    .flatMap((panel) => list(panel.targets, "targets"))
    .map((target) => text(mapping(target, "target").expr, "expr"));
}

/** Grafana expands `$NAME` and `${NAME}` in provisioning files from its environment; `$$` is a literal `$`. */
function unescapeProvisioning(value: string): string {
  return value.replaceAll("$$", "$");
}

/** Places in provisioning text where Grafana would substitute an environment variable. */
function unescapedDollars(raw: string): string[] {
  return [...raw.replaceAll("$$", "").matchAll(/\$\{?[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]);
}

Deno.test("the data sources have fixed uids and point at the compose services", async (t) => {
  await t.step("the uids are prometheus, tempo and loki", () => {
    assert.deepEqual([...datasources.keys()].sort(), ["loki", "prometheus", "tempo"]);
    for (const [uid, datasource] of datasources) assert.equal(datasource.type, uid);
  });
  await t.step("each URL names a compose service and the port it listens on", () => {
    const services = composeServices(compose);
    const expected: Record<string, string> = {
      prometheus: "http://prometheus:9090",
      tempo: `http://tempo:${dig(tempoConfig, ["server", "http_listen_port"])}`,
      loki: "http://loki:3100",
    };
    for (const [uid, datasource] of datasources) {
      assert.equal(datasource.url, expected[uid]);
      assert.ok(services.has(uid), `no compose service "${uid}"`);
    }
  });
});

Deno.test("every data source uid referenced by a link or a panel exists", async (t) => {
  await t.step("links between data sources resolve", () => {
    const referenced = referencedUids(datasourceFile);
    assert.ok(referenced.length >= 6, `only ${referenced.length} links`);
    for (const uid of referenced) assert.ok(datasources.has(uid), `unknown uid "${uid}"`);
  });
  await t.step("dashboard panels and targets resolve", () => {
    const referenced = referencedUids(dashboard);
    assert.ok(referenced.length > 0);
    for (const uid of referenced) assert.ok(datasources.has(uid), `unknown uid "${uid}"`);
  });
  await t.step("a panel pointing at a missing uid is caught", () => {
    const broken = structuredClone(dashboard);
    mapping(list(mapping(broken, "copy").panels, "panels")[1], "panel").datasource = {
      type: "prometheus",
      uid: "prom",
    };
    assert.ok(referencedUids(broken).some((uid) => !datasources.has(uid)));
  });
});

Deno.test("traces, logs and metrics link to each other", async (t) => {
  const tempo = mapping(datasources.get("tempo")?.jsonData, "tempo.jsonData");
  const loki = mapping(datasources.get("loki")?.jsonData, "loki.jsonData");
  const prometheus = mapping(datasources.get("prometheus")?.jsonData, "prometheus.jsonData");
  await t.step("trace to logs queries Loki's trace_id structured metadata", () => {
    const logs = mapping(tempo.tracesToLogsV2, "tracesToLogsV2");
    assert.equal(logs.datasourceUid, "loki");
    assert.equal(logs.customQuery, true);
    // Structured metadata is not a stream label: it is filtered after the selector.
    assert.equal(
      unescapeProvisioning(text(logs.query, "tracesToLogsV2.query")),
      '{service_name="${__span.tags["service.name"]}"} | trace_id="${__trace.traceId}"',
    );
  });
  await t.step("log to trace follows the trace_id field into Tempo", () => {
    const fields = list(loki.derivedFields, "derivedFields").map((field) =>
      mapping(field, "derivedField")
    );
    assert.deepEqual(
      fields.map((field) => [field.matcherType, field.matcherRegex, field.datasourceUid]),
      [["label", "trace_id", "tempo"]],
    );
    assert.equal(unescapeProvisioning(text(fields[0]?.url, "url")), "${__value.raw}");
  });
  await t.step("exemplars open their trace in Tempo", () => {
    const destinations = list(prometheus.exemplarTraceIdDestinations, "exemplars").map((entry) =>
      mapping(entry, "destination")
    );
    assert.deepEqual(
      destinations.map((entry) => [entry.name, entry.datasourceUid]),
      [["traceID", "tempo"], ["trace_id", "tempo"]],
    );
  });
  await t.step("the service map and node graph read Prometheus", () => {
    assert.equal(dig(tempo, ["serviceMap", "datasourceUid"]), "prometheus");
    assert.equal(dig(tempo, ["nodeGraph", "enabled"]), true);
  });
  await t.step("trace to metrics queries what the service emits", () => {
    const queries = list(dig(tempo, ["tracesToMetrics", "queries"]), "queries").map((query) =>
      unescapeProvisioning(text(mapping(query, "query").query, "query"))
    );
    assert.ok(queries.length > 0);
    for (const query of queries) assert.deepEqual(promqlProblems(query, INSTRUMENTS), [], query);
  });
  await t.step("no ${...} is left for Grafana to replace from its environment", () => {
    assert.deepEqual(unescapedDollars(datasourcesText), []);
    assert.deepEqual(unescapedDollars('query: "${__trace.traceId}"'), ["${__trace"]);
  });
});

Deno.test("every metric the dashboard queries is one the service or Tempo emits", async (t) => {
  const queries = dashboardPromQL();
  await t.step("the dashboard has Prometheus queries", () => {
    assert.ok(queries.length >= 8, `${queries.length} queries`);
  });
  for (const query of queries) {
    await t.step(`known names in: ${query.replaceAll(/\s+/g, " ").slice(0, 80)}`, () => {
      assert.deepEqual(promqlProblems(query, INSTRUMENTS), []);
    });
  }
  await t.step("renaming an instrument breaks this check", () => {
    const renamed = INSTRUMENTS.map((instrument) =>
      instrument.name === "http.server.request.duration"
        ? { ...instrument, name: "http.server.duration" }
        : instrument
    );
    const problems = queries.flatMap((query) => promqlProblems(query, renamed));
    assert.ok(
      problems.includes('unknown metric "http_server_request_duration_seconds_bucket"'),
      JSON.stringify(problems),
    );
  });
  await t.step("dropping an attribute from an instrument breaks this check", () => {
    const trimmed = INSTRUMENTS.map((instrument) => ({
      ...instrument,
      attributes: instrument.attributes.filter((key) => key !== "http.route"),
    }));
    const problems = queries.flatMap((query) => promqlProblems(query, trimmed));
    assert.ok(problems.includes('unknown label "http_route"'), JSON.stringify(problems));
  });
});

Deno.test("the dashboard shows requests, errors, latency, process health, logs and traces", async (t) => {
  const queries = dashboardPromQL().join("\n");
  for (
    const [what, needle] of [
      ["request rate", /rate\(http_server_request_duration_seconds_count\{/],
      ["error rate", /http_response_status_code=~"5\.\."/],
      ["latency percentiles by route", /histogram_quantile\(0\.99, sum by \(le, http_route\)/],
      ["active requests", /http_server_active_requests\{/],
      ["process memory", /process_memory_usage_bytes\{/],
      ["process CPU", /rate\(process_cpu_time_seconds_total\{/],
    ] as const
  ) {
    await t.step(`it queries ${what}`, () => assert.match(queries, needle));
  }
  await t.step("a logs panel reads the service's stream from Loki", () => {
    const logs = panels().filter((panel) => panel.type === "logs");
    assert.equal(logs.length, 1);
    assert.equal(dig(logs[0], ["datasource", "uid"]), "loki");
    const target = mapping(list(logs[0]?.targets, "targets")[0], "target");
    assert.equal(target.expr, '{service_name="$service"}');
  });
  await t.step("a traces panel searches Tempo for the service", () => {
    const traces = panels().filter((panel) => dig(panel, ["datasource", "uid"]) === "tempo");
    assert.equal(traces.length, 1);
    const target = mapping(list(traces[0]?.targets, "targets")[0], "target");
    assert.equal(target.queryType, "traceql");
    assert.equal(target.query, '{resource.service.name="$service"}');
  });
  await t.step("the service variable defaults to greet-api", () => {
    const variable = mapping(
      list(dig(dashboard, ["templating", "list"]), "templating.list")[0],
      "variable",
    );
    assert.equal(variable.name, "service");
    assert.equal(dig(variable, ["current", "value"]), "greet-api");
  });
  await t.step("the service variable picks only series pushed over OTLP", () => {
    // Alloy's own http_server_request_duration_seconds is scraped and has no
    // service_name; Prometheus copies service.name onto pushed series only
    // because prometheus.yaml promotes it (stack_e2e_test.ts runs it for real).
    const { selector, label } = variableQuery(dashboard, "service");
    assert.equal(label, "job");
    assert.match(selector, /\{service_name!=""\}$/);
    const promoted = list(
      dig(prometheusConfig, ["otlp", "promote_resource_attributes"]),
      "otlp.promote_resource_attributes",
    );
    assert.ok(promoted.includes("service.name"), "prometheus.yaml must promote service.name");
  });
});

Deno.test("Grafana loads the dashboard folder compose mounts", async () => {
  const provider = mapping(
    list(
      dig(await readYaml("grafana/provisioning/dashboards/dashboards.yaml"), ["providers"]),
      "providers",
    )[0],
    "provider",
  );
  const grafana = mapping(composeServices(compose).get("grafana"), "grafana");
  const mount = bindMounts(grafana, "grafana").find((entry) =>
    entry.source === "./grafana/dashboards"
  );
  assert.equal(dig(provider, ["options", "path"]), mount?.target);
  assert.equal(mapping(dashboard, DASHBOARD).uid, "greet-api");
});
