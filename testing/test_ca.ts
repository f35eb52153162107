/**
 * A throwaway certificate authority for HTTPS tests: `openssl` makes a CA and
 * a server certificate for `127.0.0.1` and `localhost`, in a directory the
 * caller owns and removes.
 *
 * @module
 */

/** PEM files made by {@linkcode createTestCa}. */
export interface TestCa {
  /** Path of the CA certificate: what a client trusts (`OTEL_EXPORTER_OTLP_CERTIFICATE`). */
  readonly caCertPath: string;
  /** The server's certificate chain, PEM text. */
  readonly cert: string;
  /** The server's private key, PEM text. */
  readonly key: string;
}

/**
 * Creates a CA and a server certificate signed by it inside `dir`.
 *
 * @throws {Error} with openssl's output when a step fails.
 */
export async function createTestCa(dir: string, openssl = "openssl"): Promise<TestCa> {
  const path = (name: string): string => `${dir}/${name}`;
  await Deno.writeTextFile(
    path("server.ext"),
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "",
    ].join("\n"),
  );
  const steps: string[][] = [
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
      .concat(["-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2"])
      .concat(["-subj", "/CN=greet-api test CA", "-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
      .concat(["-keyout", path("server.key"), "-out", path("server.csr")])
      .concat(["-subj", "/CN=127.0.0.1"]),
    ["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key")]
      .concat(["-CAcreateserial", "-out", path("server.pem"), "-days", "2"])
      .concat(["-extfile", path("server.ext")]),
  ];
  for (const args of steps) {
    const output = await new Deno.Command(openssl, { args, stdin: "null" }).output();
    if (!output.success) {
      throw new Error(
        `Cannot create the test CA: openssl ${args[0]} failed: ${
          new TextDecoder().decode(output.stderr).trim()
        }`,
      );
    }
  }
  return {
    caCertPath: path("ca.pem"),
    cert: await Deno.readTextFile(path("server.pem")),
    key: await Deno.readTextFile(path("server.key")),
  };
}
