/**
 * Fake Tempo, Loki, Prometheus and Grafana HTTP APIs for the doctor's tests,
 * each on its own loopback port. They answer from what an
 * {@linkcode OtlpReceiver} really received, so "all good" is earned: Tempo
 * knows a trace only once the receiver accepted a span of it.
 *
 * Each answers unknown ids, empty results and errors as the pinned version
 * was observed to (status, content type, body; each handler's comment says
 * what was seen), and doctor/_fake_stack_test.ts sends the same requests to
 * the real Tempo, Loki and Prometheus where they run. Faults reproduce the
 * usual reasons for an empty Grafana.
 *
 * @module
 */
import type { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { PROBE_METRIC } from "../telemetry/probe_payload.ts";
import type { StackUrls } from "./stack_checks.ts";

/**
 * Loki's own message (pkg/validation) when structured metadata is not
 * allowed, as Loki 3.7.6 sent it for a refused OTLP push (no final period).
 */
export const LOKI_STRUCTURED_METADATA_ERROR = "stream '{service_name=\"greet-api\"}' includes " +
  "structured metadata, but this feature is disallowed. Please see " +
  "`limits_config.allow_structured_metadata` or contact your Loki administrator to enable it";

/** Options for {@linkcode FakeStack.start}. */
export interface FakeStackOptions {
  /** `empty`: Tempo never has the trace (Alloy's traces pipeline is broken). */
  readonly tempo?: "ok" | "empty";
  /**
   * `empty`: no log line ever arrives; `no-structured-metadata`: Loki
   * refuses OTLP logs on `/otlp/v1/logs` with its 400, so none arrive either.
   */
  readonly loki?: "ok" | "empty" | "no-structured-metadata";
  /** `no-otlp-receiver`: started without --web.enable-otlp-receiver, so no metric arrives. */
  readonly prometheus?: "ok" | "no-otlp-receiver";
  /** Provisioned data source uids (default prometheus, tempo, loki). */
  readonly datasources?: readonly string[];
  /** Data sources whose health check fails. */
  readonly unhealthy?: readonly string[];
  /** Grafana admin password; requests without it get 401. Default `secret`. */
  readonly grafanaPassword?: string;
  /** A fixed `Date` header on every answer (a server clock far from ours). */
  readonly date?: string;
}

/** Four fake backends. */
export class FakeStack {
  /** Base URL of each API. */
  readonly urls: StackUrls;
  /** `METHOD /path` of every request, per backend, in arrival order. */
  readonly requests: Readonly<Record<keyof StackUrls, string[]>>;
  readonly #servers: Deno.HttpServer<Deno.NetAddr>[];

  private constructor(
    urls: StackUrls,
    servers: Deno.HttpServer<Deno.NetAddr>[],
    requests: Record<keyof StackUrls, string[]>,
  ) {
    this.urls = urls;
    this.#servers = servers;
    this.requests = requests;
  }

  /** Starts the four APIs on free loopback ports, answering from `receiver`. */
  static async start(receiver: OtlpReceiver, options: FakeStackOptions = {}): Promise<FakeStack> {
    const requests: Record<keyof StackUrls, string[]> = {
      tempo: [],
      loki: [],
      prometheus: [],
      grafana: [],
    };
    const handlers: Record<
      keyof StackUrls,
      (request: Request, url: URL) => Response | Promise<Response>
    > = {
      tempo: (_request, url) => tempo(receiver, options, url),
      loki: (request, url) => loki(receiver, options, request, url),
      prometheus: (_request, url) => prometheus(receiver, options, url),
      grafana: (request, url) => grafana(options, request, url),
    };
    const servers: Deno.HttpServer<Deno.NetAddr>[] = [];
    const urls: { -readonly [K in keyof StackUrls]: string } = {
      tempo: "",
      loki: "",
      prometheus: "",
      grafana: "",
    };
    for (const name of ["tempo", "loki", "prometheus", "grafana"] as const) {
      const listening = Promise.withResolvers<void>();
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => listening.resolve() },
        async (request) => {
          const url = new URL(request.url);
          requests[name].push(`${request.method} ${url.pathname}`);
          const response = await handlers[name](request, url);
          if (options.date) response.headers.set("date", options.date);
          return response;
        },
      );
      await listening.promise;
      servers.push(server);
      urls[name] = `http://127.0.0.1:${server.addr.port}`;
    }
    return new FakeStack(urls, servers, requests);
  }

  /** Stops all four servers. */
  async close(): Promise<void> {
    await Promise.all(this.#servers.map(async (server) => {
      await server.shutdown();
      await server.finished;
    }));
  }
}

/**
 * Tempo 3.0.3's trace-by-id APIs, as observed against the real binary
 * running tempo/tempo.yaml:
 *
 * - `GET /api/v2/traces/<id>` of an id it does not hold: **200**,
 *   `application/json`, `{"trace":{},"metrics":{}}` (issue 12's defect 1).
 *   Of one it holds: 200 with `{"trace":{"resourceSpans":[...]},"metrics":{}}`,
 *   ids in base64 (`"traceId":"S/kvNXezTaajzpKdDg5HNg=="`).
 * - `GET /api/traces/<id>` (v1) of an unknown id: 404 with an empty body and
 *   no content type; of a known one: 200 with `{"batches":[...]}`.
 * - An id with a character that is not hex, on either: 400,
 *   `text/plain; charset=utf-8`, `trace IDs can only contain hex characters:
 *   invalid character 'n' at position 1` (1-based). A short hex id is padded
 *   with zeros; one over 32 digits: `trace IDs can't be larger than 128 bits`.
 * - Any other path: 404, `text/plain; charset=utf-8`, `404 page not found`.
 */
function tempo(receiver: OtlpReceiver, options: FakeStackOptions, url: URL): Response {
  const match = url.pathname.match(/^\/api\/(v2\/)?traces\/([^/]+)$/);
  if (!match) return new Response("404 page not found\n", { status: 404, headers: TEXT });
  const [, v2, id = ""] = match;
  const invalid = [...id].findIndex((c) => !/[0-9a-fA-F]/.test(c));
  if (invalid >= 0) {
    return new Response(
      `trace IDs can only contain hex characters: invalid character '${id[invalid]}' at position ${
        invalid + 1
      }`,
      { status: 400, headers: TEXT },
    );
  }
  if (id.length > 32) {
    return new Response("trace IDs can't be larger than 128 bits", {
      status: 400,
      headers: TEXT,
    });
  }
  const traceId = id.toLowerCase().padStart(32, "0");
  const spans = options.tempo === "empty"
    ? []
    : receiver.spans.filter((span) => span.traceId === traceId);
  if (spans.length === 0) {
    return v2 ? Response.json({ trace: {}, metrics: {} }) : new Response(null, { status: 404 });
  }
  const resourceSpans = [{
    resource: { attributes: [] },
    scopeSpans: [{
      scope: {},
      spans: spans.map((s) => ({
        traceId: base64(s.traceId),
        spanId: base64(s.spanId),
        name: s.name,
      })),
    }],
  }];
  return v2
    ? Response.json({ trace: { resourceSpans }, metrics: {} })
    : Response.json({ batches: resourceSpans });
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

function base64(hex: string): string {
  return btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((b) => parseInt(b, 16))));
}

/**
 * Loki 3.7.6's push and query APIs, as observed against the real binary
 * running loki/loki.yaml:
 *
 * - `POST /otlp/v1/logs` accepted: 204, no body. Refused because structured
 *   metadata is disallowed: 400, `application/octet-stream`, the message in a
 *   protobuf google.rpc.Status (field 2), even for a JSON request.
 * - `GET /loki/api/v1/query_range` with no match: 200,
 *   `application/json; charset=UTF-8`, `{"status":"success","data":
 *   {"resultType":"streams","result":[],"stats":{...}}}`; a match lists each
 *   stream with its index labels and the line's structured metadata merged
 *   (`service_name`, `service_instance_id`, `trace_id`, `span_id`,
 *   `detected_level`). `stats` is abbreviated here.
 * - A query that does not parse: 400, `text/plain; charset=utf-8`, e.g.
 *   `parse error at line 1, col 27: syntax error: unexpected |, expecting } or ,`.
 * - An unknown path: 404, `text/plain; charset=utf-8`, `404 page not found`.
 *
 * The fake evaluates only the doctor's query; any other it refuses as Loki
 * refuses a query it cannot parse.
 */
async function loki(
  receiver: OtlpReceiver,
  options: FakeStackOptions,
  request: Request,
  url: URL,
): Promise<Response> {
  if (url.pathname === "/otlp/v1/logs" && request.method === "POST") {
    await request.body?.cancel();
    if (options.loki === "no-structured-metadata") {
      return new Response(rpcStatus(LOKI_STRUCTURED_METADATA_ERROR), {
        status: 400,
        headers: { "content-type": "application/octet-stream" },
      });
    }
    return new Response(null, { status: 204 });
  }
  if (url.pathname !== "/loki/api/v1/query_range") {
    return new Response("404 page not found\n", { status: 404, headers: TEXT });
  }
  const query = url.searchParams.get("query") ?? "";
  const selector = query.match(/^\{service_name="([^"]+)"\} \| trace_id="([0-9a-f]{32})"$/);
  if (!selector) {
    return new Response(
      `parse error at line 1, col 1: the fake Loki evaluates only the doctor's query`,
      {
        status: 400,
        headers: TEXT,
      },
    );
  }
  const [, service, traceId] = selector;
  const logs = options.loki && options.loki !== "ok"
    ? []
    : receiver.logs.filter((log) =>
      log.traceId === traceId && log.resource["service.name"] === service
    );
  return Response.json({
    status: "success",
    data: {
      resultType: "streams",
      result: logs.map((log) => ({
        stream: {
          detected_level: String(log.severityText ?? "unknown").toLowerCase(),
          service_instance_id: String(log.resource["service.instance.id"] ?? ""),
          service_name: service,
          span_id: log.spanId ?? "",
          trace_id: traceId,
        },
        values: [[String(log.timeUnixNano), String(log.body)]],
      })),
      stats: { summary: { totalEntriesReturned: logs.length } },
    },
  }, { headers: { "content-type": "application/json; charset=UTF-8" } });
}

/** A google.rpc.Status with only `message` set, serialized. */
function rpcStatus(message: string): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder().encode(message);
  const length: number[] = [];
  for (let n = text.length;; n = Math.floor(n / 128)) {
    length.push(n >= 128 ? (n % 128) | 0x80 : n);
    if (n < 128) break;
  }
  return new Uint8Array([0x12, ...length, ...text]);
}

/**
 * Prometheus 3.14.0's query API, as observed against the real binary
 * (`--web.enable-otlp-receiver` and compose.yaml's other flags):
 *
 * - `GET /api/v1/query` with no matching series: 200, `application/json`,
 *   `{"status":"success","data":{"resultType":"vector","result":[]}}`;
 * - a query that does not parse: 400 with `{"status":"error","errorType":
 *   "bad_data","error":"invalid parameter \"query\": 1:5: parse error: ..."}`;
 * - an unknown path: 404, `text/plain; charset=utf-8`, `404 page not found`;
 * - `GET /api/v1/status/flags`: every flag as a string, among them
 *   `"web.enable-otlp-receiver": "true"` or `"false"`. Without the flag, a
 *   push to `/api/v1/otlp/v1/metrics` gets 404 and
 *   `otlp write receiver needs to be enabled with --web.enable-otlp-receiver`.
 *
 * The fake evaluates only the doctor's query; any other it refuses as bad_data.
 */
function prometheus(receiver: OtlpReceiver, options: FakeStackOptions, url: URL): Response {
  const otlp = options.prometheus !== "no-otlp-receiver";
  if (url.pathname === "/api/v1/status/flags") {
    return Response.json({
      status: "success",
      data: {
        "web.enable-otlp-receiver": String(otlp),
        "web.enable-remote-write-receiver": "true",
      },
    });
  }
  if (url.pathname !== "/api/v1/query") {
    return new Response("404 page not found\n", { status: 404, headers: TEXT });
  }
  const query = url.searchParams.get("query") ?? "";
  const selector = query.match(/^app_doctor_probes_total\{instance="([^"]+)"\}$/);
  if (!selector) {
    return Response.json({
      status: "error",
      errorType: "bad_data",
      error: `invalid parameter "query": the fake Prometheus evaluates only the doctor's query`,
    }, { status: 400 });
  }
  const series = otlp
    ? receiver.metrics.filter((metric) =>
      metric.name === PROBE_METRIC && metric.resource["service.instance.id"] === selector[1]
    )
    : [];
  return Response.json({
    status: "success",
    data: {
      resultType: "vector",
      result: series.map(() => ({
        metric: { __name__: "app_doctor_probes_total", instance: selector[1] },
        value: [Date.now() / 1000, "1"],
      })),
    },
  });
}

/**
 * Grafana 13.2.0's data source API. Grafana cannot be built here, so these
 * answers come from its source, not from a running Grafana: grafana/grafana
 * as stored by the search tool (not necessarily the v13.2.0 tag; the whole
 * repository is too large to fetch):
 *
 * - pkg/api/datasources.go, GetDataSourceByUID: an unknown uid is
 *   `response.Error(404, "Data source not found", nil)`, i.e. 404,
 *   `application/json`, `{"message":"Data source not found"}`;
 *   checkDatasourceHealth: `{"message":...,"status":"OK"}` with 200, or with
 *   400 when the plugin's status is not OK (e.g. "ERROR");
 * - pkg/middleware/auth.go, notAuthorized, and
 *   pkg/services/contexthandler/model/model.go, writeErrOrFallback: an API
 *   request that is not signed in gets 401, `application/json; charset=UTF-8`,
 *   with the authentication error's public fields: `auth.unauthorized` when no
 *   credentials came, `password-auth.failed` (its own statusCode 400, the
 *   HTTP status still 401) for a wrong password
 *   (pkg/services/authn/clients/password.go).
 */
function grafana(options: FakeStackOptions, request: Request, url: URL): Response {
  const password = options.grafanaPassword ?? "secret";
  const authorization = request.headers.get("authorization");
  if (authorization !== `Basic ${btoa(`admin:${password}`)}`) {
    const failed = authorization === null
      ? { message: "Unauthorized", messageId: "auth.unauthorized", statusCode: 401 }
      : {
        message: "Invalid username or password",
        messageId: "password-auth.failed",
        statusCode: 400,
      };
    return new Response(`${JSON.stringify({ extra: null, ...failed, traceID: "" })}\n`, {
      status: 401,
      headers: { "content-type": "application/json; charset=UTF-8" },
    });
  }
  const match = url.pathname.match(/^\/api\/datasources\/uid\/([^/]+)(\/health)?$/);
  if (!match) return Response.json({ message: "Not found" }, { status: 404 });
  const [, uid = "", health] = match;
  const uids = options.datasources ?? ["prometheus", "tempo", "loki"];
  if (!uids.includes(uid)) {
    return Response.json({ message: "Data source not found" }, { status: 404 });
  }
  const type = uid === "prometheus" ? "prometheus" : uid;
  if (!health) return Response.json({ uid, name: uid[0]?.toUpperCase() + uid.slice(1), type });
  if (options.unhealthy?.includes(uid)) {
    return Response.json({
      message:
        `Get "http://localhost:3200/api/echo": dial tcp [::1]:3200: connect: connection refused`,
      status: "ERROR",
    }, { status: 400 });
  }
  return Response.json({ message: "Data source is working", status: "OK" });
}
