/**
 * Just enough of Markdown to check this repository's documentation: the
 * anchors GitHub gives headings, the links a page makes, and which lines are
 * prose (not code, not a table).
 *
 * @module
 */

/** One line of a Markdown file with its 1-based number and what kind it is. */
export interface MarkdownLine {
  /** 1-based line number in the file. */
  readonly number: number;
  /** The line's text, without its line break. */
  readonly text: string;
  /** `code` inside a fenced block (fences included), `table` a table row, else `prose`. */
  readonly kind: "code" | "table" | "prose";
}

/** A link target found in a Markdown file. */
export interface MarkdownLink {
  /** 1-based line number of the link. */
  readonly line: number;
  /** The target as written: `docs/pi.md#build`, `#endpoints`, `https://...`. */
  readonly target: string;
}

// Fences inside list items are indented, so any indentation is accepted.
const FENCE = /^(`{3,}|~{3,})/;

/** Splits a Markdown text into lines, marking fenced code blocks and table rows. */
export function classifyLines(markdown: string): MarkdownLine[] {
  const lines: MarkdownLine[] = [];
  // The opening fence, while inside a block: a block ends at a fence of the
  // same character at least as long, as CommonMark says.
  let open: string | undefined;
  for (const [index, text] of markdown.split("\n").entries()) {
    const fence = FENCE.exec(text.trimStart())?.[1];
    let kind: MarkdownLine["kind"];
    if (open !== undefined) {
      kind = "code";
      if (fence && fence[0] === open[0] && fence.length >= open.length) open = undefined;
    } else if (fence) {
      kind = "code";
      open = fence;
    } else {
      kind = text.trimStart().startsWith("|") ? "table" : "prose";
    }
    lines.push({ number: index + 1, text, kind });
  }
  return lines;
}

/** Removes inline code spans, so that brackets inside them are not read as links. */
function withoutCodeSpans(text: string): string {
  return text.replaceAll(/(`+)[^`][\s\S]*?\1/g, "");
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation and symbols
 * removed (letters, marks, digits, `_`, `-` and spaces kept), each space a
 * hyphen. Inline Markdown is reduced to its text first.
 */
export function githubSlug(heading: string): string {
  return heading
    .replaceAll(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replaceAll(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replaceAll(" ", "-");
}

/** Every anchor the headings of a Markdown text get on GitHub, duplicates numbered `-1`, `-2`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of classifyLines(markdown)) {
    if (line.kind !== "prose") continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line.text)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every inline link, image and reference definition outside code, with its line. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const line of classifyLines(markdown)) {
    if (line.kind === "code") continue;
    const text = withoutCodeSpans(line.text);
    for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: line.number, target: match[1] ?? "" });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(text)?.[1];
    if (definition) links.push({ line: line.number, target: definition });
  }
  return links;
}

/** Whether a link target leaves the repository's files: a URL with a scheme, or `//host`. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}
