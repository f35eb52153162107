/**
 * Finds the links of a Markdown file that do not resolve inside the
 * repository: a missing file, a path that climbs out of the repository, or an
 * `#anchor` that no heading of the target page gets on GitHub.
 *
 * @module
 */
import { posix } from "node:path";
import { headingAnchors, isExternal, markdownLinks } from "./_markdown.ts";

/** What the link check needs to know about the repository. */
export interface RepositoryView {
  /** Whether a file or folder exists at a path relative to the repository root. */
  exists(path: string): boolean;
  /** The text of a Markdown file at a path relative to the repository root. */
  read(path: string): string;
}

/** A link that does not resolve, and why. */
export interface BrokenLink {
  /** The file holding the link, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the link. */
  readonly line: number;
  /** The target as written. */
  readonly target: string;
  /** Why it does not resolve. */
  readonly reason: string;
}

/**
 * Every relative link and anchor in the Markdown file `file` (a path relative
 * to the repository root) that does not resolve.
 */
export function brokenLinks(file: string, repository: RepositoryView): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string): Set<string> => {
    let found = anchorsOf.get(path);
    if (!found) {
      found = headingAnchors(repository.read(path));
      anchorsOf.set(path, found);
    }
    return found;
  };
  for (const { line, target } of markdownLinks(repository.read(file))) {
    if (isExternal(target)) continue;
    const report = (reason: string): void => {
      broken.push({ file, line, target, reason });
    };
    const hash = target.indexOf("#");
    const pathPart = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? undefined : target.slice(hash + 1);
    let path = file;
    if (pathPart !== "") {
      if (pathPart.startsWith("/")) {
        report("absolute path: GitHub resolves it against the site, not the repository");
        continue;
      }
      path = posix.normalize(posix.join(posix.dirname(file), decodeURIComponent(pathPart)));
      if (path === ".." || path.startsWith("../")) {
        report("points outside the repository");
        continue;
      }
      if (!repository.exists(path.replace(/\/$/, "") || ".")) {
        report(`no such file: ${path}`);
        continue;
      }
    }
    if (anchor === undefined || !path.endsWith(".md")) continue;
    if (!anchors(path).has(decodeURIComponent(anchor))) {
      report(`no heading of ${path} has the anchor #${anchor}`);
    }
  }
  return broken;
}
