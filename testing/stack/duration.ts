/**
 * Parses the duration strings Go programs (Tempo, Loki, Prometheus) accept in
 * their YAML: `72h`, `1h30m`, `15d`, `500ms`.
 *
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Converts a duration string to milliseconds; throws on anything else. */
export function parseDuration(value: unknown): number {
  const spec = String(value);
  const parts = [...spec.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== spec) {
    throw new Error(`Cannot read duration: expected e.g. "72h" or "1h30m": got "${spec}"`);
  }
  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] ?? ""] ?? 0), 0);
}
