import assert from "node:assert/strict";
import { findTool } from "../testing/external_tool.ts";
import { composeServices, namedVolumes, publishedPorts } from "../testing/stack/compose_model.ts";
import { parseDuration } from "../testing/stack/duration.ts";
import { dig, list, mapping, text } from "../testing/stack/narrow.ts";
import { findRemovedKeys, type RemovedKey } from "../testing/stack/removed_keys.ts";
import { parseYaml, readYaml, repoPath } from "../testing/stack/yaml_file.ts";
import { type CommandResult, runCommand } from "../testing/run_command.ts";

const CONFIG = "tempo/tempo.yaml";
const configText = await Deno.readTextFile(repoPath(CONFIG));
const config = parseYaml(configText);
const compose = await readYaml("compose.yaml");
const tempoService = mapping(composeServices(compose).get("tempo"), "services.tempo");

/**
 * Keys Tempo 3.0 removed; a config that still has them makes Tempo 3 refuse
 * to start. From the v3.0.0 section of grafana/tempo's CHANGELOG.md and its
 * example/docker-compose/migrate-to-3 notes.
 */
const TEMPO_3_REMOVED: readonly RemovedKey[] = [
  { path: "ingester", removedBy: "ingesters removed (grafana/tempo#6504, #6959)" },
  { path: "ingester_client", removedBy: "remaining ingester config removed (grafana/tempo#6667)" },
  {
    path: "compactor",
    removedBy: "compactor removed with v2 blocks (grafana/tempo#6273); " +
      "retention is backend_worker.compaction.block_retention",
  },
  {
    path: "metrics_generator_client",
    removedBy: "no generator client in 3.0 (grafana/tempo example/docker-compose/migrate-to-3)",
  },
  { path: "querier.query_live_store", removedBy: "removed in grafana/tempo#7048" },
  {
    path: "query_frontend.search.query_ingesters_until",
    removedBy: "replaced by query_backend_after (grafana/tempo#6507)",
  },
  { path: "ingest.enabled", removedBy: "removed in grafana/tempo#6873" },
  {
    path: "metrics_generator.processor.local_blocks",
    removedBy: "local-blocks processor removed (grafana/tempo#6555)",
  },
];

/** The scoped (3.x) overrides keys; anything else under `overrides` is the flat 2.x form. */
const SCOPED_OVERRIDES_KEYS = [
  "defaults",
  "per_tenant_override_config",
  "per_tenant_override_period",
  "user_configurable_overrides",
  "enable_legacy_overrides",
];

/** Everything in a Tempo config that Tempo 3 rejects. */
function tempo3Rejects(document: unknown): string[] {
  const problems = findRemovedKeys(document, TEMPO_3_REMOVED).map((found) =>
    `${found.at}: ${found.removedBy}`
  );
  const overrides = dig(document, ["overrides"]);
  if (overrides !== undefined) {
    for (const key of Object.keys(mapping(overrides, "overrides"))) {
      if (!SCOPED_OVERRIDES_KEYS.includes(key)) {
        problems.push(
          `overrides.${key}: flat overrides are refused by default (grafana/tempo#6741)`,
        );
      }
    }
    if (dig(document, ["overrides", "enable_legacy_overrides"]) === true) {
      problems.push("overrides.enable_legacy_overrides: a stop-gap that a later release removes");
    }
  }
  if (dig(document, ["target"]) === "scalable-single-binary") {
    problems.push("target: scalable-single-binary was removed (grafana/tempo#6283)");
  }
  const blockVersion = dig(document, ["storage", "trace", "block", "version"]);
  if (["v2", "vParquet2", "vParquet3"].includes(String(blockVersion))) {
    problems.push(`storage.trace.block.version: ${blockVersion} is gone in 3.0 (#6198, #6071)`);
  }
  return problems;
}

const tempoBin = findTool({
  env: "TEMPO_BIN",
  requiredInCi: false,
  hint: "set TEMPO_BIN to a Tempo 3 binary to have it verify tempo/tempo.yaml",
});

Deno.test("the Tempo config has none of the keys Tempo 3 removed", async (t) => {
  await t.step("the committed config is clean", () => {
    assert.deepEqual(tempo3Rejects(config), []);
  });
  await t.step("a 2.x compactor block is caught", () => {
    const broken = mapping(structuredClone(config), "copy");
    broken.compactor = { compaction: { block_retention: "48h" } };
    assert.deepEqual(tempo3Rejects(broken).map((problem) => problem.split(":")[0]), [
      "compactor",
    ]);
  });
  await t.step("flat 2.x overrides are caught", () => {
    const broken = mapping(structuredClone(config), "copy");
    broken.overrides = { metrics_generator_processors: ["service-graphs"] };
    assert.deepEqual(tempo3Rejects(broken).map((problem) => problem.split(":")[0]), [
      "overrides.metrics_generator_processors",
    ]);
  });
});

Deno.test("Tempo receives from Alloy, writes to its volume and feeds Prometheus", async (t) => {
  const volumeTarget = [...namedVolumes(tempoService, "tempo").values()][0] ?? "";
  await t.step("it runs as a single binary", () => {
    assert.equal(dig(config, ["target"]), "all");
  });
  await t.step("its OTLP receivers listen on every interface of the container", () => {
    for (const protocol of ["grpc", "http"]) {
      const endpoint = text(
        dig(config, ["distributor", "receivers", "otlp", "protocols", protocol, "endpoint"]),
        protocol,
      );
      assert.match(endpoint, /^0\.0\.0\.0:\d+$/);
    }
  });
  await t.step("every path it writes is inside the tempo-data volume", () => {
    const paths = [
      dig(config, ["storage", "trace", "wal", "path"]),
      dig(config, ["storage", "trace", "local", "path"]),
      dig(config, ["metrics_generator", "storage", "path"]),
    ].map((path) => text(path, "path"));
    assert.equal(volumeTarget, "/var/tempo");
    for (const path of paths) assert.ok(path.startsWith(`${volumeTarget}/`), path);
    assert.equal(dig(config, ["storage", "trace", "backend"]), "local");
  });
  await t.step("its HTTP port is the one compose publishes on loopback", () => {
    const port = dig(config, ["server", "http_listen_port"]);
    assert.deepEqual(publishedPorts(tempoService, "tempo"), [
      { hostIp: "127.0.0.1", hostPort: port, containerPort: port },
    ]);
  });
  await t.step("the metrics-generator remote-writes with exemplars to Prometheus", () => {
    const remoteWrite = list(
      dig(config, ["metrics_generator", "storage", "remote_write"]),
      "remote_write",
    );
    assert.equal(remoteWrite.length, 1);
    const target = mapping(remoteWrite[0], "remote_write[0]");
    assert.equal(target.url, "http://prometheus:9090/api/v1/write");
    assert.equal(target.send_exemplars, true);
    assert.deepEqual(
      dig(config, ["overrides", "defaults", "metrics_generator", "processors"]),
      ["service-graphs", "span-metrics"],
    );
  });
  await t.step("retention is bounded and outlives the block-list poll", () => {
    const retention = parseDuration(
      dig(config, ["backend_worker", "compaction", "block_retention"]),
    );
    const poll = parseDuration(dig(config, ["storage", "trace", "blocklist_poll"]) ?? "5m");
    assert.equal(retention, parseDuration("72h"));
    assert.ok(retention > poll);
  });
});

Deno.test("an idle Tempo stays quiet at log_level warn", async (t) => {
  await t.step("its own gRPC addresses are spelled out, so it does not guess them at start", () => {
    const own = `127.0.0.1:${dig(config, ["server", "grpc_listen_port"])}`;
    assert.equal(dig(config, ["backend_worker", "backend_scheduler_addr"]), own);
    assert.equal(dig(config, ["querier", "frontend_worker", "frontend_address"]), own);
  });
  await t.step(
    "a worker waits an hour for a job, not 15 s, before Tempo logs the empty wait",
    () => {
      // Each empty wait is a warning plus an error: 16 lines in 6 idle minutes
      // with the 15 s default, none with 1h (measured with Tempo 3.0.3).
      const timeout = parseDuration(dig(config, ["backend_scheduler", "job_timeout"]));
      assert.ok(timeout >= parseDuration("1h"), `job_timeout ${timeout} ms`);
    },
  );
});

function tempoVerify(path: string): Promise<CommandResult> {
  return runCommand(tempoBin.path ?? "tempo", [`-config.file=${path}`, "-config.verify=true"]);
}

Deno.test({
  name: "Tempo itself accepts the config and rejects a 2.x block",
  ignore: !tempoBin.path,
  fn: async (t) => {
    await t.step("tempo -config.verify passes on the committed config", async () => {
      const result = await tempoVerify(repoPath(CONFIG));
      assert.ok(result.success, result.output);
    });
    await t.step("tempo -config.verify fails once an ingester block is added", async () => {
      const dir = await Deno.makeTempDir({ prefix: "tempo-config-" });
      try {
        const broken = `${dir}/tempo.yaml`;
        await Deno.writeTextFile(broken, `${configText}\ningester:\n  max_block_duration: 5m\n`);
        const result = await tempoVerify(broken);
        assert.equal(result.success, false, result.output);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
});
