/**
 * Runs the real Tempo (`TEMPO_BIN`; optional: Tempo cannot be built from the
 * Go module proxy, so CI has none) with the shipped tempo/tempo.yaml and
 * compose.yaml's arguments and environment: its
 * paths moved into a temporary directory, its ports replaced by free ones and
 * its remote write pointed at the test's Prometheus. Nothing else changes.
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
import { type ConfigPath, withPathsMoved, withValue } from "./config_edit.ts";

/** Locates Tempo from `TEMPO_BIN`; the tests that need it are ignored without it, even in CI. */
export function findTempo(): FoundTool {
  return findTool({
    env: "TEMPO_BIN",
    requiredInCi: false,
    hint: "set TEMPO_BIN to a Tempo 3.0.3 binary (built from its source's vendor/ directory)",
  });
}

/** Where compose.yaml mounts Tempo's volume: every path Tempo writes is under it. */
export const TEMPO_VOLUME = "/var/tempo";

/**
 * Paths Tempo writes that the shipped config leaves at their defaults, all
 * under {@linkcode TEMPO_VOLUME} (Tempo 3.0.3's flag defaults): set
 * explicitly here so that a test writes nowhere else.
 */
export const TEMPO_DEFAULT_PATHS: readonly { path: ConfigPath; default: string }[] = [
  { path: ["backend_scheduler", "local_work_path"], default: "/var/tempo" },
  { path: ["live_store", "wal", "path"], default: "/var/tempo/live-store/traces" },
  { path: ["live_store", "shutdown_marker_dir"], default: "/var/tempo/live-store/shutdown-marker" },
];

/** Config keys that name Tempo's own gRPC server (single binary: it talks to itself). */
const OWN_GRPC_ADDRESSES: readonly string[][] = [
  ["backend_worker", "backend_scheduler_addr"],
  ["querier", "frontend_worker", "frontend_address"],
];

/** Options for {@linkcode Tempo.start}. */
export interface TempoOptions {
  readonly bin: string;
  /** The parsed config to start from; defaults to the shipped tempo/tempo.yaml. */
  readonly config?: unknown;
  /** Base URL of the Prometheus its metrics-generator remote-writes to. */
  readonly prometheusUrl?: string;
}

/** A running Tempo. */
export class Tempo {
  /** Base URL of its HTTP API. */
  readonly url: string;
  /** `host:port` of its OTLP gRPC receiver. */
  readonly otlpGrpc: string;
  /** Base URL of its OTLP/HTTP receiver. */
  readonly otlpHttp: string;
  readonly config: unknown;
  readonly original: unknown;
  readonly dir: string;
  readonly process: BackendProcess;

  private constructor(fields: Omit<Tempo, "stop">) {
    this.url = fields.url;
    this.otlpGrpc = fields.otlpGrpc;
    this.otlpHttp = fields.otlpHttp;
    this.config = fields.config;
    this.original = fields.original;
    this.dir = fields.dir;
    this.process = fields.process;
  }

  /** Starts Tempo on free ports with a fresh data directory; resolves once `/ready` is 200. */
  static async start(options: TempoOptions): Promise<Tempo> {
    const original = options.config ?? await readYaml("tempo/tempo.yaml");
    const service = composeServices(await readYaml("compose.yaml")).get("tempo");
    const args = list(dig(service, ["command"]), "services.tempo.command").map(String);
    return await inFreshDir("tempo-", async (dir) => {
      const httpPort = freePort();
      const grpcReceiver = freePort();
      const httpReceiver = freePort();
      let config = original;
      for (const { path, default: value } of TEMPO_DEFAULT_PATHS) {
        config = withValue(config, path, value);
      }
      config = withPathsMoved(config, TEMPO_VOLUME, `${dir}/data`);
      config = withValue(config, ["server", "http_listen_port"], httpPort);
      const grpcPort = freePort();
      config = withValue(config, ["server", "grpc_listen_port"], grpcPort);
      // Addresses of Tempo's own gRPC server, where the config spells them out.
      for (const path of OWN_GRPC_ADDRESSES) {
        const address = dig(original, path);
        if (typeof address === "string") {
          config = withValue(config, path, address.replace(/:\d+$/, `:${grpcPort}`));
        }
      }
      const protocols = ["distributor", "receivers", "otlp", "protocols"];
      config = withValue(
        config,
        [...protocols, "grpc", "endpoint"],
        port(original, "grpc", grpcReceiver),
      );
      config = withValue(
        config,
        [...protocols, "http", "endpoint"],
        port(original, "http", httpReceiver),
      );
      if (options.prometheusUrl) {
        config = withValue(
          config,
          ["metrics_generator", "storage", "remote_write", 0, "url"],
          `${options.prometheusUrl}/api/v1/write`,
        );
      }
      const configFile = `${dir}/tempo.yaml`;
      await Deno.writeTextFile(configFile, stringify(config));
      const process = await BackendProcess.start({
        name: "Tempo",
        bin: options.bin,
        args: args.map((arg) =>
          arg.startsWith("-config.file=") ? `-config.file=${configFile}` : arg
        ),
        readyUrl: `http://127.0.0.1:${httpPort}/ready`,
        cwd: dir,
        env: serviceEnvironment(mapping(service, "tempo"), "tempo"),
        startTimeoutMs: 90_000,
      });
      return new Tempo({
        url: `http://127.0.0.1:${httpPort}`,
        otlpGrpc: `127.0.0.1:${grpcReceiver}`,
        otlpHttp: `http://127.0.0.1:${httpReceiver}`,
        config,
        original,
        dir,
        process,
      });
    });
  }

  /**
   * Stops Tempo, removes its directory and resolves with its output. Tempo
   * 3.0.3 takes over 30 s to end on SIGTERM (its backend worker waits
   * backend_worker.finish_on_shutdown_timeout, 30 s, retrying the scheduler
   * that has already stopped), so a test's Tempo gets 3 s before SIGKILL:
   * its data is thrown away anyway.
   */
  async stop(): Promise<string> {
    const output = await this.process.stop(3_000);
    await Deno.remove(this.dir, { recursive: true });
    return output;
  }
}

/** The shipped receiver endpoint (`0.0.0.0:4317`) with only its port replaced. */
function port(config: unknown, protocol: string, value: number): string {
  const endpoint = text(
    dig(config, ["distributor", "receivers", "otlp", "protocols", protocol, "endpoint"]),
    `${protocol} endpoint`,
  );
  return endpoint.replace(/:\d+$/, `:${value}`);
}
