/**
 * The bench's OTLP/HTTP sink: it answers every export at once and keeps the
 * raw bodies, decoding them only when asked to count, after the load run.
 *
 * Decoding as exports arrive (as the tests' OtlpReceiver does) would spend
 * CPU on the load generator's core while the measurement runs.
 *
 * @module
 */
import { decodeOtlpProto } from "../testing/_otlp_proto.ts";
import { normalizeExport } from "../testing/_otlp_normalize.ts";
import type { Signal } from "../testing/otlp_types.ts";

const SIGNALS: Readonly<Record<string, Signal>> = {
  "/v1/traces": "traces",
  "/v1/metrics": "metrics",
  "/v1/logs": "logs",
};

interface Stored {
  readonly signal: Signal;
  readonly protobuf: boolean;
  readonly gzip: boolean;
  readonly body: Uint8Array;
}

/** What arrived, counted after the run. */
export interface SinkCounts {
  /** Server spans (names starting with the method). */
  readonly spans: number;
  /** Access log records (`GET /greet 200` in the body). */
  readonly accessLogs: number;
  /** Metric export requests. */
  readonly metricExports: number;
}

/** A running sink. */
export interface OtlpSink {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  /** Decodes everything received and counts it. */
  count(): Promise<SinkCounts>;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a sink on a free loopback port. */
export function startSink(): OtlpSink {
  const stored: Stored[] = [];
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    async (req) => {
      const signal = SIGNALS[new URL(req.url).pathname];
      const body = await req.bytes();
      if (!signal) return new Response("not found", { status: 404 });
      const protobuf = (req.headers.get("content-type") ?? "").startsWith("application/x-protobuf");
      stored.push({ signal, protobuf, gzip: req.headers.get("content-encoding") === "gzip", body });
      return protobuf
        ? new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } })
        : Response.json({});
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async count(): Promise<SinkCounts> {
      let spans = 0;
      let accessLogs = 0;
      let metricExports = 0;
      for (const item of stored) {
        const raw = item.gzip ? await gunzip(item.body) : item.body;
        const decoded = item.protobuf
          ? decodeOtlpProto(item.signal, raw)
          : JSON.parse(new TextDecoder().decode(raw));
        const telemetry = normalizeExport(item.signal, decoded);
        spans += telemetry.spans.filter((s) => /^[A-Z]+( |$)/.test(s.name)).length;
        accessLogs += telemetry.logs.filter((l) => String(l.body).includes("GET /greet 200"))
          .length;
        if (item.signal === "metrics") metricExports++;
      }
      return { spans, accessLogs, metricExports };
    },
    async close(): Promise<void> {
      controller.abort();
      await server.finished;
    },
  };
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
