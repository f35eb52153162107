import assert from "node:assert/strict";
import { panelQueries, substitute, variableQuery } from "./dashboard_queries.ts";

const PROMETHEUS = { type: "prometheus", uid: "prometheus" };
const DASHBOARD = {
  templating: {
    list: [{
      name: "service",
      query: { query: 'label_values(up{service_name!=""}, job)', refId: "service" },
    }],
  },
  panels: [
    { title: "Row", type: "row", panels: [] },
    {
      title: "Rate",
      datasource: PROMETHEUS,
      targets: [{ refId: "A", expr: 'rate(x{job="$service"}[$__rate_interval])' }],
    },
    {
      title: "Logs",
      datasource: { type: "loki", uid: "loki" },
      targets: [{ refId: "A", expr: '{service_name="$service"}' }],
    },
  ],
};

Deno.test("panelQueries() returns the Prometheus targets only", () => {
  assert.deepEqual(panelQueries(DASHBOARD), [
    { name: "Rate A", expr: 'rate(x{job="$service"}[$__rate_interval])' },
  ]);
});

Deno.test("variableQuery() splits a label_values query and refuses other forms", () => {
  assert.deepEqual(variableQuery(DASHBOARD, "service"), {
    selector: 'up{service_name!=""}',
    label: "job",
  });
  const other = structuredClone(DASHBOARD);
  other.templating.list[0] = { name: "service", query: { query: "query_result(up)", refId: "s" } };
  assert.throws(() => variableQuery(other, "service"), /expected label_values/);
  assert.throws(() => variableQuery(DASHBOARD, "nope"), /no variable "nope"/);
});

Deno.test("substitute() fills $service and gives $__rate_interval four 30 s scrapes", () => {
  assert.equal(
    substitute('rate(x{job="$service"}[$__rate_interval])', "greet-api"),
    'rate(x{job="greet-api"}[2m])',
  );
});
