/**
 * The OTLP metric exporter: the OTLP packages' exporter machinery
 * (`OTLPExporterBase`: concurrency limit, partial success, the transport)
 * with the aggregation temporality the configuration chose.
 *
 * Why not `OTLPMetricExporterBase` from
 * `@opentelemetry/exporter-metrics-otlp-http`, which does the same: that
 * package's entry point also evaluates its Node exporter, which loads Node's
 * `http`, `https` and `zlib` modules. The service sends with `fetch` and never
 * uses them, yet they cost every start, in time and in resident memory (see
 * "Start-up" in docs/performance.md). The three selectors below are the
 * package's, and metric_exporter_test.ts checks them against it for every
 * instrument type.
 *
 * @module
 */
import { type IOtlpExportDelegate, OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import {
  type AggregationOption,
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { TemporalityPreference } from "./config.ts";

/** The instruments each preference reports as deltas; every other one is cumulative. */
const DELTA_INSTRUMENTS: Readonly<Record<TemporalityPreference, ReadonlySet<InstrumentType>>> = {
  cumulative: new Set(),
  // Monotonic sums, histograms and gauges; up-down counters stay cumulative.
  delta: new Set([
    InstrumentType.COUNTER,
    InstrumentType.OBSERVABLE_COUNTER,
    InstrumentType.GAUGE,
    InstrumentType.HISTOGRAM,
    InstrumentType.OBSERVABLE_GAUGE,
  ]),
  // Only the synchronous sums and histograms, whose cumulative state is what costs memory.
  lowmemory: new Set([InstrumentType.COUNTER, InstrumentType.HISTOGRAM]),
};

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });

/** The temporality `preference` gives an instrument of `type`. */
export function temporalityFor(
  preference: TemporalityPreference,
  type: InstrumentType,
): AggregationTemporality {
  return DELTA_INSTRUMENTS[preference].has(type)
    ? AggregationTemporality.DELTA
    : AggregationTemporality.CUMULATIVE;
}

/** An OTLP metric exporter over `delegate`, reporting with `preference`'s temporality. */
export class OtlpMetricExporter extends OTLPExporterBase<ResourceMetrics>
  implements PushMetricExporter {
  readonly #preference: TemporalityPreference;

  constructor(delegate: IOtlpExportDelegate<ResourceMetrics>, preference: TemporalityPreference) {
    super(delegate);
    this.#preference = preference;
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return temporalityFor(this.#preference, type);
  }

  selectAggregation(_type: InstrumentType): AggregationOption {
    return DEFAULT_AGGREGATION;
  }
}
