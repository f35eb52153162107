import assert from "node:assert/strict";
import { changedPaths, withPathsMoved, withValue } from "./config_edit.ts";

const CONFIG = {
  server: { http_listen_port: 3100 },
  common: { path_prefix: "/loki", storage: { filesystem: { chunks_directory: "/loki/chunks" } } },
  targets: ["loki:3100", "tempo:3200"],
  other: "/lokiish",
};

Deno.test("withValue() sets a nested value in a copy, creating missing mappings", () => {
  const edited = withValue(CONFIG, ["server", "http_listen_port"], 40_000);
  assert.deepEqual(changedPaths(CONFIG, edited), ["server.http_listen_port"]);
  assert.equal(CONFIG.server.http_listen_port, 3100, "the original is untouched");
  const added = withValue(CONFIG, ["backend_scheduler", "local_work_path"], "/tmp/x");
  assert.deepEqual(changedPaths(CONFIG, added), ["backend_scheduler.local_work_path"]);
  const listed = withValue(CONFIG, ["targets", 1], "127.0.0.1:1");
  assert.deepEqual(changedPaths(CONFIG, listed), ["targets.1"]);
  assert.throws(() => withValue(CONFIG, ["other", "x"], 1), /other is not a container/);
});

Deno.test("withPathsMoved() moves the volume's paths and nothing that only starts alike", () => {
  const moved = withPathsMoved(CONFIG, "/loki", "/tmp/t/data");
  assert.deepEqual(changedPaths(CONFIG, moved), [
    "common.path_prefix",
    "common.storage.filesystem.chunks_directory",
  ]);
  assert.equal(
    (moved as typeof CONFIG).common.storage.filesystem.chunks_directory,
    "/tmp/t/data/chunks",
  );
});

Deno.test("changedPaths() lists changed, added and removed leaves", () => {
  assert.deepEqual(changedPaths({ a: 1, b: [1, 2] }, { a: 1, b: [1, 3], c: { d: true } }), [
    "b.1",
    "c.d",
  ]);
  assert.deepEqual(changedPaths({ a: 1, b: 2 }, { a: 1 }), ["b"]);
  assert.deepEqual(changedPaths(CONFIG, structuredClone(CONFIG)), []);
});
