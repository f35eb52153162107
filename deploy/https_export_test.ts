/**
 * HTTPS export by the service as it ships: started with the permissions of
 * `deno task start` (the compiled binary bakes in the same ones), sending
 * through telemetry/fetch_transport.ts. The Node `https` transport failed
 * exactly here: `Requires sys access to "ca"`.
 */
import { findTool } from "../testing/external_tool.ts";
import { ServiceProcess } from "../testing/service_process.ts";
import { assertExportsOverHttps } from "./_service_checks.ts";

const openssl = findTool({
  env: "OPENSSL_BIN",
  command: "openssl",
  hint: "install openssl (Debian: apt-get install openssl)",
});

Deno.test({
  name:
    "the service exports every signal over HTTPS with an authorization header under its narrowed permissions",
  ignore: !openssl.path,
  async fn(): Promise<void> {
    await assertExportsOverHttps((env) => ServiceProcess.start({ env }), openssl.path ?? "");
  },
});
