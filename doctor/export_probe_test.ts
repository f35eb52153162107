import assert from "node:assert/strict";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { diagnoseStatus, sendExport } from "./export_probe.ts";
import { HINTS } from "./hints.ts";

Deno.test("diagnoseStatus() gives each known status its hint", () => {
  const cases: [number, string, string][] = [
    [404, "404 page not found", HINTS.path],
    [400, "bad request", HINTS.payload],
    [415, "unsupported media type", HINTS.mediaType],
    [401, "", HINTS.auth],
    [503, "memory limiter", HINTS.overloaded],
    [400, "includes structured metadata, but this feature is disallowed", HINTS.structuredMetadata],
  ];
  for (const [status, body, hint] of cases) {
    assert.equal(diagnoseStatus(status, body).hint, hint, `HTTP ${status} ${body}`);
  }
});

Deno.test("sendExport() reports a JSON partial success with rejected items as a failure", async () => {
  const receiver = await OtlpReceiver.start({
    respond: () =>
      Response.json({ partialSuccess: { rejectedSpans: "1", errorMessage: "span too old" } }),
  });
  try {
    const body = JSON.stringify({ resourceSpans: [] });
    const result = await sendExport(
      {
        signal: "traces",
        enabled: true,
        disabledReason: "",
        url: `${receiver.url}/v1/traces`,
        protocol: "http/json",
        headers: {},
        compression: "none",
      },
      new TextEncoder().encode(body),
      { timeoutMs: 30_000 },
    );
    assert.equal(result.accepted, false);
    assert.equal(result.check.status, "fail");
    assert.match(result.check.detail, /1 rejected: span too old/);
    assert.ok(result.date, "the Date header is read");
  } finally {
    await receiver.close();
  }
});
