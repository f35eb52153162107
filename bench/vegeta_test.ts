import assert from "node:assert/strict";
import { parseVegetaJson } from "./vegeta.ts";

// Lines as `vegeta encode -to=json` (v12.13.0) wrote them: two answered
// requests and one refused connection.
const RESULTS = [
  '{"attack":"","seq":0,"code":200,"timestamp":"2026-11-30T16:09:34.916073333Z","latency":3062402,"bytes_out":0,"bytes_in":0,"error":"","body":null,"method":"GET","url":"http://127.0.0.1:8000/greet","headers":{"Date":["Mon, 30 Nov 2026 16:09:34 GMT"],"Content-Type":["application/json"],"Content-Length":["25"]}}',
  '{"attack":"","seq":1,"code":200,"timestamp":"2026-11-30T16:09:34.926849153Z","latency":511283,"bytes_out":0,"bytes_in":0,"error":"","body":null,"method":"GET","url":"http://127.0.0.1:8000/greet","headers":{"Content-Type":["application/json"],"Content-Length":["25"],"Date":["Mon, 30 Nov 2026 16:09:34 GMT"]}}',
  '{"attack":"","seq":2,"code":0,"timestamp":"2026-11-30T16:23:38.605105007Z","latency":728794,"bytes_out":0,"bytes_in":0,"error":"Get \\"http://127.0.0.1:1/greet\\": dial tcp 0.0.0.0:0-\\u003e127.0.0.1:1: connect: connection refused","body":null,"method":"GET","url":"http://127.0.0.1:1/greet","headers":null}',
  "",
].join("\n");

Deno.test("parseVegetaJson() reads every latency in milliseconds, ascending, and counts failures", () => {
  assert.deepEqual(parseVegetaJson(RESULTS), {
    requests: 3,
    errors: 1,
    latenciesMs: [0.511283, 0.728794, 3.062402],
  });
});

Deno.test("parseVegetaJson() refuses output it cannot read", () => {
  assert.throws(() => parseVegetaJson('{"seq":0}'), /Cannot read vegeta result/);
  assert.throws(() => parseVegetaJson("Error: connection refused"), SyntaxError);
});
