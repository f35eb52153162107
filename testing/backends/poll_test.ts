import assert from "node:assert/strict";
import { pollFor } from "./poll.ts";

Deno.test("pollFor() resolves with the first answer that is done, asking again until then", async () => {
  let asked = 0;
  const answer = await pollFor(() => Promise.resolve(++asked), (n) => n === 3, { what: "3" });
  assert.equal(answer, 3);
  assert.equal(asked, 3);
});

Deno.test("pollFor() gives up at its deadline, naming what it waited for and the last answer", async () => {
  await assert.rejects(
    pollFor(() => Promise.resolve([]), (r) => r.length > 0, { what: "a series", timeoutMs: 250 }),
    /^Error: Timed out after 250 ms waiting for a series: last answer: \[\]$/,
  );
  await assert.rejects(
    pollFor(() => Promise.reject(new Error("refused")), () => true, {
      what: "Loki",
      timeoutMs: 150,
    }),
    /waiting for Loki: last error: refused$/,
  );
});
