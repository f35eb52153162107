/**
 * `queryValues()` against its oracle, `URLSearchParams`, over the queries a
 * parsed URL can carry. A fixed seed keeps CI reproducible; `FC_SEED=<n>` and
 * `FC_RUNS=<n>` explore further.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { queryValues } from "./query.ts";

const SEED = Number(Deno.env.get("FC_SEED") ?? "20261130");
const RUNS = Number(Deno.env.get("FC_RUNS") ?? "2000");

/** The query of a URL with `query` after the `?`, as `Deno.serve`'s request URL carries it. */
function searchOf(query: string): string {
  return new URL(`http://localhost/greet?${query}`).search;
}

Deno.test("queryValues() reads plain, repeated, empty and missing parameters", () => {
  assert.deepEqual(queryValues(searchOf("name=Ada"), "name"), ["Ada"]);
  assert.deepEqual(queryValues(searchOf("a=1&name=Ada&name=Grace"), "name"), ["Ada", "Grace"]);
  assert.deepEqual(queryValues(searchOf("name=&name"), "name"), ["", ""]);
  assert.deepEqual(queryValues(searchOf("names=x&nam=y"), "name"), []);
  assert.deepEqual(queryValues("", "name"), []);
  assert.deepEqual(queryValues("?", "name"), []);
});

Deno.test("queryValues() decodes as a form does: + is a space, escapes are UTF-8", () => {
  assert.deepEqual(queryValues(searchOf("name=Ada+Lovelace%2B1"), "name"), ["Ada Lovelace+1"]);
  assert.deepEqual(queryValues(searchOf("na%6De=Zo%C3%AB"), "name"), ["Zoë"]);
  assert.deepEqual(queryValues(searchOf("name=a=b"), "name"), ["a=b"]);
});

Deno.test("queryValues() keeps a stray % and turns invalid UTF-8 into U+FFFD, as URLSearchParams does", () => {
  assert.deepEqual(queryValues(searchOf("name=100%"), "name"), ["100%"]);
  assert.deepEqual(queryValues(searchOf("name=%zz"), "name"), ["%zz"]);
  assert.deepEqual(queryValues(searchOf("name=%FF"), "name"), ["\uFFFD"]);
  assert.deepEqual(queryValues(searchOf("name=%ED%A0%80"), "name"), ["\uFFFD\uFFFD\uFFFD"]);
});

/** Text made of what matters to the decoder (+, escapes good and bad, = and &) and any Unicode. */
const text = fc.array(
  fc.oneof(
    fc.constantFrom("+", "%", "%2", "%2B", "%26", "%3D", "=", "&"),
    fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) =>
      [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")
    ),
    fc.string({ unit: "binary", maxLength: 6 }),
  ),
  { maxLength: 6 },
).map((parts) => parts.join(""));

/** `key=value` pairs whose keys are often `name`, plainly or escaped. */
const queryText = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom("name", "na%6De", "%6e%61%6d%65", "nam+e"), text),
    fc.option(text),
  ).map(([key, value]) => value === null ? key : `${key}=${value}`),
  { maxLength: 5 },
).map((pairs) => pairs.join("&"));

Deno.test("queryValues() returns what URLSearchParams.getAll() returns for any query", () => {
  fc.assert(
    fc.property(queryText, fc.constantFrom("name", "nam e", "é"), (query, key) => {
      const url = new URL(`http://localhost/greet?${query}`);
      assert.deepEqual(queryValues(url.search, key), url.searchParams.getAll(key));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});
