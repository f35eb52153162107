import assert from "node:assert/strict";
import { escapeUntrusted, MAX_UNTRUSTED_LENGTH } from "./escape.ts";

Deno.test("escapeUntrusted() keeps ordinary text of any script unchanged", () => {
  assert.equal(escapeUntrusted("/greet?name=Zoë 李雷 😀"), "/greet?name=Zoë 李雷 😀");
});

Deno.test("escapeUntrusted() escapes controls, bidi overrides, separators and lone surrogates", () => {
  assert.equal(escapeUntrusted("a\r\nb"), "a\\u000d\\u000ab");
  assert.equal(escapeUntrusted("\u202Eevil"), "\\u202eevil");
  assert.equal(escapeUntrusted("a\u2028b"), "a\\u2028b");
  assert.equal(escapeUntrusted("\uD800x"), "\\ud800x");
  assert.equal(escapeUntrusted("\u200Bhidden"), "\\u200bhidden");
});

Deno.test("escapeUntrusted() cuts long values and says how much was cut", () => {
  const out = escapeUntrusted("a".repeat(1_000_000));
  assert.equal(
    out,
    `${"a".repeat(MAX_UNTRUSTED_LENGTH)}...(${1_000_000 - MAX_UNTRUSTED_LENGTH} more)`,
  );
});
