import assert from "node:assert/strict";
import fc from "fast-check";
import { HttpError } from "./http_error.ts";
import { createGreetHandler, MAX_NAME_LENGTH, parseName } from "./greet.ts";
import { untracedContext } from "./router.ts";
import { createInMemoryTelemetry } from "../testing/in_memory_telemetry.ts";

const SEED = Number(Deno.env.get("FC_SEED") ?? "20261130");
const RUNS = Number(Deno.env.get("FC_RUNS") ?? "2000");

/** The query string of `/greet` with `query` appended, as the handler reads it. */
function greetUrl(query: string): string {
  return new URL(`http://localhost/greet${query}`).search;
}

/** Calls the handler as the router does, with an untraced request context. */
function greetAt(greet: ReturnType<typeof createGreetHandler>, url: string): Response {
  return greet(new Request(url), untracedContext(new URL(url)));
}

function rejection(query: string): string {
  try {
    parseName(greetUrl(query));
  } catch (error: unknown) {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 400);
    return error.detail;
  }
  assert.fail(`expected ${query} to be rejected`);
}

Deno.test("greet() answers Hello, World! without a name", async () => {
  const greet = createGreetHandler();
  const response = greetAt(greet, "http://localhost/greet");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(await response.json(), { message: "Hello, World!" });
});

Deno.test("greet() greets the given name", async () => {
  const greet = createGreetHandler();
  const response = greetAt(greet, "http://localhost/greet?name=Ada");
  assert.deepEqual(await response.json(), { message: "Hello, Ada!" });
});

/** The validation as first written, one regular expression per character: the oracle. */
function parseNameByCharacter(name: string): "ok" | "long" | "bad" {
  const characters = Array.from(name);
  if (characters.length > MAX_NAME_LENGTH) return "long";
  return characters.every((c) => /^[\p{L}\p{M}\p{Nd} \-'._]$/u.test(c)) ? "ok" : "bad";
}

/** Names of allowed characters from several scripts, with disallowed ones mixed in. */
const candidateName = fc.array(
  fc.oneof(
    fc.constantFrom(
      "a",
      "Z",
      "7",
      " ",
      "-",
      "'",
      ".",
      "_",
      "é",
      "e\u0301",
      "李",
      "س",
      "ß",
      "٣",
      "𝒜",
    ),
    fc.constantFrom('"', "\\", "\u0000", "\n", "\u2028", "😀", "\u202e", "<", "\ufffd"),
    fc.string({ unit: "binary", maxLength: 3 }),
  ),
  { minLength: 1, maxLength: 70 },
  // A URL carries UTF-8, where a lone surrogate cannot be written.
).map((parts) => parts.join("").toWellFormed());

Deno.test("greet() answers any accepted name with exactly the JSON of its greeting", () => {
  const greet = createGreetHandler();
  return fc.assert(
    fc.asyncProperty(candidateName, async (raw) => {
      const url = `http://localhost/greet?name=${encodeURIComponent(raw)}`;
      let name: string | undefined;
      try {
        name = parseName(new URL(url).search);
      } catch {
        return; // rejected: a 400, tested below
      }
      const body = await greetAt(greet, url).text();
      assert.equal(body, JSON.stringify({ message: `Hello, ${name}!` }));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

Deno.test("parseName() accepts and rejects exactly what a per-character check does", () => {
  fc.assert(
    fc.property(candidateName, (raw) => {
      const trimmed = raw.normalize("NFC").trim();
      fc.pre(trimmed !== "");
      let verdict: "ok" | "long" | "bad" = "ok";
      try {
        assert.equal(parseName(`?name=${encodeURIComponent(raw)}`), trimmed);
      } catch (error: unknown) {
        assert.ok(error instanceof HttpError, String(error));
        verdict = /at most/.test(error.detail) ? "long" : "bad";
      }
      assert.equal(verdict, parseNameByCharacter(trimmed));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

Deno.test("parseName() accepts", async (t) => {
  await t.step("names trimmed of surrounding spaces", () => {
    assert.equal(parseName(greetUrl("?name=%20%20Ada%20Lovelace%20")), "Ada Lovelace");
  });
  await t.step("letters of any script, with accents composed to NFC", () => {
    assert.equal(parseName(greetUrl("?name=Zo%C3%AB")), "Zoë");
    assert.equal(parseName(greetUrl("?name=Zoe%CC%88")), "Zoë"); // e + combining diaeresis
    assert.equal(parseName(greetUrl("?name=%E6%9D%8E%E9%9B%B7")), "李雷");
    assert.equal(parseName(greetUrl("?name=%D8%B3%D8%A7%D8%B1%D8%A9")), "سارة");
  });
  await t.step("digits and the punctuation - ' . _", () => {
    assert.equal(parseName(greetUrl("?name=O'Brien-Smith_Jr.%202")), "O'Brien-Smith_Jr. 2");
  });
  await t.step(`exactly ${MAX_NAME_LENGTH} characters`, () => {
    const name = "é".repeat(MAX_NAME_LENGTH);
    assert.equal(parseName(greetUrl(`?name=${encodeURIComponent(name)}`)), name);
    // Outside the BMP: 128 UTF-16 code units, 64 characters.
    const astral = "𝒜".repeat(MAX_NAME_LENGTH);
    assert.equal(parseName(greetUrl(`?name=${encodeURIComponent(astral)}`)), astral);
  });
  await t.step("no name at all as undefined", () => {
    assert.equal(parseName(greetUrl("")), undefined);
  });
});

Deno.test("parseName() rejects with a detail saying what is wrong", async (t) => {
  await t.step("an empty or blank name", () => {
    assert.match(rejection("?name="), /must not be empty/);
    assert.match(rejection("?name=%20%20"), /must not be empty/);
  });
  await t.step(`more than ${MAX_NAME_LENGTH} characters`, () => {
    assert.match(rejection(`?name=${"a".repeat(65)}`), /at most 64 characters: got 65/);
    assert.match(
      rejection(`?name=${encodeURIComponent("𝒜".repeat(65))}`),
      /at most 64 characters: got 65/,
    );
  });
  await t.step("markup, quotes and SQL-ish text", () => {
    assert.match(rejection("?name=%3Cscript%3E"), /character 1 is U\+003C/);
    assert.match(rejection("?name=a%22b"), /character 2 is U\+0022/);
    assert.match(rejection("?name=x%3B%20DROP%20TABLE"), /character 2 is U\+003B/);
  });
  await t.step("control characters and line breaks", () => {
    assert.match(rejection("?name=a%0Ab"), /U\+000A/);
    assert.match(rejection("?name=a%00b"), /U\+0000/);
  });
  await t.step("bidi overrides and emoji", () => {
    assert.match(rejection("?name=a%E2%80%AEb"), /U\+202E/);
    assert.match(rejection("?name=%F0%9F%98%80"), /U\+1F600/);
  });
  await t.step("invalid UTF-8 percent-escapes", () => {
    assert.match(rejection("?name=%FF"), /U\+FFFD/);
  });
  await t.step("a repeated name parameter", () => {
    assert.match(rejection("?name=a&name=b"), /at most once: got 2 values/);
  });
});

Deno.test("greet() counts greetings by kind, never by name", async () => {
  const telemetry = createInMemoryTelemetry();
  try {
    const greet = createGreetHandler({ meter: telemetry.meter });
    greetAt(greet, "http://localhost/greet");
    greetAt(greet, "http://localhost/greet?name=Ada");
    greetAt(greet, "http://localhost/greet?name=Grace");
    const counter = (await telemetry.metrics()).get("app.greetings");
    assert.ok(counter, "app.greetings was not recorded");
    const points = counter.dataPoints.map((p) => [p.attributes, p.value]);
    assert.deepEqual(
      points.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [[{ "app.greeting.kind": "default" }, 1], [{ "app.greeting.kind": "named" }, 2]],
    );
  } finally {
    await telemetry.shutdown();
  }
});
