/**
 * Runs a program to completion and returns what it printed: the one way
 * tests run promtool, tempo, loki, alloy, the service's CLI, and the like.
 *
 * @module
 */

/** Exit status and decoded output of a finished program. */
export interface CommandResult {
  readonly success: boolean;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout followed by stderr, for assertion messages. */
  readonly output: string;
}

/** Runs `program` with `args`; `options` are passed to `Deno.Command` (stdin is closed). */
export async function runCommand(
  program: string | URL,
  args: readonly string[],
  options: Omit<Deno.CommandOptions, "args" | "stdin" | "stdout" | "stderr"> = {},
): Promise<CommandResult> {
  const result = await new Deno.Command(program, {
    ...options,
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const stdout = decoder.decode(result.stdout);
  const stderr = decoder.decode(result.stderr);
  return { success: result.success, code: result.code, stdout, stderr, output: stdout + stderr };
}
