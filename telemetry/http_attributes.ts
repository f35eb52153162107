/**
 * Attribute sets for HTTP server telemetry, built by small pure functions
 * from the stable HTTP semantic conventions.
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import { escapeUntrusted } from "./escape.ts";

const KNOWN_METHODS = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
]);

/** The request method, or `_OTHER` for anything outside RFC 9110 (bounded cardinality). */
export function normalizeMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "_OTHER";
}

/** The span name: `{method} {route}`, or just `{method}` when no route matched. */
export function spanName(method: string, route: string | undefined): string {
  return route === undefined ? method : `${method} ${route}`;
}

/** Facts about a request known when it arrives. */
export interface RequestFacts {
  readonly method: string;
  readonly url: URL;
  /** `url.path` as {@linkcode recordedPath} gives it. */
  readonly path: string;
  readonly route: string | undefined;
  readonly userAgent: string | null;
  readonly clientAddress: string | undefined;
}

/**
 * `url.path` as recorded: a matched route is the path itself; only an
 * unmatched path, which is anything a client sent, needs escaping.
 */
export function recordedPath(url: URL, route: string | undefined): string {
  return route ?? escapeUntrusted(url.pathname);
}

/** Span attributes known at the start of a request. */
export function requestSpanAttributes(facts: RequestFacts): Attributes {
  const method = normalizeMethod(facts.method);
  const { url } = facts;
  const scheme = url.protocol.slice(0, -1);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: facts.path,
    [ATTR_URL_SCHEME]: scheme,
    // The URL parser has already reduced the Host header to a valid host name.
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: url.port === "" ? (scheme === "https" ? 443 : 80) : Number(url.port),
    // Deno.serve's plain-TCP listener speaks HTTP/1.1.
    [ATTR_NETWORK_PROTOCOL_VERSION]: "1.1",
  };
  if (method === "_OTHER") {
    attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = escapeUntrusted(facts.method);
  }
  if (facts.route !== undefined) attributes[ATTR_HTTP_ROUTE] = facts.route;
  if (facts.userAgent !== null) {
    attributes[ATTR_USER_AGENT_ORIGINAL] = escapeUntrusted(facts.userAgent);
  }
  if (facts.clientAddress !== undefined) attributes[ATTR_CLIENT_ADDRESS] = facts.clientAddress;
  return attributes;
}

/**
 * Attributes of `http.server.request.duration`: method, route, status,
 * scheme and, for failures, `error.type`. Never a raw path or user input.
 */
export function durationAttributes(
  method: string,
  route: string | undefined,
  status: number,
  scheme: string,
  errorType: string | undefined,
): Attributes {
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalizeMethod(method),
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
    [ATTR_URL_SCHEME]: scheme,
  };
  if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
  if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
  return attributes;
}

/**
 * `error.type` for a finished request: the exception's class when one
 * escaped the handler, else the status code for a 5xx, else nothing
 * (a 4xx is the client's error, not the server's).
 */
export function errorType(status: number, error: unknown): string | undefined {
  if (status < 500) return undefined;
  if (error instanceof Error) return error.constructor.name || error.name;
  return String(status);
}
