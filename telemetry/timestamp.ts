/**
 * ISO 8601 timestamps for log lines, formatted once per millisecond.
 *
 * `new Date().toISOString()` costs about half a microsecond; under load many
 * log lines fall in the same millisecond and share one string.
 *
 * @module
 */

let lastMillis = Number.NaN;
let lastText = "";

/** `new Date(millis).toISOString()`, reusing the previous result for the same millisecond. */
export function isoTimestamp(millis: number = Date.now()): string {
  if (millis !== lastMillis) {
    lastMillis = millis;
    lastText = new Date(millis).toISOString();
  }
  return lastText;
}
