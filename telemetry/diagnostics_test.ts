import assert from "node:assert/strict";
import { createDiagLogger, rateLimited } from "./diagnostics.ts";
import { createLogger } from "./logger.ts";

Deno.test("rateLimited() passes one message of a kind per interval and counts the rest", () => {
  let now = 0;
  const seen: [string, number][] = [];
  const report = rateLimited((m, suppressed) => seen.push([m, suppressed]), 1000, () => now);
  report("Dropped 12 spans");
  report("Dropped 40 spans");
  report("Something else");
  now = 999;
  report("Dropped 7 spans");
  now = 1000;
  report("Dropped 8 spans");
  assert.deepEqual(seen, [
    ["Dropped 12 spans", 0],
    ["Something else", 0],
    ["Dropped 8 spans", 2],
  ]);
});

Deno.test("the SDK's diag errors become rate-limited WARN records", () => {
  const lines: string[] = [];
  const diag = createDiagLogger(
    createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) }),
  );
  for (let i = 0; i < 100; i++) diag.error("export failed", new Error(`ECONNREFUSED ${i}`));
  const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "WARN");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]["otel.diagnostic"], "export failed ECONNREFUSED 0");
});
