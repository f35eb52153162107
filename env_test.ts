import assert from "node:assert/strict";
import { processEnv } from "./env.ts";

Deno.test("processEnv() reads variables by name as they are now", () => {
  Deno.env.set("GREET_API_ENV_TEST", "one");
  try {
    const env = processEnv();
    assert.equal(env.GREET_API_ENV_TEST, "one");
    Deno.env.set("GREET_API_ENV_TEST", "two");
    assert.equal(env.GREET_API_ENV_TEST, "two");
    assert.equal(env.GREET_API_ENV_TEST_UNSET, undefined);
  } finally {
    Deno.env.delete("GREET_API_ENV_TEST");
  }
});

Deno.test("processEnv() treats a variable outside --allow-env=<list> as unset instead of failing", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { processEnv } from ${JSON.stringify(new URL("./env.ts", import.meta.url).href)};
      const env = processEnv();
      console.log(JSON.stringify([env.PORT, env.SECRET ?? null]));`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-env=PORT", script],
      env: { PORT: "8080", SECRET: "not granted" },
      stdin: "null",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), ["8080", null]);
  } finally {
    await Deno.remove(script);
  }
});
