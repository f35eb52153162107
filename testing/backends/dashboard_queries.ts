/**
 * The PromQL of grafana/dashboards/greet-api.json: each Prometheus panel
 * target and the `service` variable, as a test against a real Prometheus
 * runs them.
 *
 * @module
 */
import { list, mapping, text } from "../stack/narrow.ts";

/** One Prometheus query of a panel. */
export interface PanelQuery {
  /** `<panel title> <refId>`. */
  readonly name: string;
  /** The expression as written, with Grafana's variables. */
  readonly expr: string;
}

/** A `label_values(<selector>, <label>)` variable query, split. */
export interface LabelValuesQuery {
  readonly selector: string;
  readonly label: string;
}

/** Every Prometheus target of every panel (rows' nested panels included). */
export function panelQueries(dashboard: unknown): PanelQuery[] {
  const queries: PanelQuery[] = [];
  const visit = (panels: unknown[]): void => {
    for (const [index, entry] of panels.entries()) {
      const panel = mapping(entry, `panels[${index}]`);
      if (Array.isArray(panel.panels)) visit(panel.panels);
      for (const target of Array.isArray(panel.targets) ? panel.targets : []) {
        const query = mapping(target, `${panel.title} target`);
        const datasource = mapping(query.datasource ?? panel.datasource, "datasource");
        if (datasource.type !== "prometheus") continue;
        queries.push({
          name: `${text(panel.title, "title")} ${text(query.refId, "refId")}`,
          expr: text(query.expr, `${panel.title} expr`),
        });
      }
    }
  };
  visit(list(mapping(dashboard, "dashboard").panels, "panels"));
  return queries;
}

/** The query of the template variable `name`, which must be `label_values(<selector>, <label>)`. */
export function variableQuery(dashboard: unknown, name: string): LabelValuesQuery {
  const variables = list(
    mapping(mapping(dashboard, "dashboard").templating, "templating").list,
    "list",
  );
  const variable = variables.map((v) => mapping(v, "variable")).find((v) => v.name === name);
  if (!variable) throw new Error(`The dashboard has no variable "${name}"`);
  const query = typeof variable.query === "string"
    ? variable.query
    : text(mapping(variable.query, "query").query, `${name}.query.query`);
  const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(query.trim());
  if (!match?.[1] || !match[2]) {
    throw new Error(
      `Cannot read variable "${name}": expected label_values(<selector>, <label>): got ${query}`,
    );
  }
  return { selector: match[1].trim(), label: match[2] };
}

/**
 * Replaces Grafana's variables the way Grafana would for this stack:
 * `$service` by the service, `$__rate_interval` by four times the data
 * source's 30 s `timeInterval` (Grafana's floor for it).
 */
export function substitute(expr: string, service: string): string {
  return expr.replaceAll("$__rate_interval", "2m").replaceAll("$service", service);
}
