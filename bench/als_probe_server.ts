/**
 * A reproduction, without OpenTelemetry, of what makes V8's young-generation
 * collections slow under the SDK: entering an `AsyncLocalStorage` once per
 * request with a fresh value (as the SDK's context manager does with every
 * request's context, which holds a `Map`). The values survive scavenges they
 * should not, so the young generation grows and each scavenge copies them.
 *
 * Run it pinned, load it, and read the scavenge pauses:
 *
 *   ALS_VALUE=map taskset -c 0 deno run --allow-net=127.0.0.1 --allow-env=PORT,ALS_VALUE \
 *     --v8-flags=--trace-gc bench/als_probe_server.ts | grep Scavenge
 *   taskset -c 1 wrk -t1 -c50 -d6s --latency http://127.0.0.1:8000/
 *
 * `ALS_VALUE`: `none` (no AsyncLocalStorage), `object` (an object holding an
 * object) or `map` (an object holding a `Map`). Deno 2.9.6 on the reference
 * machine, 6 s of wrk: scavenges of 0.07, 2.9 and 7.8 ms each; p99 0.76, 7.1
 * and 9.5 ms; CPU per request about the same.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

type Mode = "none" | "object" | "map";
const mode = (Deno.env.get("ALS_VALUE") ?? "map") as Mode;
if (!["none", "object", "map"].includes(mode)) {
  throw new Error(`ALS_VALUE must be none, object or map: current value is "${mode}"`);
}
const storage = new AsyncLocalStorage<object>();
const body = JSON.stringify({ message: "Hello, Ada!" });
const headers = { "content-type": "application/json" };
const fresh = (): object =>
  mode === "map" ? { values: new Map([[Symbol.for("span"), {}]]) } : { span: {} };

Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? "8000"), onListen: () => {} },
  () => {
    if (mode !== "none") storage.run(fresh(), () => 1);
    return new Response(body, { headers });
  },
);
