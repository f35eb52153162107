/**
 * Reads the stack's YAML files (compose.yaml, the backends' configs, Grafana
 * provisioning) relative to the repository root.
 *
 * @module
 */
import { parse } from "yaml";

/** Absolute path of a file given relative to the repository root. */
export function repoPath(relative: string): string {
  return new URL(`../../${relative}`, import.meta.url).pathname;
}

/** Parses YAML text into plain data, resolving anchors and aliases. */
export function parseYaml(text: string): unknown {
  // merge: true so `<<: *anchor` keys work as Compose documents them.
  return parse(text, { merge: true, strict: true, uniqueKeys: true });
}

/** Reads and parses a YAML file given relative to the repository root. */
export async function readYaml(relative: string): Promise<unknown> {
  return parseYaml(await Deno.readTextFile(repoPath(relative)));
}
