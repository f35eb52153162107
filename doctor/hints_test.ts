import assert from "node:assert/strict";
import { diagnoseNetworkError, HINTS } from "./hints.ts";

const URL_4319 = new URL("http://192.168.1.201:4319/v1/traces");

Deno.test("diagnoseNetworkError() tells refused, timed out, DNS and TLS apart", () => {
  const refused = new TypeError("error sending request", {
    cause: new Error("tcp connect error: Connection refused (os error 111)"),
  });
  assert.equal(
    diagnoseNetworkError(refused, URL_4319).hint,
    HINTS.refused("192.168.1.201", "4319"),
  );
  assert.equal(
    diagnoseNetworkError(new Deno.errors.ConnectionRefused("refused"), URL_4319).hint,
    HINTS.refused("192.168.1.201", "4319"),
  );
  const timeout = new DOMException("Signal timed out.", "TimeoutError");
  assert.equal(
    diagnoseNetworkError(timeout, URL_4319).hint,
    HINTS.timeout("192.168.1.201", "4319"),
  );
  const dns = new TypeError("dns error: failed to lookup address information");
  assert.equal(diagnoseNetworkError(dns, URL_4319).hint, HINTS.dns("192.168.1.201"));
  const tls = new TypeError("invalid peer certificate: UnknownIssuer");
  assert.equal(diagnoseNetworkError(tls, URL_4319).hint, HINTS.tls);
});
