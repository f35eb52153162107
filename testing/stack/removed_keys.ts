/**
 * Finds configuration keys that a new major version of a program removed and
 * now rejects, so a config written for the old version fails a test here
 * instead of crash-looping on the Pi.
 *
 * @module
 */

/** One removed key, found by its path from the document root. */
export interface RemovedKey {
  /**
   * Dotted path; `*` matches any one key and `**` any number of levels,
   * e.g. `storage_config.*.shared_store` or `**.async_cache_write_back_buffer_size`.
   */
  readonly path: string;
  /** The upstream change that removed it, for the reader of a failure. */
  readonly removedBy: string;
}

/** A removed key present in a document: where, and why it is rejected. */
export interface RemovedKeyFound {
  /** Concrete dotted path in the document. */
  readonly at: string;
  /** The upstream change that removed it. */
  readonly removedBy: string;
}

/** Lists every occurrence of the removed keys in a parsed YAML document. */
export function findRemovedKeys(
  document: unknown,
  removed: readonly RemovedKey[],
): RemovedKeyFound[] {
  const found: RemovedKeyFound[] = [];
  for (const rule of removed) {
    for (const at of matchPath(document, rule.path.split("."), [])) {
      found.push({ at: at.join("."), removedBy: rule.removedBy });
    }
  }
  return found;
}

function matchPath(value: unknown, pattern: readonly string[], at: string[]): string[][] {
  const [head, ...rest] = pattern;
  if (head === undefined) return [at];
  if (typeof value !== "object" || value === null) return [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  if (head === "**") {
    // Zero levels here, or one level down with `**` still in front.
    const deeper = entries.flatMap(([key, child]) => matchPath(child, pattern, [...at, key]));
    return [...matchPath(value, rest, at), ...deeper];
  }
  return entries
    .filter(([key]) => head === "*" || key === head)
    .flatMap(([key, child]) => matchPath(child, rest, [...at, key]));
}
