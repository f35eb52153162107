import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error: unknown) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be rejected`);
}

Deno.test("loadConfig() uses the documented defaults", () => {
  const config = loadConfig({});
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.port, 8000);
  assert.equal(config.logLevel, "info");
  assert.equal(config.logFormat, "json");
  assert.equal(config.shutdownTimeoutMs, 5000);
  assert.equal(config.shutdownDrainMs, 0);
  assert.equal(loadConfig({ SHUTDOWN_DRAIN_MS: "3000" }).shutdownDrainMs, 3000);
});

Deno.test("loadConfig() reads HOST, PORT, LOG_LEVEL and LOG_FORMAT", () => {
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "9000",
    LOG_LEVEL: "WARN",
    LOG_FORMAT: "text",
  });
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 9000);
  assert.equal(config.logLevel, "warn");
  assert.equal(config.logFormat, "text");
  assert.equal(loadConfig({ HOST: "::1" }).host, "::1");
});

Deno.test("loadConfig() names the variable and quotes the value it rejects", async (t) => {
  await t.step("PORT that is not a number", () => {
    const error = configError({ PORT: "abc" });
    assert.equal(error.variable, "PORT");
    assert.equal(
      error.message,
      'PORT must be an integer from 0 to 65535: current value is "abc"',
    );
  });
  await t.step("PORT out of range or fractional", () => {
    assert.match(configError({ PORT: "70000" }).message, /"70000"/);
    assert.match(configError({ PORT: "80.5" }).message, /"80.5"/);
    assert.match(configError({ PORT: "-1" }).message, /"-1"/);
  });
  await t.step("HOST with a scheme or a path", () => {
    assert.equal(configError({ HOST: "http://x" }).variable, "HOST");
    assert.equal(configError({ HOST: "a b" }).variable, "HOST");
  });
  await t.step("LOG_LEVEL and LOG_FORMAT outside their choices", () => {
    assert.equal(
      configError({ LOG_LEVEL: "loud" }).message,
      'LOG_LEVEL must be one of debug, info, warn, error: current value is "loud"',
    );
    assert.equal(configError({ LOG_FORMAT: "xml" }).variable, "LOG_FORMAT");
  });
  await t.step("SHUTDOWN_TIMEOUT_MS below its floor", () => {
    assert.equal(configError({ SHUTDOWN_TIMEOUT_MS: "5" }).variable, "SHUTDOWN_TIMEOUT_MS");
  });
  await t.step("SHUTDOWN_DRAIN_MS that is not a whole number of milliseconds", () => {
    assert.equal(
      configError({ SHUTDOWN_DRAIN_MS: "2s" }).message,
      'SHUTDOWN_DRAIN_MS must be an integer from 0 to 600000: current value is "2s"',
    );
  });
});
