// Resolves against `vaultcred dev-server` in the three auth modes, the cache, single-flight
// logins and config errors.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { Client, countFetches, rejection, startDevServer } from "./harness.mjs";

let dev;
before(async () => {
  dev = await startDevServer();
  await dev.put("org_abc123/anthropic-api-key", { value: "sk-ant-api03-WASM-TEST" });
  await dev.put("org_abc123/jira", { site: "example.atlassian.net", apiToken: "jira-WASM-TEST" });
});
after(() => dev?.stop());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

test("token mode resolves the primary value with ISO-8601 times and the version", async () => {
  const client = new Client({ timeoutMs: 5000 });
  client.register("org_abc123", dev.tokenConfig());
  const c = await client.resolve("org_abc123", "anthropic-api-key");
  assert.equal(c.orgId, "org_abc123");
  assert.equal(c.kind, "anthropic-api-key");
  assert.equal(c.value, "sk-ant-api03-WASM-TEST");
  assert.equal(c.multiField, undefined);
  assert.equal(c.version, 1);
  assert.match(c.resolvedAt, ISO);
  assert.match(c.refreshAt, ISO);
  // Token mode: refreshAt = resolvedAt + 1 h.
  assert.equal(Date.parse(c.refreshAt) - Date.parse(c.resolvedAt), 3_600_000);
  assert.ok(Math.abs(Date.parse(c.resolvedAt) - Date.now()) < 60_000);
});

test("a secret without a primary field comes back as multiField", async () => {
  const client = new Client();
  client.register("org_abc123", dev.tokenConfig());
  const c = await client.resolve("org_abc123", "jira");
  assert.equal(c.value, undefined);
  assert.deepEqual({ ...c.multiField }, { apiToken: "jira-WASM-TEST", site: "example.atlassian.net" });
});

test("AppRole logs in once, then reads; refreshAt follows the login lease", async () => {
  const client = new Client();
  client.register("org_abc123", dev.approleConfig());
  const fetches = countFetches();
  try {
    const c = await client.resolve("org_abc123", "anthropic-api-key");
    assert.equal(c.value, "sk-ant-api03-WASM-TEST");
    assert.deepEqual(
      fetches.requests.map((r) => `${r.method} ${r.path}`),
      ["POST /v1/auth/approle/login", "GET /v1/secret/data/org_abc123/anthropic-api-key"],
    );
    // dev-server's roles issue 3600 s tokens: refreshAt = loginTime + 0.8 × 3600 s.
    const ahead = Date.parse(c.refreshAt) - Date.parse(c.resolvedAt);
    assert.ok(ahead > 2_870_000 && ahead <= 2_880_000, `refreshAt ${ahead} ms after resolvedAt`);
  } finally {
    fetches.restore();
  }
});

test("Kubernetes reads the JWT through the readFile callback at login", async () => {
  const paths = [];
  const client = new Client({
    allowJwtPaths: [dev.jwtPath],
    readFile: async (p) => {
      paths.push(p);
      return readFile(p, "utf8");
    },
  });
  client.register("org_abc123", dev.kubernetesConfig());
  const c = await client.resolve("org_abc123", "anthropic-api-key");
  assert.equal(c.value, "sk-ant-api03-WASM-TEST");
  assert.deepEqual(paths, [dev.jwtPath]);
  const h = await client.health("org_abc123");
  assert.equal(h.ok, true, JSON.stringify(h));
  assert.deepEqual(h.checks, ["auth", "mount", "kv_v2", "read_capability"]);
  assert.equal(paths.length, 1, "health uses the cached token: no second login, no JWT read");
});

test("a synchronous readFile callback works too", async () => {
  const { readFileSync } = await import("node:fs");
  const client = new Client({ allowJwtPaths: [dev.jwtPath], readFile: (p) => readFileSync(p, "utf8") });
  client.register("org_abc123", dev.kubernetesConfig());
  assert.equal((await client.resolve("org_abc123", "anthropic-api-key")).value, "sk-ant-api03-WASM-TEST");
});

test("a jwtPath the host did not allow is refused at register", () => {
  const client = new Client({ readFile: () => "eyJhbGciOiJSUzI1NiJ9.e30.c2ln" });
  assert.throws(() => client.register("org_abc123", dev.kubernetesConfig()), /jwtPath/);
  assert.throws(() => new Client({ allowJwtPaths: "/tmp/" }), TypeError);
});

test("Kubernetes without a readFile callback fails with jwt_unreadable", async () => {
  const client = new Client({ allowJwtPaths: [dev.jwtPath] });
  client.register("org_abc123", dev.kubernetesConfig());
  const e = await rejection(client.resolve("org_abc123", "anthropic-api-key"));
  assert.equal(e.name, "CredentialNotFound");
  assert.equal(e.reason, "jwt_unreadable");
  assert.ok(e instanceof Error);
});

test("a readFile callback that throws is jwt_unreadable, without its message", async () => {
  const client = new Client({
    allowJwtPaths: [dev.jwtPath],
    readFile: () => {
      throw new Error("SECRET-IN-CALLBACK-MESSAGE");
    },
  });
  client.register("org_abc123", dev.kubernetesConfig());
  const e = await rejection(client.resolve("org_abc123", "anthropic-api-key"));
  assert.equal(e.reason, "jwt_unreadable");
  assert.doesNotMatch(e.message, /SECRET-IN-CALLBACK-MESSAGE/);
});

test("a fresh credential is answered from the cache with no request before refreshAt", async () => {
  const client = new Client();
  client.register("org_abc123", dev.approleConfig());
  const first = await client.resolve("org_abc123", "anthropic-api-key");
  const fetches = countFetches();
  try {
    for (let i = 0; i < 20; i++) {
      const again = await client.resolve("org_abc123", "anthropic-api-key");
      assert.equal(again.value, first.value);
      assert.equal(again.resolvedAt, first.resolvedAt);
    }
    assert.equal(fetches.requests.length, 0);
  } finally {
    fetches.restore();
  }
});

test("concurrent resolves share one login (single flight)", async () => {
  const client = new Client();
  client.register("org_abc123", dev.approleConfig());
  const fetches = countFetches();
  try {
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.resolve("org_abc123", i % 2 ? "anthropic-api-key" : "jira"),
      ),
    );
    assert.equal(all.length, 8);
    const logins = fetches.requests.filter((r) => r.path === "/v1/auth/approle/login");
    assert.equal(logins.length, 1, JSON.stringify(fetches.requests));
  } finally {
    fetches.restore();
  }
});

test("register throws a ConfigError listing every problem", () => {
  const client = new Client();
  let thrown;
  try {
    client.register("org_abc123", JSON.stringify({ addr: "ftp://x", mount: "", authMode: "token" }));
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error);
  assert.equal(thrown.name, "ConfigError");
  assert.deepEqual(
    thrown.problems.map((p) => p.field),
    ["addr", "mount", "token"],
  );
  assert.match(thrown.message, /addr: .*mount: .*token: /);
  assert.throws(() => client.register("../evil", dev.tokenConfig()), { name: "ConfigError" });
  assert.throws(() => client.register("org_abc123", "{not json"), { name: "ConfigError" });
  assert.throws(() => new Client({ timeoutMs: -1 }), TypeError);
  assert.throws(() => new Client({ readFile: "nope" }), TypeError);
});

test("register accepts an object, unregister removes the org", async () => {
  const client = new Client();
  client.register("org_abc123", JSON.parse(dev.tokenConfig()));
  assert.equal((await client.resolve("org_abc123", "anthropic-api-key")).version, 1);
  assert.equal(client.unregister("org_abc123"), true);
  assert.equal(client.unregister("org_abc123"), false);
  const e = await rejection(client.resolve("org_abc123", "anthropic-api-key"));
  assert.equal(e.reason, "not_configured");
});
