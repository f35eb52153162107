/**
 * Edits a parsed config (YAML as plain data) and lists what an edit changed,
 * so a test can prove it ran a backend with the shipped config and only its
 * paths and ports adjusted.
 *
 * @module
 */

/** One step into a config: a mapping key or a list index. */
export type ConfigPath = readonly (string | number)[];

/**
 * Returns a copy of `document` with the value at `path` set to `value`,
 * creating mappings on the way where they are missing.
 */
export function withValue(document: unknown, path: ConfigPath, value: unknown): unknown {
  const copy: unknown = structuredClone(document);
  if (path.length === 0) return value;
  let node: unknown = copy;
  for (const [index, key] of path.entries()) {
    const last = index === path.length - 1;
    if (Array.isArray(node) && typeof key === "number") {
      if (last) node[key] = value;
      else node = node[key];
    } else if (isMapping(node) && typeof key === "string") {
      if (last) node[key] = value;
      else {
        if (node[key] === undefined) node[key] = {};
        node = node[key];
      }
    } else {
      throw new Error(
        `Cannot set ${formatPath(path)}: ${formatPath(path.slice(0, index))} is not a container`,
      );
    }
  }
  return copy;
}

/** The dotted paths of every leaf that differs between `before` and `after`, sorted. */
export function changedPaths(before: unknown, after: unknown): string[] {
  const changes: string[] = [];
  walk(before, after, [], changes);
  return changes.sort();
}

/** `["server", "http_listen_port"]` as `server.http_listen_port`. */
export function formatPath(path: ConfigPath): string {
  return path.map(String).join(".");
}

function walk(before: unknown, after: unknown, path: (string | number)[], changes: string[]): void {
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      walk(before[i], after[i], [...path, i], changes);
    }
  } else if (isMapping(before) && isMapping(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      walk(before[key], after[key], [...path, key], changes);
    }
  } else if (isMapping(after) && before === undefined) {
    // A whole new section: each of its leaves is a change.
    walk({}, after, path, changes);
  } else if (!Object.is(before, after)) {
    changes.push(formatPath(path));
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Returns a copy of `document` in which every string that is `from` or starts
 * with `from/` (a path inside a container's volume, e.g. `/loki/chunks`) starts
 * with `to` instead.
 */
export function withPathsMoved(document: unknown, from: string, to: string): unknown {
  if (typeof document === "string") {
    return document === from || document.startsWith(`${from}/`)
      ? `${to}${document.slice(from.length)}`
      : document;
  }
  if (Array.isArray(document)) return document.map((item) => withPathsMoved(item, from, to));
  if (isMapping(document)) {
    return Object.fromEntries(
      Object.entries(document).map(([key, value]) => [key, withPathsMoved(value, from, to)]),
    );
  }
  return document;
}
