/**
 * Picks free TCP ports on loopback for programs that need their ports named
 * up front (the OpenTelemetry Collector), unlike `Deno.serve({ port: 0 })`.
 *
 * @module
 */

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago: the system
 * chose it for a listener that is closed again before returning.
 *
 * Another process may take it before the caller binds it, so a caller that
 * starts a program on it should be ready to retry with a new port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    return (listener.addr as Deno.NetAddr).port;
  } finally {
    listener.close();
  }
}
