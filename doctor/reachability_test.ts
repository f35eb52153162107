import assert from "node:assert/strict";
import { freePort } from "../testing/free_port.ts";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { checkReachability } from "./reachability.ts";

Deno.test("checkReachability() passes DNS, TCP and HTTP for a listening OTLP receiver", async () => {
  const receiver = await OtlpReceiver.start();
  try {
    const result = await checkReachability("traces", `${receiver.url}/v1/traces`, {
      timeoutMs: 30_000,
    });
    assert.deepEqual(result.checks.map((c) => c.status), ["pass", "pass", "pass"]);
    assert.match(result.checks[2]?.detail ?? "", /answered 405 \(POST only/);
    assert.ok(result.date);
  } finally {
    await receiver.close();
  }
});

Deno.test("checkReachability() fails TCP on a closed port and skips HTTP", async () => {
  const result = await checkReachability("logs", `http://127.0.0.1:${freePort()}/v1/logs`, {
    timeoutMs: 30_000,
  });
  assert.deepEqual(result.checks.map((c) => c.status), ["pass", "fail", "skip"]);
  assert.match(result.checks[1]?.detail ?? "", /connection refused/);
});

Deno.test("checkReachability() connects to the address the lookup found", async () => {
  const receiver = await OtlpReceiver.start();
  try {
    const port = new URL(receiver.url).port;
    const result = await checkReachability("metrics", `http://pi.test:${port}/v1/metrics`, {
      timeoutMs: 30_000,
      lookup: () => Promise.resolve(["127.0.0.1"]),
    });
    assert.equal(result.checks[0]?.detail, "pi.test is 127.0.0.1");
    assert.equal(result.checks[1]?.status, "pass");
  } finally {
    await receiver.close();
  }
});
