/**
 * The request context answers every `getValue` as the API's own context
 * does after the same `setValue` and `deleteValue` calls, and the API,
 * the SDK and the context manager use it as any other context.
 */
import assert from "node:assert/strict";
import { context, createContextKey, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import fc from "fast-check";
import { REQUEST_ROOT } from "./request_context.ts";

const KEYS = [createContextKey("a"), createContextKey("b"), createContextKey("c")];

const operation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key: fc.nat(2), value: fc.anything() }),
  fc.record({ kind: fc.constant("delete" as const), key: fc.nat(2) }),
);

Deno.test("REQUEST_ROOT: after any sequence of set and delete, every key reads as in the API's context", () => {
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 12 }), (operations) => {
      let ours = REQUEST_ROOT;
      let api = ROOT_CONTEXT;
      const kept = [{ ours, api }];
      for (const op of operations) {
        const key = KEYS[op.key];
        assert.ok(key !== undefined);
        if (op.kind === "set") {
          ours = ours.setValue(key, op.value);
          api = api.setValue(key, op.value);
        } else {
          ours = ours.deleteValue(key);
          api = api.deleteValue(key);
        }
        kept.push({ ours, api });
      }
      // Every intermediate context is unchanged by what was derived from it.
      for (const { ours, api } of kept) {
        for (const key of KEYS) assert.equal(ours.getValue(key), api.getValue(key));
      }
    }),
    { seed: 20261130, numRuns: 2000 },
  );
});

Deno.test("REQUEST_ROOT: a traceparent extracted into it gives the same span context as into ROOT_CONTEXT", () => {
  const propagator = new W3CTraceContextPropagator();
  const carrier = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
  const getter = {
    get: (c: Record<string, string>, k: string) => c[k],
    keys: (c: Record<string, string>) => Object.keys(c),
  };
  const ours = propagator.extract(REQUEST_ROOT, carrier, getter);
  const api = propagator.extract(ROOT_CONTEXT, carrier, getter);
  assert.deepEqual(trace.getSpanContext(ours), trace.getSpanContext(api));
});

Deno.test("REQUEST_ROOT: context.with() makes it active under the AsyncLocalStorage context manager, across await", async () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  try {
    const key = createContextKey("request");
    const ctx = REQUEST_ROOT.setValue(key, "value");
    const seen = await manager.with(ctx, async () => {
      await Promise.resolve();
      return manager.active().getValue(key);
    });
    assert.equal(seen, "value");
    assert.equal(context.active().getValue(key), undefined, "the global context is untouched");
  } finally {
    manager.disable();
  }
});
