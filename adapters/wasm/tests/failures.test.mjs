// Each failure reason a host sees over fetch: from DevVault, and from small local servers for
// what DevVault cannot do over HTTP (hang, redirect, send too much).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  Client, closedPort, countFetches, localServer, rejection, startDevServer, within,
} from "./harness.mjs";

let dev;
before(async () => {
  dev = await startDevServer();
  await dev.put("org_abc123/anthropic-api-key", { value: "sk-ant-api03-WASM-TEST" });
});
after(() => dev?.stop());

function tokenConfig(addr, token = "hvs.not-a-real-token") {
  return JSON.stringify({ addr, mount: "secret", authMode: "token", token });
}

test("missing: no secret at the path", async () => {
  const client = new Client();
  client.register("org_abc123", dev.tokenConfig());
  const e = await rejection(client.resolve("org_abc123", "no-such-kind"));
  assert.equal(e.name, "CredentialNotFound");
  assert.equal(e.reason, "missing");
  assert.equal(e.orgId, "org_abc123");
  assert.equal(e.kind, "no-such-kind");
  assert.match(e.message, /no-such-kind/);
});

test("permission_denied: a token whose policies do not allow the read", async () => {
  const limited = await dev.createToken(["default"]);
  const client = new Client();
  client.register("org_abc123", dev.tokenConfig(limited));
  const e = await rejection(client.resolve("org_abc123", "anthropic-api-key"));
  assert.equal(e.reason, "permission_denied");
  assert.ok(!e.message.includes(limited), "the token is not in the message");
});

test("auth_failed: AppRole with a wrong secretId", async () => {
  const client = new Client();
  client.register("org_abc123", dev.approleConfig("00000000-0000-0000-0000-000000000000"));
  const e = await rejection(client.resolve("org_abc123", "anthropic-api-key"));
  assert.equal(e.reason, "auth_failed");
});

test("invalid_kind: a kind that is not one path segment, with no request", async () => {
  const client = new Client();
  client.register("org_abc123", dev.tokenConfig());
  const fetches = countFetches();
  try {
    const e = await rejection(client.resolve("org_abc123", "../sys/mounts"));
    assert.equal(e.reason, "invalid_kind");
    assert.equal(fetches.requests.length, 0);
  } finally {
    fetches.restore();
  }
});

test("timeout: a server that never answers, cut by the AbortController", async () => {
  const hung = await localServer(() => {});
  try {
    const client = new Client({ timeoutMs: 300, maxRetries: 0 });
    client.register("org_abc123", tokenConfig(hung.url));
    const started = Date.now();
    const e = await within(5000, rejection(client.resolve("org_abc123", "anthropic-api-key")));
    const took = Date.now() - started;
    assert.equal(e.reason, "timeout");
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
  } finally {
    await hung.close();
  }
});

test("timeout also covers a body that stops arriving", async () => {
  const slow = await localServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"data":{"data":');
  });
  try {
    const client = new Client({ timeoutMs: 300, maxRetries: 0 });
    client.register("org_abc123", tokenConfig(slow.url));
    const e = await within(5000, rejection(client.resolve("org_abc123", "anthropic-api-key")));
    assert.equal(e.reason, "timeout");
  } finally {
    await slow.close();
  }
});

test("unreachable: nothing listens at the address", async () => {
  const client = new Client({ maxRetries: 0 });
  client.register("org_abc123", tokenConfig(await closedPort()));
  const e = await within(5000, rejection(client.resolve("org_abc123", "anthropic-api-key")));
  assert.equal(e.reason, "unreachable");
});

test("a redirect is reported, never followed: the token never reaches the other origin", async () => {
  const decoyHits = [];
  const decoy = await localServer((req, res) => {
    decoyHits.push(req.headers);
    res.end("{}");
  });
  const standby = await localServer((req, res) => {
    res.writeHead(307, { location: decoy.url + req.url });
    res.end();
  });
  try {
    const client = new Client({ maxRetries: 0 });
    client.register("org_abc123", tokenConfig(standby.url, "hvs.CANARY-redirect-token"));
    const e = await rejection(client.resolve("org_abc123", "anthropic-api-key"));
    assert.equal(e.reason, "server_error");
    assert.match(e.message, /redirect/);
    assert.equal(decoyHits.length, 0);
    assert.ok(!e.message.includes("CANARY"));
  } finally {
    await standby.close();
    await decoy.close();
  }
});

test("a body over the cap is invalid_response, whether announced or streamed", async () => {
  const big = "x".repeat(64 * 1024);
  const announced = await localServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 10 * big.length });
    for (let i = 0; i < 10; i++) res.write(big);
    res.end();
  });
  const chunked = await localServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    for (let i = 0; i < 10; i++) res.write(big);
    res.end();
  });
  try {
    for (const server of [announced, chunked]) {
      const client = new Client({ maxBodyBytes: 100 * 1024, maxRetries: 0 });
      client.register("org_abc123", tokenConfig(server.url));
      const e = await within(5000, rejection(client.resolve("org_abc123", "anthropic-api-key")));
      assert.equal(e.reason, "invalid_response", e.message);
    }
  } finally {
    await announced.close();
    await chunked.close();
  }
});

test("a 5xx is retried after a backoff (setTimeout), then the read succeeds", async () => {
  // In front of DevVault: the first request gets a 502, later ones are passed through.
  let seen = 0;
  const proxy = await localServer(async (req, res) => {
    seen++;
    if (seen === 1) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end('{"errors":["upstream hiccup"]}');
      return;
    }
    const upstream = await fetch(dev.addr + req.url, { method: req.method, headers: { "x-vault-token": req.headers["x-vault-token"] } });
    res.writeHead(upstream.status, { "content-type": "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  try {
    const client = new Client({ maxRetries: 2 });
    client.register("org_abc123", tokenConfig(proxy.url, dev.rootToken));
    const started = Date.now();
    const c = await within(10000, client.resolve("org_abc123", "anthropic-api-key"));
    assert.equal(c.value, "sk-ant-api03-WASM-TEST");
    // The 502 hit the first request (the token's lookup-self): retried, then the read.
    assert.equal(seen, 3);
    // The first backoff waits 125 to 250 ms (base 250 ms, jitter in [d/2, d]).
    assert.ok(Date.now() - started >= 120, `retried after ${Date.now() - started} ms`);
  } finally {
    await proxy.close();
  }
});

test("not_configured: an org never registered", async () => {
  const e = await rejection(new Client().resolve("org_unknown", "anthropic-api-key"));
  assert.equal(e.reason, "not_configured");
});
