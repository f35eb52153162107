/**
 * The floor of `deno task bench`: a bare `Deno.serve` handler that records
 * exactly what the service records per request (one SERVER span with the
 * contract's attributes, one duration histogram point, one access log
 * record) through the same telemetry module, and does nothing else: no
 * routing, no validation, no stdout line.
 *
 * Whatever this costs, any Deno service that traces and logs every request
 * with the OpenTelemetry JS SDK pays at least that much; the gap between
 * this row and the service's row is what the service's own code costs.
 *
 * @module
 */
import { logs, metrics, ROOT_CONTEXT, SeverityNumber, SpanKind, trace } from "@opentelemetry/api";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import { processEnv } from "../env.ts";
import { durationAttributes } from "../telemetry/http_attributes.ts";
import { DURATION_BUCKETS } from "../telemetry/http_server.ts";
import { HTTP_SERVER_REQUEST_DURATION } from "../telemetry/instruments.ts";
import { loadTelemetryConfig } from "../telemetry/config.ts";
import { startTelemetry } from "../telemetry/sdk.ts";
import { ATTR_APP_GREETING_KIND } from "../telemetry/semconv.ts";

const telemetry = startTelemetry(loadTelemetryConfig(processEnv()), {
  level: "info",
  format: "json",
});
const tracer = trace.getTracer("sdk-floor");
const logger = logs.getLogger("sdk-floor");
const duration = metrics.getMeter("sdk-floor").createHistogram(HTTP_SERVER_REQUEST_DURATION.name, {
  unit: HTTP_SERVER_REQUEST_DURATION.unit,
  advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
});
// Built once, as the service builds it once per method, route and status.
const histogramAttributes = durationAttributes("GET", "/greet", 200, "http", undefined);
const body = JSON.stringify({ message: "Hello, Ada!" });
const headers = { "content-type": "application/json" };
const port = Number(Deno.env.get("PORT") ?? "8000");

const SERVER = { kind: SpanKind.SERVER } as const;

// As the service does: the span's context is passed explicitly, not entered
// with context.with (which in Deno 2.9.6 slows every scavenge), and
// attributes are set after startSpan (cheaper than startSpan's attributes).
const server = Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => {} },
  (req, info) => {
    const start = performance.now();
    const span = tracer.startSpan("GET /greet", SERVER, ROOT_CONTEXT);
    span.setAttribute(ATTR_HTTP_REQUEST_METHOD, "GET");
    span.setAttribute(ATTR_URL_PATH, "/greet");
    span.setAttribute(ATTR_URL_SCHEME, "http");
    span.setAttribute(ATTR_SERVER_ADDRESS, "127.0.0.1");
    span.setAttribute(ATTR_SERVER_PORT, port);
    span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, "1.1");
    span.setAttribute(ATTR_HTTP_ROUTE, "/greet");
    span.setAttribute(ATTR_USER_AGENT_ORIGINAL, req.headers.get("user-agent") ?? "");
    span.setAttribute(ATTR_CLIENT_ADDRESS, info.remoteAddr.hostname);
    span.setAttribute(ATTR_APP_GREETING_KIND, "named");
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    const response = new Response(body, { headers });
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, 200);
    span.end();
    const seconds = (performance.now() - start) / 1000;
    duration.record(seconds, histogramAttributes);
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      body: "GET /greet 200",
      context: ctx,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: "GET",
        [ATTR_HTTP_ROUTE]: "/greet",
        [ATTR_URL_PATH]: "/greet",
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
        [HTTP_SERVER_REQUEST_DURATION.name]: seconds,
      },
    });
    return response;
  },
);
Deno.addSignalListener("SIGTERM", () => server.shutdown());
await server.finished;
await telemetry.shutdown(5000);
Deno.exit(0);
