/**
 * Reads the parts of a parsed compose.yaml that the stack checks look at:
 * services, published ports, bind mounts, memory limits.
 *
 * @module
 */
import { list, type Mapping, mapping, text } from "./narrow.ts";

/** One `ports:` entry in short syntax, split into its parts. */
export interface PublishedPort {
  /** Host address the port binds to; empty means every interface. */
  readonly hostIp: string;
  /** Port on the host. */
  readonly hostPort: number;
  /** Port inside the container. */
  readonly containerPort: number;
}

/** One bind mount of a file or folder from the repository. */
export interface BindMount {
  /** Path relative to compose.yaml, as written (`./tempo/tempo.yaml`). */
  readonly source: string;
  /** Path inside the container. */
  readonly target: string;
}

/** The `services:` mapping of a parsed compose file, each service a mapping. */
export function composeServices(compose: unknown): Map<string, Mapping> {
  const services = mapping(mapping(compose, "compose file").services, "services");
  return new Map(
    Object.entries(services).map(([name, body]) => [name, mapping(body, `services.${name}`)]),
  );
}

/** Parses `"127.0.0.1:3200:3200"` or `"4319:4318"`; other forms throw. */
export function parsePort(entry: unknown, where: string): PublishedPort {
  const spec = text(entry, where);
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)$/.exec(spec);
  if (!match) {
    throw new Error(`Cannot read port at ${where}: expected [ip:]host:container: got "${spec}"`);
  }
  return { hostIp: match[1] ?? "", hostPort: Number(match[2]), containerPort: Number(match[3]) };
}

/** Every published port of a service. */
export function publishedPorts(service: Mapping, name: string): PublishedPort[] {
  if (service.ports === undefined) return [];
  return list(service.ports, `services.${name}.ports`).map((entry, index) =>
    parsePort(entry, `services.${name}.ports[${index}]`)
  );
}

/** Every bind mount (`./path:/target[:ro]`) of a service; named volumes are left out. */
export function bindMounts(service: Mapping, name: string): BindMount[] {
  if (service.volumes === undefined) return [];
  const mounts: BindMount[] = [];
  list(service.volumes, `services.${name}.volumes`).forEach((entry, index) => {
    const [source = "", target = ""] = text(entry, `services.${name}.volumes[${index}]`).split(":");
    if (source.startsWith("./") || source.startsWith("../")) mounts.push({ source, target });
  });
  return mounts;
}

/** Named volumes a service mounts, with their targets. */
export function namedVolumes(service: Mapping, name: string): Map<string, string> {
  const volumes = new Map<string, string>();
  if (service.volumes === undefined) return volumes;
  list(service.volumes, `services.${name}.volumes`).forEach((entry, index) => {
    const [source = "", target = ""] = text(entry, `services.${name}.volumes[${index}]`).split(":");
    if (!source.startsWith(".") && !source.startsWith("/")) volumes.set(source, target);
  });
  return volumes;
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** Converts a Compose byte value (`256M`, `1g`, `512mb`) to bytes, as Docker reads it. */
export function parseMemory(value: unknown, where: string): number {
  const spec = typeof value === "number" ? `${value}b` : text(value, where);
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(spec.trim());
  const factor = match ? MEMORY_UNITS[(match[2] || "b").toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new Error(`Cannot read memory size at ${where}: got "${spec}"`);
  }
  return Number(match[1]) * factor;
}

/** The service's memory limit in bytes (`deploy.resources.limits.memory`), if any. */
export function memoryLimit(service: Mapping, name: string): number | undefined {
  const deploy = service.deploy === undefined ? undefined : mapping(service.deploy, "deploy");
  const resources = deploy?.resources === undefined
    ? undefined
    : mapping(deploy.resources, "resources");
  const limits = resources?.limits === undefined ? undefined : mapping(resources.limits, "limits");
  if (limits?.memory === undefined) return undefined;
  return parseMemory(limits.memory, `services.${name}.deploy.resources.limits.memory`);
}

/**
 * A service's `environment:` as a map, in either Compose syntax (mapping or
 * `KEY=value` list). `${...}` interpolation is left as written.
 */
export function serviceEnvironment(service: Mapping, name: string): Record<string, string> {
  if (service.environment === undefined) return {};
  if (Array.isArray(service.environment)) {
    return Object.fromEntries(
      list(service.environment, `services.${name}.environment`).map((entry, index) => {
        const [key = "", ...value] = text(entry, `services.${name}.environment[${index}]`)
          .split("=");
        return [key, value.join("=")];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(mapping(service.environment, `services.${name}.environment`)).map((
      [key, value],
    ) => [key, String(value ?? "")]),
  );
}
