import assert from "node:assert/strict";
import { createBufferedSink, MAX_BUFFERED_BYTES } from "./stdout_sink.ts";

function capture(): { writes: string[]; writeAll: (bytes: Uint8Array) => void } {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  return { writes, writeAll: (bytes) => writes.push(decoder.decode(bytes)) };
}

Deno.test("the sink writes lines in order, together, on the next turn of the event loop", async () => {
  const { writes, writeAll } = capture();
  const sink = createBufferedSink({ writeAll });
  sink.write("one");
  sink.write("two");
  assert.deepEqual(writes, [], "nothing is written synchronously");
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(writes, ["one\ntwo\n"]);
  sink.flush();
});

Deno.test("flush() writes what is queued at once and cancels the pending write", () => {
  const { writes, writeAll } = capture();
  const sink = createBufferedSink({ writeAll });
  sink.write("last words");
  sink.flush();
  assert.deepEqual(writes, ["last words\n"]);
  sink.flush();
  assert.equal(writes.length, 1, "an empty flush writes nothing");
});

Deno.test("a full buffer is written without waiting for the timer", () => {
  const { writes, writeAll } = capture();
  const sink = createBufferedSink({ writeAll });
  const line = "x".repeat(1023);
  for (let i = 0; i < MAX_BUFFERED_BYTES / 1024; i++) sink.write(line);
  assert.equal(writes.length, 1);
  assert.equal(writes[0]?.length, MAX_BUFFERED_BYTES);
  sink.flush();
});
