import assert from "node:assert/strict";
import { clockCheck, dateSample } from "./clock.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");

Deno.test("clockCheck() passes within 30 s and fails beyond, naming the server and the NTP fix", async (t) => {
  await t.step("in sync", () => {
    const check = clockCheck([{ source: "Tempo", serverMs: NOW, localMs: NOW + 2_000 }]);
    assert.equal(check.status, "pass");
  });
  await t.step("two minutes behind", () => {
    const check = clockCheck([
      { source: "traces endpoint", serverMs: NOW, localMs: NOW },
      { source: "Loki", serverMs: NOW, localMs: NOW - 120_000 },
    ]);
    assert.equal(check.status, "fail");
    assert.match(check.detail, /120 s behind Loki's/);
    assert.match(check.hint ?? "", /timedatectl set-ntp true/);
  });
});

Deno.test("clockCheck() skips without any Date header", () => {
  assert.equal(clockCheck([]).status, "skip");
});

Deno.test("dateSample() reads the Date header and ignores a missing or bad one", () => {
  const at = Date.now();
  const ok = dateSample(
    "x",
    new Response(null, { headers: { date: new Date(NOW).toUTCString() } }),
    at,
  );
  assert.equal(ok?.serverMs, NOW);
  assert.equal(dateSample("x", new Response(null, { headers: { date: "soon" } }), at), undefined);
});
