import assert from "node:assert/strict";
import { HttpError } from "./http_error.ts";
import { createRouter, type RequestContext, untracedContext } from "./router.ts";

const ok = (): Response => new Response("body", { headers: { "x-from": "get" } });
const router = createRouter([
  { path: "/greet", methods: { GET: ok }, traced: true },
  { path: "/healthz", methods: { GET: ok }, traced: false },
]);

function contextOf(url: string): RequestContext {
  return untracedContext(new URL(url));
}

async function thrown(promise: () => unknown): Promise<HttpError> {
  try {
    await promise();
  } catch (error: unknown) {
    assert.ok(error instanceof HttpError);
    return error;
  }
  assert.fail("expected an HttpError");
}

Deno.test("router matches a known path and method with its route template", () => {
  const match = router("GET", "/greet");
  assert.equal(match.route, "/greet");
  assert.equal(match.traced, true);
  assert.equal(router("GET", "/healthz").traced, false);
});

Deno.test("router serves HEAD with the GET handler, its content-length and no body", async () => {
  const request = new Request("http://x/greet", { method: "HEAD" });
  const response = await router("HEAD", "/greet").handler(request, contextOf(request.url));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-from"), "get");
  // The length GET's body has, as RFC 9110 asks of HEAD.
  assert.equal(response.headers.get("content-length"), "4");
  assert.equal(response.body, null);
});

Deno.test("router answers 405 with an Allow header for a known path", async () => {
  const match = router("POST", "/greet");
  assert.equal(match.route, "/greet");
  const error = await thrown(() =>
    match.handler(new Request("http://x/greet", { method: "POST" }), contextOf("http://x/greet"))
  );
  assert.equal(error.status, 405);
  assert.equal(error.headers.allow, "GET, HEAD");
  assert.match(error.detail, /does not support POST: use GET, HEAD/);
});

Deno.test("router answers 404 without a route for an unknown path", async () => {
  const match = router("GET", "/greet/extra");
  assert.equal(match.route, undefined);
  const error = await thrown(() =>
    match.handler(new Request("http://x/greet/extra"), contextOf("http://x/greet/extra"))
  );
  assert.equal(error.status, 404);
  assert.match(error.detail, /No resource at \/greet\/extra/);
});
