import assert from "node:assert/strict";
import { requestUrl } from "./request_url.ts";

Deno.test("requestUrl parses a request's URL once and returns the same object after", () => {
  const req = new Request("http://pi.local:8000/greet?name=Ada%20L");
  const url = requestUrl(req);
  assert.equal(url.pathname, "/greet");
  assert.equal(url.searchParams.get("name"), "Ada L");
  assert.equal(requestUrl(req), url);
});

Deno.test("requestUrl keeps each request's URL apart", () => {
  const a = new Request("http://127.0.0.1/greet?name=A");
  const b = new Request("http://127.0.0.1/greet?name=B");
  assert.equal(requestUrl(a).searchParams.get("name"), "A");
  assert.equal(requestUrl(b).searchParams.get("name"), "B");
});
