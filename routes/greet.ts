/**
 * `GET /greet[?name=...]`: the service's one business endpoint.
 *
 * @module
 */
import { type Meter, metrics, trace } from "@opentelemetry/api";
import { HttpError } from "./http_error.ts";
import { APP_GREETINGS } from "../telemetry/instruments.ts";
import { ATTR_APP_GREETING_KIND } from "../telemetry/semconv.ts";
import { SERVICE_NAME } from "../version.ts";

/** Longest accepted name, in characters (Unicode code points). */
export const MAX_NAME_LENGTH = 64;

// Letters and combining marks (so decomposed accents and Indic scripts work),
// decimal digits, the space, and - ' . _
const NAME_CHARACTER = /^[\p{L}\p{M}\p{Nd} \-'._]$/u;

/** Options for {@linkcode createGreetHandler}. */
export interface GreetOptions {
  /** Meter for the greetings counter; defaults to the global meter provider's. */
  readonly meter?: Meter;
}

/** Greeting kinds: the only values the greetings counter is labelled with. */
export type GreetingKind = "default" | "named";

/**
 * Returns the `/greet` handler. The counter is created here, not at import
 * time, so it binds to the meter provider registered at start-up.
 */
export function createGreetHandler(options: GreetOptions = {}): (req: Request) => Response {
  const meter = options.meter ?? metrics.getMeter(SERVICE_NAME);
  // Two running totals, one per kind, reported when metrics are collected:
  // the counter's cardinality is fixed at two and a greeting costs one addition.
  const counts: Record<GreetingKind, number> = { default: 0, named: 0 };
  const kindAttributes: Record<GreetingKind, Record<string, string>> = {
    default: { [ATTR_APP_GREETING_KIND]: "default" },
    named: { [ATTR_APP_GREETING_KIND]: "named" },
  };
  meter.createObservableCounter(APP_GREETINGS.name, {
    unit: APP_GREETINGS.unit,
    description: APP_GREETINGS.description,
  }).addCallback((result) => {
    for (const kind of ["default", "named"] as const) {
      if (counts[kind] > 0) result.observe(counts[kind], kindAttributes[kind]);
    }
  });

  return function greet(req: Request): Response {
    const name = parseName(new URL(req.url).searchParams);
    const kind: GreetingKind = name === undefined ? "default" : "named";
    counts[kind]++;
    trace.getActiveSpan()?.setAttribute(ATTR_APP_GREETING_KIND, kind);
    return Response.json({ message: `Hello, ${name ?? "World"}!` });
  };
}

/**
 * Validates the optional `name` query parameter.
 *
 * @returns the trimmed, NFC-normalised name, or `undefined` when absent.
 * @throws {HttpError} 400 with a detail saying what is wrong.
 */
export function parseName(params: URLSearchParams): string | undefined {
  const values = params.getAll("name");
  if (values.length === 0) return undefined;
  if (values.length > 1) {
    throw new HttpError(400, `name must be given at most once: got ${values.length} values`);
  }
  const name = (values[0] ?? "").normalize("NFC").trim();
  if (name === "") {
    throw new HttpError(
      400,
      "name must not be empty: omit the parameter for the default greeting",
    );
  }
  const characters = Array.from(name);
  if (characters.length > MAX_NAME_LENGTH) {
    throw new HttpError(
      400,
      `name must be at most ${MAX_NAME_LENGTH} characters: got ${characters.length}`,
    );
  }
  const bad = characters.findIndex((c) => !NAME_CHARACTER.test(c));
  if (bad !== -1) {
    const codePoint = (characters[bad] ?? "").codePointAt(0) ?? 0;
    throw new HttpError(
      400,
      "name may contain only letters, digits, spaces and - ' . _: " +
        `character ${bad + 1} is U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`,
    );
  }
  return name;
}
