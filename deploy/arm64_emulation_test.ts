/**
 * The service on arm64, the Raspberry Pi's architecture, on an x86-64
 * machine: Deno's own arm64 Linux build (npm `@deno/linux-arm64-glibc`, the
 * same version as the host's) runs `main.ts` under qemu user-mode emulation
 * with Debian's arm64 C library as the sysroot. `.ci/install-arm64-emulation`
 * provides all three.
 *
 * This proves the code and its npm packages run on an arm64 V8 and glibc; it
 * is not the compiled binary (see compile_test.ts for why that cannot be
 * built here) and not a Pi kernel (page size, cgroups, systemd).
 */
import assert from "node:assert/strict";
import { findTool } from "../testing/external_tool.ts";
import { OtlpReceiver } from "../testing/otlp_receiver.ts";
import { ServiceProcess, startTaskFlags } from "../testing/service_process.ts";
import { assertGreetsAndExports, flushOnlyEnv } from "./_service_checks.ts";

const HINT = 'run `set -a; eval "$(.ci/install-arm64-emulation)"; set +a` first';
const qemu = findTool({ env: "QEMU_AARCH64_BIN", command: "qemu-aarch64-static", hint: HINT });
const denoArm64 = findTool({ env: "DENO_ARM64_BIN", hint: HINT });
const sysroot = Deno.env.get("ARM64_SYSROOT") || "/usr/aarch64-linux-gnu";

function emulatedDeno(...args: string[]): string[] {
  return [qemu.path ?? "", "-L", sysroot, denoArm64.path ?? "", ...args];
}

Deno.test({
  name:
    "under arm64 emulation the service answers /greet and its span, log and metrics reach the receiver",
  ignore: !qemu.path || !denoArm64.path,
  async fn(): Promise<void> {
    const [program = "", ...args] = emulatedDeno("--version");
    const version = await new Deno.Command(program, { args, stdin: "null" }).output();
    assert.match(new TextDecoder().decode(version.stdout), /aarch64-unknown-linux-gnu/);

    const receiver = await OtlpReceiver.start();
    let service: ServiceProcess | undefined;
    try {
      const started = performance.now();
      service = await ServiceProcess.start({
        command: emulatedDeno("run", ...startTaskFlags(), "main.ts"),
        // Emulation is 10-20 times slower than native: generous budgets, not sleeps.
        env: { ...flushOnlyEnv(receiver), SHUTDOWN_TIMEOUT_MS: "60000" },
        startTimeoutMs: 150_000,
      });
      const startupMs = performance.now() - started;
      console.log(`arm64 deno under qemu: listening after ${Math.round(startupMs)} ms`);
      await assertGreetsAndExports(service, receiver, "arm64");
      const flushed = service.lines.find((l) => l.msg === "telemetry flushed");
      console.log(
        `arm64 deno under qemu: shutdown flush took ${flushed?.["shutdown.duration_ms"]} ms`,
      );
    } finally {
      await service?.stop("SIGKILL");
      await receiver.close();
    }
  },
});
