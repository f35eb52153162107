import assert from "node:assert/strict";
import { createReport, renderJson, renderText } from "./report.ts";

const REPORT = createReport({
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  configuration: [{
    name: "traces.endpoint",
    value: "http://pi:4319/v1/traces",
    source: "default",
  }],
  resource: { "service.name": "greet-api" },
  checks: [
    { id: "a", title: "traces: TCP", status: "pass", detail: "connected" },
    { id: "b", title: "traces: export", status: "fail", detail: "HTTP 404", hint: "fix the path" },
    { id: "c", title: "logs: export", status: "skip", detail: "none" },
  ],
});

Deno.test("createReport() is not ok when a check fails, and skipped checks do not fail it", () => {
  assert.equal(REPORT.ok, false);
  const passing = createReport({ ...REPORT, checks: REPORT.checks.filter((c) => c.id !== "b") });
  assert.equal(passing.ok, true);
});

Deno.test("renderText() marks checks ✓ ✗ - and puts the hint under the failure", () => {
  const text = renderText(REPORT, "greet-api doctor 0.1.0");
  assert.match(text, /^greet-api doctor 0\.1\.0$/m);
  assert.match(text, /^ {2}traces\.endpoint {2}http:\/\/pi:4319\/v1\/traces {2}\(default\)$/m);
  assert.match(
    text,
    /✓ traces: TCP: connected\n {2}✗ traces: export: HTTP 404\n {6}→ fix the path\n/,
  );
  assert.match(text, /- logs: export: none/);
  assert.match(text, /test trace id 4bf92f3577b34da6a3ce929d0e0e4736/);
  assert.match(text, /1 check failed/);
});

Deno.test("renderJson() round-trips the report", () => {
  assert.deepEqual(JSON.parse(renderJson(REPORT)), REPORT);
});
