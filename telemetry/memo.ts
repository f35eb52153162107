/**
 * A small bounded memo for values that depend only on a few low-cardinality
 * inputs (attribute sets per route and status, span names), so the request
 * path reuses one object instead of building it per request.
 *
 * @module
 */

/** Returns `build(key)`, remembered for up to `limit` distinct keys. */
export type Memo<T> = (key: string, build: () => T) => T;

/**
 * Creates a memo. Past `limit` keys (which only unexpected input could
 * cause, such as a flood of unusual status codes) values are built afresh
 * instead of being remembered, so memory stays bounded.
 */
export function createMemo<T>(limit = 512): Memo<T> {
  const values = new Map<string, T>();
  return (key, build) => {
    let value = values.get(key);
    if (value === undefined) {
      value = build();
      if (values.size < limit) values.set(key, value);
    }
    return value;
  };
}
