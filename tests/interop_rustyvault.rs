//! # Interop with RustyVault
//!
//! DevVault is our own server, so a client tested only against it can share its misreadings.
//! These tests run vaultcred — the blocking `vaultcred-ureq` client, the async `vaultcred-hyper`
//! client and the `vaultcred` CLI — against [RustyVault] (`rvault`, `rusty_vault` 0.2.1), an
//! independent Vault-API-compatible server written in Rust.
//!
//! Each test starts its own `rvault server` on loopback (a free port found by binding port 0),
//! with file storage in a temp dir and `tls_disable = true`, initialises it with one key share
//! (`PUT /v1/sys/init`), unseals it (`PUT /v1/sys/unseal`), enables AppRole
//! (`POST /v1/sys/auth/approle`), creates roles with short token TTLs and writes the secrets it
//! needs. A guard kills the server when the test ends, passed or failed.
//!
//! Every test is `#[ignore]`d with its reason, so `cargo test --workspace` on a machine without
//! `rvault` reports them as ignored, never as passed. `.ci/run` installs RustyVault and runs them
//! with `cargo test -p vaultcred-tests --test interop_rustyvault -- --include-ignored`; a test
//! run that way without `rvault` on `PATH` fails.
//! The CLI is `target/<profile>/vaultcred` next to this test's executable (built by
//! `cargo test --workspace`); when missing, the tests run `cargo build -p vaultcred` once.
//!
//! ## How RustyVault 0.2.1 differs from Vault
//!
//! Each difference was checked with curl against a running `rvault`, and is asserted again by
//! [`rustyvault_differences_from_vault_hold`], so this list fails loudly when RustyVault changes.
//! References are to the fixtures in `/work/shared/vault-api/`.
//!
//! 1. **No KV v2 engine.** The `secret/` mount is KV v1 (a passthrough store), and
//!    `options.version = "2"` is ignored when mounting (`type = "kv-v2"` answers 500 `Core logical
//!    backend does not exist.`). Vault's KV v2 keeps versions and answers reads in the envelope
//!    `{"data":{"data":{...},"metadata":{...,"version":N}}}` (01_kv2_read_200.txt). Workaround:
//!    the suite writes KV-v2-shaped documents `{"data":{...},"metadata":{"version":N}}` at
//!    `secret/data/{orgId}/{kind}`; as `data/` is an ordinary key on a v1 mount, they read back
//!    in the v2 envelope (07_kv1_read_and_data_path.txt).
//! 2. **KV reads carry a one-hour lease.** Vault answers KV v2 reads with `lease_duration: 0`
//!    (01_kv2_read_200.txt) and KV v1 reads with the mount's default TTL, 2764800 s, or the secret's
//!    `ttl` key (07_kv1_read_and_data_path.txt); RustyVault answers `lease_duration: 3600` unless
//!    the document has a `ttl` key (`"ttl":"0s"` gives 0, with `"renewable": true`). So a
//!    token-mode credential refreshes after 0.8 × 3600 s = 48 min, by the KV-lease rule, not after
//!    the token-mode hour; the tests assert both (the second with a `"ttl":"0s"` document).
//! 3. **Error bodies are `{"error":"..."}`.** Vault answers `{"errors":[...]}`
//!    (18_error_catalog.txt); RustyVault answers e.g. 403 `{"error":"Permission denied."}` for an
//!    unknown token, where Vault says `{"errors":["permission denied"]}`.
//! 4. **A missing secret is a 404 with an empty body** (no `Content-Type`); Vault answers 404
//!    `{"errors":[]}` (03_kv2_read_missing_404.txt).
//! 5. **AppRole login errors differ in wording.** A bad secret ID is 400
//!    `{"error":"invalid secret id"}` and a bad role ID 400 `{"error":"invalid role_id"}`; current
//!    Vault answers 400 `{"errors":["invalid role or secret ID"]}` to both
//!    (09_approle_login_errors.txt; Vault before ~1.13 said `invalid secret id`).
//! 6. **Sealed is 503 `{"error":"RustyVault is sealed."}`**; Vault answers 503
//!    `{"errors":["Vault is sealed"]}` (18_error_catalog.txt). vaultcred recognises a sealed
//!    server by the substring `Vault is sealed`, which RustyVault's text happens to contain.
//! 7. **No `auth/token/renew-self`**: 500 `{"error":"Logical backend path not supported."}`,
//!    where Vault renews the token (14_token_renew_self.txt). vaultcred retries the renewal as a
//!    server error, then stops renewing that token and logs in again.
//! 8. **No response wrapping**: `X-Vault-Wrap-TTL` is ignored and the plain answer comes back;
//!    Vault answers with only `wrap_info` (15_wrapped_response_200.txt), and
//!    `sys/wrapping/unwrap` is 404 with an empty body (16_unwrap_200.txt).
//! 9. **No Kubernetes auth**: `POST /v1/sys/auth/kubernetes` answers 500 `Core logical backend
//!    does not exist.`, and a login on the unmounted `auth/kubernetes/login` answers 400
//!    `{"error":"Request client token is missing."}`; Vault has the method
//!    (10_kubernetes_login_200.txt) and answers a login on a missing mount with 403
//!    `{"errors":["permission denied"]}` (09_approle_login_errors.txt, case 7). Kubernetes mode
//!    is therefore not tested here.
//! 10. **No policies**: `sys/policy/*` and `sys/policies/acl/*` are 404 with an empty body and an
//!     AppRole token may read and write any path (here it lists `sys/mounts`), so an ACL denial
//!     (403 `1 error occurred: permission denied`, 18_error_catalog.txt) cannot be produced;
//!     `permission_denied` is tested with an unknown token only.
//! 11. **No `sys/health`**: 404 with an empty body; Vault answers 200 with a status document
//!     (21_sys_health.txt). vaultcred's health check does not use it. It also has no
//!     `sys/internal/ui/mounts` and no `sys/capabilities-self` (404): vaultcred's health check
//!     skips those checks and reads a probe kind instead (checks `auth`, `probe_read`).
//! 14. **Errors say `Permission denied.`** (capitalised, with a period) for an unknown token;
//!     vaultcred reads that as Vault's plain `permission denied` (a refused token, `auth_failed`),
//!     not as an ACL denial (which RustyVault cannot produce, difference 10).
//! 12. **The AppRole login sets a cookie holding the client token**
//!     (`set-cookie: token=<client_token>; Path=/; Expires=<in a year>`); Vault sets no cookie.
//!     The tests check that no vaultcred client ever sends a `Cookie` header back.
//! 13. **Leaner envelopes**: no `request_id`, `wrap_info`, `warnings` or `mount_type`; the login's
//!     `auth` block has no `accessor`, `token_policies`, `token_type`…; tokens are UUIDs, not
//!     `hvs.` tokens (08_approle_login_200.txt). `auth.lease_duration` is the role's `token_ttl`,
//!     as in Vault, and the token really stops working (403) once it has expired.
//!
//! No mismatch was found where vaultcred misreads what Vault sends: every difference above is
//! RustyVault's, and vaultcred handles each of them.
//!
//! [RustyVault]: https://github.com/Tongsuo-Project/RustyVault
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use vaultcred_core::{Credential, CredentialNotFound, HealthReport, RetryPolicy, SecretValue};

// ------------------------------------------------------------------------------------------
// Finding rvault
// ------------------------------------------------------------------------------------------

/// The `rvault` executable on `PATH`, if any.
fn rvault_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(format!("rvault{}", std::env::consts::EXE_SUFFIX)))
        .find(|candidate| candidate.is_file())
}

/// Fails the test when `rvault` is not on `PATH`: the tests are `#[ignore]`d, so they run only
/// when asked for (`--include-ignored`, as `.ci/run` does after installing RustyVault), and a
/// test that was asked for must not pass without running.
fn require_rvault(test: &str) {
    assert!(
        rvault_on_path().is_some(),
        "{test}: `rvault` (RustyVault) is not on PATH; install it with \
         `cargo install rusty_vault --version 0.2.1 --locked` (as .ci/run does)"
    );
}

// ------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client for setup and for checking RustyVault's raw answers
// ------------------------------------------------------------------------------------------

/// A raw HTTP answer.
#[derive(Debug)]
struct Raw {
    status: u16,
    /// Header names lower-cased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One request on a fresh connection (`Connection: close`).
fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Raw> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || method != "GET" {
        request.push_str("Content-Type: application/json\r\n");
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;

    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    loop {
        let n = stream.read(&mut chunk)?;
        if n > 0 {
            buf.extend_from_slice(&chunk[..n]);
        }
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let status = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|s| s.parse::<u16>().ok())
                .ok_or_else(|| bad("no status line"))?;
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok());
            let complete = match length {
                Some(len) => buf.len() >= end + 4 + len,
                None => n == 0,
            };
            if complete {
                let body_end = length.map_or(buf.len(), |len| end + 4 + len);
                let body = String::from_utf8_lossy(&buf[end + 4..body_end]).into_owned();
                return Ok(Raw {
                    status,
                    headers,
                    body,
                });
            }
        }
        if n == 0 {
            return Err(bad("connection closed before a complete answer"));
        }
    }
}

// ------------------------------------------------------------------------------------------
// The RustyVault server guard
// ------------------------------------------------------------------------------------------

/// A running `rvault server`, killed (and its temp dir removed) on drop.
struct RustyVault {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
    unseal_key: Option<String>,
    root_token: Option<String>,
}

impl Drop for RustyVault {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}

/// A new empty directory under the system temp dir.
fn scratch_dir(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "vaultcred-{what}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

impl RustyVault {
    /// Starts `rvault server` (uninitialised and sealed) and waits until it answers.
    fn start() -> RustyVault {
        let rvault = rvault_on_path().expect("rvault on PATH");
        let mut last_error = String::new();
        // The port found free may be taken before rvault binds it: try a few.
        for _ in 0..3 {
            let dir = scratch_dir("rvault");
            let data = dir.join("data");
            std::fs::create_dir_all(&data).expect("create data dir");
            let port = free_port();
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
            let config = format!(
                "storage \"file\" {{\n  path = \"{}\"\n}}\n\nlistener \"tcp\" {{\n  address = \"{addr}\"\n  tls_disable = true\n}}\n\napi_addr = \"http://{addr}\"\n",
                data.display()
            );
            let config_path = dir.join("config.hcl");
            std::fs::write(&config_path, config).expect("write config.hcl");
            let log = std::fs::File::create(dir.join("rvault.log")).expect("create log");
            let child = Command::new(&rvault)
                .arg("server")
                .arg("--config")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log"))
                .stderr(log)
                .spawn()
                .expect("spawn rvault server");
            let mut server = RustyVault {
                child,
                addr,
                dir,
                unseal_key: None,
                root_token: None,
            };
            match server.wait_ready(Duration::from_secs(10)) {
                Ok(()) => return server,
                Err(e) => last_error = format!("{e}\nrvault log:\n{}", server.log()),
            }
        }
        panic!("rvault server did not start: {last_error}");
    }

    /// Started, initialised, unsealed, with AppRole enabled.
    fn start_unsealed() -> RustyVault {
        let mut server = RustyVault::start();
        server.init();
        server.unseal();
        server.enable_approle();
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("rvault.log")).unwrap_or_default()
    }

    /// Polls `GET /v1/sys/init` until it answers 200, with a deadline.
    fn wait_ready(&mut self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("rvault exited early ({status})"));
            }
            match raw_request(self.addr, "GET", "/v1/sys/init", &[], None) {
                Ok(r) if r.status == 200 => return Ok(()),
                Ok(r) => return Err(format!("GET /v1/sys/init answered {r:?}")),
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(25))
                }
                Err(e) => return Err(format!("not ready within {within:?}: {e}")),
            }
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn root_token(&self) -> &str {
        self.root_token.as_deref().expect("initialised")
    }

    /// A request to `/v1/{path}`, with the root token once initialised.
    fn api(&self, method: &str, path: &str, body: Option<Value>) -> Raw {
        let body = body.map(|b| b.to_string());
        let token;
        let mut headers = Vec::new();
        if let Some(t) = &self.root_token {
            token = t.clone();
            headers.push(("X-Vault-Token", token.as_str()));
        }
        raw_request(
            self.addr,
            method,
            &format!("/v1/{path}"),
            &headers,
            body.as_deref(),
        )
        .unwrap_or_else(|e| panic!("{method} /v1/{path}: {e}\nrvault log:\n{}", self.log()))
    }

    /// [`Self::api`], asserting the status.
    fn api_ok(&self, method: &str, path: &str, body: Option<Value>, status: u16) -> Raw {
        let r = self.api(method, path, body);
        assert_eq!(r.status, status, "{method} /v1/{path}: {r:?}");
        r
    }

    fn init(&mut self) {
        let r = self.api_ok(
            "PUT",
            "sys/init",
            Some(json!({"secret_shares": 1, "secret_threshold": 1})),
            200,
        );
        let v = r.json();
        self.unseal_key = Some(v["keys"][0].as_str().expect("keys[0]").to_owned());
        self.root_token = Some(v["root_token"].as_str().expect("root_token").to_owned());
    }

    fn unseal(&self) {
        let key = self.unseal_key.clone().expect("initialised");
        let r = self.api_ok("PUT", "sys/unseal", Some(json!({ "key": key })), 200);
        assert_eq!(r.json()["sealed"], json!(false), "{r:?}");
    }

    fn enable_approle(&self) {
        self.api_ok(
            "POST",
            "sys/auth/approle",
            Some(json!({"type": "approle"})),
            204,
        );
    }

    /// Creates an AppRole role with `token_ttl` seconds; returns (role_id, secret_id).
    fn create_role(&self, name: &str, token_ttl_secs: u64) -> (String, String) {
        self.api_ok(
            "POST",
            &format!("auth/approle/role/{name}"),
            Some(json!({
                "token_ttl": format!("{token_ttl_secs}s"),
                "token_max_ttl": format!("{}s", token_ttl_secs * 4),
            })),
            204,
        );
        let role = self.api_ok(
            "GET",
            &format!("auth/approle/role/{name}/role-id"),
            None,
            200,
        );
        let secret = self.api_ok(
            "POST",
            &format!("auth/approle/role/{name}/secret-id"),
            None,
            200,
        );
        (
            role.json()["data"]["role_id"]
                .as_str()
                .expect("role_id")
                .to_owned(),
            secret.json()["data"]["secret_id"]
                .as_str()
                .expect("secret_id")
                .to_owned(),
        )
    }

    /// The role's `token_ttl` as RustyVault reports it, in seconds.
    fn role_token_ttl(&self, name: &str) -> u64 {
        let r = self.api_ok("GET", &format!("auth/approle/role/{name}"), None, 200);
        r.json()["data"]["token_ttl"].as_u64().expect("token_ttl")
    }

    /// Writes a KV-v2-shaped document at `secret/data/{org}/{kind}` (the mount is KV v1: see
    /// difference 1), optionally with a `ttl` key (difference 2).
    fn put_secret(&self, org: &str, kind: &str, data: Value, version: u64, ttl: Option<&str>) {
        let mut doc = json!({"data": data, "metadata": {"version": version}});
        if let Some(ttl) = ttl {
            doc["ttl"] = ttl.into();
        }
        self.api_ok("POST", &format!("secret/data/{org}/{kind}"), Some(doc), 204);
    }

    /// Writes `value` as a vaultcred config file in the server's temp dir.
    fn config_file(&self, config: &Value) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = self.dir.join(format!(
            "vaultcred-config-{}.json",
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, config.to_string()).expect("write config file");
        path
    }
}

// ------------------------------------------------------------------------------------------
// A counting TCP proxy (RustyVault has no request log)
// ------------------------------------------------------------------------------------------

#[derive(Default)]
struct ProxyStats {
    /// Request lines seen (`... HTTP/1.1`).
    requests: AtomicUsize,
    /// Request lines `POST /v1/auth/approle/login`.
    logins: AtomicUsize,
    /// `Cookie:` request headers.
    cookies: AtomicUsize,
}

/// Forwards loopback connections to `upstream`, counting requests in the client's bytes.
struct CountingProxy {
    addr: SocketAddr,
    stats: Arc<ProxyStats>,
    stop: Arc<AtomicBool>,
}

impl CountingProxy {
    fn start(upstream: SocketAddr) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let stats = Arc::new(ProxyStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (stats2, stop2) = (Arc::clone(&stats), Arc::clone(&stop));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let stats = Arc::clone(&stats2);
                let (Ok(client_reader), Ok(server_writer)) =
                    (client.try_clone(), server.try_clone())
                else {
                    continue;
                };
                std::thread::spawn(move || pump_counting(client_reader, server_writer, &stats));
                std::thread::spawn(move || {
                    let (mut from, mut to) = (server, client);
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Write);
                });
            }
        });
        CountingProxy { addr, stats, stop }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.stats.requests.load(Ordering::SeqCst)
    }

    fn logins(&self) -> usize {
        self.stats.logins.load(Ordering::SeqCst)
    }

    fn cookies(&self) -> usize {
        self.stats.cookies.load(Ordering::SeqCst)
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

/// Copies client bytes upstream, counting request lines and `Cookie` headers line by line.
///
/// A request body (JSON, no newline) runs into the next request line, so request lines are
/// recognised by their end (`<METHOD> <path> HTTP/1.1`).
fn pump_counting(mut from: TcpStream, mut to: TcpStream, stats: &ProxyStats) {
    let mut line = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &byte in &chunk[..n] {
            if byte != b'\n' {
                line.push(byte);
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches('\r');
            if text.ends_with(" HTTP/1.1") || text.ends_with(" HTTP/1.0") {
                stats.requests.fetch_add(1, Ordering::SeqCst);
                if text.ends_with("POST /v1/auth/approle/login HTTP/1.1") {
                    stats.logins.fetch_add(1, Ordering::SeqCst);
                }
            } else if text.to_ascii_lowercase().starts_with("cookie:") {
                stats.cookies.fetch_add(1, Ordering::SeqCst);
            }
            line.clear();
        }
        if to.write_all(&chunk[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

// ------------------------------------------------------------------------------------------
// The three ways in: ureq, hyper, CLI
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    Ureq,
    Hyper,
    Cli,
}

const ALL: [Via; 3] = [Via::Ureq, Via::Hyper, Via::Cli];

/// A resolved credential, the same from every adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Got {
    value: Option<String>,
    fields: BTreeMap<String, String>,
    resolved_at_ms: u64,
    refresh_at_ms: u64,
    version: Option<u64>,
}

/// A failed resolve: the reason's wire name and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failed {
    reason: String,
    message: String,
}

type Line = Result<Got, Failed>;

fn got(c: &Credential) -> Got {
    let (value, fields) = match c.value() {
        SecretValue::Value(v) => (Some(v.expose().to_owned()), BTreeMap::new()),
        SecretValue::MultiField(f) => (
            None,
            f.iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                .collect(),
        ),
    };
    Got {
        value,
        fields,
        resolved_at_ms: c.resolved_at_ms(),
        refresh_at_ms: c.refresh_at_ms(),
        version: c.version(),
    }
}

fn failed(e: &CredentialNotFound) -> Failed {
    Failed {
        reason: e.reason.as_str().to_owned(),
        message: e.message.clone(),
    }
}

fn line_of(r: Result<Arc<Credential>, CredentialNotFound>) -> Line {
    r.as_deref().map(got).map_err(failed)
}

/// (ok, the error text as `vaultcred health` prints it).
fn health_of(r: &HealthReport) -> (bool, Option<String>) {
    let error = r.to_json()["error"].as_str().map(str::to_owned);
    (r.ok, error)
}

/// Short waits: nothing here should need a retry, and a wrong retry must not stall the suite.
fn retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 1,
        base: Duration::from_millis(50),
        cap: Duration::from_millis(200),
        retry_after_cap: Duration::from_millis(200),
        deadline: Duration::from_secs(15),
    }
}

fn ureq_client() -> vaultcred_ureq::Client {
    vaultcred_ureq::Client::builder()
        .timeout(Duration::from_secs(5))
        .retry(retry())
        .build()
        .expect("ureq client")
}

fn hyper_client() -> vaultcred_hyper::Client {
    vaultcred_hyper::Client::builder()
        .timeout(Duration::from_secs(5))
        .retry(retry())
        .build()
        .expect("hyper client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn vault_config(config: &Value) -> vaultcred_core::VaultConfig {
    vaultcred_core::VaultConfig::from_value(config).expect("valid config")
}

/// Resolves `kinds` in order through one fresh client (one login at most), or one CLI run.
fn resolve(via: Via, rv: &RustyVault, config: &Value, org: &str, kinds: &[&str]) -> Vec<Line> {
    match via {
        Via::Ureq => {
            let client = ureq_client();
            client
                .register(org, vault_config(config))
                .expect("register");
            kinds
                .iter()
                .map(|k| line_of(client.resolve(org, k)))
                .collect()
        }
        Via::Hyper => runtime().block_on(async {
            let client = hyper_client();
            client
                .register(org, vault_config(config))
                .expect("register");
            let mut lines = Vec::new();
            for k in kinds {
                lines.push(line_of(client.resolve(org, k).await));
            }
            lines
        }),
        Via::Cli => cli_resolve(rv, config, org, kinds),
    }
}

/// A health check through a fresh client, or `vaultcred health`.
fn health(via: Via, rv: &RustyVault, config: &Value, org: &str) -> (bool, Option<String>) {
    match via {
        Via::Ureq => {
            let client = ureq_client();
            client
                .register(org, vault_config(config))
                .expect("register");
            health_of(&client.health(org))
        }
        Via::Hyper => runtime().block_on(async {
            let client = hyper_client();
            client
                .register(org, vault_config(config))
                .expect("register");
            health_of(&client.health(org).await)
        }),
        Via::Cli => {
            let file = rv.config_file(config);
            let out = cli(&[
                "health",
                "--config",
                path_str(&file),
                "--org",
                org,
                "--timeout",
                "5",
            ]);
            let lines = json_lines(&out.stdout);
            assert_eq!(lines.len(), 1, "one health line: {out:?}");
            let ok = lines[0]["ok"].as_bool().expect("ok");
            assert_eq!(out.code, if ok { 0 } else { 1 }, "exit code: {out:?}");
            if ok {
                assert!(lines[0]["latencyMs"].is_u64(), "{out:?}");
            }
            (ok, lines[0]["error"].as_str().map(str::to_owned))
        }
    }
}

// ------------------------------------------------------------------------------------------
// The CLI
// ------------------------------------------------------------------------------------------

/// `target/<profile>/vaultcred`, next to this test's executable; built once if missing.
fn cli_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("current exe");
        // target/<profile>/deps/interop_rustyvault-<hash> → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps");
        let bin = profile_dir.join(format!("vaultcred{}", std::env::consts::EXE_SUFFIX));
        if !bin.is_file() {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
            let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => "dev".to_owned(),
                Some(name) => name.to_owned(),
            };
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            eprintln!(
                "{} is missing; running `cargo build -p vaultcred --profile {profile}`",
                bin.display()
            );
            let status = Command::new(cargo)
                .args(["build", "-p", "vaultcred", "--profile", &profile])
                .arg("--manifest-path")
                .arg(&manifest)
                .arg("--target-dir")
                .arg(profile_dir.parent().expect("target dir"))
                .status()
                .expect("run cargo build -p vaultcred");
            assert!(
                status.success(),
                "cargo build -p vaultcred failed: {status}"
            );
            assert!(
                bin.is_file(),
                "cargo build -p vaultcred did not produce {}",
                bin.display()
            );
        }
        bin
    })
}

#[derive(Debug)]
struct CliOut {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cli(args: &[&str]) -> CliOut {
    let out = Command::new(cli_binary())
        .args(args)
        .env_remove("VAULTCRED_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run vaultcred");
    let out = CliOut {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    // Exit 0/1 report on stdout only (stderr is for usage/config errors, exit 2, and -v logs).
    assert!(
        matches!(out.code, 0 | 1) && out.stderr.is_empty(),
        "vaultcred {args:?}: {out:?}"
    );
    out
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// `vaultcred resolve --config FILE --org ORG --reveal KIND...`, checking the line shapes and
/// the exit code.
fn cli_resolve(rv: &RustyVault, config: &Value, org: &str, kinds: &[&str]) -> Vec<Line> {
    let file = rv.config_file(config);
    let mut args = vec![
        "resolve",
        "--config",
        path_str(&file),
        "--org",
        org,
        "--timeout",
        "5",
        "--reveal",
    ];
    args.extend_from_slice(kinds);
    let out = cli(&args);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), kinds.len(), "one line per kind: {out:?}");
    let parsed: Vec<Line> = lines
        .iter()
        .zip(kinds)
        .map(|(line, kind)| {
            assert_eq!(line["orgId"], json!(org), "{line}");
            assert_eq!(line["kind"], json!(kind), "{line}");
            if let Some(error) = line.get("error") {
                return Err(Failed {
                    reason: error["reason"].as_str().expect("reason").to_owned(),
                    message: error["message"].as_str().expect("message").to_owned(),
                });
            }
            let fields = line
                .get("multiField")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().expect("field").to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Got {
                value: line
                    .get("value")
                    .map(|v| v.as_str().expect("value").to_owned()),
                fields,
                resolved_at_ms: rfc3339_ms(line["resolvedAt"].as_str().expect("resolvedAt")),
                refresh_at_ms: rfc3339_ms(line["refreshAt"].as_str().expect("refreshAt")),
                version: line.get("version").map(|v| v.as_u64().expect("version")),
            })
        })
        .collect();
    let expected = if parsed.iter().all(Result::is_ok) {
        0
    } else {
        1
    };
    assert_eq!(out.code, expected, "exit code: {out:?}");
    parsed
}

fn bad_timestamp(text: &str) -> ! {
    panic!("not an RFC 3339 UTC timestamp with milliseconds: {text:?}")
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.mmmZ` (what the CLI prints).
fn rfc3339_ms(text: &str) -> u64 {
    if text.len() != 24 || !text.ends_with('Z') {
        bad_timestamp(text);
    }
    let num = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| bad_timestamp(text))
    };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (hh, mm, ss, ms) = (num(11..13), num(14..16), num(17..19), num(20..23));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from((((days * 24 + hh) * 60 + mm) * 60 + ss) * 1000 + ms)
        .unwrap_or_else(|_| bad_timestamp(text))
}

fn now_ms() -> u64 {
    vaultcred_core::refresh::to_ms(SystemTime::now())
}

fn ok(via: Via, line: &Line) -> &Got {
    match line {
        Ok(got) => got,
        Err(e) => panic!("{via:?}: expected a credential, got {e:?}"),
    }
}

fn err(via: Via, line: &Line) -> &Failed {
    match line {
        Err(e) => e,
        Ok(got) => panic!("{via:?}: expected a failure, got {got:?}"),
    }
}

// ------------------------------------------------------------------------------------------
// Configs
// ------------------------------------------------------------------------------------------

fn token_config(addr: &str, token: &str) -> Value {
    json!({"addr": addr, "mount": "secret", "authMode": "token", "token": token})
}

fn approle_config(addr: &str, role_id: &str, secret_id: &str) -> Value {
    json!({
        "addr": addr, "mount": "secret", "authMode": "approle",
        "roleId": role_id, "secretId": secret_id,
    })
}

// ------------------------------------------------------------------------------------------
// Scenarios
// ------------------------------------------------------------------------------------------

/// Token mode: a single-value and a multi-field secret, their versions, and refreshAt by the
/// KV-lease rule (RustyVault's default 3600 s lease) and by the token-mode hour (lease 0).
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn token_mode_reads() {
    require_rvault("token_mode_reads");
    let rv = RustyVault::start_unsealed();
    rv.put_secret(
        "org_tok",
        "anthropic-api-key",
        json!({"value": "sk-ant-rv-0001"}),
        3,
        None,
    );
    rv.put_secret(
        "org_tok",
        "jira-credentials",
        json!({"site": "acme.atlassian.net", "apiToken": "ATATT-rv"}),
        1,
        Some("0s"),
    );
    let config = token_config(&rv.url(), rv.root_token());
    for via in ALL {
        let lines = resolve(
            via,
            &rv,
            &config,
            "org_tok",
            &["anthropic-api-key", "jira-credentials"],
        );
        let key = ok(via, &lines[0]);
        assert_eq!(key.value.as_deref(), Some("sk-ant-rv-0001"), "{via:?}");
        assert_eq!(key.version, Some(3), "{via:?}");
        assert_eq!(
            key.refresh_at_ms - key.resolved_at_ms,
            2_880_000,
            "{via:?}: 0.8 × RustyVault's 3600 s KV lease (difference 2)"
        );
        let jira = ok(via, &lines[1]);
        assert_eq!(jira.value, None, "{via:?}");
        assert_eq!(
            jira.fields,
            BTreeMap::from([
                ("apiToken".to_owned(), "ATATT-rv".to_owned()),
                ("site".to_owned(), "acme.atlassian.net".to_owned()),
            ]),
            "{via:?}"
        );
        assert_eq!(jira.version, Some(1), "{via:?}");
        assert_eq!(
            jira.refresh_at_ms - jira.resolved_at_ms,
            3_600_000,
            "{via:?}: token mode, KV lease 0: one hour"
        );
    }
}

/// AppRole: a real login, then the read; refreshAt is loginTime + 0.8 × the login's
/// lease_duration, which RustyVault sets to the role's token_ttl.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn approle_login_and_read() {
    require_rvault("approle_login_and_read");
    let rv = RustyVault::start_unsealed();
    let (role_id, secret_id) = rv.create_role("svc", 30);
    let ttl = rv.role_token_ttl("svc");
    assert_eq!(ttl, 30, "RustyVault kept the role's token_ttl");
    rv.put_secret(
        "org_app",
        "linear-oauth",
        json!({"accessToken": "lin-oauth-rv"}),
        7,
        None,
    );
    let config = approle_config(&rv.url(), &role_id, &secret_id);
    let expected = ttl * 800; // 0.8 × ttl, in ms
    for via in ALL {
        let before = now_ms();
        let lines = resolve(via, &rv, &config, "org_app", &["linear-oauth"]);
        let after = now_ms();
        let cred = ok(via, &lines[0]);
        assert_eq!(cred.value.as_deref(), Some("lin-oauth-rv"), "{via:?}");
        assert_eq!(cred.version, Some(7), "{via:?}");
        // The login happened between `before` and `after` (±1 ms for the CLI's rounding).
        assert!(
            cred.refresh_at_ms + 1 >= before + expected
                && cred.refresh_at_ms <= after + expected + 1,
            "{via:?}: refreshAt {} is not loginTime + 0.8 × {ttl} s (login in [{before}, {after}])",
            cred.refresh_at_ms
        );
    }
}

/// A wrong secretId: RustyVault's 400 `{"error":"invalid secret id"}` is `auth_failed`, and the
/// secretId is not echoed.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn approle_bad_secret_id_is_auth_failed() {
    require_rvault("approle_bad_secret_id_is_auth_failed");
    let rv = RustyVault::start_unsealed();
    let (role_id, _) = rv.create_role("svc", 30);
    rv.put_secret("org_app", "k", json!({"value": "v"}), 1, None);
    let wrong = "00000000-dead-beef-0000-badbadbadbad";
    let config = approle_config(&rv.url(), &role_id, wrong);
    for via in ALL {
        let lines = resolve(via, &rv, &config, "org_app", &["k"]);
        let e = err(via, &lines[0]);
        assert_eq!(e.reason, "auth_failed", "{via:?}: {e:?}");
        assert!(
            e.message.contains("invalid secret id"),
            "{via:?}: RustyVault's {{\"error\":...}} text is read: {e:?}"
        );
        assert!(
            !e.message.contains(wrong),
            "{via:?}: secretId leaked: {e:?}"
        );
        assert!(
            !e.message.contains(&role_id),
            "{via:?}: roleId leaked: {e:?}"
        );
    }
}

/// An unknown token in token mode: RustyVault's 403 `{"error":"Permission denied."}` is a refused
/// token, `auth_failed` (difference 14), for resolve and health alike.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn bogus_token_is_auth_failed() {
    require_rvault("bogus_token_is_auth_failed");
    let rv = RustyVault::start_unsealed();
    rv.put_secret("org_tok", "k", json!({"value": "v"}), 1, None);
    let bogus = "3b0c2f1e-bogus-token-0000-000000000000";
    let config = token_config(&rv.url(), bogus);
    for via in ALL {
        let lines = resolve(via, &rv, &config, "org_tok", &["k"]);
        let e = err(via, &lines[0]);
        assert_eq!(e.reason, "auth_failed", "{via:?}: {e:?}");
        assert!(
            e.message.contains("Permission denied"),
            "{via:?}: RustyVault's {{\"error\":...}} text is read: {e:?}"
        );
        assert!(!e.message.contains(bogus), "{via:?}: token leaked: {e:?}");
    }
}

/// A secret that is not there (404, empty body) is `missing`, in token and AppRole mode, next
/// to one that is (so the CLI exits 1 with one good line).
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn missing_secret_is_missing() {
    require_rvault("missing_secret_is_missing");
    let rv = RustyVault::start_unsealed();
    let (role_id, secret_id) = rv.create_role("svc", 30);
    rv.put_secret("org_m", "present", json!({"apiKey": "k-1"}), 2, None);
    let configs = [
        token_config(&rv.url(), rv.root_token()),
        approle_config(&rv.url(), &role_id, &secret_id),
    ];
    for config in &configs {
        for via in ALL {
            let lines = resolve(via, &rv, config, "org_m", &["present", "absent"]);
            assert_eq!(ok(via, &lines[0]).value.as_deref(), Some("k-1"), "{via:?}");
            let e = err(via, &lines[1]);
            assert_eq!(e.reason, "missing", "{via:?}: {e:?}");
            assert!(
                e.message.contains("secret/data/org_m/absent"),
                "{via:?}: names the path: {e:?}"
            );
        }
    }
}

/// Health: ok with good credentials (token lookup-self, AppRole login), failing with bad ones.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn health_ok_and_failing() {
    require_rvault("health_ok_and_failing");
    let rv = RustyVault::start_unsealed();
    let (role_id, secret_id) = rv.create_role("svc", 30);
    let url = rv.url();
    for via in ALL {
        for config in [
            token_config(&url, rv.root_token()),
            approle_config(&url, &role_id, &secret_id),
        ] {
            let (healthy, error) = health(via, &rv, &config, "org_h");
            assert!(
                healthy && error.is_none(),
                "{via:?} {}: {error:?}",
                config["authMode"]
            );
        }
        let (healthy, error) = health(
            via,
            &rv,
            &approle_config(&url, &role_id, "00000000-0000-0000-0000-000000000bad"),
            "org_h",
        );
        let error = error.unwrap_or_default();
        assert!(
            !healthy && error.starts_with("auth_failed:"),
            "{via:?} bad secretId: {error}"
        );
        let (healthy, error) = health(via, &rv, &token_config(&url, "not-a-token"), "org_h");
        let error = error.unwrap_or_default();
        assert!(
            !healthy && error.starts_with("auth_failed:") && error.contains("Permission denied"),
            "{via:?} bogus token: {error}"
        );
    }
}

/// A server initialised but never unsealed: reads, logins and health checks say `sealed`.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn sealed_server_is_sealed() {
    require_rvault("sealed_server_is_sealed");
    let mut rv = RustyVault::start();
    rv.init(); // not unsealed
    let raw = rv.api("GET", "secret/data/org_s/k", None);
    assert_eq!(
        (raw.status, raw.body.as_str()),
        (503, r#"{"error":"RustyVault is sealed."}"#),
        "difference 6"
    );
    let url = rv.url();
    let configs = [
        token_config(&url, rv.root_token()),
        // Roles cannot be created while sealed; the login is refused before the role is looked at.
        approle_config(
            &url,
            "11111111-2222-3333-4444-555555555555",
            "66666666-7777-8888-9999-000000000000",
        ),
    ];
    for via in ALL {
        for config in &configs {
            let lines = resolve(via, &rv, config, "org_s", &["k"]);
            let e = err(via, &lines[0]);
            assert_eq!(e.reason, "sealed", "{via:?} {}: {e:?}", config["authMode"]);
            let (healthy, error) = health(via, &rv, config, "org_s");
            let error = error.unwrap_or_default();
            assert!(
                !healthy && error.starts_with("sealed:"),
                "{via:?} {}: {error}",
                config["authMode"]
            );
        }
    }
}

/// One AppRole login serves every kind until the token's refresh time; then exactly one new
/// login. Counted by a proxy, since RustyVault keeps no request log. Also checks that the cookie
/// RustyVault sets on login (difference 12) is never sent back.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn token_cached_and_reused_across_kinds() {
    require_rvault("token_cached_and_reused_across_kinds");
    let rv = RustyVault::start_unsealed();
    let (role_id, secret_id) = rv.create_role("short", 2); // refresh after 1.6 s
    rv.put_secret("org_c", "a", json!({"value": "a-1"}), 1, None);
    rv.put_secret("org_c", "b", json!({"token": "b-1"}), 1, None);
    rv.put_secret("org_c", "c", json!({"user": "u", "pass": "p"}), 1, None);
    let proxy = CountingProxy::start(rv.addr);
    let config = approle_config(&proxy.url(), &role_id, &secret_id);
    let org = "org_c";

    // The libraries: a, b, c share one login; a cached read makes no request; after refreshAt a
    // resolve tries to renew the (renewable) token — RustyVault has no renew-self (difference 7):
    // two attempts, the retry policy allowing one retry — then logs in again, once.
    let check = |via: Via, step: &str, logins: usize, requests: usize, start: (usize, usize)| {
        assert_eq!(
            (proxy.logins() - start.0, proxy.requests() - start.1),
            (logins, requests),
            "{via:?} {step}: (logins, requests) through the proxy"
        );
    };
    let wait_past = |refresh_at_ms: u64| {
        let now = now_ms();
        if refresh_at_ms >= now {
            std::thread::sleep(Duration::from_millis(refresh_at_ms - now + 50));
        }
    };

    let start = (proxy.logins(), proxy.requests());
    let client = ureq_client();
    client
        .register(org, vault_config(&config))
        .expect("register");
    let mut first = None;
    for kind in ["a", "b", "c"] {
        let cred = line_of(client.resolve(org, kind));
        first.get_or_insert(ok(Via::Ureq, &cred).refresh_at_ms);
    }
    check(Via::Ureq, "3 kinds", 1, 4, start);
    let again = line_of(client.resolve(org, "a"));
    assert_eq!(ok(Via::Ureq, &again).value.as_deref(), Some("a-1"));
    check(Via::Ureq, "cached", 1, 4, start);
    wait_past(first.expect("refreshAt"));
    let later = line_of(client.resolve(org, "a"));
    assert_eq!(ok(Via::Ureq, &later).value.as_deref(), Some("a-1"));
    check(Via::Ureq, "after refreshAt", 2, 8, start);

    let start = (proxy.logins(), proxy.requests());
    runtime().block_on(async {
        let client = hyper_client();
        client
            .register(org, vault_config(&config))
            .expect("register");
        let mut first = None;
        for kind in ["a", "b", "c"] {
            let cred = line_of(client.resolve(org, kind).await);
            first.get_or_insert(ok(Via::Hyper, &cred).refresh_at_ms);
        }
        check(Via::Hyper, "3 kinds", 1, 4, start);
        let again = line_of(client.resolve(org, "a").await);
        assert_eq!(ok(Via::Hyper, &again).value.as_deref(), Some("a-1"));
        check(Via::Hyper, "cached", 1, 4, start);
        wait_past(first.expect("refreshAt"));
        let later = line_of(client.resolve(org, "a").await);
        assert_eq!(ok(Via::Hyper, &later).value.as_deref(), Some("a-1"));
        check(Via::Hyper, "after refreshAt", 2, 8, start);
    });

    // The CLI: every KIND of one run shares one login.
    let start = (proxy.logins(), proxy.requests());
    let lines = cli_resolve(&rv, &config, org, &["a", "b", "c"]);
    assert_eq!(ok(Via::Cli, &lines[1]).value.as_deref(), Some("b-1"));
    assert_eq!(
        ok(Via::Cli, &lines[2])
            .fields
            .get("pass")
            .map(String::as_str),
        Some("p")
    );
    check(Via::Cli, "3 kinds", 1, 4, start);

    assert_eq!(proxy.cookies(), 0, "a client sent RustyVault's cookie back");
}

/// Keeps the module docs honest: each documented difference between RustyVault and Vault,
/// checked on the wire.
#[test]
#[ignore = "needs rvault (RustyVault 0.2.1) on PATH; .ci/run installs it"]
fn rustyvault_differences_from_vault_hold() {
    require_rvault("rustyvault_differences_from_vault_hold");
    let rv = RustyVault::start_unsealed();
    let (role_id, secret_id) = rv.create_role("svc", 20);
    let doc = json!({"data": {"value": "x"}, "metadata": {"version": 4}});
    rv.api_ok("POST", "secret/data/o/k", Some(doc.clone()), 204);

    // 1. KV v1: the document comes back verbatim; `data/` is part of the key; no v2 mounts.
    let read = rv.api_ok("GET", "secret/data/o/k", None, 200).json();
    assert_eq!(read["data"], doc, "1: stored verbatim");
    assert_eq!(
        rv.api("GET", "secret/o/k", None).status,
        404,
        "1: data/ is a key"
    );
    rv.api_ok(
        "POST",
        "sys/mounts/kv2",
        Some(json!({"type": "kv", "options": {"version": "2"}})),
        204,
    );
    rv.api_ok("POST", "kv2/data/o/k", Some(json!({"plain": true})), 204);
    let v1 = rv.api_ok("GET", "kv2/data/o/k", None, 200).json();
    assert_eq!(v1["data"], json!({"plain": true}), "1: version 2 ignored");
    let r = rv.api("POST", "sys/mounts/kv2b", Some(json!({"type": "kv-v2"})));
    assert_eq!(r.status, 500, "1: {r:?}");

    // 2. KV lease 3600 s unless the document has a ttl.
    assert_eq!(read["lease_duration"], json!(3600), "2");
    rv.api_ok(
        "POST",
        "secret/data/o/t",
        Some(json!({"data": {"value": "x"}, "ttl": "0s"})),
        204,
    );
    let t = rv.api_ok("GET", "secret/data/o/t", None, 200).json();
    assert_eq!(t["lease_duration"], json!(0), "2: ttl 0s");

    // 3. `{"error":"..."}` bodies.
    let r = raw_request(
        rv.addr,
        "GET",
        "/v1/secret/data/o/k",
        &[("X-Vault-Token", "bogus")],
        None,
    )
    .expect("request");
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, r#"{"error":"Permission denied."}"#),
        "3"
    );

    // 4. Missing secret: 404, empty body.
    let r = rv.api("GET", "secret/data/o/absent", None);
    assert_eq!((r.status, r.body.as_str()), (404, ""), "4");

    // 5. AppRole login errors.
    let login = |role: &str, secret: &str| {
        raw_request(
            rv.addr,
            "POST",
            "/v1/auth/approle/login",
            &[],
            Some(&json!({"role_id": role, "secret_id": secret}).to_string()),
        )
        .expect("login")
    };
    let r = login(&role_id, "wrong");
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error":"invalid secret id"}"#),
        "5"
    );
    let r = login("wrong", &secret_id);
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error":"invalid role_id"}"#),
        "5"
    );

    // 12, 13: a good login — lean envelope, UUID token, lease = token_ttl, and a cookie.
    let r = login(&role_id, &secret_id);
    assert_eq!(r.status, 200, "{r:?}");
    let body = r.json();
    let token = body["auth"]["client_token"].as_str().expect("client_token");
    assert_eq!(body["auth"]["lease_duration"], json!(20), "13");
    assert!(body.get("request_id").is_none(), "13: {body}");
    assert!(body["auth"].get("accessor").is_none(), "13: {body}");
    assert!(!token.starts_with("hvs."), "13: {token}");
    let cookie = r.header("set-cookie").unwrap_or_default();
    assert!(
        cookie.starts_with(&format!("token={token};")),
        "12: {cookie:?}"
    );

    // 6 is checked by sealed_server_is_sealed.

    // 7. No renew-self.
    let r = raw_request(
        rv.addr,
        "POST",
        "/v1/auth/token/renew-self",
        &[("X-Vault-Token", token)],
        Some("{}"),
    )
    .expect("renew-self");
    assert_eq!(
        (r.status, r.body.as_str()),
        (500, r#"{"error":"Logical backend path not supported."}"#),
        "7"
    );

    // 8. No response wrapping.
    let r = raw_request(
        rv.addr,
        "GET",
        "/v1/secret/data/o/k",
        &[
            ("X-Vault-Token", rv.root_token()),
            ("X-Vault-Wrap-TTL", "60"),
        ],
        None,
    )
    .expect("wrapped read");
    assert_eq!(r.status, 200, "8");
    assert_eq!(r.json()["data"], doc, "8: not wrapped");
    assert!(r.json().get("wrap_info").is_none(), "8");
    assert_eq!(rv.api("POST", "sys/wrapping/unwrap", None).status, 404, "8");

    // 9. No Kubernetes auth.
    let r = rv.api(
        "POST",
        "sys/auth/kubernetes",
        Some(json!({"type": "kubernetes"})),
    );
    assert_eq!(r.status, 500, "9: {r:?}");
    let r = raw_request(
        rv.addr,
        "POST",
        "/v1/auth/kubernetes/login",
        &[],
        Some(r#"{"role":"r","jwt":"j"}"#),
    )
    .expect("k8s login");
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error":"Request client token is missing."}"#),
        "9"
    );

    // 10. No policy endpoints, and an AppRole token reaches sys/.
    let policy = json!({"policy": "path \"secret/*\" { capabilities = [\"read\"] }"});
    assert_eq!(
        rv.api("PUT", "sys/policy/p", Some(policy.clone())).status,
        404,
        "10"
    );
    assert_eq!(
        rv.api("PUT", "sys/policies/acl/p", Some(policy)).status,
        404,
        "10"
    );
    let r = raw_request(
        rv.addr,
        "GET",
        "/v1/sys/mounts",
        &[("X-Vault-Token", token)],
        None,
    )
    .expect("sys/mounts");
    assert_eq!(r.status, 200, "10: {r:?}");

    // 11. No sys/health.
    let r = rv.api("GET", "sys/health", None);
    assert_eq!((r.status, r.body.as_str()), (404, ""), "11");
}
