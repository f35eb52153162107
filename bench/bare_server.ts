/**
 * The baseline of `deno task bench`: a bare `Deno.serve` handler that answers
 * every request with the same body as `GET /greet?name=Ada`, and nothing else
 * but a clean exit on SIGTERM.
 *
 * @module
 */
const body = JSON.stringify({ message: "Hello, Ada!" });
const headers = { "content-type": "application/json" };

const server = Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? "8000"), onListen: () => {} },
  () => new Response(body, { headers }),
);
Deno.addSignalListener("SIGTERM", () => server.shutdown());
await server.finished;
Deno.exit(0);
