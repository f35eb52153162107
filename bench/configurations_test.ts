import assert from "node:assert/strict";
import { CONFIGURATIONS, roundOrder } from "./configurations.ts";

Deno.test("rounds alternate the rows' order, so no row always follows the same one", () => {
  const rows = ["bare", "off", "full"];
  assert.deepEqual(roundOrder(rows, 1), ["bare", "off", "full"]);
  assert.deepEqual(roundOrder(rows, 2), ["full", "off", "bare"]);
  assert.deepEqual(roundOrder(rows, 3), ["bare", "off", "full"]);
  assert.deepEqual(rows, ["bare", "off", "full"], "the list itself is left as it is");
  const names = CONFIGURATIONS.map((c) => c.name);
  const predecessor = (round: number, name: string): string | undefined => {
    const order = roundOrder(names, round);
    return order[order.indexOf(name) - 1];
  };
  for (const name of names.slice(1, -1)) {
    assert.notEqual(predecessor(1, name), predecessor(2, name), name);
  }
});
