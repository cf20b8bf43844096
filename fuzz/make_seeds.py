#!/usr/bin/env python3
"""Writes the hand-made seed inputs into fuzz/corpus/<target>/ (seed-*.bin).

Response seeds use the recorded Vault answers in fixtures/recorded/*.json. The input layouts are
described in fuzz/logic.rs. Run from anywhere: python3 fuzz/make_seeds.py
"""
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
RECORDED = FUZZ.parent / "fixtures" / "recorded"
SEP = b"\xff"

def write(target, name, data):
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}.bin").write_bytes(data)

# ---------------------------------------------------------------- response
def chunk(status, body, headers=None):
    headers = headers or {}
    h = 0
    if "location" in headers:
        h |= 0x80 if headers["location"].startswith("http") else 0x40
    if "retry-after" in headers:
        try:
            h |= 0x20 | min(int(headers["retry-after"]), 31)
        except ValueError:
            pass
    v = status - 100
    body = body.encode() if isinstance(body, str) else body
    return bytes([v >> 8, v & 0xFF, h]) + body

def recorded(name):
    r = json.loads((RECORDED / f"{name}.json").read_text())["response"]
    body = r["body"]
    if not isinstance(body, str):
        body = json.dumps(body)
    headers = {k.lower(): str(v) for k, v in (r.get("headers") or {}).items()}
    return chunk(r["status"], body, headers)

TOKEN, APPROLE, HEALTH, NO_RETRY = 0, 1, 2, 4
names = sorted(p.stem for p in RECORDED.glob("*.json"))
login_ok = recorded("approle_login_200")
kv_ok = recorded("kv2_read_value_200")
for name in names:
    c = recorded(name)
    if name.startswith(("approle_", "kubernetes_")):
        write("response", f"approle-{name}", bytes([APPROLE]) + c + SEP + kv_ok)
        write("response", f"approle-health-{name}", bytes([APPROLE | HEALTH]) + c)
    elif name.startswith("sys_"):
        write("response", f"token-health-{name}", bytes([HEALTH]) + c)
    else:
        write("response", f"token-{name}", bytes([TOKEN]) + c)
        write("response", f"approle-{name}", bytes([APPROLE]) + login_ok + SEP + c)
lookup_ok = chunk(200, '{"data":{"id":"x","policies":["default"],"ttl":0}}')
write("response", "token-health-lookup-200", bytes([HEALTH]) + lookup_ok)
write("response", "token-health-lookup-403", bytes([HEALTH]) + chunk(403, '{"errors":["permission denied"]}'))
# Secret echoes (@T = token, @S = secretId).
write("response", "echo-token-403", bytes([TOKEN]) + chunk(403, '{"errors":["1 error occurred:\\n\\t* bad token @T\\n\\n"]}'))
write("response", "echo-token-500-text", bytes([TOKEN | NO_RETRY]) + chunk(500, "upstream said X @T"))
write("response", "echo-token-200-errors", bytes([TOKEN]) + chunk(200, '{"errors":["@T"]}'))
write("response", "echo-secret-400", bytes([APPROLE]) + chunk(400, '{"errors":["invalid secret id @S"]}'))
write("response", "echo-secret-200-login", bytes([APPROLE]) + chunk(200, '{"errors":["@S"],"auth":null}'))
write("response", "echo-secret-404-read", bytes([APPROLE]) + login_ok + SEP + chunk(404, '{"warnings":["no @S here"]}'))
# Retries, transport errors, re-login after 403.
write("response", "token-500-500-200", bytes([TOKEN]) + recorded("internal_error_500") + SEP + recorded("internal_error_500") + SEP + kv_ok)
write("response", "token-transport-then-200", bytes([TOKEN]) + b"\x01" + SEP + kv_ok)
write("response", "approle-relogin-403", bytes([APPROLE]) + login_ok + SEP + recorded("permission_denied_403") + SEP + login_ok + SEP + kv_ok)
write("response", "approle-429-retry-after", bytes([APPROLE]) + login_ok + SEP + recorded("rate_limited_429") + SEP + kv_ok)
write("response", "token-small-cap", bytes([TOKEN | 8]) + kv_ok)

# ---------------------------------------------------------------- cli_output
# A clock byte (the start is byte << 40 ms after the epoch: 2 is 2039, 228 is 9921, 255 is past
# 10,000), then a response input. Leases and multiField answers push the printed times and
# formats to their edges.
def kv(data, lease=0):
    return chunk(200, json.dumps({"lease_duration": lease, "data": {"data": data, "metadata": {"version": 3}}}))

lookup_long = chunk(200, '{"data":{"id":"x","policies":["default"],"ttl":320000000000,"renewable":false}}')
answers = {
    "value": kv({"value": "sk-ant-api03-EXAMPLE-value"}),
    "multi": kv({"user": "svc'one", "password": "p@ss word\n'quoted'", "9lives": "x"}),
    "lease-huge": kv({"apiKey": "k" * 40}, lease=18446744073709551615),
    "lease-3e11": kv({"token": "CANARYvalue-0001"}, lease=320000000000),
    "unicode": kv({"value": "\u00e9\u202e\u0000" * 4}),
}
for clock in (2, 228, 255):
    for name, answer in answers.items():
        write("cli_output", f"{clock}-token-{name}", bytes([clock, TOKEN]) + lookup_long + SEP + answer)
        write("cli_output", f"{clock}-approle-{name}", bytes([clock, APPROLE]) + login_ok + SEP + answer)
    write("cli_output", f"{clock}-health", bytes([clock, HEALTH]) + lookup_long)
    write("cli_output", f"{clock}-echo-500", bytes([clock, TOKEN | NO_RETRY]) + chunk(500, "upstream said X @T\n2026 INFO forged"))
    write("cli_output", f"{clock}-missing", bytes([clock, TOKEN]) + lookup_long + SEP + recorded("kv2_read_missing_404"))

# ---------------------------------------------------------------- config
def cfg(name, obj):
    write("config", name, json.dumps(obj).encode())

base = {"addr": "https://vault.example.com:8200", "mount": "secret"}
cfg("token", {**base, "authMode": "token", "token": "hvs.CANARYtoken1234"})
cfg("approle", {**base, "authMode": "approle", "roleId": "my-role-id", "secretId": "CANARYsecret-id"})
cfg("kubernetes", {**base, "authMode": "kubernetes", "role": "my-app", "jwtPath": "/var/run/token"})
cfg("full", {"addr": "https://vault.example.com:8200/prefix/", "namespace": "team-a/child", "mount": "/kv/team/",
             "authMode": "approle", "roleId": "r", "secretId": "CANARYsecret-id",
             "pathTemplate": "{mount}/data/tenants/{orgId}/creds/{kind}"})
cfg("api-payload", {"providerType": "vault", "config": {**base, "authMode": "token", "token": "CANARYtoken-xyz"}})
cfg("bad-secret", {**base, "authMode": "approle", "roleId": "r", "secretId": "CANARY secret\u0001"})
cfg("bad-token", {**base, "authMode": "token", "token": "CANARY token with spaces"})
cfg("bad-everything", {"addr": "ftp://x", "mount": "", "authMode": "approle", "pathTemplate": "{mount}/{nope}/{kind}", "colour": "blue"})
cfg("bad-types", {"addr": 5, "mount": True, "authMode": "token", "token": ["CANARYtoken-x"]})
cfg("sealed", {"vaultcredSealed": 1, "token": "CANARYtoken-sealed"})
cfg("bad-payload", {"providerType": "aws", "config": {**base, "authMode": "token", "token": "CANARYtok-1234"}, "x": 1})
write("config", "truncated", b'{"addr":"https://v","token":"CANARY')
write("config", "empty", b"{}")

# ---------------------------------------------------------------- path_template
def path(name, *pieces):
    write("path_template", name, SEP.join(p.encode() for p in pieces))

path("default", "{mount}/data/{orgId}/{kind}", "secret", "org_abc123", "anthropic-api-key")
path("custom", "{mount}/data/tenants/{orgId}/creds/{kind}", "/kv/team/", "org_a", "\u00e9:x")
path("traversal-kind", "{mount}/data/{orgId}/{kind}", "secret", "org_a", "../org_b/x")
path("dot-segments", "{mount}/../{orgId}/{kind}", "a/./b", "..", "...")
path("problems", "{mount}/{secret}/{kind}/{orgId}-x", "se cret", "org 1", "k%2f")
path("org-after-kind", "{kind}/{orgId}", "secret", "o", "k")
path("mount-last", "/{orgId}/x/{kind}/{mount}/", "a~b", "o.o", "k_k")
