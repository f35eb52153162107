import assert from "node:assert/strict";
import { findTool } from "../testing/external_tool.ts";
import { composeServices } from "../testing/stack/compose_model.ts";
import { dig, list, mapping, text } from "../testing/stack/narrow.ts";
import { parseYaml, readYaml, repoPath } from "../testing/stack/yaml_file.ts";
import { type CommandResult, runCommand } from "../testing/run_command.ts";

const CONFIG = "prometheus/prometheus.yaml";
const configText = await Deno.readTextFile(repoPath(CONFIG));
const config = parseYaml(configText);
const services = composeServices(await readYaml("compose.yaml"));

const promtool = findTool({
  env: "PROMTOOL_BIN",
  command: "promtool",
  hint: "run .ci/build-prometheus, which builds promtool 3.x from the Go module proxy, " +
    "and export the PROMTOOL_BIN it prints",
});

function promtoolCheckConfig(path: string): Promise<CommandResult> {
  return runCommand(promtool.path ?? "promtool", ["check", "config", path]);
}

Deno.test({
  name: "promtool check config accepts the Prometheus config",
  ignore: !promtool.path,
  fn: async (t) => {
    await t.step("promtool is version 3 or newer", async () => {
      const result = await runCommand(promtool.path ?? "promtool", ["--version"]);
      const version = /version (\d+)\.(\d+)/.exec(result.stdout);
      assert.ok(
        version && Number(version[1]) >= 3,
        `promtool at "${promtool.path}" is older than 3.0 and rejects the otlp and ` +
          `storage.tsdb.retention sections: set PROMTOOL_BIN to the one .ci/build-prometheus builds`,
      );
    });
    await t.step("the committed config passes", async () => {
      const result = await promtoolCheckConfig(repoPath(CONFIG));
      assert.ok(result.success, result.output);
    });
    await t.step("a misspelt key fails the same check", async () => {
      const dir = await Deno.makeTempDir({ prefix: "prometheus-config-" });
      try {
        const broken = `${dir}/prometheus.yaml`;
        await Deno.writeTextFile(broken, configText.replace("retention:", "retention_policy:"));
        const result = await promtoolCheckConfig(broken);
        assert.equal(result.success, false, result.output);
        assert.match(result.output, /retention_policy/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
});

Deno.test("Prometheus scrapes every backend at the port it listens on", async (t) => {
  const scrapeConfigs = list(mapping(config, CONFIG).scrape_configs, "scrape_configs");
  const targets = new Map<string, string[]>();
  for (const [index, entry] of scrapeConfigs.entries()) {
    const job = mapping(entry, `scrape_configs[${index}]`);
    const staticTargets = list(job.static_configs, "static_configs").flatMap((group) =>
      list(mapping(group, "static_configs[]").targets, "targets").map(String)
    );
    targets.set(text(job.job_name, "job_name"), staticTargets);
  }
  // Where each service serves /metrics, read from its own config.
  const tempo = await readYaml("tempo/tempo.yaml");
  const loki = await readYaml("loki/loki.yaml");
  const alloyListen = list(dig(services.get("alloy"), ["command"]), "alloy command").map(String)
    .find((argument) => argument.startsWith("--server.http.listen-addr="));
  const expected = new Map<string, string[]>([
    ["prometheus", ["localhost:9090"]],
    ["alloy", [`alloy:${alloyListen?.split(":").at(-1)}`]],
    ["tempo", [`tempo:${dig(tempo, ["server", "http_listen_port"])}`]],
    ["loki", [`loki:${dig(loki, ["server", "http_listen_port"])}`]],
    ["grafana", ["grafana:3000"]],
  ]);
  await t.step("there is one job per compose service", () => {
    assert.deepEqual([...targets.keys()].sort(), [...services.keys()].sort());
  });
  for (const [job, want] of expected) {
    await t.step(`job ${job} scrapes ${want.join(", ")}`, () => {
      assert.deepEqual(targets.get(job), want);
    });
  }
});

Deno.test("Prometheus accepts pushed metrics and bounds what it keeps", async (t) => {
  const command = list(dig(services.get("prometheus"), ["command"]), "prometheus command").map(
    String,
  );
  await t.step("compose starts it with the OTLP and remote-write receivers and exemplars", () => {
    for (
      const flag of [
        "--web.enable-otlp-receiver",
        "--web.enable-remote-write-receiver",
        "--enable-feature=exemplar-storage",
        "--config.file=/etc/prometheus/prometheus.yaml",
      ]
    ) {
      assert.ok(command.includes(flag), `missing ${flag}`);
    }
  });
  await t.step("retention is bounded by both time and size", () => {
    assert.equal(dig(config, ["storage", "tsdb", "retention", "time"]), "15d");
    assert.equal(dig(config, ["storage", "tsdb", "retention", "size"]), "1GiB");
  });
  await t.step("OTLP names keep their unit and _total suffixes", () => {
    assert.equal(dig(config, ["otlp", "translation_strategy"]), "UnderscoreEscapingWithSuffixes");
  });
  await t.step("late OTLP samples are accepted", () => {
    assert.ok(dig(config, ["storage", "tsdb", "out_of_order_time_window"]));
  });
});
