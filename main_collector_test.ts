/**
 * End to end against a real OpenTelemetry Collector (built by
 * `.ci/build-collector` from `collector/builder.yaml`): the service's OTLP
 * exports must be accepted by the reference implementation, not only by this
 * project's own test receiver.
 */
import assert from "node:assert/strict";
import { Collector, findCollector } from "./testing/collector.ts";
import { ServiceProcess } from "./testing/service_process.ts";

const collectorBin = findCollector();

for (const protocol of ["http/json", "http/protobuf"] as const) {
  Deno.test({
    name: `a real collector accepts the service's traces, metrics and logs over ${protocol}, ` +
      "with trace ids matching across signals",
    ignore: !collectorBin.path,
    async fn(): Promise<void> {
      const collector = await Collector.start();
      let service: ServiceProcess | undefined;
      try {
        const svc = await ServiceProcess.start({
          env: {
            OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          },
        });
        service = svc;
        const requests = 10;
        const traceIds = new Set<string>();
        for (let i = 0; i < requests; i++) {
          const response = await fetch(`${svc.url}/greet?name=Grace`);
          assert.equal(response.status, 200);
          await response.body?.cancel();
          traceIds.add((response.headers.get("traceresponse") ?? "").split("-")[1] ?? "");
        }
        assert.equal((await svc.stop("SIGTERM")).code, 0, svc.stderr);
        const flushed = svc.lines.find((l) => l.msg === "telemetry flushed");
        assert.equal(flushed?.["otel.traces.failed_exports"], 0);
        assert.equal(flushed?.["otel.logs.failed_exports"], 0);
        assert.equal(flushed?.["otel.metrics.failed_exports"], 0);

        const received = await collector.waitFor(
          (r) =>
            r.spans.length >= requests &&
            r.logs.filter((l) => l.body === "GET /greet 200").length >= requests &&
            r.metrics.some((m) => m.name === "http.server.request.duration"),
          { what: `${requests} spans, ${requests} access logs and the duration histogram` },
        );
        const spans = received.spans.filter((s) => s.name === "GET /greet");
        const access = received.logs.filter((l) => l.body === "GET /greet 200");
        assert.deepEqual(new Set(spans.map((s) => s.traceId)), traceIds);
        assert.deepEqual(new Set(access.map((l) => l.traceId)), traceIds);
        for (const log of access) {
          const span = spans.find((s) => s.traceId === log.traceId);
          assert.equal(log.spanId, span?.spanId, "a log record points at its request's span");
        }
        const instance = spans[0]?.resource["service.instance.id"];
        assert.ok(instance);
        const duration = received.metrics.find((m) => m.name === "http.server.request.duration");
        assert.equal(duration?.resource["service.instance.id"], instance);
        assert.equal(access[0]?.resource["service.instance.id"], instance);
        assert.equal(
          duration?.dataPoints.find((p) => p.attributes["http.route"] === "/greet")?.count,
          requests,
        );
      } finally {
        await service?.stop("SIGKILL");
        await collector.stop();
      }
    },
  });
}
