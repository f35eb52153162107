import assert from "node:assert/strict";
import { BackendProcess, BackendStartError } from "./backend_process.ts";

/** A stand-in backend: a Deno script that serves /ready, or exits at once. */
function backend(script: string): { bin: string; args: string[] } {
  return { bin: Deno.execPath(), args: ["eval", script] };
}

Deno.test("BackendProcess.start() resolves once the ready URL answers 200, and stop() ends it", async () => {
  const dir = await Deno.makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  try {
    const process = await BackendProcess.start({
      name: "Stand-in",
      ...backend(
        `console.log("starting"); Deno.serve({ hostname: "127.0.0.1", port: ${port}, onListen() {} }, () => new Response("ready"));`,
      ),
      readyUrl: `http://127.0.0.1:${port}/ready`,
      cwd: dir,
    });
    assert.equal(process.running, true);
    const output = await process.stop();
    assert.match(output, /starting/);
    assert.equal(process.running, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BackendProcess.start() rejects with the output of a backend that exits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      BackendProcess.start({
        name: "Stand-in",
        ...backend('console.error("field foo not found in type config"); Deno.exit(1);'),
        readyUrl: "http://127.0.0.1:9/ready",
        cwd: dir,
      }),
      (error: unknown) =>
        error instanceof BackendStartError &&
        /^Cannot start Stand-in: it exited with code 1: field foo not found/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
