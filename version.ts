/**
 * The service's name and version. The version is read from deno.json at
 * build time (a JSON import is bundled into `deno compile` output), so a
 * compiled binary never reads the source tree to know what it is.
 *
 * @module
 */
import denoJson from "./deno.json" with { type: "json" };

/** Default `service.name`; `OTEL_SERVICE_NAME` overrides it on the resource. */
export const SERVICE_NAME = "greet-api";

/** `service.version`: the `version` field of deno.json. */
export const SERVICE_VERSION: string = denoJson.version;
