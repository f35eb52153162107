/**
 * The known causes of "no data in Grafana", as one line of advice each.
 *
 * Every failing check carries one of these; docs/troubleshooting.md explains
 * them at length, in the same order.
 *
 * @module
 */

/** A failure as the checklist prints it. */
export interface Diagnosis {
  /** What happened, e.g. `connection refused`. */
  readonly detail: string;
  /** One line of advice. */
  readonly hint: string;
}

/** Advice for each known failure. */
export const HINTS = {
  dns: (host: string): string =>
    `the host name "${host}" does not resolve: check its spelling, or use the Pi's address (e.g. 192.168.1.201)`,
  refused: (host: string, port: string): string =>
    `nothing listens on ${host}:${port}: on the Pi, Alloy's OTLP/HTTP is host port 4319 (4318 inside compose); ` +
    "is the stack up (docker compose ps), is Alloy bound to 0.0.0.0, is a firewall rejecting it?",
  timeout: (host: string, port: string): string =>
    `${host}:${port} does not answer in time: a firewall is probably dropping packets (ufw allow 4319/tcp on the Pi), ` +
    "or the address belongs to no machine",
  tls:
    "TLS failed: use http:// for Alloy's plain OTLP/HTTP port, or set OTEL_EXPORTER_OTLP_CERTIFICATE for a private CA",
  notHttp:
    "the port does not speak HTTP/1.1: 4317 is OTLP gRPC, which this service cannot send; use port 4319",
  path:
    "the URL path is wrong: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL (the exporter appends /v1/traces); " +
    "per-signal *_ENDPOINT variables are full URLs",
  payload:
    "the receiver rejected the payload: payload or protocol mismatch (e.g. http/json sent to the gRPC port 4317, " +
    "or a proxy that expects another OTEL_EXPORTER_OTLP_PROTOCOL)",
  mediaType:
    "the receiver does not accept this encoding: set OTEL_EXPORTER_OTLP_PROTOCOL to what it speaks (http/protobuf or http/json)",
  auth:
    "the receiver wants credentials: set them in OTEL_EXPORTER_OTLP_HEADERS (e.g. authorization=Basic%20...)",
  method:
    "the URL answers, but not as an OTLP receiver (it refuses POST): check the host, port and path",
  overloaded:
    "the receiver is up but refuses data for now (Alloy's memory limiter, or a backend behind it is down): " +
    "docker compose logs alloy",
  serverError: "the receiver failed: docker compose logs alloy",
  partial:
    "the receiver accepted the request but rejected items: its message above says which and why",
  structuredMetadata:
    "Loki refuses structured metadata (which OTLP logs need for trace_id): use schema v13 with the tsdb index " +
    "and limits_config.allow_structured_metadata: true (loki/loki.yaml)",
  clock: "a Pi has no RTC: enable NTP (timedatectl set-ntp true) and check timedatectl; " +
    "data stamped far in the past or future falls outside Grafana's time range",
  tempoMissing:
    "the export was accepted but Tempo never got the trace: check Alloy's traces pipeline (UI on :12345, " +
    'otelcol.exporter.otlp "tempo"), TEMPO_OTLP_GRPC_ENDPOINT and docker compose logs tempo',
  lokiMissing:
    "the export was accepted but Loki has no such log line: check Alloy's logs pipeline " +
    '(otelcol.exporter.otlphttp "loki" to http://loki:3100/otlp) and docker compose logs alloy ' +
    "for 400s from Loki (structured metadata needs schema v13 and allow_structured_metadata)",
  prometheusMissing:
    "the export was accepted but Prometheus has no such series: start Prometheus with --web.enable-otlp-receiver " +
    "(Alloy pushes OTLP to /api/v1/otlp) and --web.enable-remote-write-receiver (Tempo's generated metrics)",
  prometheusOtlpOff:
    "Prometheus runs without --web.enable-otlp-receiver, so Alloy's OTLP push to /api/v1/otlp is refused: " +
    "add the flag (compose.yaml, prometheus command)",
  /** Tempo, Loki or Prometheus: compose.yaml publishes their APIs on the Pi's loopback only. */
  backendDown: (name: string, url: string, flag: string): string =>
    `${name} is not reachable at ${url}: is the stack up (docker compose ps)? compose publishes ` +
    `its port on the Pi's 127.0.0.1 only: run doctor on the Pi, or tunnel (ssh -L) and pass ${flag}`,
  /** Grafana: the one UI compose.yaml publishes on the LAN (port 3000). */
  grafanaDown: (url: string): string =>
    `Grafana is not reachable at ${url}: is the stack up (docker compose ps grafana)? compose ` +
    "publishes it on every interface of the Pi, port 3000: from another machine pass " +
    "--grafana http://<pi>:3000, and check that no firewall drops 3000/tcp",
  datasourceMissing: (uid: string): string =>
    `Grafana has no data source with uid "${uid}": the dashboards and links expect it; ` +
    "check grafana/provisioning/datasources (uid:) and docker compose logs grafana for provisioning errors",
  datasourceUnhealthy: (uid: string): string =>
    `Grafana cannot query the "${uid}" data source: its URL in grafana/provisioning/datasources must be the ` +
    "compose service name (http://tempo:3200, http://loki:3100, http://prometheus:9090), not localhost",
  grafanaAuth:
    "Grafana refused the login: set GRAFANA_USER and GRAFANA_PASSWORD (or --grafana-user/--grafana-password) " +
    "to the admin login from .env",
} as const;

/**
 * Classifies an error thrown by `fetch` or `Deno.connect`, for a request to
 * `url`.
 */
export function diagnoseNetworkError(error: unknown, url: URL): Diagnosis {
  const host = url.hostname;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const text = errorText(error);
  if (
    error instanceof Deno.errors.ConnectionRefused || /connection refused|ECONNREFUSED/i.test(text)
  ) {
    return { detail: `connection refused by ${host}:${port}`, hint: HINTS.refused(host, port) };
  }
  if (isTimeout(error) || /timed? ?out/i.test(text)) {
    return { detail: `no answer from ${host}:${port} in time`, hint: HINTS.timeout(host, port) };
  }
  if (/dns error|failed to lookup|name or service not known|nodename nor servname/i.test(text)) {
    return { detail: `cannot resolve "${host}": ${text}`, hint: HINTS.dns(host) };
  }
  if (/certificate|tls|ssl|handshake|InvalidContentType/i.test(text)) {
    return { detail: `TLS error: ${text}`, hint: HINTS.tls };
  }
  if (/http2|frame|invalid HTTP|parse|message incomplete|connection (closed|reset)/i.test(text)) {
    return { detail: `not an HTTP/1.1 answer: ${text}`, hint: HINTS.notHttp };
  }
  return { detail: text, hint: HINTS.refused(host, port) };
}

/** A one-line message for any thrown value. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`.replace(/\s+/g, " ").trim();
}

function isTimeout(error: unknown): boolean {
  return (error instanceof DOMException && error.name === "TimeoutError") ||
    error instanceof Deno.errors.TimedOut;
}
