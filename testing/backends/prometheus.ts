/**
 * Runs the real Prometheus (`PROMETHEUS_BIN`, built by `.ci/build-prometheus`)
 * with the shipped prometheus/prometheus.yaml and compose.yaml's flags and
 * environment: the
 * config and data paths moved into a temporary directory, the listen address
 * a free loopback port, and the scrape targets pointed at where the test's
 * processes listen. Nothing else is changed.
 *
 * @module
 */
import { stringify } from "yaml";
import { findTool, type FoundTool } from "../external_tool.ts";
import { freePort } from "../free_port.ts";
import { composeServices, serviceEnvironment } from "../stack/compose_model.ts";
import { dig, list, mapping, text } from "../stack/narrow.ts";
import { readYaml } from "../stack/yaml_file.ts";
import { BackendProcess, inFreshDir } from "./backend_process.ts";
import { withValue } from "./config_edit.ts";

/** Locates Prometheus from `PROMETHEUS_BIN`; required under CI. */
export function findPrometheus(): FoundTool {
  return findTool({
    env: "PROMETHEUS_BIN",
    hint: "run .ci/build-prometheus, which builds Prometheus 3.14.0 from the Go module proxy, " +
      "and export the PROMETHEUS_BIN it prints",
  });
}

/** Options for {@linkcode Prometheus.start}. */
export interface PrometheusOptions {
  readonly bin: string;
  /** The parsed config to start from; defaults to the shipped prometheus/prometheus.yaml. */
  readonly config?: unknown;
  /**
   * `host:port` to scrape per job name instead of the compose host names;
   * the `prometheus` job always scrapes this Prometheus. Other jobs keep
   * their shipped targets (which do not resolve here: those scrapes fail).
   */
  readonly scrapeTargets?: Readonly<Record<string, string>>;
}

/** A running Prometheus. */
export class Prometheus {
  /** Base URL of its HTTP API. */
  readonly url: string;
  /** The config it runs. */
  readonly config: unknown;
  /** The config it started from. */
  readonly original: unknown;
  /** Its command line after the binary. */
  readonly args: readonly string[];
  /** compose.yaml's command line for it. */
  readonly composeArgs: readonly string[];
  readonly dir: string;
  readonly process: BackendProcess;

  private constructor(fields: Omit<Prometheus, "stop" | "query" | "labelValues">) {
    this.url = fields.url;
    this.config = fields.config;
    this.original = fields.original;
    this.args = fields.args;
    this.composeArgs = fields.composeArgs;
    this.dir = fields.dir;
    this.process = fields.process;
  }

  /** Starts Prometheus on a free port with a fresh data directory; resolves once `/-/ready` is 200. */
  static async start(options: PrometheusOptions): Promise<Prometheus> {
    const original = options.config ?? await readYaml("prometheus/prometheus.yaml");
    const service = composeServices(await readYaml("compose.yaml")).get("prometheus");
    const composeArgs = list(dig(service, ["command"]), "services.prometheus.command").map(String);
    return await inFreshDir("prometheus-", async (dir) => {
      const port = freePort();
      const targets: Record<string, string> = {
        ...options.scrapeTargets,
        prometheus: `127.0.0.1:${port}`,
      };
      let config = original;
      const jobs = list(mapping(original, "prometheus.yaml").scrape_configs, "scrape_configs");
      for (const [index, job] of jobs.entries()) {
        const name = text(mapping(job, `scrape_configs[${index}]`).job_name, "job_name");
        const target = targets[name];
        if (target === undefined) continue;
        config = withValue(
          config,
          ["scrape_configs", index, "static_configs", 0, "targets", 0],
          target,
        );
      }
      const configFile = `${dir}/prometheus.yaml`;
      await Deno.writeTextFile(configFile, stringify(config));
      const args = [
        ...composeArgs.map((arg) => {
          if (arg.startsWith("--config.file=")) return `--config.file=${configFile}`;
          if (arg.startsWith("--storage.tsdb.path=")) return `--storage.tsdb.path=${dir}/data`;
          return arg;
        }),
        `--web.listen-address=127.0.0.1:${port}`,
      ];
      const process = await BackendProcess.start({
        name: "Prometheus",
        bin: options.bin,
        args,
        readyUrl: `http://127.0.0.1:${port}/-/ready`,
        cwd: dir,
        env: serviceEnvironment(mapping(service, "prometheus"), "prometheus"),
      });
      return new Prometheus({
        url: `http://127.0.0.1:${port}`,
        config,
        original,
        args,
        composeArgs,
        dir,
        process,
      });
    });
  }

  /** Runs an instant PromQL query; resolves with `data.result` (throws on a non-success answer). */
  async query(expr: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query`, {
      method: "POST",
      body: new URLSearchParams({ query: expr }),
    });
    const body: unknown = await response.json();
    const data = mapping(body, "query answer");
    if (response.status !== 200 || data.status !== "success") {
      throw new Error(
        `Prometheus refused ${expr}: HTTP ${response.status}: ${JSON.stringify(body)}`,
      );
    }
    return list(mapping(data.data, "data").result, "data.result") as PromSample[];
  }

  /**
   * `GET /api/v1/label/<label>/values?match[]=<selector>` over the last hour:
   * what Grafana asks for a `label_values(<selector>, <label>)` variable.
   */
  async labelValues(label: string, selector: string): Promise<string[]> {
    const end = Date.now() / 1000;
    const params = new URLSearchParams({
      "match[]": selector,
      start: String(end - 3_600),
      end: String(end),
    });
    const response = await fetch(`${this.url}/api/v1/label/${label}/values?${params}`);
    const body: unknown = await response.json();
    if (response.status !== 200) {
      throw new Error(
        `Prometheus refused label_values(${selector}, ${label}): ${JSON.stringify(body)}`,
      );
    }
    return list(mapping(body, "label values answer").data, "data").map(String);
  }

  /** Stops Prometheus, removes its directory and resolves with its output. */
  async stop(): Promise<string> {
    const output = await this.process.stop();
    await Deno.remove(this.dir, { recursive: true });
    return output;
  }
}

/** One series of an instant query's vector result. */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}
