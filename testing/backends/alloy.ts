/**
 * Runs the real Alloy (`ALLOY_BIN`; optional: Alloy cannot be built from the
 * Go module proxy, so CI has none) with the shipped alloy/config.alloy as
 * compose.yaml runs it: its arguments and environment, the storage path in a
 * temporary directory, the UI on a free loopback port, and the OTLP
 * receivers' ports (4317, 4318 in the config) replaced by free ones.
 *
 * @module
 */
import { findTool, type FoundTool } from "../external_tool.ts";
import { freePort } from "../free_port.ts";
import { composeServices, serviceEnvironment } from "../stack/compose_model.ts";
import { dig, list, mapping } from "../stack/narrow.ts";
import { readYaml, repoPath } from "../stack/yaml_file.ts";
import { BackendProcess, inFreshDir } from "./backend_process.ts";

/** Locates Alloy from `ALLOY_BIN`; the tests that need it are ignored without it, even in CI. */
export function findAlloy(): FoundTool {
  return findTool({
    env: "ALLOY_BIN",
    requiredInCi: false,
    hint:
      "set ALLOY_BIN to an Alloy v1.18.1 binary with the otelcol components alloy/config.alloy uses",
  });
}

/** Options for {@linkcode Alloy.start}. */
export interface AlloyOptions {
  readonly bin: string;
  /** Where it sends each signal: the values of compose.yaml's `*_ENDPOINT` variables. */
  /** Port for its UI and `/metrics`; a free one by default. */
  readonly uiPort?: number;
  readonly endpoints: {
    readonly TEMPO_OTLP_GRPC_ENDPOINT: string;
    readonly LOKI_OTLP_HTTP_ENDPOINT: string;
    readonly PROMETHEUS_OTLP_HTTP_ENDPOINT: string;
  };
}

/** A running Alloy. */
export class Alloy {
  /** OTLP/HTTP base URL of its receiver. */
  readonly otlpHttp: string;
  /** `host:port` of its UI and `/metrics`, as a scrape target. */
  readonly uiAddress: string;
  /** The config text it runs and the shipped one. */
  readonly config: string;
  readonly original: string;
  readonly dir: string;
  readonly process: BackendProcess;

  private constructor(fields: Omit<Alloy, "stop">) {
    this.otlpHttp = fields.otlpHttp;
    this.uiAddress = fields.uiAddress;
    this.config = fields.config;
    this.original = fields.original;
    this.dir = fields.dir;
    this.process = fields.process;
  }

  /** Starts Alloy; resolves once `/-/ready` answers 200. */
  static async start(options: AlloyOptions): Promise<Alloy> {
    const original = await Deno.readTextFile(repoPath("alloy/config.alloy"));
    const service = mapping(composeServices(await readYaml("compose.yaml")).get("alloy"), "alloy");
    const composeArgs = list(dig(service, ["command"]), "services.alloy.command").map(String);
    const composeEnv = serviceEnvironment(service, "alloy");
    return await inFreshDir("alloy-", async (dir) => {
      const [grpc, http, ui] = [freePort(), freePort(), options.uiPort ?? freePort()];
      const config = original
        .replace('"0.0.0.0:4317"', `"0.0.0.0:${grpc}"`)
        .replace('"0.0.0.0:4318"', `"0.0.0.0:${http}"`);
      await Deno.writeTextFile(`${dir}/config.alloy`, config);
      const args = composeArgs.map((arg) => {
        if (arg.endsWith("config.alloy")) return `${dir}/config.alloy`;
        if (arg.startsWith("--storage.path=")) return `--storage.path=${dir}/data`;
        if (arg.startsWith("--server.http.listen-addr=")) {
          return `--server.http.listen-addr=127.0.0.1:${ui}`;
        }
        return arg;
      });
      const process = await BackendProcess.start({
        name: "Alloy",
        bin: options.bin,
        args,
        readyUrl: `http://127.0.0.1:${ui}/-/ready`,
        cwd: dir,
        env: { ...composeEnv, ...options.endpoints },
      });
      return new Alloy({
        otlpHttp: `http://127.0.0.1:${http}`,
        uiAddress: `127.0.0.1:${ui}`,
        config,
        original,
        dir,
        process,
      });
    });
  }

  /** Stops Alloy, removes its directory and resolves with its output. */
  async stop(): Promise<string> {
    const output = await this.process.stop();
    await Deno.remove(this.dir, { recursive: true });
    return output;
  }
}
