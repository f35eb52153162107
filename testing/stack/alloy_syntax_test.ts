import assert from "node:assert/strict";
import { envDefault, parseAlloy, references } from "./alloy_syntax.ts";

const SOURCE = `// Receives OTLP.
otelcol.receiver.otlp "default" {
  // gRPC.
  grpc {
    endpoint = "0.0.0.0:4317"
  }

  output {
    traces = [
      otelcol.exporter.otlp.tempo.input,
    ]
  }
}

// Orphan comment.

otelcol.exporter.otlp "tempo" {
  client {
    endpoint = coalesce(sys.env("TEMPO"), "tempo:4317") // trailing
  }
}
`;

Deno.test("parseAlloy() reads blocks, labels, attributes and comments", () => {
  const [receiver, exporter] = parseAlloy(SOURCE);
  assert.equal(receiver?.name, "otelcol.receiver.otlp");
  assert.equal(receiver?.label, "default");
  assert.equal(receiver?.comment, "Receives OTLP.");
  assert.equal(receiver?.line, 2);
  assert.equal(receiver?.blocks[0]?.name, "grpc");
  assert.equal(receiver?.blocks[0]?.comment, "gRPC.");
  assert.equal(receiver?.blocks[0]?.attributes.get("endpoint"), '"0.0.0.0:4317"');
  assert.deepEqual(references(receiver?.blocks[1]?.attributes.get("traces") ?? ""), [
    "otelcol.exporter.otlp.tempo.input",
  ]);
  assert.equal(exporter?.comment, "", "a blank line detaches a comment");
  assert.equal(exporter?.line, 17);
  assert.equal(
    exporter?.blocks[0]?.attributes.get("endpoint"),
    'coalesce(sys.env("TEMPO"), "tempo:4317")',
  );
});

Deno.test("parseAlloy() rejects unbalanced braces", () => {
  assert.throws(() => parseAlloy("a {\n"), /not closed/);
  assert.throws(() => parseAlloy("}\n"), /unexpected "}"/);
});

Deno.test("envDefault() reads a literal or an environment override with its default", () => {
  assert.deepEqual(envDefault('"tempo:4317"'), { env: undefined, fallback: "tempo:4317" });
  assert.deepEqual(envDefault('coalesce(sys.env("TEMPO"), "tempo:4317")'), {
    env: "TEMPO",
    fallback: "tempo:4317",
  });
  assert.throws(() => envDefault('sys.env("TEMPO")'), /Cannot read endpoint/);
});
