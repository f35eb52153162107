/**
 * Errors a handler throws to answer with a problem document (RFC 9457).
 *
 * @module
 */

/** An error that maps to one HTTP response; `detail` is safe to show the client. */
export class HttpError extends Error {
  /** HTTP status code, 4xx or 5xx. */
  readonly status: number;
  /** Human-readable explanation specific to this occurrence. */
  readonly detail: string;
  /** Extra response headers, such as `Allow` on a 405. */
  readonly headers: Readonly<Record<string, string>>;

  /** Creates an error answering `status` with `detail`. */
  constructor(status: number, detail: string, headers: Readonly<Record<string, string>> = {}) {
    super(detail);
    this.name = "HttpError";
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}
