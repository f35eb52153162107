/**
 * Runs the real Loki (`LOKI_BIN`, built by `.ci/build-loki`) with the shipped
 * loki/loki.yaml and compose.yaml's arguments and environment, its paths moved
 * into a temporary directory and its ports replaced by free ones: nothing
 * else is changed.
 *
 * @module
 */
import { findTool, type FoundTool } from "../external_tool.ts";
import { freePort } from "../free_port.ts";
import { dig, list, mapping } from "../stack/narrow.ts";
import { composeServices, serviceEnvironment } from "../stack/compose_model.ts";
import { readYaml } from "../stack/yaml_file.ts";
import { BackendProcess, inFreshDir } from "./backend_process.ts";
import { withPathsMoved, withValue } from "./config_edit.ts";
import { stringify } from "yaml";

/** Locates Loki from `LOKI_BIN`; required under CI. */
export function findLoki(): FoundTool {
  return findTool({
    env: "LOKI_BIN",
    hint: "run .ci/build-loki, which builds Loki 3.7.6 from the Go module proxy, " +
      "and export the LOKI_BIN it prints",
  });
}

/** Where compose.yaml mounts Loki's volume: every path of the shipped config is under it. */
export const LOKI_VOLUME = "/loki";

/** Options for {@linkcode Loki.start}. */
export interface LokiOptions {
  readonly bin: string;
  /** The parsed config to start from; defaults to the shipped loki/loki.yaml. */
  readonly config?: unknown;
}

/** A running Loki. */
export class Loki {
  /** Base URL of its HTTP API. */
  readonly url: string;
  /** The config it runs, as written to its directory. */
  readonly config: unknown;
  /** The config it started from. */
  readonly original: unknown;
  /** Its temporary directory (config and data). */
  readonly dir: string;
  readonly process: BackendProcess;

  private constructor(
    url: string,
    config: unknown,
    original: unknown,
    dir: string,
    process: BackendProcess,
  ) {
    this.url = url;
    this.config = config;
    this.original = original;
    this.dir = dir;
    this.process = process;
  }

  /** Starts Loki on free ports with a fresh data directory; resolves once `/ready` is 200. */
  static async start(options: LokiOptions): Promise<Loki> {
    const original = options.config ?? await readYaml("loki/loki.yaml");
    const { args, env } = await composeCommand();
    return await inFreshDir("loki-", async (dir) => {
      const httpPort = freePort();
      let config = withPathsMoved(original, LOKI_VOLUME, `${dir}/data`);
      config = withValue(config, ["server", "http_listen_port"], httpPort);
      config = withValue(config, ["server", "grpc_listen_port"], freePort());
      const configFile = `${dir}/loki.yaml`;
      await Deno.writeTextFile(configFile, stringify(config));
      const process = await BackendProcess.start({
        name: "Loki",
        bin: options.bin,
        args: args.map((arg) =>
          arg.startsWith("-config.file=") ? `-config.file=${configFile}` : arg
        ),
        readyUrl: `http://127.0.0.1:${httpPort}/ready`,
        cwd: dir,
        env,
      });
      return new Loki(`http://127.0.0.1:${httpPort}`, config, original, dir, process);
    });
  }

  /** `GET /loki/api/v1/labels`: the index label names of the last hour. */
  async labels(): Promise<string[]> {
    const body = await this.#get("/loki/api/v1/labels", { since: "1h" });
    const data = mapping(body, "labels answer").data;
    return data === undefined ? [] : list(data, "labels answer data").map(String);
  }

  /**
   * `GET /loki/api/v1/query_range` over the last hour, with index labels and
   * structured metadata told apart (`categorize-labels`).
   */
  async queryRange(query: string): Promise<LokiEntry[]> {
    const body = await this.#get("/loki/api/v1/query_range", {
      query,
      since: "1h",
      limit: "1000",
    }, { "X-Loki-Response-Encoding-Flags": "categorize-labels" });
    const result = list(dig(body, ["data", "result"]), "query_range data.result");
    return result.flatMap((entry, index) => {
      const stream = mapping(mapping(entry, `result[${index}]`).stream, "stream");
      return list(mapping(entry, `result[${index}]`).values, "values").map((value) => {
        const [ts, line, metadata] = list(value, "value");
        return {
          timeUnixNano: String(ts),
          line: String(line),
          labels: stringRecord(stream),
          structuredMetadata: stringRecord(dig(metadata, ["structuredMetadata"]) ?? {}),
        };
      });
    });
  }

  async #get(
    path: string,
    params: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const url = `${this.url}${path}?${new URLSearchParams(params)}`;
    const response = await fetch(url, { headers });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`Loki answered ${url} with ${response.status}: ${text}`);
    }
    return JSON.parse(text);
  }

  /** Stops Loki, removes its directory and resolves with its output. */
  async stop(): Promise<string> {
    const output = await this.process.stop();
    await Deno.remove(this.dir, { recursive: true });
    return output;
  }
}

/** Loki's arguments and environment (its GOMEMLIMIT) in compose.yaml. */
async function composeCommand(): Promise<{ args: string[]; env: Record<string, string> }> {
  const service = mapping(composeServices(await readYaml("compose.yaml")).get("loki"), "loki");
  return {
    args: list(dig(service, ["command"]), "services.loki.command").map(String),
    env: serviceEnvironment(service, "loki"),
  };
}

/** One log line as Loki returns it. */
export interface LokiEntry {
  readonly timeUnixNano: string;
  readonly line: string;
  /** The stream's index labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The line's structured metadata. */
  readonly structuredMetadata: Readonly<Record<string, string>>;
}

function stringRecord(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(mapping(value, "labels")).map(([key, item]) => [key, String(item)]),
  );
}
