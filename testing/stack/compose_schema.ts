/**
 * Validates a parsed compose file against the Compose specification's JSON
 * schema, the copy the `dclint` package ships in `schemas/compose.schema.json`
 * (dclint keeps it in step with compose-spec upstream).
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";

/** Checks one parsed compose document; returns the schema errors, empty when valid. */
export type ComposeValidator = (document: unknown) => string[];

/** Compiles the Compose specification schema into a validator. */
export async function composeValidator(): Promise<ComposeValidator> {
  // The package exports only its code, so locate the schema beside its package.json.
  const packageJson = createRequire(import.meta.url).resolve("dclint/package.json");
  const schemaPath = join(dirname(packageJson), "schemas", "compose.schema.json");
  const schema = JSON.parse(await Deno.readTextFile(schemaPath)) as Record<string, unknown>;
  // The file names its meta-schema as "https://json-schema.org/draft-07/schema";
  // Ajv registers draft-07 under its canonical "http://...#" id.
  schema.$schema = "http://json-schema.org/draft-07/schema#";
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (document: unknown): string[] => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map((error) =>
      `${error.instancePath || "/"} ${error.message ?? "is invalid"}${
        error.params ? ` ${JSON.stringify(error.params)}` : ""
      }`
    );
  };
}
