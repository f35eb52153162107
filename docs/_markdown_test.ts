import assert from "node:assert/strict";
import { classifyLines, githubSlug, headingAnchors, markdownLinks } from "./_markdown.ts";

Deno.test("githubSlug() gives headings the anchors GitHub gives them", () => {
  // Anchors as github.com renders them (its slugger keeps letters, marks,
  // digits, `_`, `-` and spaces, drops the rest, and turns spaces into `-`).
  const cases: [string, string][] = [
    ["Protobuf or JSON", "protobuf-or-json"],
    [
      'Troubleshooting: "why is there no data in Grafana?"',
      "troubleshooting-why-is-there-no-data-in-grafana",
    ],
    [
      "Why metrics are pushed to Prometheus's OTLP receiver",
      "why-metrics-are-pushed-to-prometheuss-otlp-receiver",
    ],
    [
      "`<signal>: TCP: connection refused by host:port`",
      "signal-tcp-connection-refused-by-hostport",
    ],
    ["`configuration: ... must be ...`", "configuration--must-be-"],
    ["`OTEL_EXPORTER_OTLP_ENDPOINT`", "otel_exporter_otlp_endpoint"],
    [
      "See it in [Grafana](https://grafana.com) on this machine",
      "see-it-in-grafana-on-this-machine",
    ],
    ["Über die Straße", "über-die-straße"],
  ];
  for (const [heading, slug] of cases) assert.equal(githubSlug(heading), slug, heading);
});

Deno.test("headingAnchors() numbers repeated headings and skips code blocks", () => {
  const markdown = [
    "# Title",
    "## Check",
    "```sh",
    "# not a heading",
    "```",
    "## Check",
    "  ```text",
    "  ## also not a heading",
    "  ```",
    "### Check ###",
  ].join("\n");
  assert.deepEqual([...headingAnchors(markdown)], ["title", "check", "check-1", "check-2"]);
});

Deno.test("markdownLinks() finds inline links, images and definitions, not code", () => {
  const markdown = [
    'See [the Pi](docs/pi.md#build) and ![diagram](img/flow.png "flow").',
    "Not `[code](nowhere.md)`, but [anchor](#endpoints).",
    "```md",
    "[inside a block](ignored.md)",
    "```",
    "[ref]: docs/stack.md",
  ].join("\n");
  assert.deepEqual(markdownLinks(markdown), [
    { line: 1, target: "docs/pi.md#build" },
    { line: 1, target: "img/flow.png" },
    { line: 2, target: "#endpoints" },
    { line: 6, target: "docs/stack.md" },
  ]);
});

Deno.test("classifyLines() tells prose from code and tables", () => {
  const kinds = classifyLines("text\n| a | b |\n````md\n```\n````\nmore").map((l) => l.kind);
  assert.deepEqual(kinds, ["prose", "table", "code", "code", "code", "prose"]);
});
