import assert from "node:assert/strict";
import { HttpError } from "./http_error.ts";
import { createGreetHandler, MAX_NAME_LENGTH, parseName } from "./greet.ts";
import { createInMemoryTelemetry } from "../testing/in_memory_telemetry.ts";

function greetUrl(query: string): URLSearchParams {
  return new URL(`http://localhost/greet${query}`).searchParams;
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
  const response = greet(new Request("http://localhost/greet"));
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(await response.json(), { message: "Hello, World!" });
});

Deno.test("greet() greets the given name", async () => {
  const greet = createGreetHandler();
  const response = greet(new Request("http://localhost/greet?name=Ada"));
  assert.deepEqual(await response.json(), { message: "Hello, Ada!" });
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
    greet(new Request("http://localhost/greet"));
    greet(new Request("http://localhost/greet?name=Ada"));
    greet(new Request("http://localhost/greet?name=Grace"));
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
