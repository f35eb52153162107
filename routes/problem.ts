/**
 * Builds `application/problem+json` responses (RFC 9457).
 *
 * @module
 */
import { STATUS_TEXT } from "./status_text.ts";

/** Media type of a problem document. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Options for {@linkcode problemResponse}. */
export interface ProblemOptions {
  /** The request path the problem occurred on, reported as `instance`. */
  readonly instance?: string;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A problem document response. `type` is left at its default (`about:blank`),
 * so `title` is the status phrase, as RFC 9457 section 4.2.1 asks.
 */
export function problemResponse(
  status: number,
  detail: string,
  options: ProblemOptions = {},
): Response {
  const body: Record<string, string | number> = {
    type: "about:blank",
    title: STATUS_TEXT[status] ?? "Error",
    status,
    detail,
  };
  if (options.instance !== undefined) body.instance = options.instance;
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...options.headers },
  });
}
