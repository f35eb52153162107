/**
 * Pulls the metric names and label names out of a PromQL expression, so the
 * dashboard checks can compare them with what the service emits. It reads
 * the subset of PromQL dashboards use (selectors, functions, aggregations
 * with by/without, binary operators); it is not a full parser.
 *
 * @module
 */

/** The names one expression refers to. */
export interface PromQLNames {
  /** Metric names, from bare selectors and `__name__` matchers. */
  readonly metrics: string[];
  /** Label names, from matchers and from by/without/on/ignoring/group_* lists. */
  readonly labels: string[];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "atan2",
  "inf",
  "nan",
]);

/** Lists the distinct metric and label names in a PromQL expression. */
export function promqlNames(expression: string): PromQLNames {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  // Strings first, so a quoted `{` or `(` cannot confuse what follows; the
  // contents are kept aside for `__name__` matchers.
  const strings: string[] = [];
  let rest = expression.replaceAll(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (literal) => {
    strings.push(literal.slice(1, -1));
    return `"${strings.length - 1}"`;
  });
  rest = rest.replaceAll(/\{([^}]*)\}/g, (_braces, body: string) => {
    for (const matcher of body.split(",")) {
      const match = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(\d+)"\s*$/.exec(matcher);
      if (!match) continue;
      if (match[1] === "__name__" && match[2] === "=") metrics.add(strings[Number(match[3])] ?? "");
      else labels.add(match[1] ?? "");
    }
    return " ";
  });
  rest = rest.replaceAll(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_clause, _keyword: string, list: string) => {
      for (const name of list.split(",")) if (name.trim()) labels.add(name.trim());
      return " ";
    },
  );
  rest = rest.replaceAll(/\[[^\]]*\]/g, " ").replaceAll(/"\d+"/g, " ");
  // Grafana variables ($service, $__rate_interval) are not metric names.
  rest = rest.replaceAll(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, " ");
  for (const match of rest.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const after = rest.slice((match.index ?? 0) + name.length).trimStart();
    const before = rest.slice(0, match.index ?? 0);
    if (KEYWORDS.has(name.toLowerCase()) || after.startsWith("(")) continue;
    // Part of a number such as 1e3 or 0x1f.
    if (/[0-9.]$/.test(before)) continue;
    metrics.add(name);
  }
  return { metrics: [...metrics].sort(), labels: [...labels].sort() };
}
