/**
 * `doctor --stack`: follows the test telemetry into the backends. Waits,
 * within a deadline, for the trace in Tempo, the log record in Loki (by its
 * `trace_id` structured metadata) and the metric in Prometheus, then checks
 * that Grafana has the provisioned data sources and that they are healthy.
 *
 * @module
 */
import type { Signal } from "../telemetry/config.ts";
import { type DateSample, dateSample } from "./clock.ts";
import { errorText, HINTS } from "./hints.ts";
import { PROBE_METRIC_PROMETHEUS } from "../telemetry/probe_payload.ts";
import type { Check } from "./report.ts";
import { spansOfTrace } from "./tempo_trace.ts";

/** Base URLs of the stack's HTTP APIs. */
export interface StackUrls {
  readonly tempo: string;
  readonly loki: string;
  readonly prometheus: string;
  readonly grafana: string;
}

/** Where compose.yaml publishes the APIs on the Pi (all but Grafana on loopback only). */
export const DEFAULT_STACK_URLS: StackUrls = {
  tempo: "http://127.0.0.1:3200",
  loki: "http://127.0.0.1:3100",
  prometheus: "http://127.0.0.1:9090",
  grafana: "http://127.0.0.1:3000",
};

/** The data source uids grafana/provisioning/datasources gives, which dashboards and links use. */
export const DATASOURCE_UIDS = ["prometheus", "tempo", "loki"] as const;

/** What the doctor sent, to look for. */
export interface SentProbe {
  readonly traceId: string;
  readonly serviceName: string;
  readonly instanceId: string;
  /** Which signals the receiver accepted; the others are not looked for. */
  readonly accepted: Readonly<Record<Signal, boolean>>;
}

/** Options for {@linkcode checkStack}. */
export interface StackOptions {
  readonly urls: StackUrls;
  /** How long to wait for the test telemetry to become queryable. */
  readonly waitMs: number;
  /** Budget for each HTTP request. */
  readonly timeoutMs: number;
  /** Grafana login; without one, Grafana is asked anonymously. */
  readonly grafanaAuth?: { readonly user: string; readonly password: string } | undefined;
}

/** Result of {@linkcode checkStack}. */
export interface StackResult {
  readonly checks: Check[];
  /** `Date` headers of the backends, for the clock check. */
  readonly dates: DateSample[];
}

/** Runs the stack checks concurrently; resolves within about `waitMs` plus one request. */
export async function checkStack(sent: SentProbe, options: StackOptions): Promise<StackResult> {
  const dates: DateSample[] = [];
  const client = new Client(options.timeoutMs, dates);
  const deadline = Date.now() + options.waitMs;
  const [tempo, loki, prometheus, grafana] = await Promise.all([
    sent.accepted.traces
      ? tempoCheck(client, options.urls.tempo, sent, deadline)
      : skipped("stack.tempo", "Tempo: trace", "traces"),
    sent.accepted.logs
      ? lokiCheck(client, options.urls.loki, sent, deadline)
      : skipped("stack.loki", "Loki: log record", "logs"),
    sent.accepted.metrics
      ? prometheusCheck(client, options.urls.prometheus, sent, deadline)
      : skipped("stack.prometheus", "Prometheus: metric", "metrics"),
    grafanaChecks(client, options),
  ]);
  return { checks: [tempo, loki, prometheus, ...grafana], dates };
}

function skipped(id: string, title: string, signal: Signal): Promise<Check> {
  return Promise.resolve({
    id,
    title,
    status: "skip",
    detail: `not looked for: the ${signal} export was not accepted`,
  });
}

/** One poll: `found`, `missing` (ask again), or `failed` (asking again will not help). */
type Poll =
  | { readonly kind: "found"; readonly detail: string }
  | { readonly kind: "missing"; readonly detail: string }
  | { readonly kind: "failed"; readonly detail: string; readonly hint: string };

/** Polls with backoff until found, failed or past the deadline. */
async function pollUntil(
  deadline: number,
  poll: () => Promise<Poll>,
): Promise<{ readonly result: Poll; readonly seconds: number }> {
  const started = Date.now();
  let backoff = 100;
  for (;;) {
    const result = await poll();
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const remaining = deadline - Date.now();
    if (result.kind !== "missing" || remaining <= 0) return { result, seconds };
    // The last poll happens at the deadline itself.
    await new Promise((resolve) => setTimeout(resolve, Math.min(backoff, remaining)));
    backoff = Math.min(backoff * 2, 2_000);
  }
}

async function tempoCheck(
  client: Client,
  base: string,
  sent: SentProbe,
  deadline: number,
): Promise<Check> {
  const url = `${base}/api/v2/traces/${sent.traceId}`;
  const { result, seconds } = await pollUntil(deadline, async () => {
    const answer = await client.get("Tempo", url);
    if (answer.kind === "error") return backendDown("Tempo", base, "--tempo", answer.message);
    // Tempo 3 answers an id it does not hold with 200 and an empty trace:
    // only a span of the trace counts.
    if (answer.status === 200) {
      const spans = spansOfTrace(answer.body, sent.traceId);
      return spans > 0
        ? { kind: "found", detail: `trace ${sent.traceId} found (${plural(spans, "span")})` }
        : { kind: "missing", detail: `trace ${sent.traceId} not found` };
    }
    if (answer.status === 404) {
      return { kind: "missing", detail: `trace ${sent.traceId} not found` };
    }
    return unexpected(answer, HINTS.tempoMissing);
  });
  return finish("stack.tempo", "Tempo: trace", result, seconds, HINTS.tempoMissing);
}

async function lokiCheck(
  client: Client,
  base: string,
  sent: SentProbe,
  deadline: number,
): Promise<Check> {
  const query = `{service_name="${sent.serviceName}"} | trace_id="${sent.traceId}"`;
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const hourNs = 3_600_000_000_000n;
  const params = new URLSearchParams({
    query,
    start: String(nowNs - hourNs),
    end: String(nowNs + hourNs),
    limit: "10",
    direction: "backward",
  });
  const url = `${base}/loki/api/v1/query_range?${params}`;
  const { result, seconds } = await pollUntil(deadline, async () => {
    const answer = await client.get("Loki", url);
    if (answer.kind === "error") return backendDown("Loki", base, "--loki", answer.message);
    if (answer.status !== 200) {
      return unexpected(
        answer,
        /structured metadata/i.test(answer.body) ? HINTS.structuredMetadata : HINTS.lokiMissing,
      );
    }
    const streams = countResults(answer.body);
    return streams > 0
      ? { kind: "found", detail: `${query} matched ${plural(streams, "stream")}` }
      : { kind: "missing", detail: `${query} matched nothing` };
  });
  return finish("stack.loki", "Loki: log record", result, seconds, HINTS.lokiMissing);
}

async function prometheusCheck(
  client: Client,
  base: string,
  sent: SentProbe,
  deadline: number,
): Promise<Check> {
  const query = `${PROBE_METRIC_PROMETHEUS}{instance="${sent.instanceId}"}`;
  const url = `${base}/api/v1/query?${new URLSearchParams({ query })}`;
  const { result, seconds } = await pollUntil(deadline, async () => {
    const answer = await client.get("Prometheus", url);
    if (answer.kind === "error") {
      return backendDown("Prometheus", base, "--prometheus", answer.message);
    }
    if (answer.status !== 200) return unexpected(answer, HINTS.prometheusMissing);
    return countResults(answer.body) > 0
      ? { kind: "found", detail: `${query} found` }
      : { kind: "missing", detail: `${query} has no sample` };
  });
  let hint: string = HINTS.prometheusMissing;
  if (result.kind === "missing") {
    // Its flags say whether the OTLP receiver is the reason.
    const flags = await client.get("Prometheus", `${base}/api/v1/status/flags`);
    if (flags.kind === "response" && flags.status === 200) {
      const data = parseJson(flags.body)?.data as Record<string, unknown> | undefined;
      if (data?.["web.enable-otlp-receiver"] === "false") hint = HINTS.prometheusOtlpOff;
    }
  }
  return finish("stack.prometheus", "Prometheus: metric", result, seconds, hint);
}

async function grafanaChecks(client: Client, options: StackOptions): Promise<Check[]> {
  const base = options.urls.grafana;
  const headers: Record<string, string> = {};
  if (options.grafanaAuth) {
    const { user, password } = options.grafanaAuth;
    headers.authorization = `Basic ${btoa(`${user}:${password}`)}`;
  }
  return await Promise.all(DATASOURCE_UIDS.map(async (uid): Promise<Check> => {
    const id = `stack.grafana.${uid}`;
    const title = `Grafana: data source "${uid}"`;
    const found = await client.get("Grafana", `${base}/api/datasources/uid/${uid}`, headers);
    if (found.kind === "error") {
      return { id, title, status: "fail", detail: found.message, hint: HINTS.grafanaDown(base) };
    }
    if (found.status === 401 || found.status === 403) {
      return {
        id,
        title,
        status: "fail",
        detail: `HTTP ${found.status}: ${excerpt(found.body)}`,
        hint: HINTS.grafanaAuth,
      };
    }
    if (found.status === 404) {
      return {
        id,
        title,
        status: "fail",
        detail: `HTTP 404: no data source with uid "${uid}"`,
        hint: HINTS.datasourceMissing(uid),
      };
    }
    if (found.status !== 200) {
      return {
        id,
        title,
        status: "fail",
        detail: `HTTP ${found.status}: ${excerpt(found.body)}`,
        hint: HINTS.datasourceMissing(uid),
      };
    }
    const source = parseJson(found.body) ?? {};
    const name = `${String(source.name ?? uid)} (${String(source.type ?? "?")})`;
    const health = await client.get(
      "Grafana",
      `${base}/api/datasources/uid/${uid}/health`,
      headers,
    );
    if (health.kind === "error") {
      return {
        id,
        title,
        status: "fail",
        detail: health.message,
        hint: HINTS.datasourceUnhealthy(uid),
      };
    }
    const body = parseJson(health.body) ?? {};
    const message = String(body.message ?? excerpt(health.body));
    if (health.status === 200 && String(body.status ?? "").toUpperCase() === "OK") {
      return { id, title, status: "pass", detail: `${name} healthy: ${message}` };
    }
    return {
      id,
      title,
      status: "fail",
      detail: `${name} unhealthy (HTTP ${health.status}): ${message}`,
      hint: HINTS.datasourceUnhealthy(uid),
    };
  }));
}

function finish(id: string, title: string, result: Poll, seconds: number, hint: string): Check {
  switch (result.kind) {
    case "found":
      return { id, title, status: "pass", detail: `${result.detail} after ${seconds} s` };
    case "missing":
      return { id, title, status: "fail", detail: `${result.detail} within ${seconds} s`, hint };
    case "failed":
      return { id, title, status: "fail", detail: result.detail, hint: result.hint };
  }
}

function backendDown(
  name: string,
  base: string,
  flag: string,
  message: string,
): Extract<Poll, { kind: "failed" }> {
  return { kind: "failed", detail: message, hint: HINTS.backendDown(name, base, flag) };
}

function unexpected(answer: HttpAnswer, hint: string): Poll {
  return { kind: "failed", detail: `HTTP ${answer.status}: ${excerpt(answer.body)}`, hint };
}

/** The number of entries in `data.result` of a Loki or Prometheus answer. */
function countResults(body: string): number {
  const data = parseJson(body)?.data;
  if (typeof data !== "object" || data === null || !("result" in data)) return 0;
  return Array.isArray(data.result) ? data.result.length : 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null
      ? parsed as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

function excerpt(body: string): string {
  return body.replace(/\s+/g, " ").trim().slice(0, 200) || "(empty body)";
}

interface HttpAnswer {
  readonly kind: "response";
  readonly status: number;
  readonly body: string;
}

/** GETs with a timeout, never throws, and keeps the first `Date` header of each backend. */
class Client {
  readonly #timeoutMs: number;
  readonly #dates: DateSample[];

  constructor(timeoutMs: number, dates: DateSample[]) {
    this.#timeoutMs = timeoutMs;
    this.#dates = dates;
  }

  async get(
    name: string,
    url: string,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer | { readonly kind: "error"; readonly message: string }> {
    const startedMs = Date.now();
    try {
      const response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const body = await response.text();
      const sample = dateSample(name, response, startedMs);
      if (sample && !this.#dates.some((date) => date.source === name)) this.#dates.push(sample);
      return { kind: "response", status: response.status, body };
    } catch (error) {
      return { kind: "error", message: errorText(error) };
    }
  }
}
