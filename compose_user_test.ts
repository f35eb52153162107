/**
 * Containers of the Pi stack run as non-root users. The ports and password
 * rules are in compose_test.ts ("only OTLP and Grafana are published on the
 * LAN", "no secret is committed").
 */
import assert from "node:assert/strict";
import { composeServices } from "./testing/stack/compose_model.ts";
import { parseYaml, repoPath } from "./testing/stack/yaml_file.ts";

/**
 * The user each image runs as when compose sets none, from its Dockerfile's
 * `USER` line, and the non-root user it ships when that default is root.
 */
const IMAGE_USERS: Readonly<
  Record<string, { readonly default: string; readonly nonRoot?: string }>
> = {
  // Root by default (some components, e.g. beyla.ebpf, need it); ships `alloy`
  // (473:473), who owns /var/lib/alloy.
  "grafana/alloy": { default: "0", nonRoot: "473:473" },
  "grafana/tempo": { default: "10001" },
  "grafana/loki": { default: "10001" },
  "prom/prometheus": { default: "nobody" },
  "grafana/grafana": { default: "472" },
};

/** Services whose containers would run as root, as `name (user)`. */
function rootServices(document: unknown): string[] {
  const found: string[] = [];
  for (const [name, service] of composeServices(document)) {
    const image = String(service.image ?? "").replace(/:[^/]*$/, "");
    const user = service.user === undefined ? IMAGE_USERS[image]?.default : String(service.user);
    if (user === undefined) found.push(`${name} (image ${image} not in IMAGE_USERS)`);
    else if (/^(0|root)(:|$)/.test(user)) found.push(`${name} (${user})`);
  }
  return found;
}

const compose = parseYaml(await Deno.readTextFile(repoPath("compose.yaml")));

Deno.test("every container of the stack runs as a non-root user", async (t) => {
  await t.step("no service runs as root", () => {
    assert.deepEqual(rootServices(compose), []);
  });
  await t.step("Alloy runs as the alloy user its image ships", () => {
    const alloy = composeServices(compose).get("alloy");
    assert.equal(alloy?.user, IMAGE_USERS["grafana/alloy"]?.nonRoot);
  });
  await t.step("dropping Alloy's user or setting user: root would be reported", () => {
    const copy = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    const alloy = copy.services.alloy;
    assert.ok(alloy);
    delete alloy.user;
    assert.deepEqual(rootServices(copy), ["alloy (0)"]);
    alloy.user = "root";
    assert.deepEqual(rootServices(copy), ["alloy (root)"]);
  });
});
