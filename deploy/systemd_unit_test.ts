import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { findTool } from "../testing/external_tool.ts";

const UNIT_URL = new URL("./greet-api.service", import.meta.url);
const ENV_EXAMPLE_URL = new URL("./env.example", import.meta.url);
const README_URL = new URL("../README.md", import.meta.url);

const systemdAnalyze = findTool({
  env: "SYSTEMD_ANALYZE_BIN",
  command: "systemd-analyze",
  hint: "install Debian's systemd package, or run .ci/install-systemd-analyze",
});

/** Section -> key -> every value given for it, in order. */
type Unit = Map<string, Map<string, string[]>>;

function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      section = new Map();
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(section && eq > 0, `not a key=value line inside a section: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

function setting(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

/** A systemd time span such as `15s`, `1min 30s` or `500ms`, in milliseconds. */
function timeSpanMs(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1_000, sec: 1_000, min: 60_000, m: 60_000 };
  let total = 0;
  for (const part of value.trim().split(/\s+/)) {
    const match = /^(\d+)(ms|s|sec|min|m)?$/.exec(part);
    assert.ok(match?.[1], `cannot read the time span "${value}"`);
    total += Number(match[1]) * (units[match[2] ?? "s"] ?? Number.NaN);
  }
  return total;
}

/** Expands `{A,B}` groups: `X_{A,B}_Y` -> `X_A_Y`, `X_B_Y`. */
function expandBraces(name: string): string[] {
  const match = /\{([^{}]*)\}/.exec(name);
  if (!match?.[1]) return [name];
  const [before, after] = [name.slice(0, match.index), name.slice(match.index + match[0].length)];
  return match[1].split(",").flatMap((choice) => expandBraces(`${before}${choice}${after}`));
}

/** Every variable named in the README's configuration table, shorthand expanded. */
function readmeVariables(readme: string): Set<string> {
  const section = readme.split(/^## /m).find((s) => s.startsWith("Configuration"));
  assert.ok(section, "README.md has no Configuration section");
  const names = new Set<string>();
  for (const row of section.split("\n").filter((l) => l.startsWith("| `"))) {
    const firstCell = row.split("|")[1] ?? "";
    for (const [, token] of firstCell.matchAll(/`([^`]+)`/g)) {
      const spelled = (token ?? "")
        .replace(/^…_/, "OTEL_EXPORTER_OTLP_")
        .replaceAll("{SIGNAL}", "{TRACES,METRICS,LOGS}");
      for (const name of expandBraces(spelled)) names.add(name);
    }
  }
  return names;
}

/** Variables set (`X=1`) or shown commented out (`#X=1`) in an env file. */
function envFileVariables(text: string): { set: Map<string, string>; mentioned: Set<string> } {
  const set = new Map<string, string>();
  const mentioned = new Set<string>();
  for (const line of text.split("\n")) {
    for (const [, token] of line.matchAll(/\b(OTEL_[A-Z0-9_{},]+|[A-Z][A-Z0-9_]+)=/g)) {
      for (const name of expandBraces(token ?? "")) mentioned.add(name);
    }
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    assert.ok(match?.[1] !== undefined, `not a VARIABLE=value line: ${line}`);
    set.set(match[1], match[2] ?? "");
  }
  return { set, mentioned };
}

Deno.test("the systemd unit runs the binary as a dynamic user from /etc/greet-api/env and restarts it on failure", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT_URL));
  assert.equal(setting(unit, "Service", "ExecStart"), "/usr/local/bin/greet-api");
  assert.equal(setting(unit, "Service", "DynamicUser"), "yes");
  assert.equal(setting(unit, "Service", "EnvironmentFile"), "/etc/greet-api/env");
  assert.equal(setting(unit, "Service", "Restart"), "on-failure");
  assert.equal(setting(unit, "Service", "RestartPreventExitStatus"), "2", "exit 2 is a bad config");
  assert.equal(setting(unit, "Install", "WantedBy"), "multi-user.target");
});

Deno.test("the systemd unit stops with SIGTERM and waits longer than the service's shutdown budget", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT_URL));
  assert.equal(setting(unit, "Service", "KillSignal"), "SIGTERM");
  const stopMs = timeSpanMs(setting(unit, "Service", "TimeoutStopSec") ?? "0");
  const config = loadConfig({});
  const budgetMs = config.shutdownDrainMs + config.shutdownTimeoutMs;
  assert.ok(
    stopMs >= 2 * budgetMs,
    `TimeoutStopSec (${stopMs} ms) leaves too little room over SHUTDOWN_DRAIN_MS + SHUTDOWN_TIMEOUT_MS (${budgetMs} ms)`,
  );
});

Deno.test("the systemd unit sandboxes the service", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT_URL));
  const expected: Record<string, string> = {
    NoNewPrivileges: "yes",
    ProtectSystem: "strict",
    ProtectHome: "yes",
    PrivateTmp: "yes",
    PrivateDevices: "yes",
    ProtectKernelTunables: "yes",
    ProtectKernelModules: "yes",
    ProtectControlGroups: "yes",
    RestrictNamespaces: "yes",
    RestrictSUIDSGID: "yes",
    LockPersonality: "yes",
    CapabilityBoundingSet: "",
    SystemCallFilter: "@system-service",
    RestrictAddressFamilies: "AF_UNIX AF_INET AF_INET6",
  };
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(setting(unit, "Service", key), value, key);
  }
  // V8 compiles to machine code at run time: W^X enforcement would kill it.
  assert.equal(setting(unit, "Service", "MemoryDenyWriteExecute"), undefined);
});

Deno.test({
  name: "systemd-analyze verify accepts the unit and rates its exposure at most 2.0",
  ignore: !systemdAnalyze.path,
  async fn(): Promise<void> {
    const tool = systemdAnalyze.path ?? "";
    const dir = await Deno.makeTempDir({ prefix: "greet-api-unit-" });
    try {
      // verify insists that ExecStart exists and is executable: point it at a
      // stand-in in the temp dir and change nothing else.
      const standIn = `${dir}/greet-api`;
      await Deno.writeTextFile(standIn, "#!/bin/sh\n", { mode: 0o755 });
      const original = await Deno.readTextFile(UNIT_URL);
      const copy = original.replace(
        /^ExecStart=\/usr\/local\/bin\/greet-api$/m,
        `ExecStart=${standIn}`,
      );
      assert.notEqual(copy, original, "ExecStart line not found");
      const unitPath = `${dir}/greet-api.service`;
      await Deno.writeTextFile(unitPath, copy);

      const verify = await new Deno.Command(tool, {
        args: ["verify", "--man=no", unitPath],
        env: { SYSTEMD_LOG_COLOR: "0" },
        stdin: "null",
      }).output();
      const said = new TextDecoder().decode(verify.stdout) +
        new TextDecoder().decode(verify.stderr);
      assert.equal(verify.code, 0, said);
      // Unknown keys are only warnings: any output at all is a finding.
      assert.equal(said.trim(), "", "systemd-analyze verify printed warnings");

      const security = await new Deno.Command(tool, {
        args: ["security", "--offline=true", "--threshold=20", "--no-pager", unitPath],
        stdin: "null",
      }).output();
      const report = new TextDecoder().decode(security.stdout);
      assert.equal(
        security.code,
        0,
        `exposure above 2.0:\n${report.split("\n").slice(-3).join("\n")}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("env.example names every variable of the README's configuration table", async () => {
  const documented = readmeVariables(await Deno.readTextFile(README_URL));
  assert.ok(documented.has("OTEL_EXPORTER_OTLP_LOGS_HEADERS"), "shorthand expansion works");
  const { mentioned } = envFileVariables(await Deno.readTextFile(ENV_EXAMPLE_URL));
  const missing = [...documented].filter((name) => !mentioned.has(name));
  assert.deepEqual(missing, []);
});

Deno.test("env.example is a valid EnvironmentFile whose settings the service accepts", async () => {
  const { set } = envFileVariables(await Deno.readTextFile(ENV_EXAMPLE_URL));
  assert.equal(set.get("OTEL_EXPORTER_OTLP_ENDPOINT"), "http://localhost:4319");
  const config = loadConfig(Object.fromEntries(set));
  assert.equal(config.telemetry.traces.endpoint.value, "http://localhost:4319/v1/traces");
  assert.equal(config.telemetry.denoBuiltIn, false);
});
