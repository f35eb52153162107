import assert from "node:assert/strict";
import { beforeHangBound } from "./hang_bound.ts";

Deno.test("beforeHangBound() passes an answer or an error through and leaves no timer behind", async () => {
  assert.equal(await beforeHangBound(Promise.resolve(42), "an answer"), 42);
  await assert.rejects(beforeHangBound(Promise.reject(new Error("boom")), "an error"), /boom/);
});
