/**
 * Liveness and readiness probes. Neither is traced or logged: probes run
 * every few seconds and would drown the service's own telemetry.
 *
 * @module
 */

/** Shared flag flipped by the shutdown sequence. */
export interface Readiness {
  /** `false` once shutdown has begun. */
  ready: boolean;
}

const NO_STORE = { "cache-control": "no-store" } as const;

/** `GET /healthz`: the process is up and its event loop answers. Checks nothing else. */
export function healthz(_req: Request): Response {
  return Response.json({ status: "ok" }, { headers: NO_STORE });
}

/** Returns `GET /readyz`: 200 while serving, 503 once shutdown has begun. */
export function createReadyz(readiness: Readiness): (req: Request) => Response {
  return function readyz(_req: Request): Response {
    return readiness.ready
      ? Response.json({ status: "ready" }, { headers: NO_STORE })
      : Response.json({ status: "shutting down" }, { status: 503, headers: NO_STORE });
  };
}
