import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { deployedV8Flags } from "./server.ts";

Deno.test("the bench runs servers with the V8 flags deno task compile and compile:pi bake in", () => {
  const flags = deployedV8Flags();
  assert.ok(flags.length > 0, "deno task compile sets no --v8-flags");
  for (const task of [denoJson.tasks.compile, denoJson.tasks["compile:pi"]]) {
    assert.deepEqual(task.split(/\s+/).filter((w) => w.startsWith("--v8-flags=")), flags);
  }
});
