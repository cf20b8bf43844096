//! The help texts: about, long about and each subcommand's examples (after_help).

pub(super) const ABOUT: &str = "Resolve per-organisation credentials from HashiCorp Vault KV v2";

pub(super) const LONG_ABOUT: &str = "\
Resolve per-organisation credentials from HashiCorp Vault KV v2 (token, AppRole or Kubernetes
auth), check the connection, watch for rotations, and seal Vault configs at rest.

Connection flags (resolve, health, watch) go after the subcommand name:
  --config FILE   a Vault config as JSON: the bare config object ({\"addr\",\"mount\",\"authMode\",...}),
                  the API payload {\"providerType\":\"vault\",\"config\":{...}}, or a sealed envelope
                  made by `vaultcred seal` (the key comes from --key-file FILE or VAULTCRED_KEY;
                  with a key, a plain config is refused unless --allow-plain).
  without --config, --address (VAULT_ADDR), VAULT_TOKEN and --namespace (VAULT_NAMESPACE)
  configure token mode with mount `secret` (--mount overrides).
  The transport flags read the Vault client's variables as the `vault` CLI does (a flag wins
  over its variable): VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY,
  VAULT_SKIP_VERIFY, VAULT_TLS_SERVER_NAME, VAULT_CLIENT_TIMEOUT, VAULT_MAX_RETRIES, with or
  without --config.

Exit codes: 0 success, 1 a credential (or the health check) failed, 2 usage or config error.

Secret values are masked unless --reveal: a masked value shows its first min(4, len/4)
characters followed by `…`, so a secret shorter than 4 characters shows nothing and at most 4
characters are ever shown. Tokens, secretIds, JWTs and secret values never appear on stderr
or in an error (`open --reveal` and `dev-server` print credentials on stdout: that is their job).";

pub(super) const EXAMPLES: &str = "\
Examples:
  vaultcred demo
  vaultcred dev-server --seed seed.json
  vaultcred resolve --config cfg.json --org org_abc123 --timeout 5s --reveal anthropic-api-key jira-credentials
  vaultcred resolve --config cfg.json --org org_abc123 --field apiToken jira-credentials
  VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=hvs.xxx vaultcred health --org org_abc123
  vaultcred seal --org org_abc123 --key-file vault.key < cfg.json > cfg.sealed.json
  source <(vaultcred completions bash)";

pub(super) const RESOLVE_EXAMPLES: &str = "\
Output: one JSON object per line per KIND, in argument order:
  {\"orgId\":\"org_abc123\",\"kind\":\"anthropic-api-key\",\"value\":\"sk-a…\",\"resolvedAt\":\"2026-11-29T06:21:48.123Z\",\"refreshAt\":\"2026-11-29T07:21:48.123Z\",\"version\":3}
  {\"orgId\":\"org_abc123\",\"kind\":\"jira-credentials\",\"multiField\":{\"apiToken\":\"ATAT…\",\"email\":\"bot…\"},...}
  {\"orgId\":\"org_abc123\",\"kind\":\"linear-oauth\",\"error\":{\"reason\":\"missing\",\"message\":\"...\"}}
All KINDs share one login. Exit 0 if every KIND resolved, 1 if any failed, 2 on usage or config errors.

For scripts (values in full; a failed KIND prints an error on stderr and exits 1):
  --field NAME     just that field's value, one line per KIND (like `vault kv get -field`); a
                   single-value KIND's field is `value`
  --format env     KIND=value (single value) or KIND_FIELD=value lines, names upper-cased with
                   every other character as `_`, values single-quoted: safe for `eval`
  --format raw     the value of each single-value KIND, one per line

Examples:
  vaultcred resolve --config cfg.json --org org_abc123 --timeout 5s --reveal anthropic-api-key jira-credentials
  eval \"$(vaultcred resolve --config cfg.json --org org_abc123 --format env jira-credentials)\"
  export ANTHROPIC_API_KEY=$(vaultcred resolve --config cfg.json --org org_abc123 --field value anthropic-api-key)
  VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=hvs.xxx vaultcred resolve --org org_abc123 anthropic-api-key
  VAULTCRED_KEY=$(cat vault.key) vaultcred resolve --config cfg.sealed.json --org org_abc123 anthropic-api-key";

pub(super) const HEALTH_EXAMPLES: &str = "\
Output: {\"ok\":true,\"latencyMs\":12} (exit 0) or {\"ok\":false,\"error\":\"...\"} (exit 1).
It checks that Vault is reachable and the auth credentials are valid (a login, or a token lookup).

Examples:
  vaultcred health --config cfg.json --org org_abc123
  VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=hvs.xxx vaultcred health --org org_abc123 --timeout 5s";

pub(super) const WATCH_EXAMPLES: &str = "\
Output: one line per KIND with \"event\":\"resolved\", then, re-resolving at each refreshAt, a line
with \"event\":\"rotated\" (new value and version) whenever a KIND's value or version changed.
A failure prints the error line with \"event\":\"failed\" and the KIND is retried with backoff
(1 s, 2 s, 4 s … 30 s); its next success prints \"recovered\", or \"rotated\" if it changed.

By default it reads Vault only when a credential is due (refreshAt: 1 h after a read in token
mode, 0.8 × the token TTL otherwise). --every DURATION re-reads sooner, at most that long after
the previous read, to show a rotation early: each early read goes to Vault for every KIND, so it
adds load on Vault; keep it to minutes in production.

Examples:
  vaultcred watch --config cfg.json --org org_abc123 anthropic-api-key jira-credentials
  vaultcred watch --config cfg.json --org org_abc123 --for 60s --reveal anthropic-api-key
  vaultcred watch --config cfg.json --org org_abc123 --every 30s anthropic-api-key";

pub(super) const SEAL_EXAMPLES: &str = "\
Reads a Vault config (bare or API payload) on stdin, validates it and prints a sealed envelope
(AES-256-GCM, bound to --org, fresh random nonce). The key file holds 32 random bytes in base64,
readable by its owner only (a key file group or others can read draws a warning):
  (umask 077; openssl rand -base64 32 > vault.key)

With a key (--key-file or VAULTCRED_KEY), resolve, health and watch refuse a plain --config
(exit 2) unless --allow-plain: a key means the config is expected sealed.

Examples:
  vaultcred seal --org org_abc123 --key-file vault.key < cfg.json > cfg.sealed.json
  vaultcred resolve --config cfg.sealed.json --key-file vault.key --org org_abc123 anthropic-api-key";

pub(super) const OPEN_EXAMPLES: &str = "\
Reads a sealed envelope on stdin and prints the config it holds (token, secretId and roleId
shown as \"[redacted]\" unless --reveal). A wrong org or key is refused (exit 2).

Examples:
  vaultcred open --org org_abc123 --key-file vault.key < cfg.sealed.json
  vaultcred open --org org_abc123 --key-file vault.key --reveal < cfg.sealed.json > cfg.json";

#[cfg(feature = "dev")]
pub(super) const DEV_SERVER_EXAMPLES: &str = "\
Runs DevVault, an embedded Vault-compatible server, in the foreground (like `vault server -dev`).
It prints its address, the root token, ready-to-use AppRole and Kubernetes credentials (and
config files for them) and runs until Ctrl-C. Nothing is persisted.

Seed file: mount → secret path → data, e.g.
  {\"secret\": {\"org_abc123/anthropic-api-key\": {\"value\": \"sk-ant-...\"},
              \"org_abc123/jira-credentials\": {\"site\": \"myorg.atlassian.net\", \"apiToken\": \"...\"}}}

It starts with the sample secrets of `vaultcred demo` for org_abc123 (anthropic-api-key,
jira-credentials) unless --empty. `vaultcred dev-server put` writes more to a running one, and so
does editing the --seed file (checked every 0.5 s; each changed secret becomes a new version). The
temporary directory holding the config files and the JWT is removed when it stops (Ctrl-C,
SIGTERM or SIGHUP).

Examples:
  vaultcred dev-server
  vaultcred dev-server --addr 127.0.0.1:8300 --seed seed.json
  vaultcred dev-server --token-ttl 10s --secret-id-uses 10
  vaultcred dev-server put secret/org_abc123/anthropic-api-key value=sk-ant-new";

#[cfg(feature = "dev")]
pub(super) const PUT_EXAMPLES: &str = "\
Writes a new version of a KV v2 secret through Vault's HTTP API (POST /v1/MOUNT/data/PATH), to
the server at --addr (default: VAULT_ADDR) with --token (default: VAULT_TOKEN): the exports
`vaultcred dev-server` prints. Prints {\"path\":...,\"version\":N}.

Examples:
  vaultcred dev-server put secret/org_abc123/anthropic-api-key value=sk-ant-new
  vaultcred dev-server put secret/org_abc123/jira-credentials site=myorg.atlassian.net email=bot@example.com apiToken=ATAT-new";

pub(super) const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  source <(vaultcred completions bash)       # bash, e.g. in ~/.bashrc
  vaultcred completions zsh > ~/.zfunc/_vaultcred      # zsh, with fpath+=(~/.zfunc) before compinit
  vaultcred completions fish > ~/.config/fish/completions/vaultcred.fish";

#[cfg(feature = "dev")]
pub(super) const DEMO_EXAMPLES: &str = "\
Starts DevVault in-process, stores example secrets for org_abc123, resolves them with token,
AppRole and Kubernetes auth, runs a health check, rotates a secret and shows the rotation event.
Needs nothing else and finishes in a few seconds.

Example:
  vaultcred demo";

#[cfg(feature = "server")]
pub(super) const SERVE_EXAMPLES: &str = "\
Examples:
  vaultcred serve --dev
  vaultcred serve --db sqlite:vaultcred.db --key-file platform.key --listen 127.0.0.1:8080

The platform key: `openssl rand -base64 32 > platform.key && chmod 600 platform.key`. The org of
every request comes from its API key (`vaultcred keys create`). Org admins can also use the
Settings page at http://HOST:PORT/settings/security/credential-backend (`/` redirects there),
signing in with an admin key. Logs go to stderr (info by default; -v debug). SIGINT or SIGTERM
drains the requests in flight, then exits.";

#[cfg(feature = "server")]
pub(super) const KEYS_EXAMPLES: &str = "\
Examples:
  vaultcred keys create --db sqlite:vaultcred.db --org org_abc123 --scope admin --name settings
  vaultcred keys create --db sqlite:vaultcred.db --org org_abc123 --scope dispatch
  vaultcred keys list --db sqlite:vaultcred.db --org org_abc123
  vaultcred keys revoke --db sqlite:vaultcred.db 3f9a0c1b22de";

#[cfg(feature = "server")]
pub(super) const REKEY_EXAMPLES: &str = "\
Examples:
  vaultcred rekey --db sqlite:vaultcred.db --key-file platform.key --new-key-file new.key

Run the service with both keys meanwhile (--key-file new.key --old-key-file platform.key), then
with the new one only. A new key: `openssl rand -base64 32 > new.key && chmod 600 new.key`.";
