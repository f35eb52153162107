import assert from "node:assert/strict";
import { parseWrk } from "./wrk.ts";

const REPORT = `Running 5s test @ http://127.0.0.1:8141/greet?name=Ada
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.31ms  212.13us   5.40ms   91.02%
    Req/Sec    38.15k     1.10k   39.90k    72.00%
  Latency Distribution
     50%    1.28ms
     75%    1.36ms
     90%    1.46ms
     99%  920.00us
  189857 requests in 5.00s, 28.97MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  37970.53
Transfer/sec:      5.79MB
`;

Deno.test("parseWrk() reads requests, rate, percentiles in any unit, and errors", () => {
  assert.deepEqual(parseWrk(REPORT), {
    requests: 189857,
    requestsPerSecond: 37970.53,
    p50Ms: 1.28,
    p99Ms: 0.92,
    errors: 7,
  });
});

Deno.test("parseWrk() refuses output it cannot read", () => {
  assert.throws(() => parseWrk("wrk: connection refused"), /Cannot read wrk output/);
});
