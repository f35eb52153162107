import assert from "node:assert/strict";
import { findTool } from "../testing/external_tool.ts";
import {
  type AlloyBlock,
  envDefault,
  parseAlloy,
  references,
} from "../testing/stack/alloy_syntax.ts";
import { composeServices, publishedPorts } from "../testing/stack/compose_model.ts";
import { dig, list, type Mapping, mapping, text } from "../testing/stack/narrow.ts";
import { readYaml, repoPath } from "../testing/stack/yaml_file.ts";
import { type CommandResult, runCommand } from "../testing/run_command.ts";

const CONFIG = "alloy/config.alloy";
const configText = await Deno.readTextFile(repoPath(CONFIG));
const blocks = parseAlloy(configText);
const compose = await readYaml("compose.yaml");
const services = composeServices(compose);
const alloyService = mapping(services.get("alloy"), "services.alloy");
const tempoConfig = await readYaml("tempo/tempo.yaml");
const lokiConfig = await readYaml("loki/loki.yaml");

/** The top-level block `name "label"`, or an error naming it. */
function component(all: readonly AlloyBlock[], name: string, label: string): AlloyBlock {
  const found = all.find((block) => block.name === name && block.label === label);
  if (!found) throw new Error(`Cannot find ${name} "${label}" in ${CONFIG}`);
  return found;
}

/** The nested block `name` of a block, or an error naming it. */
function child(block: AlloyBlock, name: string): AlloyBlock {
  const found = block.blocks.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`Cannot find block "${name}" in ${block.name} "${block.label}"`);
  return found;
}

/** Where each signal leaving a component's `output` block goes. */
function outputs(block: AlloyBlock): Record<string, string[]> {
  const output = child(block, "output");
  return Object.fromEntries(
    [...output.attributes].map(([signal, expression]) => [signal, references(expression)]),
  );
}

/** References to components that the config does not define. */
function danglingReferences(all: readonly AlloyBlock[]): string[] {
  const defined = new Set(all.map((block) => `${block.name}.${block.label}.input`));
  return all.flatMap((block) =>
    block.blocks.some((nested) => nested.name === "output")
      ? Object.values(outputs(block)).flat().filter((target) => !defined.has(target))
      : []
  );
}

/** Blocks (at any depth) with no comment above them. */
function uncommentedBlocks(all: readonly AlloyBlock[]): string[] {
  return all.flatMap((block) => [
    ...(block.comment.trim() === "" ? [`${block.name} (line ${block.line})`] : []),
    ...uncommentedBlocks(block.blocks),
  ]);
}

/** The default and override variable of an exporter's `client.endpoint`. */
function exporterEndpoint(name: string, label: string): { env: string | undefined; url: URL } {
  const endpoint = envDefault(
    child(component(blocks, name, label), "client").attributes.get("endpoint") ?? "",
  );
  const withScheme = endpoint.fallback.includes("://")
    ? endpoint.fallback
    : `grpc://${endpoint.fallback}`;
  return { env: endpoint.env, url: new URL(withScheme) };
}

/** Mismatches between one exporter's default endpoint and the compose file. */
function endpointProblems(
  exporter: { env: string | undefined; url: URL },
  expected: { service: string; port: number; path: string },
  environment: Mapping,
): string[] {
  const problems: string[] = [];
  const { url } = exporter;
  if (url.hostname !== expected.service || !services.has(url.hostname)) {
    problems.push(`host "${url.hostname}" is not the compose service "${expected.service}"`);
  }
  if (Number(url.port) !== expected.port) {
    problems.push(`port ${url.port} is not ${expected.port}`);
  }
  if (url.pathname.replace(/^\/$/, "") !== expected.path) {
    problems.push(`path "${url.pathname}" is not "${expected.path}"`);
  }
  if (exporter.env === undefined) {
    problems.push("the endpoint cannot be overridden from the environment");
  } else if (environment[exporter.env] !== undefined) {
    const fromCompose = String(environment[exporter.env]);
    const fallback = url.protocol === "grpc:" ? url.host : url.href.replace(/\/$/, "");
    if (fromCompose !== fallback) {
      problems.push(`compose sets ${exporter.env}="${fromCompose}", the default is "${fallback}"`);
    }
  }
  return problems;
}

Deno.test("Alloy's OTLP receiver listens on the ports compose publishes", async (t) => {
  const receiver = component(blocks, "otelcol.receiver.otlp", "default");
  const grpc = envDefault(child(receiver, "grpc").attributes.get("endpoint") ?? "").fallback;
  const http = envDefault(child(receiver, "http").attributes.get("endpoint") ?? "").fallback;
  await t.step("gRPC on 4317 and HTTP on 4318, on every interface", () => {
    assert.equal(grpc, "0.0.0.0:4317");
    assert.equal(http, "0.0.0.0:4318");
  });
  await t.step("the host publishes 4317 as is and 4319 onto 4318", () => {
    const ports = publishedPorts(alloyService, "alloy");
    const toContainer = (host: number): number | undefined =>
      ports.find((port) => port.hostPort === host && port.hostIp === "")?.containerPort;
    assert.equal(toContainer(4317), Number(grpc.split(":")[1]));
    assert.equal(toContainer(4319), Number(http.split(":")[1]));
  });
  await t.step("usage reporting to Grafana is off", () => {
    const command = list(alloyService.command, "alloy command").map(String);
    assert.ok(command.includes("--disable-reporting"), command.join(" "));
  });
  await t.step("the UI listens on 12345, published on loopback only", () => {
    const command = list(alloyService.command, "alloy command").map(String);
    assert.ok(command.includes("--server.http.listen-addr=0.0.0.0:12345"));
    assert.ok(
      publishedPorts(alloyService, "alloy").some((port) =>
        port.hostIp === "127.0.0.1" && port.hostPort === 12345 && port.containerPort === 12345
      ),
    );
  });
});

Deno.test("Alloy routes every signal through the memory limiter and batcher to its backend", async (t) => {
  await t.step("receiver -> memory_limiter for all three signals", () => {
    const target = ["otelcol.processor.memory_limiter.default.input"];
    assert.deepEqual(outputs(component(blocks, "otelcol.receiver.otlp", "default")), {
      metrics: target,
      logs: target,
      traces: target,
    });
  });
  await t.step("memory_limiter -> batch for all three signals", () => {
    const target = ["otelcol.processor.batch.default.input"];
    assert.deepEqual(outputs(component(blocks, "otelcol.processor.memory_limiter", "default")), {
      metrics: target,
      logs: target,
      traces: target,
    });
  });
  await t.step("batch -> traces to Tempo, logs to Loki, metrics to Prometheus", () => {
    assert.deepEqual(outputs(component(blocks, "otelcol.processor.batch", "default")), {
      metrics: ["otelcol.exporter.otlphttp.prometheus.input"],
      logs: ["otelcol.exporter.otlphttp.loki.input"],
      traces: ["otelcol.exporter.otlp.tempo.input"],
    });
  });
  await t.step("every referenced component exists", () => {
    assert.deepEqual(danglingReferences(blocks), []);
  });
  await t.step("a reference to a missing exporter is caught", () => {
    const broken = parseAlloy(
      configText.replace("otelcol.exporter.otlphttp.loki.input", "otelcol.exporter.loki.x.input"),
    );
    assert.deepEqual(danglingReferences(broken), ["otelcol.exporter.loki.x.input"]);
  });
});

Deno.test("Alloy's exporter targets agree with compose.yaml's services and ports", async (t) => {
  const environment = mapping(alloyService.environment, "services.alloy.environment");
  const prometheusCommand = list(services.get("prometheus")?.command, "prometheus command");
  const tempoGrpc = text(
    dig(tempoConfig, ["distributor", "receivers", "otlp", "protocols", "grpc", "endpoint"]),
    "tempo grpc endpoint",
  );
  const expectations = [
    {
      what: "traces go to Tempo's OTLP gRPC receiver",
      exporter: exporterEndpoint("otelcol.exporter.otlp", "tempo"),
      expected: { service: "tempo", port: Number(tempoGrpc.split(":").at(-1)), path: "" },
    },
    {
      what: "logs go to Loki's native OTLP endpoint",
      exporter: exporterEndpoint("otelcol.exporter.otlphttp", "loki"),
      expected: {
        service: "loki",
        port: Number(dig(lokiConfig, ["server", "http_listen_port"])),
        path: "/otlp",
      },
    },
    {
      what: "metrics go to Prometheus's OTLP receiver",
      exporter: exporterEndpoint("otelcol.exporter.otlphttp", "prometheus"),
      expected: { service: "prometheus", port: 9090, path: "/api/v1/otlp" },
    },
  ];
  for (const { what, exporter, expected } of expectations) {
    await t.step(what, () => {
      assert.deepEqual(endpointProblems(exporter, expected, environment), []);
    });
  }
  await t.step("Prometheus is started with its OTLP receiver on", () => {
    assert.ok(prometheusCommand.includes("--web.enable-otlp-receiver"));
  });
  await t.step("a wrong port or a compose override that disagrees is caught", () => {
    const exporter = { env: "TEMPO_OTLP_GRPC_ENDPOINT", url: new URL("grpc://tempo:4318") };
    assert.deepEqual(
      endpointProblems(exporter, { service: "tempo", port: 4317, path: "" }, environment),
      [
        "port 4318 is not 4317",
        'compose sets TEMPO_OTLP_GRPC_ENDPOINT="tempo:4317", the default is "tempo:4318"',
      ],
    );
  });
});

Deno.test("every block in the Alloy config has a comment above it", async (t) => {
  await t.step("the committed config has none without", () => {
    assert.deepEqual(uncommentedBlocks(blocks), []);
  });
  await t.step("removing a comment is caught", () => {
    const broken = parseAlloy(
      configText.replace(/^[\t ]*\/\/ Plain text: both containers are on the same host\.\n/m, ""),
    );
    assert.deepEqual(uncommentedBlocks(broken), ["tls (line 90)"]);
  });
});

const alloyBin = findTool({
  env: "ALLOY_BIN",
  requiredInCi: false,
  hint: "set ALLOY_BIN to an Alloy binary to have `alloy validate` check alloy/config.alloy",
});

function alloy(args: string[]): Promise<CommandResult> {
  return runCommand(alloyBin.path ?? "alloy", args);
}

Deno.test({
  name: "Alloy itself validates the config and finds it formatted",
  ignore: !alloyBin.path,
  fn: async (t) => {
    await t.step("alloy validate passes", async () => {
      const result = await alloy(["validate", repoPath(CONFIG)]);
      assert.ok(result.success, result.output);
    });
    await t.step("alloy fmt leaves the file unchanged", async () => {
      const result = await alloy(["fmt", repoPath(CONFIG)]);
      assert.ok(result.success, result.output);
      assert.equal(result.output.trimEnd(), configText.trimEnd());
    });
    await t.step("alloy validate fails on an unknown attribute", async () => {
      const dir = await Deno.makeTempDir({ prefix: "alloy-config-" });
      try {
        const broken = `${dir}/config.alloy`;
        await Deno.writeTextFile(
          broken,
          configText.replace('timeout         = "5s"', 'timeout_after   = "5s"'),
        );
        const result = await alloy(["validate", broken]);
        assert.equal(result.success, false, result.output);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
});
