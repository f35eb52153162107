import assert from "node:assert/strict";
import { maskHeaders, parseHeaders, signalHeaders } from "./headers.ts";

Deno.test("parseHeaders() splits pairs, lower-cases names and percent-decodes values", () => {
  assert.deepEqual(parseHeaders("Authorization=Bearer%20x, X-Scope-OrgID=pi,broken"), {
    authorization: "Bearer x",
    "x-scope-orgid": "pi",
  });
});

Deno.test("signalHeaders() lets the per-signal variable override the general one key by key", () => {
  const resolved = signalHeaders({
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=a,x-tenant=t",
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: "authorization=b",
  }, "logs");
  assert.deepEqual(resolved.headers, { authorization: "b", "x-tenant": "t" });
  assert.equal(resolved.source, "OTEL_EXPORTER_OTLP_HEADERS + OTEL_EXPORTER_OTLP_LOGS_HEADERS");
  assert.deepEqual(signalHeaders({}, "traces"), { headers: {}, source: "default" });
});

Deno.test("maskHeaders() prints names only, never a value", () => {
  const masked = maskHeaders(parseHeaders("authorization=Bearer secret-token"));
  assert.equal(masked, "authorization=****");
  assert.doesNotMatch(masked, /secret/);
  assert.equal(maskHeaders({}), "(none)");
});
