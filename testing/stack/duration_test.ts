import assert from "node:assert/strict";
import { parseDuration } from "./duration.ts";

Deno.test("parseDuration() reads single and compound Go durations", () => {
  assert.equal(parseDuration("72h"), 72 * 3_600_000);
  assert.equal(parseDuration("1h30m"), 90 * 60_000);
  assert.equal(parseDuration("15d"), 15 * 86_400_000);
  assert.equal(parseDuration("500ms"), 500);
});

Deno.test("parseDuration() rejects text that is not a duration", () => {
  assert.throws(() => parseDuration("72"), /Cannot read duration/);
  assert.throws(() => parseDuration("3 days"), /Cannot read duration/);
});
