/**
 * The service's module graph as `deno info --json main.ts` prints it, for
 * tests that check what the service loads.
 *
 * @module
 */

/** One module of the graph. */
export interface GraphModule {
  readonly specifier: string;
  readonly mediaType?: string;
  /** Imports as written (`specifier`), for local modules. */
  readonly dependencies?: readonly { readonly specifier: string }[];
}

/** The project's root, as the URL prefix of its modules. */
export const PROJECT_ROOT = new URL("..", import.meta.url).href;

/** Runs `deno info --json main.ts` in the project and returns its modules. */
export async function serviceModuleGraph(): Promise<GraphModule[]> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: new URL(PROJECT_ROOT),
    stdin: "null",
  }).output();
  if (info.code !== 0) {
    throw new Error(`deno info failed: ${new TextDecoder().decode(info.stderr)}`);
  }
  const graph: { modules: GraphModule[] } = JSON.parse(new TextDecoder().decode(info.stdout));
  return graph.modules;
}
