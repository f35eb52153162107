/**
 * `deno task compile` and `deno task compile:pi`: what they bake in, and,
 * where a `denort` runtime is at hand, the binaries they build.
 *
 * `deno compile` copies a prebuilt runtime, `denort`, which it downloads from
 * Deno's release host; with `DENORT_BIN` set it takes that file instead, for
 * every target (Deno 2.9 does not check that it matches `--target`). So the
 * host binary is built and run only with `DENORT_BIN`, and the arm64 binary
 * only with `DENORT_ARM64_BIN` (passed to deno compile as its `DENORT_BIN`).
 * Without them those tests report themselves ignored, with the reason, even
 * under CI, whose machine cannot reach the release host either.
 */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { findTool } from "../testing/external_tool.ts";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { ServiceProcess, startTaskFlags } from "../testing/service_process.ts";
import {
  assertExportsOverHttps,
  assertGreetsAndExports,
  flushOnlyEnv,
  hostArch,
} from "./_service_checks.ts";
import { serviceModuleGraph } from "../testing/module_graph.ts";
import { type CommandResult, runCommand } from "../testing/run_command.ts";

const DENORT_HINT = "deno compile downloads its denort runtime from Deno's release host, which " +
  "this machine cannot reach; set it to the denort of Deno " + Deno.version.deno +
  " for that target (unzipped from the release's denort-<target>.zip) to build and run the binary";
const denort = findTool({ env: "DENORT_BIN", requiredInCi: false, hint: DENORT_HINT });
const denortArm64 = findTool({ env: "DENORT_ARM64_BIN", requiredInCi: false, hint: DENORT_HINT });
const openssl = findTool({
  env: "OPENSSL_BIN",
  command: "openssl",
  hint: "install openssl (Debian: apt-get install openssl)",
});
const qemu = findTool({
  env: "QEMU_AARCH64_BIN",
  command: "qemu-aarch64-static",
  requiredInCi: false,
  hint: "run .ci/install-arm64-emulation to run the arm64 binary under emulation",
});

type CompileTask = "compile" | "compile:pi";

interface CompileCommand {
  /** Variables the task sets before `deno compile` (frozen into the binary). */
  readonly env: Record<string, string>;
  /** Arguments after `deno`. */
  readonly args: string[];
  /** The `--output` the task names. */
  readonly output: string;
}

/** Splits a compile task into its environment, its arguments and its output path. */
function compileCommand(task: CompileTask): CompileCommand {
  const words = denoJson.tasks[task].split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? "")) {
    const [name = "", value = ""] = (words.shift() ?? "").split("=");
    env[name] = value;
  }
  assert.deepEqual(words.slice(0, 2), ["deno", "compile"], `deno task ${task}`);
  const at = words.indexOf("--output");
  const output = words[at + 1];
  assert.ok(at > 0 && output, `deno task ${task} names no --output`);
  return { env, args: words.slice(1), output };
}

/** Runs a compile task as it is written, except for the output path. */
async function compile(task: CompileTask, output: string, runtime: string): Promise<void> {
  const { env, args } = compileCommand(task);
  const at = args.indexOf("--output");
  const command = await new Deno.Command(Deno.execPath(), {
    args: args.map((arg, i) => i === at + 1 ? output : arg),
    cwd: new URL("..", import.meta.url),
    env: { ...env, DENORT_BIN: runtime, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const said = new TextDecoder().decode(command.stderr);
  assert.equal(command.code, 0, `deno task ${task} failed:\n${said}`);
}

/** Runs `program` once and captures what it printed. */
function runOnce(
  program: string[],
  options: { env?: Record<string, string>; cwd: string },
): Promise<CommandResult> {
  const [name = "", ...args] = program;
  return runCommand(name, args, { cwd: options.cwd, env: { NO_COLOR: "1", ...options.env } });
}

/** The machine field of an ELF header: 62 for x86-64, 183 for arm64. */
async function elfMachine(path: string): Promise<number> {
  const file = await Deno.open(path);
  try {
    const header = new Uint8Array(20);
    assert.equal(await file.read(header), 20);
    assert.deepEqual([...header.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], "not an ELF file");
    return new DataView(header.buffer).getUint16(18, true);
  } finally {
    file.close();
  }
}

Deno.test("the compile tasks bake in the start task's permissions plus reading /etc/greet-api, never -A", () => {
  for (const task of ["compile", "compile:pi"] as const) {
    const { args } = compileCommand(task);
    const permissions = args.filter((a) => /^(-A|--allow-|--deny-|-[RWNESI]$)/.test(a));
    assert.deepEqual(
      permissions.toSorted(),
      [...startTaskFlags(), "--allow-read=/etc/greet-api"].toSorted(),
      `deno task ${task}`,
    );
  }
});

Deno.test("the compile tasks build from deno.lock, embed only used npm packages and name the documented outputs", () => {
  const host = compileCommand("compile");
  const pi = compileCommand("compile:pi");
  for (const { args } of [host, pi]) {
    assert.ok(args.includes("--frozen"));
    assert.ok(args.includes("--exclude-unused-npm"));
    assert.equal(args.at(-1), "main.ts");
    assert.ok(!args.includes("--target") || args === pi.args);
  }
  assert.equal(host.output, "dist/greet-api");
  assert.equal(pi.output, "dist/greet-api-linux-arm64");
  assert.equal(pi.args[pi.args.indexOf("--target") + 1], "aarch64-unknown-linux-gnu");
});

Deno.test("the compile tasks switch Deno's built-in OpenTelemetry off, since deno compile freezes it", () => {
  // deno compile stores the OTEL_DENO* settings of the compiling shell in the
  // binary; a developer's OTEL_DENO=true would otherwise make a binary whose
  // JS SDK cannot register its providers.
  for (const task of ["compile", "compile:pi"] as const) {
    const { env } = compileCommand(task);
    assert.deepEqual(
      env,
      { OTEL_DENO: "false", OTEL_DENO_TRACING: "false", OTEL_DENO_METRICS: "false" },
      `deno task ${task}`,
    );
  }
});

Deno.test("the compiled module graph reads nothing from the source tree at run time", async () => {
  const local = (await serviceModuleGraph()).filter((m) => m.specifier.startsWith("file://"));
  // The version comes from deno.json as a JSON import, which is embedded.
  assert.ok(local.some((m) => m.specifier.endsWith("/deno.json") && m.mediaType === "Json"));
  const offenders: string[] = [];
  for (const module of local.filter((m) => m.mediaType === "TypeScript")) {
    const source = await Deno.readTextFile(new URL(module.specifier));
    if (/import\.meta\.(url|dirname|filename)|Deno\.cwd\(|\bimport\(/.test(source)) {
      offenders.push(module.specifier);
    }
  }
  assert.deepEqual(offenders, [], "modules that locate files at run time");
});

Deno.test({
  name: "deno task compile builds a host binary that answers --version, --help and bad input, " +
    "serves /greet and exports its telemetry over HTTP and HTTPS",
  ignore: !denort.path || !openssl.path,
  async fn(t): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "greet-api-compile-" });
    try {
      const binary = `${dir}/greet-api`;
      await compile("compile", binary, denort.path ?? "");
      const size = (await Deno.stat(binary)).size;
      console.log(`compiled host binary: ${(size / 2 ** 20).toFixed(1)} MiB`);
      // Run from an empty directory: nothing may come from the source tree.
      const cwd = `${dir}/run`;
      await Deno.mkdir(cwd);

      await t.step("--version prints the version embedded from deno.json", async () => {
        const { code, stdout } = await runOnce([binary, "--version"], { cwd });
        assert.equal(code, 0);
        assert.equal(stdout.trim(), `greet-api ${denoJson.version}`);
      });
      await t.step("--help prints the usage", async () => {
        const { code, stdout } = await runOnce([binary, "--help"], { cwd });
        assert.equal(code, 0);
        assert.match(stdout, /^Usage: greet-api/m);
      });
      await t.step("an unknown flag exits 2 with the usage", async () => {
        const { code, stderr } = await runOnce([binary, "--verbose"], { cwd });
        assert.equal(code, 2);
        assert.match(stderr, /Unknown argument: "--verbose"/);
      });
      await t.step("a bad PORT exits 2 naming the variable", async () => {
        const { code, stderr } = await runOnce([binary], { cwd, env: { PORT: "eighty" } });
        assert.equal(code, 2);
        assert.match(stderr, /PORT must be an integer from 0 to 65535: current value is "eighty"/);
      });
      await t.step(
        "OTEL_DENO=true exits 2: Deno's own OpenTelemetry was compiled off",
        async () => {
          const { code, stderr } = await runOnce([binary], {
            cwd,
            env: { OTEL_DENO: "true", PORT: "0" },
          });
          assert.equal(code, 2, stderr);
          assert.match(stderr, /OTEL_DENO=true/);
        },
      );
      await t.step(
        "it serves /greet and exports at the OTEL_EXPORTER_OTLP_ENDPOINT given at start-up",
        async () => {
          const receiver = await OtlpReceiver.start();
          let service: ServiceProcess | undefined;
          try {
            const started = performance.now();
            service = await ServiceProcess.start({
              command: [binary],
              cwd,
              env: flushOnlyEnv(receiver),
            });
            console.log(
              `compiled host binary: listening after ${Math.round(performance.now() - started)} ms`,
            );
            await assertGreetsAndExports(service, receiver, hostArch());
          } finally {
            await service?.stop("SIGKILL");
            await receiver.close();
          }
        },
      );
      await t.step("it exports over HTTPS with an authorization header", async () => {
        await assertExportsOverHttps(
          (env) => ServiceProcess.start({ command: [binary], cwd, env }),
          openssl.path ?? "",
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task compile:pi builds an arm64 binary that prints its version under emulation",
  ignore: !denortArm64.path,
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "greet-api-compile-pi-" });
    try {
      const binary = `${dir}/greet-api-linux-arm64`;
      await compile("compile:pi", binary, denortArm64.path ?? "");
      assert.equal(await elfMachine(binary), 183, "EM_AARCH64");
      console.log(
        `compiled arm64 binary: ${((await Deno.stat(binary)).size / 2 ** 20).toFixed(1)} MiB`,
      );
      if (!qemu.path) return; // the ELF check above is all this machine can do
      const sysroot = Deno.env.get("ARM64_SYSROOT") || "/usr/aarch64-linux-gnu";
      const { code, stdout } = await runOnce([qemu.path, "-L", sysroot, binary, "--version"], {
        cwd: dir,
      });
      assert.equal(code, 0);
      assert.equal(stdout.trim(), `greet-api ${denoJson.version}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
