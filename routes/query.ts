/**
 * Reads one parameter of a URL's query without building a `URLSearchParams`.
 *
 * `url.searchParams.getAll("name")` cost about 2 µs per request in Deno
 * 2.9.6 (`deno bench`, pinned core), more than parsing the URL itself; the
 * common query, a few plain `key=value` pairs, needs only a scan.
 *
 * @module
 */

/**
 * The values of `key` in `search` (a URL's `search`, with or without its
 * leading `?`), decoded as `application/x-www-form-urlencoded`: exactly what
 * `new URLSearchParams(search).getAll(key)` returns.
 *
 * Percent-escapes are decoded with `decodeURIComponent`, which agrees with
 * the form decoding on well-formed UTF-8 and throws on anything else (a `%`
 * without two hex digits, invalid UTF-8); such queries are handed to
 * `URLSearchParams`, which keeps a stray `%` and decodes bad bytes to U+FFFD.
 */
export function queryValues(search: string, key: string): string[] {
  const values: string[] = [];
  let start = search.charCodeAt(0) === 0x3f /* ? */ ? 1 : 0;
  while (start < search.length) {
    let end = search.indexOf("&", start);
    if (end === -1) end = search.length;
    if (end > start) {
      let equals = search.indexOf("=", start);
      if (equals === -1 || equals > end) equals = end;
      const name = decodeFormComponent(search.slice(start, equals));
      if (name === undefined) return new URLSearchParams(search).getAll(key);
      if (name === key) {
        const value = equals === end ? "" : decodeFormComponent(search.slice(equals + 1, end));
        if (value === undefined) return new URLSearchParams(search).getAll(key);
        values.push(value);
      }
    }
    start = end + 1;
  }
  return values;
}

/** `+` as a space, then percent-escapes; `undefined` when an escape is malformed. */
function decodeFormComponent(raw: string): string | undefined {
  const spaced = raw.includes("+") ? raw.replaceAll("+", " ") : raw;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}
