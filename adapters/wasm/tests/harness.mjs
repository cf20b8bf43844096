// Test harness: the built package, a `vaultcred dev-server` child process, DevVault's HTTP API,
// a fetch counter and small node:http servers for the failure cases. Everything that depends on
// dev-server's output format is in `parseDevServer` below.
import { spawn } from "node:child_process";
import http from "node:http";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const require = createRequire(import.meta.url);

/** The built package (adapters/wasm/pkg, made by build.sh). */
export const { Client } = require(path.join(here, "../pkg/vaultcred.js"));

/** The plain fetch, before any test wraps it: used for DevVault's admin calls. */
const plainFetch = globalThis.fetch;

function devServerBinary() {
  const candidates = [
    process.env.VAULTCRED_BIN,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, "debug/vaultcred"),
    path.join(root, "target/debug/vaultcred"),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`vaultcred binary not found (cargo build -p vaultcred); tried ${candidates.join(", ")}`);
  }
  return found;
}

/**
 * Reads what dev-server prints. Tolerant: each field is found by its label wherever it is, so
 * added lines or sections do not break it. Returns null until every needed field is there.
 */
export function parseDevServer(text) {
  const field = (label) => text.match(new RegExp(`^\\s*${label}:\\s*(\\S+)\\s*$`, "mi"))?.[1];
  const found = {
    addr: field("Address"),
    rootToken: field("Root token"),
    roleId: field("roleId"),
    secretId: field("secretId"),
    jwtPath: field("JWT file"),
    role: field("role") ?? "vaultcred",
  };
  const { role, ...needed } = found;
  return Object.values(needed).every(Boolean) ? found : null;
}

/**
 * Starts `vaultcred dev-server` on a free port and waits for its banner. The child is killed by
 * `stop()`, at process exit, and if the banner does not come within `timeoutMs`.
 */
export async function startDevServer({ timeoutMs = 20000, lifetimeSecs = 600 } = {}) {
  // --empty: the tests write the secrets they read (dev-server otherwise seeds sample ones).
  const args = ["dev-server", "--empty", "--addr", "127.0.0.1:0"];
  // Under coreutils' `timeout` where it exists, so the server ends even if this process is
  // killed by a signal before it can stop it. SIGTERM is relayed by `timeout` to the server.
  const bounded = existsSync("/usr/bin/timeout");
  const child = bounded
    ? spawn("/usr/bin/timeout", ["--kill-after=5", String(lifetimeSecs), devServerBinary(), ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(devServerBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(bounded ? "SIGTERM" : "SIGKILL");
  };
  // Killed with this process: at exit, and on the signals a test runner or CI sends on timeout
  // (node --test ends a file that overruns --test-timeout with SIGTERM; no exit handler runs).
  const signals = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 };
  const onSignal = (signal) => {
    kill();
    process.exit(signals[signal]);
  };
  process.once("exit", kill);
  for (const signal of Object.keys(signals)) process.once(signal, onSignal);
  let out = "";
  let err = "";
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`dev-server printed no usable banner within ${timeoutMs} ms:\n${out}${err}`));
    }, timeoutMs);
    const check = () => {
      const parsed = parseDevServer(out);
      if (parsed) {
        clearTimeout(timer);
        resolve(parsed);
      }
    };
    child.stdout.on("data", (d) => {
      out += d;
      check();
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`dev-server exited (${code ?? signal}) before its banner:\n${out}${err}`));
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  child.stdout.resume();
  const dev = {
    ...info,
    stop() {
      kill();
      process.removeListener("exit", kill);
      for (const signal of Object.keys(signals)) process.removeListener(signal, onSignal);
    },
    tokenConfig(token = info.rootToken) {
      return JSON.stringify({ addr: info.addr, mount: "secret", authMode: "token", token });
    },
    approleConfig(secretId = info.secretId) {
      return JSON.stringify({
        addr: info.addr, mount: "secret", authMode: "approle", roleId: info.roleId, secretId,
      });
    },
    kubernetesConfig() {
      return JSON.stringify({
        addr: info.addr, mount: "secret", authMode: "kubernetes", role: info.role, jwtPath: info.jwtPath,
      });
    },
    /** Writes a KV v2 secret through DevVault's HTTP API; returns its version. */
    async put(secretPath, data, mount = "secret") {
      const body = await admin(info, "POST", `/v1/${mount}/data/${secretPath}`, { data });
      return body.data.version;
    },
    /** Revokes a token through DevVault's HTTP API. */
    async revokeToken(token) {
      await admin(info, "POST", "/v1/auth/token/revoke", { token });
    },
    /** A token with only these policies (e.g. ["default"]: no read on secrets). */
    async createToken(policies) {
      const body = await admin(info, "POST", "/v1/auth/token/create", { policies, no_default_policy: false });
      return body.auth.client_token;
    },
  };
  return dev;
}

async function admin(info, method, apiPath, body) {
  const response = await plainFetch(info.addr + apiPath, {
    method,
    headers: { "X-Vault-Token": info.rootToken, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`DevVault ${method} ${apiPath}: HTTP ${response.status}`);
  return text ? JSON.parse(text) : {};
}

/** Counts the requests the package sends, by wrapping the global fetch until `restore()`. */
export function countFetches() {
  const requests = [];
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const method = init?.method ?? (typeof input === "string" ? "GET" : input.method);
    // The package passes a Request; its token header is kept for the relogin tests.
    const token = typeof input === "string" ? undefined : input.headers.get("x-vault-token");
    requests.push({ method, path: new URL(url).pathname, token });
    return original(input, init);
  };
  return {
    requests,
    restore() {
      globalThis.fetch = original;
    },
  };
}

/**
 * A local HTTP server answering every request with `handler(req, res)`; `close()` also drops
 * open connections, so a server that never answers cannot hold the test up.
 */
export async function localServer(handler) {
  const server = http.createServer(handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An address where nothing listens (a port bound, then released). */
export async function closedPort() {
  const s = await localServer(() => {});
  await s.close();
  return s.url;
}

/** Rejects after `ms`, for racing a promise that must settle sooner. */
export function within(ms, promise) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** The rejection of `promise` (fails if it resolves). */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection, got a value");
}
