import assert from "node:assert/strict";
import { statusMessage } from "./rpc_status.ts";

/** What Loki 3.7.6 sent back for an OTLP push it refused (captured from the real binary). */
const LOKI_REFUSAL = new Uint8Array([
  0x12,
  0x26,
  ...new TextEncoder().encode("stream '{service_name=\"x\"}' includes.."),
]);

Deno.test("statusMessage() reads the message of a google.rpc.Status", () => {
  assert.equal(statusMessage(LOKI_REFUSAL), "stream '{service_name=\"x\"}' includes..");
  // code = 3 (INVALID_ARGUMENT) before the message.
  assert.equal(statusMessage(new Uint8Array([0x08, 0x03, 0x12, 0x02, 0x68, 0x69])), "hi");
});

Deno.test("statusMessage() is undefined for what is not a Status", () => {
  assert.equal(statusMessage(new TextEncoder().encode("404 page not found\n")), undefined);
  assert.equal(statusMessage(new Uint8Array([0x12, 0x10, 0x68])), undefined, "cut short");
  assert.equal(statusMessage(new Uint8Array([])), undefined);
});
