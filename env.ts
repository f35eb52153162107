/**
 * The process environment as the service reads it: one variable at a time.
 *
 * `Deno.env.toObject()` needs access to every variable (`--allow-env` with
 * no list), so a service that calls it cannot run with
 * `--allow-env=HOST,PORT,...,OTEL_*`. Every reader in the service asks for
 * variables by name, which a narrowed permission grants one by one.
 *
 * @module
 */

/** A read-only view of environment variables by name. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The process environment, read lazily by name. A variable outside the
 * granted `--allow-env` list reads as unset instead of throwing, so a
 * narrowed permission behaves as if only the listed variables existed.
 */
export function processEnv(): Env {
  return new Proxy<Record<string, string | undefined>>({}, {
    get(_target, name): string | undefined {
      if (typeof name !== "string") return undefined;
      try {
        return Deno.env.get(name);
      } catch (error: unknown) {
        if (error instanceof Deno.errors.NotCapable) return undefined;
        throw error;
      }
    },
  });
}
