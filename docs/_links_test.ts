import assert from "node:assert/strict";
import { brokenLinks, type RepositoryView } from "./_links.ts";

function repository(files: Record<string, string>): RepositoryView {
  const paths = new Set(Object.keys(files));
  return {
    exists: (path) =>
      path === "." || paths.has(path) || [...paths].some((p) => p.startsWith(`${path}/`)),
    read: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`no such file: ${path}`);
      return text;
    },
  };
}

Deno.test("brokenLinks() accepts links to files, folders and headings that exist", () => {
  const repo = repository({
    "README.md": "# greet-api\n## Endpoints\n[pi](docs/pi.md#build) [unit](deploy/x.service)\n" +
      "[here](#endpoints) [folder](alloy/) [web](https://example.com/#nope)",
    "docs/pi.md": "# Pi\n## Build\n[back](../README.md#greet-api)",
    "deploy/x.service": "",
    "alloy/config.alloy": "",
  });
  assert.deepEqual(brokenLinks("README.md", repo), []);
  assert.deepEqual(brokenLinks("docs/pi.md", repo), []);
});

Deno.test("brokenLinks() reports a missing file, a missing anchor and a path out of the repository", () => {
  const repo = repository({
    "README.md": "# greet-api",
    "docs/pi.md": "# Pi\n[a](../../README.md#configuration)\n[b](stack.md)\n" +
      "[c](../README.md#configuration)\n[d](#pi-1)\n[e](/docs/pi.md)",
  });
  assert.deepEqual(
    brokenLinks("docs/pi.md", repo).map(({ line, reason }) => [line, reason]),
    [
      [2, "points outside the repository"],
      [3, "no such file: docs/stack.md"],
      [4, "no heading of README.md has the anchor #configuration"],
      [5, "no heading of docs/pi.md has the anchor #pi-1"],
      [6, "absolute path: GitHub resolves it against the site, not the repository"],
    ],
  );
});
