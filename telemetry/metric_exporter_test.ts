import assert from "node:assert/strict";
import {
  CumulativeTemporalitySelector,
  DeltaTemporalitySelector,
  LowMemoryTemporalitySelector,
  OTLPMetricExporterBase,
} from "@opentelemetry/exporter-metrics-otlp-http";
import type { IOtlpExportDelegate } from "@opentelemetry/otlp-exporter-base";
import { AggregationType, InstrumentType, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { TEMPORALITY_PREFERENCES } from "./config.ts";
import { OtlpMetricExporter, temporalityFor } from "./metric_exporter.ts";

// The package's exporter, which the service no longer imports (it loads
// Node's http modules), is the oracle for every preference and instrument.
const ORACLE = {
  cumulative: CumulativeTemporalitySelector,
  delta: DeltaTemporalitySelector,
  lowmemory: LowMemoryTemporalitySelector,
} as const;
const INSTRUMENTS = Object.values(InstrumentType);

const idle: IOtlpExportDelegate<ResourceMetrics> = {
  export: (_items, callback) => callback({ code: 0 }),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
  setMetrics: () => {},
};

Deno.test("temporalityFor() gives each instrument the temporality the OTLP metric exporter package gives it", () => {
  assert.equal(INSTRUMENTS.length, 7);
  for (const preference of TEMPORALITY_PREFERENCES) {
    for (const type of INSTRUMENTS) {
      assert.equal(
        temporalityFor(preference, type),
        ORACLE[preference](type),
        `${preference} ${type}`,
      );
    }
  }
});

Deno.test("OtlpMetricExporter answers the reader as OTLPMetricExporterBase does, and exports through its delegate", () => {
  const preferences = { cumulative: 1, delta: 0, lowmemory: 2 } as const;
  for (const preference of TEMPORALITY_PREFERENCES) {
    const ours = new OtlpMetricExporter(idle, preference);
    const theirs = new OTLPMetricExporterBase(idle, {
      temporalityPreference: preferences[preference],
    });
    for (const type of INSTRUMENTS) {
      assert.equal(
        ours.selectAggregationTemporality(type),
        theirs.selectAggregationTemporality(type),
      );
      assert.deepEqual(ours.selectAggregation(type), theirs.selectAggregation(type));
      assert.equal(ours.selectAggregation(type).type, AggregationType.DEFAULT);
    }
  }
  const exported: ResourceMetrics[] = [];
  const exporter = new OtlpMetricExporter({
    ...idle,
    export: (items, callback) => {
      exported.push(items);
      callback({ code: 0 });
    },
  }, "cumulative");
  const batch = { resource: {}, scopeMetrics: [] } as unknown as ResourceMetrics;
  let code: number | undefined;
  exporter.export(batch, (result) => code = result.code);
  assert.deepEqual(exported, [batch]);
  assert.equal(code, 0);
});
