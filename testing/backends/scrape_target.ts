/**
 * A `/metrics` endpoint serving fixed Prometheus text, for a test that needs
 * Prometheus to scrape a second job (e.g. one that looks like Alloy's own
 * metrics) next to the service's pushed ones.
 *
 * @module
 */

/** A running scrape target. */
export interface ScrapeTarget {
  /** `127.0.0.1:<port>`, as a scrape config's target. */
  readonly address: string;
  /** How many times `/metrics` was scraped. */
  readonly scrapes: () => number;
  readonly close: () => Promise<void>;
}

/** Serves `exposition` (Prometheus text format 0.0.4) on `/metrics` of a free loopback port. */
export async function serveMetrics(exposition: string): Promise<ScrapeTarget> {
  let scrapes = 0;
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => listening.resolve() },
    (request) => {
      if (new URL(request.url).pathname !== "/metrics") {
        return new Response("404 page not found\n", { status: 404 });
      }
      scrapes++;
      return new Response(exposition, {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    },
  );
  await listening.promise;
  return {
    address: `127.0.0.1:${server.addr.port}`,
    scrapes: () => scrapes,
    close: async () => {
      await server.shutdown();
      await server.finished;
    },
  };
}
