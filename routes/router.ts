/**
 * Maps a request to a route and its handler. Paths are matched exactly
 * (this service has no path parameters), so a lookup is one `Map.get`.
 *
 * @module
 */
import { HttpError } from "./http_error.ts";

/** A request handler as the routes write it. */
export type Handler = (req: Request) => Response | Promise<Response>;

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
      handler: function methodNotAllowed(req: Request): never {
        throw new HttpError(
          405,
          `${new URL(req.url).pathname} does not support ${req.method}: use ${allow}`,
          { allow },
        );
      },
    });
  }
  const notFound: RouteMatch = {
    route: undefined,
    traced: true,
    handler: function notFound(req: Request): never {
      throw new HttpError(404, `No resource at ${new URL(req.url).pathname}: try GET /greet`);
    },
  };

  return function route(method: string, path: string): RouteMatch {
    const byMethod = table.get(path);
    if (!byMethod) return notFound;
    return byMethod.get(method) ?? notAllowed.get(path) ?? notFound;
  };
}

/** Serves HEAD with the GET handler: same status and headers, no body. */
function headOf(get: Handler): Handler {
  return async function head(req: Request): Promise<Response> {
    const response = await get(req);
    await response.body?.cancel();
    return new Response(null, { status: response.status, headers: response.headers });
  };
}
