/**
 * Batches like the ones the service exports, recorded through real SDK
 * providers: a server span with the attributes `http_server.ts` sets (11
 * of them) and the access log record it emits (5 attributes), on the
 * service's resource. For the encoders' tests and benchmark.
 *
 * @module
 */
import { type Context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { baseResourceAttributes } from "../resource.ts";

/** What {@linkcode recordServiceBatch} recorded. */
export interface ServiceBatch {
  readonly spans: ReadableSpan[];
  readonly logRecords: ReadableLogRecord[];
}

const NAMES = ["Ada", "Grace", "Linus", "Zoë", "Ken"];

/**
 * Records `count` requests as the service does: one server span and one
 * access log record each, the record in the span's context.
 */
export async function recordServiceBatch(count: number): Promise<ServiceBatch> {
  const resource = resourceFromAttributes(baseResourceAttributes());
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const tracer = tracerProvider.getTracer("greet-api", "0.1.0");
  const logger = loggerProvider.getLogger("greet-api", "0.1.0");
  try {
    for (let i = 0; i < count; i++) {
      const name = NAMES[i % NAMES.length] ?? "";
      const path = `/hello/${encodeURIComponent(name)}`;
      const span = tracer.startSpan("GET /hello/:name", { kind: SpanKind.SERVER }, ROOT_CONTEXT);
      span.setAttribute("http.request.method", "GET");
      span.setAttribute("url.path", path);
      span.setAttribute("url.scheme", "http");
      span.setAttribute("server.address", "greet.local");
      span.setAttribute("server.port", 8000);
      span.setAttribute("network.protocol.version", "1.1");
      span.setAttribute("http.route", "/hello/:name");
      span.setAttribute("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
      span.setAttribute("client.address", "192.168.1.20");
      span.setAttribute("app.greeting.name_length", name.length);
      span.setAttribute("http.response.status_code", 200);
      span.end();
      const ctx: Context = trace.setSpan(ROOT_CONTEXT, span);
      logger.emit({
        severityNumber: 9,
        severityText: "INFO",
        body: "GET /hello/:name 200",
        attributes: {
          "http.request.method": "GET",
          "http.route": "/hello/:name",
          "url.path": path,
          "http.response.status_code": 200,
          "http.server.request.duration": 0.000_123 + i * 1e-7,
        },
        context: ctx,
      });
    }
    return {
      spans: spanExporter.getFinishedSpans(),
      logRecords: logExporter.getFinishedLogRecords(),
    };
  } finally {
    await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
  }
}
