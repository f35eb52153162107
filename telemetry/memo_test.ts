import assert from "node:assert/strict";
import { createMemo } from "./memo.ts";

Deno.test("a memo builds each key once and returns the same object after", () => {
  let builds = 0;
  const memo = createMemo<{ n: number }>();
  const first = memo("GET /greet 200", () => ({ n: ++builds }));
  const again = memo("GET /greet 200", () => ({ n: ++builds }));
  assert.equal(first, again);
  assert.equal(builds, 1);
  assert.notEqual(memo("GET /greet 400", () => ({ n: ++builds })), first);
});

Deno.test("a memo stops remembering past its limit but still answers", () => {
  let builds = 0;
  const memo = createMemo<number>(2);
  memo("a", () => ++builds);
  memo("b", () => ++builds);
  assert.equal(memo("c", () => ++builds), 3);
  assert.equal(memo("c", () => ++builds), 4, "c was not remembered");
  assert.equal(memo("a", () => ++builds), 1, "a still is");
});
