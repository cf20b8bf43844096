//! What the hostile-server tests share: the canaries, the configs, running `resolve`, and the
//! check every run must pass.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{Hostile, Reply, Req};
use crate::support::{Out, run, vaultcred};

pub(crate) const ORG: &str = "org_b";
pub(crate) const TOKEN: &str = "hvs.HOSTILEtokenCANARY0123456789abcdef";
pub(crate) const SECRET_ID: &str = "7f1c9c1e-CANARY-SECRET-ID-000000000042";
pub(crate) const LOGIN_TOKEN: &str = "hvs.LOGINtokenCANARY9876543210fedcba";
/// The value kind `a` resolves to (8+ bytes: the core scrubs it wherever it is echoed).
pub(crate) const VALUE_A: &str = "SECRETVALUE-1111-CANARYa";
/// A JWT-shaped string (header.payload.signature, base64url).
pub(crate) const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkNBTkFSWSJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Q0FOQVJZIn0.c2lnbmF0dXJlLUNBTkFSWS0wMTIzNDU2Nzg5YWJjZGVm";
/// The forged log line servers and kinds try to inject (a `tracing` line's shape).
pub(crate) const FORGED: &str =
    "2020-01-01T00:00:00.000000Z  INFO vaultcred: credential resolved org=\"org_b\" FORGED";
pub(crate) const LIMIT: Duration = Duration::from_secs(30);

/// A config file for the server in `dir`.
pub(crate) fn config(dir: &Path, value: &Value) -> PathBuf {
    let path = dir.join("cfg.json");
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

pub(crate) fn token_config(dir: &Path, server: &Hostile) -> PathBuf {
    config(
        dir,
        &json!({"addr": server.url, "mount": "secret", "authMode": "token", "token": TOKEN}),
    )
}

/// `vaultcred resolve --config CFG --org org_b --max-retries 0 ARGS…`.
pub(crate) fn resolve(cfg: &Path, args: &[&str]) -> Out {
    let mut cmd = vaultcred();
    cmd.args(["resolve", "--config"])
        .arg(cfg)
        .args(["--org", ORG, "--max-retries", "0"])
        .args(args);
    run(&mut cmd, LIMIT)
}

/// The run ended as it should (exit `code`, never 101) and none of `secrets` reached stdout or
/// stderr; no stderr line starts with the forged log line's timestamp, and none carries a bidi
/// override.
pub(crate) fn check(out: &Out, code: i32, secrets: &[&str]) {
    assert_ne!(out.code, 101, "panicked: {}", out.stderr);
    assert_eq!(
        out.code, code,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    for secret in secrets.iter().chain(&[TOKEN, SECRET_ID, LOGIN_TOKEN]) {
        assert!(
            !out.stdout.contains(secret),
            "{secret} on stdout: {}",
            out.stdout
        );
        assert!(
            !out.stderr.contains(secret),
            "{secret} on stderr: {}",
            out.stderr
        );
    }
    for line in out.stderr.lines().chain(out.stdout.lines()) {
        assert!(
            !line.trim_start().starts_with("2020-01-01"),
            "forged line: {line:?}"
        );
    }
    assert!(!out.stderr.contains('\u{202e}'), "bidi override on stderr");
}

pub(crate) fn lines(out: &Out) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A KV path of org_b.
pub(crate) fn kv(kind: &str) -> String {
    format!("/v1/secret/data/{ORG}/{kind}")
}

/// A Vault whose AppRole login grants a lease of `lease` seconds.
pub(crate) fn approle_vault(lease: u64) -> Hostile {
    Hostile::start(move |req: &Req| match req.path.as_str() {
        "/v1/auth/approle/login" => {
            let auth = json!({"client_token": LOGIN_TOKEN, "accessor": "acc", "policies": ["p"],
                              "lease_duration": lease, "renewable": false});
            let body = json!({"request_id": "r", "lease_id": "", "renewable": false,
                              "lease_duration": 0, "data": null, "auth": auth});
            Reply::json(200, body.to_string())
        }
        p if p == kv("leased") => Reply::kv_value("value-of-leased-kind", u64::MAX),
        _ => Reply::kv_value("value-of-the-kind", 0),
    })
}

/// Runs a resolve of kind `k` with `--timeout 2s` and returns how long it took.
pub(crate) fn timed(cfg: &Path) -> (Out, Duration) {
    let started = Instant::now();
    let out = resolve(cfg, &["--timeout", "2s", "-v", "k"]);
    (out, started.elapsed())
}

/// Runs `resolve` with a token config holding `fields` and checks it is refused as an invalid
/// config (exit 2) before any request.
pub(crate) fn refused_config(fields: &Value) {
    let server = Hostile::start(|_: &Req| Reply::kv_value("v", 0));
    let dir = tempfile::tempdir().unwrap();
    let mut value = json!({"addr": server.url, "mount": "secret", "authMode": "token",
                           "token": TOKEN});
    let fields = fields.as_object().unwrap().clone();
    for (k, v) in fields {
        let v = v.as_str().unwrap().replace("{url}", &server.url);
        value[k] = v.into();
    }
    let out = resolve(&config(dir.path(), &value), &["-vv", "k"]);
    check(&out, 2, &[]);
    assert!(
        out.stderr.contains("invalid config"),
        "{value}: {}",
        out.stderr
    );
    assert!(server.requests().is_empty(), "{:?}", server.lines());
}
