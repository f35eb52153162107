/**
 * The application: the route table, the router, the instrumentation and the
 * error mapping, wired into one `Deno.serve` handler.
 *
 * @module
 */
import type { Logger } from "../telemetry/logger.ts";
import {
  createHttpServerInstrumentation,
  type HttpServerInstrumentationOptions,
  type Outcome,
} from "../telemetry/http_server.ts";
import { errorResponse } from "./errors.ts";
import { createGreetHandler, type GreetOptions } from "./greet.ts";
import { createReadyz, healthz, type Readiness } from "./health.ts";
import {
  createRouter,
  type Handler,
  type RequestContext,
  type Route,
  untracedContext,
} from "./router.ts";

/** Options for {@linkcode createApp}. */
export interface AppOptions extends GreetOptions {
  /** Structured logger. */
  readonly logger: Logger;
  /** Readiness flag shared with the shutdown sequence. */
  readonly readiness: Readiness;
  /** Tracer for server spans; defaults to the global one. */
  readonly tracer?: HttpServerInstrumentationOptions["tracer"];
  /** See {@linkcode HttpServerInstrumentationOptions.reuseServerSpan}. */
  readonly reuseServerSpan?: boolean;
  /** Extra routes, for tests that need a handler that fails. */
  readonly extraRoutes?: readonly Route[];
}

/**
 * The handler `Deno.serve` calls. A handler that answers synchronously (as
 * `/greet` does) gets its response back synchronously: no promise per layer.
 */
export type AppHandler = (
  req: Request,
  info?: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

/** Builds the application handler. */
export function createApp(options: AppOptions): AppHandler {
  const routes: Route[] = [
    { path: "/greet", methods: { GET: createGreetHandler(options) }, traced: true },
    { path: "/healthz", methods: { GET: healthz }, traced: false },
    { path: "/readyz", methods: { GET: createReadyz(options.readiness) }, traced: false },
    ...(options.extraRoutes ?? []),
  ];
  const router = createRouter(routes);
  const instrument = createHttpServerInstrumentation({
    logger: options.logger,
    ...(options.tracer && { tracer: options.tracer }),
    ...(options.meter && { meter: options.meter }),
    ...(options.reuseServerSpan !== undefined && { reuseServerSpan: options.reuseServerSpan }),
  });

  return function app(req: Request, info?: Deno.ServeHandlerInfo): Response | Promise<Response> {
    const url = new URL(req.url);
    const match = router(req.method, url.pathname);
    if (!match.traced) {
      const outcome = run(match.handler, req, untracedContext(url));
      return outcome instanceof Promise ? outcome.then(responseOf) : outcome.response;
    }
    const remote = info?.remoteAddr;
    const client = remote && "hostname" in remote ? remote.hostname : undefined;
    return instrument(
      req,
      url,
      client,
      match.route,
      (context, span) => run(match.handler, req, { url, context, span }),
    );
  };
}

/**
 * Calls a handler, turning anything it throws or rejects with into a
 * response; synchronously when the handler answered synchronously.
 */
function run(handler: Handler, req: Request, ctx: RequestContext): Outcome | Promise<Outcome> {
  let result: Response | Promise<Response>;
  try {
    result = handler(req, ctx);
  } catch (error: unknown) {
    return failed(error, ctx);
  }
  if (result instanceof Response) return { response: result };
  return result.then(
    (response) => ({ response }),
    (error: unknown) => failed(error, ctx),
  );
}

function failed(error: unknown, ctx: RequestContext): Outcome {
  return { response: errorResponse(error, ctx.url.pathname), error };
}

function responseOf(outcome: Outcome): Response {
  return outcome.response;
}
