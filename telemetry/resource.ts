/**
 * The OpenTelemetry resource: who is emitting, on what machine.
 *
 * @module
 */
import {
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_HOST_ARCH,
  ATTR_HOST_NAME,
  ATTR_OS_TYPE,
  ATTR_PROCESS_PID,
  ATTR_PROCESS_RUNTIME_NAME,
  ATTR_PROCESS_RUNTIME_VERSION,
  ATTR_SERVICE_INSTANCE_ID,
} from "./semconv.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../version.ts";

/** `host.arch` values of the semantic conventions for Deno's `Deno.build.arch`. */
const ARCH: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64" };

/** The attributes this service sets itself, before `OTEL_RESOURCE_ATTRIBUTES`. */
export function baseResourceAttributes(): Record<string, string | number> {
  return {
    [ATTR_SERVICE_NAME]: SERVICE_NAME,
    [ATTR_SERVICE_VERSION]: SERVICE_VERSION,
    [ATTR_SERVICE_INSTANCE_ID]: crypto.randomUUID(),
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: "production",
    [ATTR_HOST_NAME]: hostname(),
    [ATTR_HOST_ARCH]: ARCH[Deno.build.arch] ?? Deno.build.arch,
    [ATTR_OS_TYPE]: Deno.build.os,
    [ATTR_PROCESS_PID]: Deno.pid,
    [ATTR_PROCESS_RUNTIME_NAME]: "deno",
    [ATTR_PROCESS_RUNTIME_VERSION]: Deno.version.deno,
  };
}

/**
 * The service's resource: {@linkcode baseResourceAttributes} overridden by
 * `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, which the SDK's own
 * environment detector parses.
 */
export function createResource(): Resource {
  return resourceFromAttributes(baseResourceAttributes()).merge(
    detectResources({ detectors: [envDetector] }),
  );
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    // Without --allow-sys=hostname the attribute is still present, just unknown.
    return "unknown";
  }
}
