/**
 * The parsed URL of a request, parsed once however many handlers ask.
 *
 * The application parses it to route; `/greet` needs it again for the query.
 * Parsing costs more than the rest of routing, so the first parse is kept
 * beside the request (weakly: it goes when the request does).
 *
 * @module
 */

const parsed = new WeakMap<Request, URL>();

/** `new URL(req.url)`, parsed on first use and shared afterwards. Do not mutate it. */
export function requestUrl(req: Request): URL {
  let url = parsed.get(req);
  if (url === undefined) {
    url = new URL(req.url);
    parsed.set(req, url);
  }
  return url;
}
