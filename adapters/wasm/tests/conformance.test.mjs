// The conformance suite's scenarios (tests/conformance.rs) that the other files do not cover,
// run through the WebAssembly package: path templates, renewal at the token's deadline, and
// exactly one relogin after a revoked token.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, countFetches, startDevServer } from "./harness.mjs";

let dev;
before(async () => {
  dev = await startDevServer();
  await dev.put("org_abc123/anthropic-api-key", { value: "sk-ant-api03-WASM-TEST" });
  await dev.put("org_abc123/other-key", { apiKey: "other-WASM-TEST" });
  await dev.put("tenants/org_abc123/db", { password: "db-WASM-TEST", user: "app" });
});
after(() => dev?.stop());

/** Runs `fn` with the host clock (`Date.now()`, which the core reads) moved `shiftMs` ahead. */
async function withClockAhead(shiftMs, fn) {
  const realNow = Date.now;
  Date.now = () => realNow() + shiftMs;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

test("a path template places the read; the org stays one segment", async () => {
  const client = new Client();
  client.register("org_abc123", JSON.stringify({
    ...JSON.parse(dev.tokenConfig()), pathTemplate: "{mount}/data/tenants/{orgId}/{kind}",
  }));
  const fetches = countFetches();
  try {
    const c = await client.resolve("org_abc123", "db");
    assert.deepEqual({ ...c.multiField }, { password: "db-WASM-TEST", user: "app" });
    // Token mode learns the token's TTL first (lookup-self), then reads.
    assert.deepEqual(fetches.requests.map((r) => r.path), [
      "/v1/auth/token/lookup-self",
      "/v1/secret/data/tenants/org_abc123/db",
    ]);
  } finally {
    fetches.restore();
  }
});

test("past the login token's deadline the next resolve renews it (no new login)", async () => {
  const client = new Client();
  client.register("org_abc123", dev.approleConfig());
  const first = await client.resolve("org_abc123", "anthropic-api-key");
  const fetches = countFetches();
  try {
    // AppRole: refreshAt is the token's deadline (loginTime + 0.8 × 3600 s).
    const shift = Date.parse(first.refreshAt) - Date.now() + 1000;
    const again = await withClockAhead(shift, () => client.resolve("org_abc123", "anthropic-api-key"));
    assert.equal(again.value, first.value);
    assert.deepEqual(
      fetches.requests.map((r) => `${r.method} ${r.path}`),
      ["POST /v1/auth/token/renew-self", "GET /v1/secret/data/org_abc123/anthropic-api-key"],
    );
  } finally {
    fetches.restore();
  }
});

test("a revoked login token causes exactly one relogin", async () => {
  const client = new Client();
  client.register("org_abc123", dev.approleConfig());
  const fetches = countFetches();
  try {
    await client.resolve("org_abc123", "anthropic-api-key");
    const token = fetches.requests.find((r) => r.path.startsWith("/v1/secret/")).token;
    assert.ok(token);
    await dev.revokeToken(token);
    fetches.requests.length = 0;

    const c = await client.resolve("org_abc123", "other-key");
    assert.equal(c.value, "other-WASM-TEST");
    assert.deepEqual(
      fetches.requests.map((r) => `${r.method} ${r.path}`),
      [
        "GET /v1/secret/data/org_abc123/other-key",
        "POST /v1/auth/approle/login",
        "GET /v1/secret/data/org_abc123/other-key",
      ],
    );
    assert.equal(fetches.requests[0].token, token);
    assert.notEqual(fetches.requests[2].token, token);
  } finally {
    fetches.restore();
  }
});
