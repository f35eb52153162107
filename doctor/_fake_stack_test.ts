/**
 * The doctor's fake backends answer as the real ones do: where a real binary
 * is available (Loki and Prometheus under CI, Tempo with `TEMPO_BIN`), the
 * same requests go to both and the answers must match.
 */
import assert from "node:assert/strict";
import { findLoki, Loki } from "../testing/backends/loki.ts";
import { findPrometheus, Prometheus } from "../testing/backends/prometheus.ts";
import { findTempo, Tempo } from "../testing/backends/tempo.ts";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { FakeStack } from "./_fake_stack.ts";

const UNKNOWN_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

/** What a comparison looks at: status, content type and the body, or the part of it that is stable. */
interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

async function ask(
  base: string,
  path: string,
  stable: (body: string) => unknown = (body) => body,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`);
  const body = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: stable(body),
  };
}

/** Asserts that the fake answers each path exactly as the real backend. */
async function compare(
  t: Deno.TestContext,
  real: string,
  fake: string,
  paths: readonly { path: string; stable?: (body: string) => unknown }[],
): Promise<void> {
  for (const { path, stable } of paths) {
    await t.step(`GET ${path}`, async () => {
      assert.deepEqual(await ask(fake, path, stable), await ask(real, path, stable));
    });
  }
}

async function withFakes(fn: (fakes: FakeStack) => Promise<void>): Promise<void> {
  const receiver = await OtlpReceiver.start();
  const fakes = await FakeStack.start(receiver);
  try {
    await fn(fakes);
  } finally {
    await fakes.close();
    await receiver.close();
  }
}

const tempoBin = findTempo();
Deno.test({
  name: "the fake Tempo answers unknown, malformed and short trace ids as Tempo 3.0.3 does",
  ignore: !tempoBin.path,
  fn: (t) =>
    withFakes(async (fakes) => {
      const tempo = await Tempo.start({ bin: tempoBin.path ?? "" });
      try {
        await compare(t, tempo.url, fakes.urls.tempo, [
          { path: `/api/v2/traces/${UNKNOWN_TRACE}` },
          { path: `/api/traces/${UNKNOWN_TRACE}` },
          { path: "/api/v2/traces/not-a-trace-id" },
          { path: "/api/traces/0x12" },
          { path: "/api/v2/traces/abc" },
          { path: `/api/v2/traces/${UNKNOWN_TRACE}00` },
          { path: "/api/nope" },
        ]);
      } finally {
        await tempo.stop();
      }
    }),
});

const lokiBin = findLoki();
Deno.test({
  name: "the fake Loki answers an empty query and an unknown path as Loki 3.7.6 does",
  ignore: !lokiBin.path,
  fn: (t) =>
    withFakes(async (fakes) => {
      const loki = await Loki.start({ bin: lokiBin.path ?? "" });
      const query = new URLSearchParams({
        query: `{service_name="greet-api"} | trace_id="${UNKNOWN_TRACE}"`,
        limit: "10",
      });
      // The statistics differ from run to run; the status and result do not.
      const result = (body: string): unknown => {
        const parsed = JSON.parse(body) as { status: string; data: Record<string, unknown> };
        return [parsed.status, parsed.data.resultType, parsed.data.result];
      };
      try {
        await compare(t, loki.url, fakes.urls.loki, [
          { path: `/loki/api/v1/query_range?${query}`, stable: result },
          { path: "/loki/api/v1/nope" },
        ]);
      } finally {
        await loki.stop();
      }
    }),
});

const prometheusBin = findPrometheus();
Deno.test({
  name:
    "the fake Prometheus answers an empty query, an unknown path and its flags as Prometheus 3.14.0 does",
  ignore: !prometheusBin.path,
  fn: (t) =>
    withFakes(async (fakes) => {
      const prometheus = await Prometheus.start({ bin: prometheusBin.path ?? "" });
      const flags = (body: string): unknown => {
        const data = (JSON.parse(body) as { data: Record<string, string> }).data;
        return [data["web.enable-otlp-receiver"], data["web.enable-remote-write-receiver"]];
      };
      try {
        await compare(t, prometheus.url, fakes.urls.prometheus, [
          {
            path: `/api/v1/query?${new URLSearchParams({
              query: 'app_doctor_probes_total{instance="nobody"}',
            })}`,
          },
          { path: "/api/v1/nope" },
          { path: "/api/v1/status/flags", stable: flags },
        ]);
      } finally {
        await prometheus.stop();
      }
    }),
});
