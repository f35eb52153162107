/**
 * Reads a process's CPU time and resident memory from Linux's /proc.
 * Read through `cat`, because Deno asks for --allow-all to read /proc.
 *
 * @module
 */

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

function read(path: string): string {
  const output = new Deno.Command("cat", { args: [path], stderr: "null" }).outputSync();
  if (!output.success) throw new Error(`Cannot read ${path}`);
  return new TextDecoder().decode(output.stdout);
}

/** User plus system CPU seconds `pid` has used. */
export function cpuSeconds(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of `pid`, in megabytes. */
export function rssMegabytes(pid: number): number {
  const match = read(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB$/m);
  if (!match) throw new Error(`No VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}
