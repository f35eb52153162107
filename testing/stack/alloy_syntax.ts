/**
 * Reads the structure of an Alloy configuration file: blocks, their labels,
 * their attributes (as unevaluated expression text) and the comment written
 * above each block. Enough for the stack checks to compare ports and targets
 * with compose.yaml; `alloy validate` remains the authority on validity.
 *
 * @module
 */

/** One block: `name "label" { ... }` or `name { ... }`. */
export interface AlloyBlock {
  /** Dotted block name, e.g. `otelcol.receiver.otlp` or `grpc`. */
  readonly name: string;
  /** The quoted label of a component, if any. */
  readonly label: string | undefined;
  /** Attribute name to its expression, as written. */
  readonly attributes: ReadonlyMap<string, string>;
  /** Nested blocks, in order. */
  readonly blocks: readonly AlloyBlock[];
  /** The `//` comment lines directly above the block, joined. */
  readonly comment: string;
  /** 1-based line of the block header. */
  readonly line: number;
}

interface MutableBlock {
  name: string;
  label: string | undefined;
  attributes: Map<string, string>;
  blocks: MutableBlock[];
  comment: string;
  line: number;
}

/** Parses Alloy configuration text into its top-level blocks. */
export function parseAlloy(source: string): AlloyBlock[] {
  const root: MutableBlock = {
    name: "",
    label: undefined,
    attributes: new Map(),
    blocks: [],
    comment: "",
    line: 0,
  };
  const stack: MutableBlock[] = [root];
  let position = 0;
  let line = 1;
  let pendingComment: string[] = [];

  const fail = (message: string): never => {
    throw new Error(`Cannot read Alloy config at line ${line}: ${message}`);
  };
  const current = (): MutableBlock => stack[stack.length - 1] ?? fail("unbalanced braces");

  while (position < source.length) {
    const rest = source.slice(position);
    const space = /^[ \t\r]+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }
    if (rest.startsWith("\n")) {
      // A blank line detaches a comment from what follows it.
      if (/^\n[ \t\r]*\n/.test(rest)) pendingComment = [];
      position += 1;
      line += 1;
      continue;
    }
    if (rest.startsWith("//")) {
      const end = rest.indexOf("\n");
      const body = end === -1 ? rest : rest.slice(0, end);
      pendingComment.push(body.replace(/^\/\/\s?/, ""));
      position += body.length;
      continue;
    }
    if (rest.startsWith("}")) {
      if (stack.length === 1) fail(`unexpected "}"`);
      stack.pop();
      pendingComment = [];
      position += 1;
      continue;
    }
    const header = /^([A-Za-z_][A-Za-z0-9_.]*)[ \t]*(?:"((?:[^"\\]|\\.)*)"[ \t]*)?\{/.exec(rest);
    if (header) {
      const block: MutableBlock = {
        name: header[1] ?? "",
        label: header[2],
        attributes: new Map(),
        blocks: [],
        comment: pendingComment.join("\n"),
        line,
      };
      current().blocks.push(block);
      stack.push(block);
      pendingComment = [];
      position += header[0].length;
      continue;
    }
    const attribute = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)/.exec(rest);
    if (attribute) {
      position += attribute[0].length;
      const start = position;
      position = expressionEnd(source, position);
      line += (source.slice(start, position).match(/\n/g) ?? []).length;
      current().attributes.set(attribute[1] ?? "", source.slice(start, position).trim());
      pendingComment = [];
      continue;
    }
    fail(`unexpected text "${rest.slice(0, 20)}"`);
  }
  if (stack.length !== 1) fail("a block is not closed");
  return root.blocks;
}

/** Index just past an expression: the end of its line, once brackets and strings are closed. */
function expressionEnd(source: string, start: number): number {
  let depth = 0;
  let position = start;
  while (position < source.length) {
    const char = source[position];
    if (char === '"') {
      position += 1;
      while (position < source.length && source[position] !== '"') {
        position += source[position] === "\\" ? 2 : 1;
      }
    } else if (char === "/" && source[position + 1] === "/") {
      if (depth === 0) return position;
      while (position < source.length && source[position] !== "\n") position += 1;
      continue;
    } else if (char === "(" || char === "[" || char === "{") {
      depth += 1;
    } else if (char === ")" || char === "]" || char === "}") {
      if (depth === 0) return position;
      depth -= 1;
    } else if (char === "\n" && depth === 0) {
      return position;
    }
    position += 1;
  }
  return position;
}

/** An endpoint expression: an optional environment variable and its default. */
export interface EnvDefault {
  /** The variable read by `sys.env("...")`, if the expression reads one. */
  readonly env: string | undefined;
  /** The literal used when the variable is unset or empty. */
  readonly fallback: string;
}

/** Reads `"literal"` or `coalesce(sys.env("NAME"), "literal")`; other shapes throw. */
export function envDefault(expression: string): EnvDefault {
  const literal = /^"((?:[^"\\]|\\.)*)"$/.exec(expression);
  if (literal) return { env: undefined, fallback: literal[1] ?? "" };
  const coalesce = /^coalesce\(\s*sys\.env\(\s*"([^"]+)"\s*\)\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)$/.exec(
    expression,
  );
  if (coalesce) return { env: coalesce[1], fallback: coalesce[2] ?? "" };
  throw new Error(
    `Cannot read endpoint: expected a string or coalesce(sys.env("X"), "default"): got ${expression}`,
  );
}

/** Reads a list of component references: `[a.b.c.input, d.e.f.input]`. */
export function references(expression: string): string[] {
  const body = /^\[([\s\S]*)\]$/.exec(expression.trim());
  if (!body) throw new Error(`Cannot read references: expected a list: got ${expression}`);
  return (body[1] ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}
