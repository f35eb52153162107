/**
 * Server-side HTTP instrumentation: one SERVER span, the request-duration
 * histogram, the active-requests counter and one access log record per
 * request. Uses only `@opentelemetry/api`, so it works the same under the
 * JS SDK, under Deno's built-in OpenTelemetry, and with telemetry disabled.
 *
 * @module
 */
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type Meter,
  metrics,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import {
  durationAttributes,
  errorType,
  normalizeMethod,
  recordedPath,
  requestSpanAttributes,
  spanName,
} from "./http_attributes.ts";
import { HTTP_SERVER_ACTIVE_REQUESTS, HTTP_SERVER_REQUEST_DURATION } from "./instruments.ts";
import type { Logger } from "./logger.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../version.ts";
import { createMemo } from "./memo.ts";
import { REQUEST_ROOT } from "./request_context.ts";
import { createTallySet, type Tally } from "./tally.ts";

/** What running a request produced: the response, and the error if one escaped the handler. */
export interface Outcome {
  readonly response: Response;
  readonly error?: unknown;
}

/**
 * Runs one request under instrumentation. `run` gets the context holding the
 * server span, and the span: it is not made the active context (see
 * {@linkcode createHttpServerInstrumentation}).
 */
export type InstrumentRequest = (
  req: Request,
  url: URL,
  clientAddress: string | undefined,
  route: string | undefined,
  run: (context: Context, span: Span) => Outcome | Promise<Outcome>,
) => Response | Promise<Response>;

/** Options for {@linkcode createHttpServerInstrumentation}. */
export interface HttpServerInstrumentationOptions {
  /** Structured logger for access and error records. */
  readonly logger: Logger;
  /** Tracer; defaults to the global tracer provider's. */
  readonly tracer?: Tracer;
  /** Meter; defaults to the global meter provider's. */
  readonly meter?: Meter;
  /**
   * Enrich the SERVER span the runtime already started (Deno's built-in
   * OpenTelemetry instruments `Deno.serve`) instead of starting a second one.
   */
  readonly reuseServerSpan?: boolean;
}

/**
 * The boundaries the HTTP semantic conventions advise for
 * `http.server.request.duration`, in seconds.
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

/** The histogram's attributes and the access log's message for one outcome. */
interface OutcomeFacts {
  readonly attributes: Attributes;
  readonly message: string;
}

/** Everything per method, route and scheme that the request path reuses. */
interface RequestKind {
  /** The scheme it was built for. */
  readonly scheme: string;
  /** The span name. */
  readonly name: string;
  /** In-flight requests with this method and scheme. */
  readonly inFlight: Tally;
  /** Facts for a response status and `error.type`. */
  outcome(status: number, failure: string | undefined): OutcomeFacts;
}

/**
 * Reads propagation headers from the request itself rather than from
 * `req.headers`: Deno builds a request's `Headers` only when first asked
 * (an op call and an object per request, about 1 µs in a bare `Deno.serve`
 * at saturation, 5 paired runs), and with telemetry off the propagator
 * never asks.
 */
const requestHeaderGetter = {
  get: (carrier: Request, key: string): string | undefined => carrier.headers.get(key) ?? undefined,
  keys: (carrier: Request): string[] => [...carrier.headers.keys()],
};

/**
 * Creates the instrumentation; instruments are created once, here.
 *
 * The request's context is handed to the handler instead of being entered
 * with `context.with`: under the AsyncLocalStorage context manager, a fresh
 * context entered per request leaves a weak entry behind in Deno 2.9.6 and
 * every young-generation collection slows down with them (measured over
 * HTTP at saturation, same code otherwise: scavenges of 6.2-8.6 ms each with
 * `context.with`, 2.0-2.9 ms without; bench/als_probe_server.ts reproduces it
 * without OpenTelemetry). The context manager stays registered, so code that
 * does call `context.with` still works. The context is a
 * {@linkcode REQUEST_ROOT} chain rather than the API's own, which Deno 2.9.6's young
 * generation failed to free (see request_context.ts).
 *
 * Span attributes are set after `startSpan` rather than passed to it: the SDK
 * validates attributes passed to `startSpan` twice (for the sampler, then for
 * the span), and none of the samplers this service configures reads them.
 */
export function createHttpServerInstrumentation(
  options: HttpServerInstrumentationOptions,
): InstrumentRequest {
  const tracer = options.tracer ?? trace.getTracer(SERVICE_NAME, SERVICE_VERSION);
  const meter = options.meter ?? metrics.getMeter(SERVICE_NAME, SERVICE_VERSION);
  const { logger } = options;
  const reuseServerSpan = options.reuseServerSpan ?? false;
  const duration: Histogram = meter.createHistogram(HTTP_SERVER_REQUEST_DURATION.name, {
    unit: HTTP_SERVER_REQUEST_DURATION.unit,
    description: HTTP_SERVER_REQUEST_DURATION.description,
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
  const active = createTallySet(
    meter.createObservableUpDownCounter(HTTP_SERVER_ACTIVE_REQUESTS.name, {
      unit: HTTP_SERVER_ACTIVE_REQUESTS.unit,
      description: HTTP_SERVER_ACTIVE_REQUESTS.description,
    }),
  );

  // Span names, attribute sets and log messages depend on method, route,
  // scheme and status only: built once per combination and reused. A request
  // finds its entry by route, then method (both bounded: routes come from the
  // route table, methods are normalized); statuses hang off it.
  const activeOf = createMemo<Tally>();
  const kinds = new Map<string | undefined, Map<string, RequestKind>>();
  const kindOf = (method: string, route: string | undefined, scheme: string): RequestKind => {
    let byMethod = kinds.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      kinds.set(route, byMethod);
    }
    const kind = byMethod.get(method);
    if (kind !== undefined && kind.scheme === scheme) return kind;
    // One server has one scheme; were it to see another, the newest is kept.
    const built = kindFor(method, route, scheme);
    byMethod.set(method, built);
    return built;
  };
  const kindFor = (method: string, route: string | undefined, scheme: string): RequestKind => {
    const outcomes = new Map<number, OutcomeFacts>();
    const failures = createMemo<OutcomeFacts>();
    const factsFor = (status: number, failure: string | undefined): OutcomeFacts => ({
      attributes: durationAttributes(method, route, status, scheme, failure),
      message: `${method} ${route ?? "(unmatched)"} ${status}`,
    });
    return {
      scheme,
      name: spanName(method, route),
      inFlight: activeOf(`${method} ${scheme}`, () =>
        active.for({
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_SCHEME]: scheme,
        })),
      outcome(status: number, failure: string | undefined): OutcomeFacts {
        // Failures are keyed by error type too; a status alone is a small integer key
        // (a Response can only carry 200-599, so this map stays small).
        if (failure !== undefined) {
          return failures(`${status} ${failure}`, () => factsFor(status, failure));
        }
        let facts = outcomes.get(status);
        if (facts === undefined) {
          facts = factsFor(status, undefined);
          outcomes.set(status, facts);
        }
        return facts;
      },
    };
  };

  return function instrumentRequest(
    req: Request,
    url: URL,
    clientAddress: string | undefined,
    route: string | undefined,
    run: (context: Context, span: Span) => Outcome | Promise<Outcome>,
  ): Response | Promise<Response> {
    const start = performance.now();
    const method = normalizeMethod(req.method);
    const scheme = url.protocol.slice(0, -1);
    const kind = kindOf(method, route, scheme);
    const { inFlight, name } = kind;
    inFlight.add(1);
    const path = recordedPath(url, route);

    let span: Span;
    let ctx: Context;
    const runtimeSpan = reuseServerSpan ? trace.getActiveSpan() : undefined;
    if (runtimeSpan) {
      span = runtimeSpan;
      span.updateName(name);
      ctx = context.active();
    } else {
      const parent = propagation.extract(REQUEST_ROOT, req, requestHeaderGetter);
      span = tracer.startSpan(name, SERVER, parent);
      ctx = trace.setSpan(parent, span);
    }
    // A span that records nothing (telemetry off, an unsampled trace) needs no attributes.
    if (span.isRecording()) {
      span.setAttributes(requestSpanAttributes({
        method: req.method,
        url,
        path,
        route,
        userAgent: req.headers.get("user-agent"),
        clientAddress,
      }));
    }

    let pending: Outcome | Promise<Outcome>;
    try {
      pending = run(ctx, span);
    } catch (error: unknown) {
      inFlight.add(-1);
      throw error;
    }
    // A synchronous answer ends the request here, without a promise.
    if (!(pending instanceof Promise)) {
      return end(pending, start, method, route, path, kind, span, ctx, runtimeSpan);
    }
    return pending.then(
      (outcome) => end(outcome, start, method, route, path, kind, span, ctx, runtimeSpan),
      (error: unknown) => {
        inFlight.add(-1);
        throw error;
      },
    );
  };

  /** Ends the span, records the duration and writes the access log for one outcome. */
  function end(
    outcome: Outcome,
    start: number,
    method: string,
    route: string | undefined,
    path: string,
    kind: RequestKind,
    span: Span,
    ctx: Context,
    runtimeSpan: Span | undefined,
  ): Response {
    kind.inFlight.add(-1);
    const { response, error } = outcome;
    const status = response.status;
    const failure = errorType(status, error);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        logger.error("unhandled error while handling a request", exceptionAttributes(error), ctx);
      }
    }
    const spanContext = span.spanContext();
    if (trace.isSpanContextValid(spanContext)) {
      response.headers.set(
        "traceresponse",
        `00-${spanContext.traceId}-${spanContext.spanId}-${hexByte(spanContext.traceFlags)}`,
      );
    }
    if (!runtimeSpan) span.end();

    const seconds = (performance.now() - start) / 1000;
    const result = kind.outcome(status, failure);
    duration.record(seconds, result.attributes);
    logger.info(result.message, {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_URL_PATH]: path,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      [HTTP_SERVER_REQUEST_DURATION.name]: seconds,
    }, ctx);
    return response;
  }
}

/** Options of every server span: attributes are set after it starts. */
const SERVER = { kind: SpanKind.SERVER } as const;

/** Trace flags as the two hex digits of a W3C trace context header. */
function hexByte(flags: number): string {
  return flags === 1 ? "01" : flags === 0 ? "00" : flags.toString(16).padStart(2, "0");
}

/** `exception.*` attributes of a log record for `error`. */
export function exceptionAttributes(error: unknown): Record<string, string> {
  if (error instanceof Error) {
    return {
      [ATTR_EXCEPTION_TYPE]: error.constructor.name || error.name,
      [ATTR_EXCEPTION_MESSAGE]: error.message,
      [ATTR_EXCEPTION_STACKTRACE]: error.stack ?? "",
    };
  }
  return { [ATTR_EXCEPTION_TYPE]: typeof error, [ATTR_EXCEPTION_MESSAGE]: String(error) };
}
