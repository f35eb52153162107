/**
 * Narrowing helpers for parsed YAML and JSON: each returns the value with a
 * precise type or throws an error naming where the shape was wrong.
 *
 * @module
 */

/** A parsed mapping. */
export type Mapping = Record<string, unknown>;

/** Returns `value` as a mapping or throws, naming `where`. */
export function mapping(value: unknown, where: string): Mapping {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Mapping;
  }
  throw new TypeError(`Expected a mapping at ${where}: got ${JSON.stringify(value)}`);
}

/** Returns `value` as an array or throws, naming `where`. */
export function list(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TypeError(`Expected a list at ${where}: got ${JSON.stringify(value)}`);
}

/** Returns `value` as a string or throws, naming `where`. */
export function text(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  throw new TypeError(`Expected a string at ${where}: got ${JSON.stringify(value)}`);
}

/** Follows `path` through nested mappings; `undefined` when a step is missing. */
export function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) {
      return undefined;
    }
    current = (current as Mapping)[key];
  }
  return current;
}
