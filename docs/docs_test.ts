/**
 * The documentation stays readable and its links keep working: README.md is
 * the first screen and a short tour, the depth is in docs/, and every relative
 * link and `#anchor` between them resolves as it will on GitHub.
 */
import assert from "node:assert/strict";
import { brokenLinks, type RepositoryView } from "./_links.ts";
import { classifyLines } from "./_markdown.ts";

const ROOT = new URL("../", import.meta.url);
const README_MAX_LINES = 400;
const MAX_LINE = 120;

const repository: RepositoryView = {
  exists: (path) => {
    try {
      Deno.statSync(new URL(path, ROOT));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  },
  read: (path) => Deno.readTextFileSync(new URL(path, ROOT)),
};

/** README.md and every Markdown file in docs/, as paths relative to the repository root. */
function markdownFiles(): string[] {
  const docs = [...Deno.readDirSync(new URL("docs/", ROOT))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".md"))
    .map((entry) => `docs/${entry.name}`)
    .sort();
  return ["README.md", ...docs];
}

/** Lines of a file longer than {@linkcode MAX_LINE} characters, of the given kinds. */
function longLines(path: string, kinds: readonly string[]): string[] {
  return classifyLines(repository.read(path))
    .filter((line) => kinds.includes(line.kind) && [...line.text].length > MAX_LINE)
    .map((line) => `${path}:${line.number}: ${[...line.text].length} characters`);
}

Deno.test("every relative link and anchor in README.md and docs/ resolves inside the repository", () => {
  const broken = markdownFiles().flatMap((file) => brokenLinks(file, repository))
    .map(({ file, line, target, reason }) => `${file}:${line}: ${target}: ${reason}`);
  assert.deepEqual(broken, []);
});

Deno.test(`README.md is shorter than ${README_MAX_LINES} lines`, () => {
  const lines = repository.read("README.md").trimEnd().split("\n").length;
  assert.ok(lines < README_MAX_LINES, `README.md has ${lines} lines; move depth to docs/`);
});

Deno.test(`no prose line in README.md or docs/ is longer than ${MAX_LINE} characters`, () => {
  assert.deepEqual(markdownFiles().flatMap((file) => longLines(file, ["prose"])), []);
});

Deno.test(`README.md's tables are at most ${MAX_LINE} characters wide`, () => {
  assert.deepEqual(longLines("README.md", ["table"]), []);
});
