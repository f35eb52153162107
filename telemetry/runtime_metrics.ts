/**
 * Process and runtime metrics a Pi owner watches: resident memory, V8 heap,
 * CPU time and event-loop delay. Read only when the metric reader collects,
 * so they cost nothing between exports.
 *
 * @module
 */
import type { BatchObservableResult, Meter, Observable } from "@opentelemetry/api";
import { monitorEventLoopDelay } from "node:perf_hooks";
import process from "node:process";
import {
  NODEJS_EVENTLOOP_DELAY_P99,
  PROCESS_CPU_TIME,
  PROCESS_MEMORY_USAGE,
  V8JS_MEMORY_HEAP_USED,
} from "./instruments.ts";
import { ATTR_CPU_MODE } from "./semconv.ts";

const USER = { [ATTR_CPU_MODE]: "user" };
const SYSTEM = { [ATTR_CPU_MODE]: "system" };

/**
 * Registers the runtime instruments on `meter`.
 *
 * @returns a function that stops the event-loop sampler and removes the callback.
 */
export function registerRuntimeMetrics(meter: Meter): () => void {
  const memory = meter.createObservableUpDownCounter(PROCESS_MEMORY_USAGE.name, {
    unit: PROCESS_MEMORY_USAGE.unit,
    description: PROCESS_MEMORY_USAGE.description,
  });
  const heap = meter.createObservableUpDownCounter(V8JS_MEMORY_HEAP_USED.name, {
    unit: V8JS_MEMORY_HEAP_USED.unit,
    description: V8JS_MEMORY_HEAP_USED.description,
  });
  const cpu = meter.createObservableCounter(PROCESS_CPU_TIME.name, {
    unit: PROCESS_CPU_TIME.unit,
    description: PROCESS_CPU_TIME.description,
  });
  const delay = meter.createObservableGauge(NODEJS_EVENTLOOP_DELAY_P99.name, {
    unit: NODEJS_EVENTLOOP_DELAY_P99.unit,
    description: NODEJS_EVENTLOOP_DELAY_P99.description,
  });
  // Samples the loop every 20 ms in native code; read and reset per export.
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();

  const observables: Observable[] = [memory, heap, cpu, delay];
  const callback = (result: BatchObservableResult): void => {
    const usage = Deno.memoryUsage();
    result.observe(memory, usage.rss);
    result.observe(heap, usage.heapUsed);
    const times = process.cpuUsage();
    result.observe(cpu, times.user / 1e6, USER);
    result.observe(cpu, times.system / 1e6, SYSTEM);
    if (loop.count > 0) result.observe(delay, loop.percentile(99) / 1e9);
    loop.reset();
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    loop.disable();
  };
}
