// Run by canary.test.mjs in a child process, so that everything the package could print is
// captured. Exercises failures that handle a canary token, secretId and JWT, then writes the
// error messages and the number of console calls as one JSON line.
import { Client, localServer } from "./harness.mjs";

const { dev, canaries } = JSON.parse(process.env.VAULTCRED_CANARY_INPUT);
let consoleCalls = 0;
for (const method of ["log", "info", "warn", "error", "debug", "trace"]) {
  const original = console[method];
  console[method] = (...args) => {
    consoleCalls++;
    original(...args);
  };
}

const messages = [];
const attempt = async (client, org, kind = "anthropic-api-key") => {
  try {
    await client.resolve(org, kind);
    messages.push(`resolved ${org}/${kind}`);
  } catch (e) {
    messages.push(`${e.name} ${e.reason}: ${e.message}`);
  }
  const h = await client.health(org);
  messages.push(JSON.stringify(h));
};

// A server that echoes the token it receives into Vault-style errors and a redirect Location.
const echo = await localServer((req, res) => {
  const token = req.headers["x-vault-token"] ?? "";
  if (req.url.includes("redirect")) {
    res.writeHead(307, { location: `http://127.0.0.1:1/${token}` });
    res.end();
    return;
  }
  res.writeHead(500, { "content-type": "application/json" });
  res.end(JSON.stringify({ errors: [`token ${token} is broken`, `jwt ${canaries.jwt}`] }));
});

const client = new Client({
  timeoutMs: 2000,
  maxRetries: 0,
  readFile: () => canaries.jwt,
});
const base = { addr: dev.addr, mount: "secret" };
client.register("org_token", JSON.stringify({ ...base, authMode: "token", token: canaries.token }));
client.register("org_approle_bad", JSON.stringify({
  ...base, authMode: "approle", roleId: dev.roleId, secretId: canaries.secretId,
}));
client.register("org_approle", JSON.stringify({
  ...base, authMode: "approle", roleId: dev.roleId, secretId: dev.secretId,
}));
client.register("org_k8s", JSON.stringify({ ...base, authMode: "kubernetes", role: dev.role }));
client.register("org_echo", JSON.stringify({ addr: echo.url, mount: "secret", authMode: "token", token: canaries.token }));
for (const org of ["org_token", "org_approle_bad", "org_approle", "org_k8s", "org_echo"]) {
  await attempt(client, org);
}
await attempt(client, "org_approle", "no-such-kind");
await attempt(client, "org_echo", "redirect");
try {
  client.register("org_bad", JSON.stringify({ addr: "ftp://x", authMode: "approle", secretId: canaries.secretId }));
} catch (e) {
  messages.push(`${e.name}: ${e.message}`);
}
await echo.close();
process.stdout.write(`${JSON.stringify({ messages, consoleCalls })}\n`);
