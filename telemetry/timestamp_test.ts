import assert from "node:assert/strict";
import { isoTimestamp } from "./timestamp.ts";

Deno.test("isoTimestamp formats like Date.prototype.toISOString, millisecond by millisecond", () => {
  for (const millis of [0, 1_795_539_562_390, 1_795_539_562_390, 1_795_539_562_391, 1]) {
    assert.equal(isoTimestamp(millis), new Date(millis).toISOString());
  }
});

Deno.test("isoTimestamp defaults to now", () => {
  const before = Date.now();
  const stamp = Date.parse(isoTimestamp());
  assert.ok(stamp >= before && stamp <= Date.now(), `${stamp} not within [${before}, now]`);
});
