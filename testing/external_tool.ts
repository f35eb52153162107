/**
 * Finds an external program a test needs (promtool, the OpenTelemetry
 * Collector, a `denort` runtime, ...).
 *
 * A test that needs one registers itself with `ignore: !tool.path` so that a
 * developer without the program sees it reported as ignored, with the reason
 * printed once, instead of a silent pass. Under CI (`CI=true`) a missing
 * program that `.ci/run` is supposed to provide is an error, so a broken
 * install step can never turn into a green run that tested nothing.
 *
 * @module
 */

/** Options for {@linkcode findTool}. */
export interface FindToolOptions {
  /** Environment variable that may name the program's path, e.g. `OTELCOL_BIN`. */
  readonly env: string;
  /** Command looked up on `PATH` when the variable is unset, e.g. `promtool`. */
  readonly command?: string;
  /** Whether CI must have it: `.ci/run` installs it. Defaults to `true`. */
  readonly requiredInCi?: boolean;
  /** What the user should do to provide it, printed when it is missing. */
  readonly hint: string;
}

/** Result of {@linkcode findTool}. */
export interface FoundTool {
  /** Absolute path of the program, or `undefined` when it is missing. */
  readonly path: string | undefined;
  /** Why it is missing (empty when found). */
  readonly reason: string;
}

const reported = new Set<string>();

/** Locates an external program from an environment variable or `PATH`. */
export function findTool(options: FindToolOptions): FoundTool {
  const fromEnv = Deno.env.get(options.env);
  let path: string | undefined;
  let reason = "";
  if (fromEnv) {
    if (isExecutable(fromEnv)) path = fromEnv;
    else reason = `${options.env} is set to "${fromEnv}", which is not an executable file`;
  } else if (options.command) {
    path = lookPath(options.command);
    if (!path) {
      reason = `"${options.command}" is not on PATH and ${options.env} is unset`;
    }
  } else {
    reason = `${options.env} is unset`;
  }
  if (path) return { path, reason: "" };
  const message = `${reason}: ${options.hint}`;
  if (Deno.env.get("CI") === "true" && (options.requiredInCi ?? true)) {
    throw new Error(`Cannot run the tests that need it under CI: ${message}`);
  }
  if (!reported.has(options.env)) {
    reported.add(options.env);
    console.warn(
      `skipped: tests needing ${options.command ?? options.env}: ${message}`,
    );
  }
  return { path: undefined, reason: message };
}

function lookPath(command: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const candidate = `${dir}/${command}`;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}
