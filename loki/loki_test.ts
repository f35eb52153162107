import assert from "node:assert/strict";
import { findLoki } from "../testing/backends/loki.ts";
import { composeServices, namedVolumes, publishedPorts } from "../testing/stack/compose_model.ts";
import { parseDuration } from "../testing/stack/duration.ts";
import { dig, list, mapping, text } from "../testing/stack/narrow.ts";
import { findRemovedKeys, type RemovedKey } from "../testing/stack/removed_keys.ts";
import { parseYaml, readYaml, repoPath } from "../testing/stack/yaml_file.ts";
import { type CommandResult, runCommand } from "../testing/run_command.ts";

const CONFIG = "loki/loki.yaml";
const configText = await Deno.readTextFile(repoPath(CONFIG));
const config = parseYaml(configText);
const lokiService = mapping(composeServices(await readYaml("compose.yaml")).get("loki"), "loki");

/**
 * Keys Loki 3.0 removed; Loki 3 refuses a config that has any of them. From
 * the "3.0.0" section of grafana/loki docs/sources/setup/upgrade/_index.md.
 */
const LOKI_3_REMOVED: readonly RemovedKey[] = [
  { path: "storage_config.*.shared_store", removedBy: "shared_store removed from shippers" },
  {
    path: "storage_config.*.shared_store_key_prefix",
    removedBy: "use period_config.index.path_prefix",
  },
  { path: "compactor.shared_store", removedBy: "compactor uses every period's object_store" },
  { path: "compactor.shared_store_key_prefix", removedBy: "removed with shared_store" },
  { path: "compactor.deletion_mode", removedBy: "moved to limits_config.deletion_mode" },
  { path: "ingester.max_transfer_retries", removedBy: "replaced by the WAL" },
  {
    path: "storage_config.tsdb_shipper.use_boltdb_shipper_as_backup",
    removedBy: "TSDB development remnant",
  },
  {
    path: "chunk_store_config.max_look_back_period",
    removedBy: "use limits_config.max_query_lookback",
  },
  { path: "querier.engine.timeout", removedBy: "removed deprecated option" },
  { path: "querier.query_timeout", removedBy: "moved to limits_config.query_timeout" },
  { path: "storage_config.aws.sse_encryption", removedBy: "use sse.type" },
  {
    path: "query_range.split_queries_by_interval",
    removedBy: "moved to limits_config.split_queries_by_interval",
  },
  { path: "frontend.forward_headers_list", removedBy: "removed deprecated option" },
  { path: "frontend_worker.parallelism", removedBy: "use querier.max_concurrent" },
  { path: "ruler.evaluation_delay_duration", removedBy: "removed deprecated option" },
  { path: "limits_config.enforce_metric_name", removedBy: "removed deprecated option" },
  { path: "**.async_cache_write_back_concurrency", removedBy: "use writeback_goroutines" },
  { path: "**.async_cache_write_back_buffer_size", removedBy: "use writeback_buffer" },
];

/** Everything in a Loki config that Loki 3 rejects or that breaks OTLP and retention. */
function loki3Problems(document: unknown): string[] {
  const problems = findRemovedKeys(document, LOKI_3_REMOVED).map((found) =>
    `${found.at}: removed in Loki 3.0: ${found.removedBy}`
  );
  const periods = list(dig(document, ["schema_config", "configs"]), "schema_config.configs");
  const active = mapping(periods.at(-1), "schema_config.configs[-1]");
  if (active.store !== "tsdb" || active.schema !== "v13") {
    problems.push(
      "schema_config: the active period must be tsdb with schema v13 for structured metadata",
    );
  }
  if (dig(active, ["index", "period"]) !== "24h") {
    problems.push("schema_config: retention needs a 24h index period");
  }
  if (dig(document, ["limits_config", "allow_structured_metadata"]) === false) {
    problems.push("limits_config.allow_structured_metadata: OTLP ingestion needs it");
  }
  if (dig(document, ["compactor", "retention_enabled"]) === true) {
    if (!dig(document, ["compactor", "delete_request_store"])) {
      problems.push("compactor.delete_request_store: required in Loki 3 when retention is on");
    }
  }
  return problems;
}

// .ci/build-loki builds it, so CI must have it.
const lokiBin = findLoki();

Deno.test("the Loki config suits Loki 3 with OTLP logs", async (t) => {
  await t.step("the committed config has no removed key and the right schema", () => {
    assert.deepEqual(loki3Problems(config), []);
  });
  await t.step("a 2.x shared_store is caught", () => {
    const broken = mapping(structuredClone(config), "copy");
    broken.storage_config = { tsdb_shipper: { shared_store: "filesystem" } };
    assert.deepEqual(loki3Problems(broken), [
      "storage_config.tsdb_shipper.shared_store: removed in Loki 3.0: shared_store removed from shippers",
    ]);
  });
  await t.step("a v12 schema, which cannot hold structured metadata, is caught", () => {
    const broken = mapping(structuredClone(config), "copy");
    const period = mapping(list(dig(broken, ["schema_config", "configs"]), "configs")[0], "period");
    period.schema = "v12";
    assert.deepEqual(loki3Problems(broken), [
      "schema_config: the active period must be tsdb with schema v13 for structured metadata",
    ]);
  });
  await t.step("retention without delete_request_store is caught", () => {
    const broken = mapping(structuredClone(config), "copy");
    delete mapping(broken.compactor, "compactor").delete_request_store;
    assert.deepEqual(loki3Problems(broken), [
      "compactor.delete_request_store: required in Loki 3 when retention is on",
    ]);
  });
});

Deno.test("only service-wide resource attributes become Loki index labels", () => {
  // Loki's built-in list also indexes service.instance.id (new every start)
  // and deployment.environment.name; ignore_defaults replaces it. What no rule
  // names becomes structured metadata (stack_e2e_test.ts checks it for real).
  const resource = dig(config, ["limits_config", "otlp_config", "resource_attributes"]);
  assert.equal(dig(resource, ["ignore_defaults"]), true);
  const rules = list(dig(resource, ["attributes_config"]), "attributes_config").map((rule) =>
    mapping(rule, "attributes_config[]")
  );
  const indexed = rules.filter((rule) => rule.action === "index_label").flatMap((rule) =>
    list(rule.attributes, "attributes").map(String)
  );
  assert.deepEqual(indexed, ["service.name", "service.namespace"]);
  assert.ok(rules.every((rule) => rule.regex === undefined), "a regex could index more");
});

Deno.test("Loki keeps a bounded history on its volume", async (t) => {
  await t.step("retention is on, at 7 days", () => {
    assert.equal(dig(config, ["compactor", "retention_enabled"]), true);
    assert.equal(parseDuration(dig(config, ["limits_config", "retention_period"])), 7 * 86_400_000);
  });
  await t.step("every path is inside the loki-data volume", () => {
    const target = [...namedVolumes(lokiService, "loki").values()][0];
    assert.equal(target, "/loki");
    for (
      const path of [
        dig(config, ["common", "path_prefix"]),
        dig(config, ["common", "storage", "filesystem", "chunks_directory"]),
        dig(config, ["compactor", "working_directory"]),
      ]
    ) {
      assert.ok(text(path, "path") === target || text(path, "path").startsWith(`${target}/`));
    }
  });
  await t.step("its HTTP port is the one compose publishes on loopback", () => {
    const port = dig(config, ["server", "http_listen_port"]);
    assert.deepEqual(publishedPorts(lokiService, "loki"), [
      { hostIp: "127.0.0.1", hostPort: port, containerPort: port },
    ]);
  });
});

function lokiVerify(path: string): Promise<CommandResult> {
  return runCommand(lokiBin.path ?? "loki", [`-config.file=${path}`, "-verify-config"]);
}

Deno.test({
  name: "Loki itself accepts the config and rejects a removed key",
  ignore: !lokiBin.path,
  fn: async (t) => {
    await t.step("loki -verify-config passes on the committed config", async () => {
      const result = await lokiVerify(repoPath(CONFIG));
      assert.ok(result.success, result.output);
    });
    await t.step("loki -verify-config fails on a Loki 2 compactor key", async () => {
      const dir = await Deno.makeTempDir({ prefix: "loki-config-" });
      try {
        const broken = `${dir}/loki.yaml`;
        await Deno.writeTextFile(
          broken,
          configText.replace("compactor:\n", "compactor:\n  shared_store: filesystem\n"),
        );
        const result = await lokiVerify(broken);
        assert.equal(result.success, false, result.output);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
});
