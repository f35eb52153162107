import assert from "node:assert/strict";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { FakeStack } from "./_fake_stack.ts";
import { checkStack } from "./stack_checks.ts";

Deno.test("checkStack() looks only for signals whose export was accepted, and always checks Grafana", async () => {
  const receiver = await OtlpReceiver.start();
  const stack = await FakeStack.start(receiver);
  try {
    const result = await checkStack({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      serviceName: "greet-api",
      instanceId: "instance-1",
      accepted: { traces: false, metrics: false, logs: false },
    }, {
      urls: stack.urls,
      waitMs: 30_000,
      timeoutMs: 30_000,
      grafanaAuth: { user: "admin", password: "secret" },
    });
    assert.deepEqual(
      result.checks.map((c) => `${c.id} ${c.status}`),
      [
        "stack.tempo skip",
        "stack.loki skip",
        "stack.prometheus skip",
        "stack.grafana.prometheus pass",
        "stack.grafana.tempo pass",
        "stack.grafana.loki pass",
      ],
    );
    assert.deepEqual(stack.requests.tempo, []);
    assert.deepEqual(result.dates.map((d) => d.source), ["Grafana"]);
  } finally {
    await stack.close();
    await receiver.close();
  }
});

Deno.test("checkStack() does not take another instance's metric for this run's", async () => {
  const receiver = await OtlpReceiver.start();
  const stack = await FakeStack.start(receiver);
  try {
    // An earlier run's metric, from another service.instance.id.
    const response = await fetch(`${receiver.url}/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        resourceMetrics: [{
          resource: {
            attributes: [{ key: "service.instance.id", value: { stringValue: "earlier" } }],
          },
          scopeMetrics: [{
            metrics: [{
              name: "app.doctor.probes",
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [{ asInt: "1", timeUnixNano: "1" }],
              },
            }],
          }],
        }],
      }),
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const result = await checkStack({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      serviceName: "greet-api",
      instanceId: "this-run",
      accepted: { traces: false, metrics: true, logs: false },
    }, { urls: stack.urls, waitMs: 300, timeoutMs: 30_000 });
    const prometheus = result.checks.find((c) => c.id === "stack.prometheus");
    assert.equal(prometheus?.status, "fail");
    assert.match(prometheus?.detail ?? "", /instance="this-run"\} has no sample/);
  } finally {
    await stack.close();
    await receiver.close();
  }
});

Deno.test("checkStack() reports as missing a trace Tempo answers with 200 and an empty trace", async () => {
  const receiver = await OtlpReceiver.start();
  const stack = await FakeStack.start(receiver);
  try {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    // What Tempo 3.0.3 answers for an id it does not hold, as the fake does.
    const answer = await fetch(`${stack.urls.tempo}/api/v2/traces/${traceId}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { trace: {}, metrics: {} });
    const result = await checkStack({
      traceId,
      serviceName: "greet-api",
      instanceId: "instance-1",
      accepted: { traces: true, metrics: false, logs: false },
    }, { urls: stack.urls, waitMs: 300, timeoutMs: 30_000 });
    const tempo = result.checks.find((c) => c.id === "stack.tempo");
    assert.equal(tempo?.status, "fail", JSON.stringify(tempo));
    assert.match(tempo?.detail ?? "", new RegExp(`trace ${traceId} not found within`));
    assert.match(tempo?.hint ?? "", /Alloy's traces pipeline/);
  } finally {
    await stack.close();
    await receiver.close();
  }
});
