import assert from "node:assert/strict";
import { BackendProcess, BackendStartError, inFreshDir } from "./backend_process.ts";

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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("inFreshDir() tries again in a new directory while a port was taken, at most three times", async () => {
  const dirs: string[] = [];
  const taken = new BackendStartError(
    "Stand-in exited",
    "listen tcp :4318: bind: address already in use",
  );
  const result = await inFreshDir("stand-in-", (dir) => {
    dirs.push(dir);
    return dirs.length < 3 ? Promise.reject(taken) : Promise.resolve(`started in ${dir}`);
  });
  assert.equal(dirs.length, 3);
  assert.equal(new Set(dirs).size, 3);
  const [, , kept = ""] = dirs;
  assert.equal(result, `started in ${kept}`);
  assert.deepEqual(await Promise.all(dirs.map(exists)), [false, false, true]);
  await Deno.remove(kept, { recursive: true });

  const attempts: string[] = [];
  await assert.rejects(
    inFreshDir("stand-in-", (dir) => {
      attempts.push(dir);
      return Promise.reject(taken);
    }),
    taken,
  );
  assert.equal(attempts.length, 3);
  assert.deepEqual(await Promise.all(attempts.map(exists)), [false, false, false]);
});

Deno.test("inFreshDir() gives up at once on any other failure, and removes the directory", async () => {
  const attempts: string[] = [];
  const broken = new BackendStartError("Stand-in exited", "error parsing config: unknown field");
  await assert.rejects(
    inFreshDir("stand-in-", (dir) => {
      attempts.push(dir);
      return Promise.reject(broken);
    }),
    broken,
  );
  assert.equal(attempts.length, 1);
  assert.deepEqual(await Promise.all(attempts.map(exists)), [false]);
});
