// Canary credentials never appear in an error message, a health report or any output.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startDevServer, within } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
let dev;
before(async () => {
  dev = await startDevServer();
  await dev.put("org_approle/anthropic-api-key", { value: "sk-ant-api03-WASM-TEST" });
});
after(() => dev?.stop());

const canaries = {
  token: "hvs.CANARYtokenWASM0123456789",
  secretId: "c0ffee00-CANARY-5ec7-1d00-wasm00000000",
  jwt: "eyJhbGciOiJSUzI1NiJ9.eyJDQU5BUlkiOiJ3YXNtIn0.Q0FOQVJZLXNpZ25hdHVyZQ",
};

function runChild(input) {
  const child = spawn(process.execPath, [path.join(here, "canary-child.mjs")], {
    env: { ...process.env, VAULTCRED_CANARY_INPUT: JSON.stringify(input) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const done = new Promise((resolve, reject) => {
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}:\n${out}`))));
    child.once("error", reject);
  });
  return within(30000, done).finally(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
}

test("no canary token, secretId or JWT in any message or output", async () => {
  const out = await runChild({ dev, canaries });
  const lines = out.trim().split("\n");
  assert.equal(lines.length, 1, `the child printed only its report:\n${out}`);
  const { messages, consoleCalls } = JSON.parse(lines[0]);
  assert.equal(consoleCalls, 0, "the package wrote nothing to the console");
  assert.ok(messages.length >= 14, messages.join("\n"));
  // The scenarios did fail the ways they should (so the messages had canaries to leak).
  const text = messages.join("\n");
  assert.match(text, /auth_failed/);
  assert.match(text, /auth_failed/);
  assert.match(text, /server_error/);
  assert.match(text, /redirect/);
  assert.match(text, /missing/);
  assert.match(text, /ConfigError/);
  for (const secret of [canaries.token, canaries.secretId, canaries.jwt, dev.secretId, "CANARY"]) {
    assert.ok(!out.includes(secret), `leaked ${secret.slice(0, 12)}…:\n${out}`);
  }
});
