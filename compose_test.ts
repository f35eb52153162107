import assert from "node:assert/strict";
import { composeValidator } from "./testing/stack/compose_schema.ts";
import {
  bindMounts,
  composeServices,
  memoryLimit,
  namedVolumes,
  parseMemory,
  type PublishedPort,
  publishedPorts,
} from "./testing/stack/compose_model.ts";
import { dig, list, type Mapping, mapping, text } from "./testing/stack/narrow.ts";
import { parseYaml, repoPath } from "./testing/stack/yaml_file.ts";

const composeText = await Deno.readTextFile(repoPath("compose.yaml"));
const compose = parseYaml(composeText);
const services = composeServices(compose);

/** Deep copy of the parsed compose file, for mutation steps. */
function copyOfCompose(): Mapping {
  return mapping(structuredClone(compose), "compose copy");
}

/** The five services and the image repository each must run. */
const EXPECTED_IMAGES: Readonly<Record<string, string>> = {
  alloy: "grafana/alloy",
  tempo: "grafana/tempo",
  loki: "grafana/loki",
  prometheus: "prom/prometheus",
  grafana: "grafana/grafana",
};

/** What each service publishes on the host, and nothing else. */
const EXPECTED_PORTS: Readonly<Record<string, PublishedPort[]>> = {
  alloy: [
    { hostIp: "", hostPort: 4317, containerPort: 4317 },
    { hostIp: "", hostPort: 4319, containerPort: 4318 },
    { hostIp: "127.0.0.1", hostPort: 12345, containerPort: 12345 },
  ],
  tempo: [{ hostIp: "127.0.0.1", hostPort: 3200, containerPort: 3200 }],
  loki: [{ hostIp: "127.0.0.1", hostPort: 3100, containerPort: 3100 }],
  prometheus: [{ hostIp: "127.0.0.1", hostPort: 9090, containerPort: 9090 }],
  grafana: [{ hostIp: "", hostPort: 3000, containerPort: 3000 }],
};

/** A Pi 4 with 4 GB must keep room for the OS and the service: the stack gets under 1.5 GB. */
const STACK_MEMORY_BUDGET_BYTES = 1.5e9;

/** An exact release tag: `name:1.2.3` or `name:v1.2.3`, optionally with a digest. */
function isPinnedImage(image: string): boolean {
  return /^[a-z0-9]+(?:[._/-][a-z0-9]+)*:v?\d+\.\d+\.\d+(?:@sha256:[0-9a-f]{64})?$/.test(image);
}

/** Host ports reachable from the LAN (not bound to loopback). */
function lanPorts(document: unknown): number[] {
  return [...composeServices(document)].flatMap(([name, service]) =>
    publishedPorts(service, name).filter((port) => !port.hostIp.startsWith("127.")).map((port) =>
      port.hostPort
    )
  ).sort((a, b) => a - b);
}

/** Bind-mount sources that do not exist in the repository. */
async function missingMounts(document: unknown): Promise<string[]> {
  const missing: string[] = [];
  for (const [name, service] of composeServices(document)) {
    for (const mount of bindMounts(service, name)) {
      try {
        await Deno.stat(repoPath(mount.source.replace(/^\.\//, "")));
      } catch {
        missing.push(`${name}: ${mount.source}`);
      }
    }
  }
  return missing;
}

/** Environment entries whose name says secret and whose value is a literal. */
function literalSecrets(document: unknown): string[] {
  const found: string[] = [];
  for (const [name, service] of composeServices(document)) {
    const environment = service.environment === undefined
      ? {}
      : mapping(service.environment, `services.${name}.environment`);
    for (const [key, value] of Object.entries(environment)) {
      if (!/PASSWORD|SECRET|TOKEN|API_KEY/i.test(key)) continue;
      if (typeof value !== "string" || !/^\$\{[A-Z0-9_]+:\?[^}]+\}$/.test(value)) {
        found.push(`${name}.${key}`);
      }
    }
  }
  return found;
}

Deno.test("compose.yaml validates against the Compose specification schema", async (t) => {
  const validate = await composeValidator();
  await t.step("the committed file has no schema errors", () => {
    assert.deepEqual(validate(compose), []);
  });
  await t.step("a misspelt service key is rejected", () => {
    const broken = copyOfCompose();
    mapping(dig(broken, ["services", "alloy"]), "alloy").memory_limit = "256m";
    assert.notDeepEqual(validate(broken), []);
  });
  await t.step("a healthcheck with a numeric interval is rejected", () => {
    const broken = copyOfCompose();
    mapping(dig(broken, ["services", "loki", "healthcheck"]), "healthcheck").interval = 15;
    assert.notDeepEqual(validate(broken), []);
  });
});

Deno.test("compose.yaml runs exactly the five backends, each on a pinned image", async (t) => {
  await t.step("the services are alloy, tempo, loki, prometheus and grafana", () => {
    assert.deepEqual([...services.keys()].sort(), Object.keys(EXPECTED_IMAGES).sort());
  });
  for (const [name, service] of services) {
    await t.step(`${name} runs ${EXPECTED_IMAGES[name]} at an exact version`, () => {
      const image = text(service.image, `services.${name}.image`);
      assert.ok(image.startsWith(`${EXPECTED_IMAGES[name]}:`), `unexpected image "${image}"`);
      assert.ok(isPinnedImage(image), `image "${image}" is not pinned to an exact version`);
    });
  }
  await t.step("latest, a missing tag and a moving major tag count as unpinned", () => {
    for (const image of ["grafana/grafana:latest", "grafana/grafana", "grafana/loki:3"]) {
      assert.equal(isPinnedImage(image), false, image);
    }
    assert.equal(isPinnedImage("prom/prometheus:v3.14.0"), true);
  });
});

Deno.test("every file compose.yaml mounts exists in the repository", async (t) => {
  await t.step("all bind-mount sources exist", async () => {
    assert.deepEqual(await missingMounts(compose), []);
  });
  await t.step("each config flag points at a mounted file", () => {
    for (const [name, service] of services) {
      const targets = bindMounts(service, name).map((mount) => mount.target);
      const command = service.command === undefined
        ? []
        : list(service.command, `services.${name}.command`).map(String);
      for (const argument of command) {
        const path = /^(?:--?config\.file=)(.+)$/.exec(argument)?.[1] ??
          (argument.startsWith("/etc/") ? argument : undefined);
        if (path === undefined) continue;
        assert.ok(
          targets.some((target) => path === target || path.startsWith(`${target}/`)),
          `${name} reads "${path}", which no bind mount provides`,
        );
      }
    }
  });
  await t.step("a mount of a missing file is reported", async () => {
    const broken = copyOfCompose();
    list(dig(broken, ["services", "tempo", "volumes"]), "tempo volumes").push(
      "./tempo/missing.yaml:/etc/tempo/missing.yaml:ro",
    );
    assert.deepEqual(await missingMounts(broken), ["tempo: ./tempo/missing.yaml"]);
  });
});

Deno.test("only OTLP and Grafana are published on the LAN; the rest bind to loopback", async (t) => {
  for (const [name, service] of services) {
    await t.step(`${name} publishes exactly its intended ports`, () => {
      assert.deepEqual(publishedPorts(service, name), EXPECTED_PORTS[name]);
    });
  }
  await t.step("the LAN sees 3000, 4317 and 4319 only", () => {
    assert.deepEqual(lanPorts(compose), [3000, 4317, 4319]);
  });
  await t.step("publishing Tempo without 127.0.0.1 would show up on the LAN", () => {
    const broken = copyOfCompose();
    mapping(dig(broken, ["services", "tempo"]), "tempo").ports = ["3200:3200"];
    assert.deepEqual(lanPorts(broken), [3000, 3200, 4317, 4319]);
  });
});

Deno.test("every service restarts, caps its logs, keeps state in a named volume and is health-checked", async (t) => {
  const declaredVolumes = Object.keys(mapping(mapping(compose, "compose").volumes, "volumes"));
  for (const [name, service] of services) {
    await t.step(`${name} restarts unless stopped`, () => {
      assert.equal(service.restart, "unless-stopped");
    });
    await t.step(`${name} logs to json-file capped in size and count`, () => {
      const logging = mapping(service.logging, `services.${name}.logging`);
      assert.equal(logging.driver, "json-file");
      const options = mapping(logging.options, `services.${name}.logging.options`);
      assert.ok(parseMemory(options["max-size"], "max-size") <= 50 * 1024 ** 2);
      assert.ok(Number(options["max-file"]) >= 1 && Number(options["max-file"]) <= 5);
    });
    await t.step(`${name} keeps its state in a declared named volume`, () => {
      const volumes = namedVolumes(service, name);
      assert.equal(volumes.size, 1, `${name} should mount exactly one named volume`);
      for (const volume of volumes.keys()) assert.ok(declaredVolumes.includes(volume), volume);
    });
    await t.step(`${name} has a healthcheck with a start period`, () => {
      const healthcheck = mapping(service.healthcheck, `services.${name}.healthcheck`);
      const test = list(healthcheck.test, `services.${name}.healthcheck.test`);
      assert.equal(test[0], "CMD");
      assert.ok(typeof healthcheck.start_period === "string");
    });
  }
  await t.step("each healthcheck uses a program its image has", () => {
    // Tempo and Loki are distroless: only their own binary can probe them.
    assert.deepEqual(dig(compose, ["services", "tempo", "healthcheck", "test"]), [
      "CMD",
      "/tempo",
      "-health",
    ]);
    assert.deepEqual(dig(compose, ["services", "loki", "healthcheck", "test"]), [
      "CMD",
      "/usr/bin/loki",
      "-health",
    ]);
    // Alloy's Ubuntu image has bash but no curl or wget.
    const alloyTest = list(dig(compose, ["services", "alloy", "healthcheck", "test"]), "alloy");
    assert.equal(alloyTest[1], "bash");
  });
});

Deno.test("services start only after the services they need are healthy", async (t) => {
  const expected: Record<string, string[]> = {
    alloy: ["loki", "prometheus", "tempo"],
    tempo: ["prometheus"],
    grafana: ["loki", "prometheus", "tempo"],
  };
  for (const [name, service] of services) {
    await t.step(`${name} waits for ${expected[name]?.join(", ") || "nothing"}`, () => {
      const dependsOn = service.depends_on === undefined
        ? {}
        : mapping(service.depends_on, `services.${name}.depends_on`);
      assert.deepEqual(Object.keys(dependsOn).sort(), expected[name] ?? []);
      for (const [dependency, rule] of Object.entries(dependsOn)) {
        assert.equal(mapping(rule, dependency).condition, "service_healthy");
        assert.ok(services.get(dependency)?.healthcheck, `${dependency} has no healthcheck`);
      }
    });
  }
});

Deno.test("memory limits fit a 4 GB Pi 4 with the whole stack under 1.5 GB", async (t) => {
  let total = 0;
  for (const [name, service] of services) {
    const limit = memoryLimit(service, name);
    await t.step(`${name} has a memory limit`, () => {
      assert.ok(limit !== undefined && limit > 0, `${name} has no memory limit`);
    });
    total += limit ?? 0;
    await t.step(`${name}'s Go heap target stays below its limit`, () => {
      const environment = mapping(service.environment, `services.${name}.environment`);
      const goMemLimit = parseMemory(
        text(environment.GOMEMLIMIT, "GOMEMLIMIT").replace(/iB$/, ""),
        "GOMEMLIMIT",
      );
      assert.ok(limit !== undefined && goMemLimit < limit * 0.9, `${name}: ${goMemLimit}`);
    });
  }
  await t.step("the limits add up to less than 1.5 GB", () => {
    assert.ok(total < STACK_MEMORY_BUDGET_BYTES, `total ${total} bytes`);
  });
});

Deno.test("no secret is committed and Grafana refuses to start without a password", async (t) => {
  const grafana = mapping(services.get("grafana"), "grafana");
  const environment = mapping(grafana.environment, "services.grafana.environment");
  await t.step("the admin password is required from the environment", () => {
    assert.match(
      text(environment.GF_SECURITY_ADMIN_PASSWORD, "GF_SECURITY_ADMIN_PASSWORD"),
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/,
    );
    assert.deepEqual(literalSecrets(compose), []);
  });
  await t.step("a literal password would be reported", () => {
    const broken = copyOfCompose();
    mapping(dig(broken, ["services", "grafana", "environment"]), "env")
      .GF_SECURITY_ADMIN_PASSWORD = "admin";
    assert.deepEqual(literalSecrets(broken), ["grafana.GF_SECURITY_ADMIN_PASSWORD"]);
  });
  await t.step("anonymous access is off by default and read-only when on", () => {
    assert.equal(environment.GF_AUTH_ANONYMOUS_ENABLED, "${GRAFANA_ANONYMOUS_ENABLED:-false}");
    assert.equal(environment.GF_AUTH_ANONYMOUS_ORG_ROLE, "Viewer");
  });
  await t.step(".env.example ships an empty password and .env is ignored", async () => {
    const example = await Deno.readTextFile(repoPath(".env.example"));
    assert.match(example, /^GRAFANA_ADMIN_PASSWORD=$/m);
    assert.match(example, /^GRAFANA_ANONYMOUS_ENABLED=false$/m);
    const gitignore = await Deno.readTextFile(repoPath(".gitignore"));
    assert.match(gitignore, /^\.env$/m);
    const tracked = await new Deno.Command("git", {
      args: ["ls-files", "--", ".env"],
      cwd: repoPath(""),
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(tracked.stdout).trim(), "");
  });
});
