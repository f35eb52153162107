import assert from "node:assert/strict";
import {
  type FixedRateRun,
  latencyFigures,
  percentile,
  renderFixedRateTable,
  summarizeFixedRate,
} from "./fixed_rate.ts";

Deno.test("percentile() is the nearest rank: the smallest value with that share at or below it", () => {
  const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 0.5), 500);
  assert.equal(percentile(sorted, 0.99), 990);
  assert.equal(percentile(sorted, 0.999), 999);
  assert.equal(percentile(sorted, 1), 1000);
  assert.equal(percentile([7], 0.999), 7);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

Deno.test("latencyFigures() takes p50, p99, p99.9 and max from vegeta's sorted latencies", () => {
  const latenciesMs = Array.from({ length: 2000 }, (_, i) => (i + 1) / 100);
  assert.deepEqual(latencyFigures({ requests: 2000, errors: 3, latenciesMs }), {
    requests: 2000,
    errors: 3,
    p50Ms: 10,
    p99Ms: 19.8,
    p999Ms: 19.98,
    maxMs: 20,
  });
});

function run(
  configuration: string,
  p99Ms: number,
  extra: Partial<FixedRateRun> = {},
): FixedRateRun {
  return {
    configuration,
    rate: 1000,
    requests: 20_000,
    errors: 0,
    p50Ms: p99Ms / 4,
    p99Ms,
    p999Ms: p99Ms * 2,
    maxMs: p99Ms * 3,
    cpuMicrosPerRequest: 10,
    rssAfterLoadMb: 50,
    requestsServed: 20_001,
    spansReceived: 0,
    logsReceived: 0,
    ...extra,
  };
}

Deno.test("summarizeFixedRate() gives medians with their spread, the worst max and delivery over all rounds", () => {
  const runs = [
    run("bare", 0.5),
    run("service", 2, { spansReceived: 20_001, logsReceived: 20_000, errors: 1 }),
    run("bare", 0.7),
    run("service", 4, { spansReceived: 20_001, logsReceived: 20_001 }),
    run("bare", 0.6),
    run("service", 3, { spansReceived: 20_001, logsReceived: 20_001, maxMs: 40 }),
  ];
  const [bare, service] = summarizeFixedRate(runs, ["bare", "service"]);
  assert.ok(bare && service);
  assert.deepEqual(service.p99Ms, { median: 3, min: 2, max: 4 });
  assert.equal(service.p99RatioToBare, 3 / 0.6);
  assert.deepEqual(service.p999Ms, { median: 6, min: 4, max: 8 });
  assert.equal(service.maxMs, 40);
  assert.equal(service.errors, 1);
  assert.equal(service.spansDelivered, "60003/60003");
  assert.equal(service.logsDelivered, "60002/60003");
  assert.equal(bare.spansDelivered, "-");
  const table = renderFixedRateTable([bare, service]).split("\n");
  assert.equal(table.length, 4);
  assert.match(table[3] ?? "", /^\| service \| 0\.75 \| 3\.00 \(2\.00-4\.00\) \| 5\.00 \| 6\.00/);
});
