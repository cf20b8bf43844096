// Health checks, and a rotation event when a refresh finds a new version.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, closedPort, countFetches, startDevServer } from "./harness.mjs";

let dev;
before(async () => {
  dev = await startDevServer();
  await dev.put("org_abc123/anthropic-api-key", { value: "sk-ant-api03-WASM-TEST" });
});
after(() => dev?.stop());

test("health is ok for token, AppRole and Kubernetes configs", async () => {
  const { readFile } = await import("node:fs/promises");
  for (const config of [dev.tokenConfig(), dev.approleConfig(), dev.kubernetesConfig()]) {
    const client = new Client({ allowJwtPaths: [dev.jwtPath], readFile: (p) => readFile(p, "utf8") });
    client.register("org_abc123", config);
    const h = await client.health("org_abc123");
    assert.deepEqual(Object.keys(h).sort(), ["checks", "latencyMs", "ok"]);
    assert.equal(h.ok, true, JSON.stringify(h));
    assert.deepEqual(h.checks, ["auth", "mount", "kv_v2", "read_capability"]);
    assert.ok(Number.isInteger(h.latencyMs) && h.latencyMs >= 0 && h.latencyMs < 5000);
  }
});

test("health reports failures with a reason, and never rejects", async () => {
  const client = new Client({ maxRetries: 0 });
  client.register("org_down", JSON.stringify({
    addr: await closedPort(), mount: "secret", authMode: "token", token: "hvs.x",
  }));
  client.register("org_badlogin", dev.approleConfig("00000000-0000-0000-0000-000000000000"));
  const down = await client.health("org_down");
  assert.equal(down.ok, false);
  assert.equal(down.reason, "unreachable");
  assert.match(down.error, /^unreachable: /);
  const badLogin = await client.health("org_badlogin");
  assert.equal(badLogin.reason, "auth_failed");
  const unknown = await client.health("org_unknown");
  assert.equal(unknown.reason, "not_configured");
});

test("a refresh that finds a new version announces a rotation", async (t) => {
  const client = new Client();
  client.register("org_abc123", dev.tokenConfig());
  const events = [];
  const listener = (ev) => events.push(ev);
  client.onRotation(listener);
  client.onRotation(() => {
    throw new Error("a throwing listener does not disturb the others");
  });
  const first = await client.resolve("org_abc123", "anthropic-api-key");
  const newVersion = await dev.put("org_abc123/anthropic-api-key", { value: "sk-ant-api03-ROTATED" });
  assert.equal(newVersion, first.version + 1);

  // Still fresh: answered from the cache, no event.
  assert.equal((await client.resolve("org_abc123", "anthropic-api-key")).value, "sk-ant-api03-WASM-TEST");
  assert.equal(events.length, 0);

  // The core reads the host's clock (`Date.now()`): move it past refreshAt instead of waiting
  // an hour. Only the clock moves; the request still goes to DevVault.
  const realNow = Date.now;
  const shift = Date.parse(first.refreshAt) - realNow() + 1000;
  t.after(() => {
    Date.now = realNow;
  });
  Date.now = () => realNow() + shift;
  const fetches = countFetches();
  let second;
  try {
    second = await client.resolve("org_abc123", "anthropic-api-key");
  } finally {
    fetches.restore();
    Date.now = realNow;
  }
  assert.equal(fetches.requests.length, 1);
  assert.equal(second.value, "sk-ant-api03-ROTATED");
  assert.equal(second.version, newVersion);
  assert.equal(events.length, 1);
  const [ev] = events;
  assert.deepEqual(
    { orgId: ev.orgId, kind: ev.kind, oldVersion: ev.oldVersion, newVersion: ev.newVersion },
    { orgId: "org_abc123", kind: "anthropic-api-key", oldVersion: first.version, newVersion },
  );
  assert.match(ev.at, /^\d{4}-\d{2}-\d{2}T/);
  assert.equal(JSON.stringify(ev).includes("sk-ant"), false, "an event carries no secret");

  assert.equal(client.offRotation(listener), true);
  assert.equal(client.offRotation(listener), false);
});
