/**
 * Reason phrases for the status codes this service answers with.
 *
 * @module
 */

/** Status code to reason phrase (RFC 9110). */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  414: "URI Too Long",
  500: "Internal Server Error",
  503: "Service Unavailable",
};
