/**
 * Maps a request to a route and its handler. Paths are matched exactly
 * (this service has no path parameters), so a lookup is one `Map.get`.
 *
 * @module
 */
import {
  type Context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  type Span,
  trace,
} from "@opentelemetry/api";
import { HttpError } from "./http_error.ts";

/**
 * What a handler gets besides the request: the URL, parsed once per request,
 * and the request's OpenTelemetry context and server span.
 *
 * The context is passed explicitly instead of being made active around the
 * handler (`context.with`): entering a fresh context per request in Deno
 * 2.9.6's AsyncLocalStorage slows every young-generation collection (see
 * bench/als_probe_server.ts). A handler starts child spans with
 * `tracer.startSpan(name, options, ctx.context)` and logs with
 * `logger.info(message, attributes, ctx.context)`; one that calls code
 * relying on the active context can still run it in
 * `context.with(ctx.context, ...)`.
 */
export interface RequestContext {
  /** The request URL, parsed once. */
  readonly url: URL;
  /** The context holding the server span (the root context for untraced routes). */
  readonly context: Context;
  /** The server span; a non-recording span for untraced routes. */
  readonly span: Span;
}

/** The span of untraced requests: records nothing. */
const UNTRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** A {@linkcode RequestContext} without telemetry: for untraced routes, and tests. */
export function untracedContext(url: URL): RequestContext {
  return { url, context: ROOT_CONTEXT, span: UNTRACED };
}

/** A request handler as the routes write it. */
export type Handler = (req: Request, ctx: RequestContext) => Response | Promise<Response>;

/** One path and the handlers for its methods. */
export interface Route {
  /** The path template, used as `http.route` (`/greet`). */
  readonly path: string;
  /** Handlers by method. `HEAD` is served by the `GET` handler when absent. */
  readonly methods: Readonly<Partial<Record<string, Handler>>>;
  /** Whether requests get a span, metrics and an access log (probes do not). */
  readonly traced: boolean;
}

/** What {@linkcode Router} found for a request. */
export interface RouteMatch {
  /** The matched route template, or `undefined` for an unknown path. */
  readonly route: string | undefined;
  /** Whether the request is instrumented; unknown paths are, so scans show up. */
  readonly traced: boolean;
  /** Runs the request; throws an {@linkcode HttpError} for 404 and 405. */
  readonly handler: Handler;
}

/** Finds the handler for a method and path. */
export type Router = (method: string, path: string) => RouteMatch;

/** Builds a {@linkcode Router} over `routes`. */
export function createRouter(routes: readonly Route[]): Router {
  const table = new Map<string, Map<string, RouteMatch>>();
  const notAllowed = new Map<string, RouteMatch>();
  for (const route of routes) {
    const byMethod = new Map<string, RouteMatch>();
    for (const [method, handler] of Object.entries(route.methods)) {
      if (handler) byMethod.set(method, { route: route.path, traced: route.traced, handler });
    }
    const get = route.methods.GET;
    if (get && !byMethod.has("HEAD")) {
      byMethod.set("HEAD", { route: route.path, traced: route.traced, handler: headOf(get) });
    }
    table.set(route.path, byMethod);
    const allow = [...byMethod.keys()].sort().join(", ");
    notAllowed.set(route.path, {
      route: route.path,
      traced: route.traced,
      handler: function methodNotAllowed(req: Request, ctx: RequestContext): never {
        throw new HttpError(
          405,
          `${ctx.url.pathname} does not support ${req.method}: use ${allow}`,
          { allow },
        );
      },
    });
  }
  const notFound: RouteMatch = {
    route: undefined,
    traced: true,
    handler: function notFound(_req: Request, ctx: RequestContext): never {
      throw new HttpError(404, `No resource at ${ctx.url.pathname}: try GET /greet`);
    },
  };

  return function route(method: string, path: string): RouteMatch {
    const byMethod = table.get(path);
    if (!byMethod) return notFound;
    return byMethod.get(method) ?? notAllowed.get(path) ?? notFound;
  };
}

/**
 * Serves HEAD with the GET handler: same status and header fields, no body.
 *
 * RFC 9110 section 9.3.2 asks a HEAD response for the header fields GET
 * would send, `content-length` included. `Deno.serve` sends a null body's
 * response with the `content-length` header it is given (observed on the
 * wire with Deno 2.9.6), so the GET body is read to count its bytes; the
 * service's bodies are small JSON documents.
 */
function headOf(get: Handler): Handler {
  return async function head(req: Request, ctx: RequestContext): Promise<Response> {
    const response = await get(req, ctx);
    const headers = new Headers(response.headers);
    if (!headers.has("content-length") && response.body !== null) {
      headers.set("content-length", String((await response.arrayBuffer()).byteLength));
    } else {
      await response.body?.cancel();
    }
    return new Response(null, { status: response.status, headers });
  };
}
