/**
 * Escaping of untrusted text before it is written to a log line or a span.
 *
 * @module
 */

// C0/C1 controls, format characters (bidi overrides, zero-width joiners) and
// the line/paragraph separators: anything that could forge a new log line,
// reorder what a reader sees, or hide text.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

// Printable ASCII: the common case, checked far faster than UNSAFE.
const PLAIN = /^[\x20-\x7e]*$/;

/** Longest untrusted value kept; the rest is cut and marked. */
export const MAX_UNTRUSTED_LENGTH = 256;

/**
 * Makes untrusted text safe to show: unsafe characters become `\uXXXX`
 * escapes and the result is cut to {@linkcode MAX_UNTRUSTED_LENGTH} characters.
 */
export function escapeUntrusted(text: string): string {
  if (text.length <= MAX_UNTRUSTED_LENGTH && PLAIN.test(text)) return text;
  const cut = text.length > MAX_UNTRUSTED_LENGTH
    ? `${text.slice(0, MAX_UNTRUSTED_LENGTH)}...(${text.length - MAX_UNTRUSTED_LENGTH} more)`
    : text;
  return cut.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
