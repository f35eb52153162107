import assert from "node:assert/strict";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { ExportMonitor } from "./export_health.ts";
import { createLogger } from "./logger.ts";

/** An exporter whose results the test decides. */
class ScriptedExporter {
  results: ExportResult[] = [];
  export(_items: number[], done: (result: ExportResult) => void): void {
    done(this.results.shift() ?? { code: ExportResultCode.SUCCESS });
  }
}

const FAILED: ExportResult = { code: ExportResultCode.FAILED, error: new Error("ECONNREFUSED") };
const OK: ExportResult = { code: ExportResultCode.SUCCESS };

Deno.test("an outage is logged once when it starts and once when it ends, with what was lost", () => {
  const lines: string[] = [];
  const monitor = new ExportMonitor(
    createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }),
  );
  const exporter = monitor.watch("traces", "http://pi:4319/v1/traces", new ScriptedExporter(), (
    items: number[],
  ) => items.length);
  exporter.results = [OK, FAILED, FAILED, FAILED, OK, OK];
  const results: ExportResultCode[] = [];
  for (let i = 0; i < 6; i++) exporter.export([1, 2, 3], (r) => results.push(r.code));

  assert.deepEqual(results, [0, 1, 1, 1, 0, 0], "results reach the processor unchanged");
  const records = lines.map((l) => JSON.parse(l));
  assert.deepEqual(records.map((r) => r.level), ["WARN", "INFO"]);
  assert.equal(records[0]["url.full"], "http://pi:4319/v1/traces");
  assert.equal(records[0]["error.message"], "ECONNREFUSED");
  assert.equal(records[1]["otel.export.dropped_items"], 9);
  assert.deepEqual(monitor.health("traces"), {
    exported: 3,
    failedExports: 3,
    droppedItems: 9,
    pendingItems: 0,
    recordedItems: 0,
    deliveredItems: 9,
    failing: false,
    lastError: "ECONNREFUSED",
  });
});

Deno.test("items of an export still in flight are counted as pending", () => {
  const monitor = new ExportMonitor(
    createLogger({ level: "error", format: "json", write: () => {} }),
  );
  const never = { export(_items: number[], _done: (r: ExportResult) => void): void {} };
  monitor.watch("logs", "http://x/v1/logs", never, (items: number[]) => items.length)
    .export([1, 2], () => {});
  assert.equal(monitor.health("logs").pendingItems, 2);
});

Deno.test("recorded items are counted apart from delivered ones, so queue drops show as the difference", () => {
  const monitor = new ExportMonitor(
    createLogger({ level: "error", format: "json", write: () => {} }),
  );
  const exporter = monitor.watch("traces", "http://x/v1/traces", new ScriptedExporter(), (
    items: number[],
  ) => items.length);
  const recorded = monitor.recorder("traces");
  for (let i = 0; i < 5; i++) recorded();
  exporter.export([1, 2], () => {});
  assert.equal(monitor.health("traces").recordedItems, 5);
  assert.equal(monitor.health("traces").deliveredItems, 2);
});

/** An exporter that holds each export until the test answers it. */
class HeldExporter {
  readonly held: ((result: ExportResult) => void)[] = [];
  export(_items: number[], done: (result: ExportResult) => void): void {
    this.held.push(done);
  }
}

function heldMonitor(): { lines: string[]; exporter: HeldExporter; monitor: ExportMonitor } {
  const lines: string[] = [];
  const monitor = new ExportMonitor(
    createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }),
  );
  const exporter = monitor.watch(
    "metrics",
    "http://pi:4319/v1/metrics",
    new HeldExporter(),
    (items: number[]) => items.length,
  );
  return { lines, exporter, monitor };
}

Deno.test("overlapping exports are judged in the order they started, not the order they ended", async (t) => {
  await t.step("an older export failing after a newer one succeeded starts no outage", () => {
    const { lines, exporter, monitor } = heldMonitor();
    exporter.export([1], () => {});
    exporter.export([2], () => {});
    const [older, newer] = exporter.held;
    newer?.(OK);
    older?.(FAILED);
    assert.deepEqual(lines, [], "no warning: the endpoint answered the newer export");
    assert.equal(monitor.health("metrics").failing, false);
    assert.equal(monitor.health("metrics").droppedItems, 1, "its items are still counted as lost");
  });

  await t.step("an older export succeeding during an outage does not end it", () => {
    const { lines, exporter, monitor } = heldMonitor();
    for (let i = 0; i < 3; i++) exporter.export([i], () => {});
    const [first, second, third] = exporter.held;
    second?.(FAILED);
    first?.(OK);
    assert.equal(monitor.health("metrics").failing, true, "the outage began with the second");
    third?.(OK);
    const levels = lines.map((l) => JSON.parse(l).level);
    assert.deepEqual(levels, ["WARN", "INFO"], "one warning, one recovery, in that order");
    assert.equal(monitor.health("metrics").failing, false);
  });
});
