/**
 * The layering the README promises: application code sees only the
 * OpenTelemetry API, and SDK packages are wired in telemetry/ alone.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT, serviceModuleGraph } from "./testing/module_graph.ts";

const API_ONLY = [
  "main.ts",
  "config.ts",
  "cli.ts",
  "env.ts",
  "shutdown.ts",
  "version.ts",
  "routes",
  "doctor",
];
const SDK_PACKAGE = /from\s+"(@opentelemetry\/(?!api"|semantic-conventions")[^"]+)"/g;

function sourceFiles(path: string): string[] {
  const url = new URL(path, import.meta.url);
  if (Deno.statSync(url).isFile) return [path];
  return [...Deno.readDirSync(url)]
    .filter((entry) =>
      entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")
    )
    .map((entry) => `${path}/${entry.name}`);
}

Deno.test("only telemetry/ imports OpenTelemetry SDK packages; routes, doctor and main see the API alone", () => {
  const offenders: string[] = [];
  for (const file of API_ONLY.flatMap(sourceFiles)) {
    const text = Deno.readTextFileSync(new URL(file, import.meta.url));
    for (const match of text.matchAll(SDK_PACKAGE)) offenders.push(`${file}: ${match[1]}`);
  }
  assert.deepEqual(offenders, []);
});

Deno.test("the architecture check would notice an SDK import", () => {
  const sample = 'import { TracerProvider } from "@opentelemetry/sdk-trace";\n' +
    'import { trace } from "@opentelemetry/api";';
  assert.deepEqual([...sample.matchAll(SDK_PACKAGE)].map((m) => m[1]), [
    "@opentelemetry/sdk-trace",
  ]);
});

// Entry points whose evaluation loads Node's `http`, `https` and `zlib`
// modules: the service sends with `fetch` and never uses them, and loading
// them cost every start time and resident memory (docs/performance.md,
// "Start-up"). Tests may still import them, as oracles.
const NODE_TRANSPORT_ENTRIES = [
  "@opentelemetry/otlp-exporter-base/node-http",
  "@opentelemetry/exporter-metrics-otlp-http",
  "@opentelemetry/exporter-trace-otlp-http",
  "@opentelemetry/exporter-logs-otlp-http",
  "@opentelemetry/exporter-trace-otlp-proto",
  "@opentelemetry/exporter-logs-otlp-proto",
  "@opentelemetry/exporter-metrics-otlp-proto",
];

Deno.test("the service's module graph does not import the OTLP packages' Node transport", async () => {
  const local = (await serviceModuleGraph()).filter((m) => m.specifier.startsWith(PROJECT_ROOT));
  assert.ok(local.some((m) => m.specifier.endsWith("/telemetry/fetch_transport.ts")));
  const offenders = local.flatMap((m) =>
    (m.dependencies ?? [])
      .filter((d) => NODE_TRANSPORT_ENTRIES.includes(d.specifier))
      .map((d) => `${m.specifier.slice(PROJECT_ROOT.length)}: ${d.specifier}`)
  );
  assert.deepEqual(offenders, []);
});
