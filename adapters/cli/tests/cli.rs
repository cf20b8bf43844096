//! Integration tests: the built `vaultcred` binary against a DevVault started in each test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use vaultcred_devvault::DevVault;

const ORG: &str = "org_abc123";
const API_KEY: &str = "sk-ant-api03-TESTVALUE-0123456789";
const JIRA_TOKEN: &str = "ATATT3xJIRATOKEN-987654321";
const JIRA_EMAIL: &str = "bot@example.com";
const POLICY: &str = "org-read";

// ------------------------------------------------------------------ helpers

/// The binary with a clean environment (no VAULT_* or VAULTCRED_KEY from the caller).
fn vaultcred() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaultcred"));
    cmd.env_clear();
    if let Some(tmp) = std::env::var_os("TMPDIR") {
        cmd.env("TMPDIR", tmp);
    }
    cmd.stdin(Stdio::null());
    cmd
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }
}

fn run(cmd: &mut Command) -> Out {
    run_with_stdin(cmd, None)
}

fn run_with_stdin(cmd: &mut Command, stdin: Option<&[u8]>) -> Out {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn vaultcred");
    if let Some(input) = stdin {
        // The binary may refuse before reading its stdin (e.g. a bad key): a closed pipe is fine.
        match child.stdin.take().unwrap().write_all(input) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
    }
    let output = child.wait_with_output().unwrap();
    let out = Out {
        code: output.status.code().expect("exited normally"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_no_canary_on_stderr(&out.stderr);
    out
}

/// Every credential and secret value any test handed to the binary: none may ever appear on
/// its stderr, whatever the command, flags or outcome (checked on every run of every test).
fn canaries() -> &'static std::sync::Mutex<Vec<String>> {
    static CANARIES: std::sync::OnceLock<std::sync::Mutex<Vec<String>>> =
        std::sync::OnceLock::new();
    CANARIES.get_or_init(|| std::sync::Mutex::new(vec![API_KEY.to_owned(), JIRA_TOKEN.to_owned()]))
}

fn canary(secret: &str) -> &str {
    canaries().lock().unwrap().push(secret.to_owned());
    secret
}

fn assert_no_canary_on_stderr(stderr: &str) {
    for secret in canaries().lock().unwrap().iter() {
        assert!(
            !stderr.contains(secret.as_str()),
            "a secret reached stderr: {stderr}"
        );
    }
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// `2026-11-29T06:21:48.123Z`: RFC 3339 UTC with milliseconds.
fn parse_ts(v: &Value) -> SystemTime {
    let s = v.as_str().expect("timestamp string");
    assert_eq!(s.len(), 24, "{s}");
    assert_eq!(&s[19..20], ".", "{s}");
    assert!(s.ends_with('Z'), "{s}");
    humantime::parse_rfc3339(s).unwrap()
}

/// A DevVault with the org's two secrets and a read policy for the org.
fn vault() -> DevVault {
    let dev = DevVault::start().unwrap();
    dev.kv_put(
        "secret",
        &format!("{ORG}/anthropic-api-key"),
        json!({"value": API_KEY}),
    );
    dev.kv_put(
        "secret",
        &format!("{ORG}/jira-credentials"),
        json!({"site": "myorg.atlassian.net", "email": JIRA_EMAIL, "apiToken": JIRA_TOKEN}),
    );
    dev.put_policy(POLICY, &[&format!("secret/data/{ORG}/*")]);
    dev
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn token_config(dev: &DevVault, token: &str) -> Value {
    json!({"addr": dev.url(), "mount": "secret", "authMode": "token", "token": canary(token)})
}

fn approle_config(dev: &DevVault, ttl: Duration) -> Value {
    let creds = dev.create_approle("app", &[POLICY], ttl);
    json!({"providerType": "vault", "config": {
        "addr": dev.url(), "mount": "secret", "authMode": "approle",
        "roleId": creds.role_id, "secretId": canary(&creds.secret_id),
    }})
}

fn key_b64(byte: u8) -> String {
    use base64::Engine as _;
    format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    )
}

// ------------------------------------------------------------------ resolve

#[test]
fn resolve_prints_masked_lines_in_argument_order_with_exact_keys() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let token = dev.create_token(&[POLICY], None);
    let cfg = write(
        dir.path(),
        "cfg.json",
        token_config(&dev, &token).to_string(),
    );
    let out = run(vaultcred().args(["resolve", "--config"]).arg(&cfg).args([
        "--org",
        ORG,
        "--timeout",
        "5",
        "jira-credentials",
        "anthropic-api-key",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let lines = out.lines();
    assert_eq!(lines.len(), 2);

    let jira = &lines[0];
    assert_eq!(
        keys(jira),
        [
            "orgId",
            "kind",
            "multiField",
            "resolvedAt",
            "refreshAt",
            "version"
        ]
    );
    assert_eq!(jira["kind"], "jira-credentials");
    assert_eq!(
        jira["multiField"],
        json!({"apiToken": "ATAT…", "email": "bot…", "site": "myor…"})
    );

    let api = &lines[1];
    assert_eq!(
        keys(api),
        [
            "orgId",
            "kind",
            "value",
            "resolvedAt",
            "refreshAt",
            "version"
        ]
    );
    assert_eq!(api["orgId"], ORG);
    assert_eq!(api["kind"], "anthropic-api-key");
    assert_eq!(api["value"], "sk-a…");
    assert_eq!(api["version"], 1);
    // Token mode: refreshAt = resolvedAt + 1 h.
    let resolved = parse_ts(&api["resolvedAt"]);
    let refresh = parse_ts(&api["refreshAt"]);
    assert_eq!(
        refresh.duration_since(resolved).unwrap(),
        Duration::from_secs(3600)
    );
    let now = SystemTime::now();
    assert!(now.duration_since(resolved).unwrap() < Duration::from_secs(60));

    for secret in [API_KEY, JIRA_TOKEN, JIRA_EMAIL, token.as_str()] {
        assert!(!out.stdout.contains(secret), "{secret} leaked");
    }
}

#[test]
fn reveal_prints_exact_values() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "cfg.json",
        token_config(&dev, &dev.root_token()).to_string(),
    );
    let out = run(vaultcred().args(["resolve", "--config"]).arg(&cfg).args([
        "--org",
        ORG,
        "--reveal",
        "anthropic-api-key",
        "jira-credentials",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines[0]["value"], API_KEY);
    assert_eq!(
        lines[1]["multiField"],
        json!({"apiToken": JIRA_TOKEN, "email": JIRA_EMAIL, "site": "myorg.atlassian.net"})
    );
}

#[test]
fn short_secrets_are_fully_masked() {
    let dev = vault();
    dev.kv_put("secret", &format!("{ORG}/pin"), json!({"value": "123"}));
    dev.kv_put(
        "secret",
        &format!("{ORG}/word"),
        json!({"value": "abcdefgh"}),
    );
    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", canary(&dev.root_token()))
        .args(["resolve", "--org", ORG, "pin", "word"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines[0]["value"], "…");
    assert_eq!(lines[1]["value"], "ab…");
}

#[test]
fn failures_print_error_lines_and_exit_1() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "cfg.json",
        token_config(&dev, &dev.root_token()).to_string(),
    );
    let out = run(vaultcred().args(["resolve", "--config"]).arg(&cfg).args([
        "--org",
        ORG,
        "linear-oauth",
        "anthropic-api-key",
        "../other-org",
    ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(keys(&lines[0]), ["orgId", "kind", "error"]);
    assert_eq!(keys(&lines[0]["error"]), ["reason", "message"]);
    assert_eq!(lines[0]["orgId"], ORG);
    assert_eq!(lines[0]["kind"], "linear-oauth");
    assert_eq!(lines[0]["error"]["reason"], "missing");
    assert!(!lines[0]["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(lines[1]["value"], "sk-a…");
    assert_eq!(lines[2]["kind"], "../other-org");
    assert_eq!(lines[2]["error"]["reason"], "invalid_kind");
}

#[test]
fn permission_denied_and_unreachable_reasons() {
    let dev = vault();
    let no_access = dev.create_token(&[], None);
    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", &no_access)
        .args(["resolve", "--org", ORG, "anthropic-api-key"]));
    assert_eq!(out.code, 1);
    assert_eq!(out.lines()[0]["error"]["reason"], "permission_denied");

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let out = run(vaultcred()
        .env("VAULT_ADDR", format!("http://{addr}"))
        .env("VAULT_TOKEN", "hvs.whatever")
        .args([
            "resolve",
            "--org",
            ORG,
            "--timeout",
            "2",
            "anthropic-api-key",
        ]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.lines()[0]["error"]["reason"], "unreachable");
}

#[test]
fn approle_kinds_share_one_login() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "cfg.json",
        approle_config(&dev, Duration::from_secs(3600)).to_string(),
    );
    let out = run(vaultcred().args(["resolve", "--config"]).arg(&cfg).args([
        "--org",
        ORG,
        "anthropic-api-key",
        "jira-credentials",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines().len(), 2);
    assert_eq!(dev.count("POST", "/v1/auth/approle/login"), 1);
    assert_eq!(
        dev.count("GET", &format!("/v1/secret/data/{ORG}/anthropic-api-key")),
        1
    );
    // AppRole: refreshAt = login + 0.8 × 3600 s.
    let line = &out.lines()[0];
    let lifetime = parse_ts(&line["refreshAt"])
        .duration_since(parse_ts(&line["resolvedAt"]))
        .unwrap();
    assert!(
        lifetime > Duration::from_secs(2870) && lifetime <= Duration::from_secs(2880),
        "{lifetime:?}"
    );
}

#[test]
fn kubernetes_mode_reads_the_jwt_file() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.c2lnbmF0dXJl";
    let jwt_path = write(dir.path(), "token", jwt);
    dev.create_k8s_role("platform", &[POLICY], Duration::from_secs(600));
    dev.register_jwt("platform", jwt);
    let cfg = json!({"addr": dev.url(), "mount": "secret", "authMode": "kubernetes",
                     "role": "platform", "jwtPath": jwt_path});
    let cfg = write(dir.path(), "cfg.json", cfg.to_string());
    // Not allowed by the operator: refused before anything is sent.
    let refused = run(vaultcred().args(["resolve", "--config"]).arg(&cfg).args([
        "--org",
        ORG,
        "anthropic-api-key",
    ]));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("jwtPath"), "{}", refused.stderr);
    assert_eq!(dev.count("POST", "/v1/auth/kubernetes/login"), 0);
    let out = run(vaultcred()
        .args(["resolve", "--config"])
        .arg(&cfg)
        .arg("--allow-jwt-path")
        .arg(&jwt_path)
        .args(["--org", ORG, "-v", "anthropic-api-key"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines()[0]["value"], "sk-a…");
    assert_eq!(dev.count("POST", "/v1/auth/kubernetes/login"), 1);
    assert!(!out.stderr.contains(jwt));
    assert!(!out.stdout.contains(jwt));
}

// ------------------------------------------------------------------ environment

#[test]
fn env_vars_configure_token_mode_and_mount_overrides() {
    let dev = vault();
    dev.kv_put(
        "kv",
        &format!("{ORG}/db"),
        json!({"password": "hunter22hunter22"}),
    );
    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", canary(&dev.root_token()))
        .args(["resolve", "--org", ORG, "anthropic-api-key"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines()[0]["version"], 1);

    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", canary(&dev.root_token()))
        .args(["resolve", "--org", ORG, "--mount", "kv", "--reveal", "db"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.lines()[0]["multiField"],
        json!({"password": "hunter22hunter22"})
    );
    assert_eq!(dev.count("GET", &format!("/v1/kv/data/{ORG}/db")), 1);
}

#[test]
fn env_namespace_is_sent() {
    let dev = vault();
    dev.require_namespace(Some("team-a"));
    let base = || {
        let mut cmd = vaultcred();
        cmd.env("VAULT_ADDR", dev.url())
            .env("VAULT_TOKEN", canary(&dev.root_token()))
            .args(["resolve", "--org", ORG, "anthropic-api-key"]);
        cmd
    };
    let out = run(base().env("VAULT_NAMESPACE", "team-a"));
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out = run(&mut base());
    assert_eq!(out.code, 1, "{}", out.stdout);
}

#[test]
fn missing_env_vars_are_config_errors() {
    let out = run(vaultcred().args(["resolve", "--org", ORG, "anthropic-api-key"]));
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("error: invalid config: addr: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("VAULT_ADDR"), "{}", out.stderr);
    assert!(
        out.stderr.contains("error: invalid config: token: "),
        "{}",
        out.stderr
    );

    let out = run(vaultcred()
        .env("VAULT_ADDR", "http://127.0.0.1:1")
        .args(["health", "--org", ORG]));
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("addr:"), "{}", out.stderr);
    assert!(out.stderr.contains("VAULT_TOKEN"), "{}", out.stderr);
}

// ------------------------------------------------------------------ config errors

#[test]
fn config_errors_name_the_field_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "mode.json",
            json!({"addr": "http://127.0.0.1:8200", "mount": "secret", "authMode": "ldap"})
                .to_string(),
            "error: invalid config: authMode: ",
        ),
        (
            "missing.json",
            json!({"providerType": "vault", "config": {"addr": "http://127.0.0.1:8200",
                   "mount": "secret", "authMode": "approle", "roleId": "r"}})
            .to_string(),
            "error: invalid config: secretId: ",
        ),
        (
            "provider.json",
            json!({"providerType": "aws", "config": {}}).to_string(),
            "error: invalid config: providerType: ",
        ),
        (
            "notjson.json",
            "{ addr: nope".to_owned(),
            "error: invalid config: config: ",
        ),
    ];
    for (name, text, expected) in cases {
        let cfg = write(dir.path(), name, text);
        let out = run(vaultcred().args(["resolve", "--config"]).arg(&cfg).args([
            "--org",
            ORG,
            "anthropic-api-key",
        ]));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{name}");
        assert!(out.stderr.contains(expected), "{name}: {}", out.stderr);
    }

    // A missing file, a bad org, bad flags: exit 2, nothing on stdout.
    let out = run(vaultcred().args([
        "resolve",
        "--config",
        "/nonexistent/cfg.json",
        "--org",
        ORG,
        "k",
    ]));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(
        out.stderr.contains("/nonexistent/cfg.json"),
        "{}",
        out.stderr
    );

    let good = write(
        dir.path(),
        "good.json",
        json!({"addr": "http://127.0.0.1:1", "mount": "secret", "authMode": "token", "token": "t"})
            .to_string(),
    );
    let out =
        run(vaultcred()
            .args(["resolve", "--config"])
            .arg(&good)
            .args(["--org", "org/other", "k"]));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.contains("--org"), "{}", out.stderr);

    for bad in [
        vec!["resolve", "--org", ORG],
        vec!["resolve", "--org", ORG, "--timeout", "0", "k"],
        vec!["resolve", "k"],
        vec!["frobnicate"],
    ] {
        let out = run(vaultcred().args(&bad));
        assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{bad:?}");
    }
}

// ------------------------------------------------------------------ health

#[test]
fn health_ok_and_failures() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "cfg.json",
        approle_config(&dev, Duration::from_secs(3600)).to_string(),
    );
    let out = run(vaultcred()
        .args(["health", "--config"])
        .arg(&cfg)
        .args(["--org", ORG]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(keys(&lines[0]), ["ok", "latencyMs", "checks"]);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(
        lines[0]["checks"],
        serde_json::json!(["auth", "mount", "kv_v2", "read_capability"])
    );
    assert!(lines[0]["latencyMs"].is_u64());
    assert_eq!(dev.count("POST", "/v1/auth/approle/login"), 1);

    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", canary(&dev.root_token()))
        .args(["health", "--org", ORG]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(dev.count("GET", "/v1/auth/token/lookup-self"), 1);

    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", "hvs.not-a-token")
        .args(["health", "--org", ORG]));
    assert_eq!(out.code, 1);
    let lines = out.lines();
    assert_eq!(
        keys(&lines[0]),
        ["ok", "error", "reason", "latencyMs", "checks"]
    );
    assert_eq!(lines[0]["ok"], false);
    assert_eq!(lines[0]["reason"], "auth_failed");
    assert!(!lines[0]["error"].as_str().unwrap().is_empty());

    dev.seal();
    let out = run(vaultcred()
        .args(["health", "--config"])
        .arg(&cfg)
        .args(["--org", ORG]));
    assert_eq!(out.code, 1);
    assert_eq!(out.lines()[0]["ok"], false);
}

// ------------------------------------------------------------------ watch

#[test]
fn watch_reports_rotation_at_refresh() {
    let dev = vault();
    let path = format!("{ORG}/rotating");
    let v1 = dev.kv_put_with_lease(
        "secret",
        &path,
        json!({"value": "rotating-secret-v1"}),
        Duration::from_secs(1),
    );
    let started = Instant::now();
    let child = vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", canary(&dev.root_token()))
        .args(["watch", "--org", ORG, "--for", "4", "--reveal", "rotating"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let v2 = dev.kv_put_with_lease(
        "secret",
        &path,
        json!({"value": "rotating-secret-v2"}),
        Duration::from_secs(1),
    );
    let output = child.wait_with_output().unwrap();
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0));
    assert!(elapsed >= Duration::from_secs(4), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    let out = Out {
        code: 0,
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    let lines = out.lines();
    assert!(lines.len() >= 2, "{}", out.stdout);
    assert_eq!(
        keys(&lines[0]),
        [
            "event",
            "orgId",
            "kind",
            "value",
            "resolvedAt",
            "refreshAt",
            "version"
        ]
    );
    assert_eq!(lines[0]["event"], "resolved");
    assert_eq!(lines[0]["version"], v1);
    assert_eq!(lines[0]["value"], "rotating-secret-v1");
    let rotated: Vec<&Value> = lines.iter().filter(|l| l["event"] == "rotated").collect();
    assert_eq!(rotated.len(), 1, "{}", out.stdout);
    assert_eq!(keys(rotated[0])[0], "event");
    assert_eq!(rotated[0]["version"], v2);
    assert_eq!(rotated[0]["value"], "rotating-secret-v2");
    // It re-read Vault more than twice (every ~0.8 s) but printed only the change.
    assert!(dev.count("GET", &format!("/v1/secret/data/{path}")) >= 3);
    assert_eq!(lines.len(), 2, "{}", out.stdout);
}

#[test]
fn watch_prints_failures_and_keeps_watching() {
    let dev = vault();
    let out = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", canary(&dev.root_token()))
        .args([
            "watch",
            "--org",
            ORG,
            "--for",
            "1.6",
            "later",
            "anthropic-api-key",
        ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(keys(&lines[0]), ["event", "orgId", "kind", "error"]);
    assert_eq!(lines[0]["event"], "failed");
    assert_eq!(lines[0]["error"]["reason"], "missing");
    assert_eq!(lines[1]["event"], "resolved");
    assert_eq!(lines[1]["value"], "sk-a…");
    // Retried after 1 s: a second failure line.
    let failed = lines.iter().filter(|l| l["event"] == "failed").count();
    assert_eq!(failed, 2, "{}", out.stdout);
}

// ------------------------------------------------------------------ seal / open

#[test]
fn seal_open_round_trip_and_refusals() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let key = write(dir.path(), "vault.key", key_b64(7));
    let other_key = write(dir.path(), "other.key", key_b64(8));
    let config = approle_config(&dev, Duration::from_secs(3600));
    let secret_id = config["config"]["secretId"].as_str().unwrap().to_owned();
    let config_text = config.to_string();

    let sealed = run_with_stdin(
        vaultcred()
            .args(["seal", "--org", ORG, "--key-file"])
            .arg(&key),
        Some(config_text.as_bytes()),
    );
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    assert!(!sealed.stdout.contains(&secret_id));
    let envelope: Value = serde_json::from_str(sealed.stdout.trim()).unwrap();
    assert_eq!(envelope["vaultcredSealed"], 1);
    // A fresh nonce every time.
    let again = run_with_stdin(
        vaultcred()
            .args(["seal", "--org", ORG, "--key-file"])
            .arg(&key),
        Some(config_text.as_bytes()),
    );
    assert_ne!(again.stdout, sealed.stdout);

    let opened = run_with_stdin(
        vaultcred()
            .args(["open", "--org", ORG, "--key-file"])
            .arg(&key),
        Some(sealed.stdout.as_bytes()),
    );
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    let shown: Value = serde_json::from_str(&opened.stdout).unwrap();
    assert_eq!(shown["authMode"], "approle");
    assert_eq!(shown["secretId"], "[redacted]");
    assert!(!opened.stdout.contains(&secret_id));

    let revealed = run_with_stdin(
        vaultcred()
            .args(["open", "--org", ORG, "--reveal", "--key-file"])
            .arg(&key),
        Some(sealed.stdout.as_bytes()),
    );
    let shown: Value = serde_json::from_str(&revealed.stdout).unwrap();
    assert_eq!(shown["secretId"], secret_id.as_str());

    // Another org or another key: refused, exit 2, nothing on stdout.
    let cross = run_with_stdin(
        vaultcred()
            .args(["open", "--org", "org_other", "--key-file"])
            .arg(&key),
        Some(sealed.stdout.as_bytes()),
    );
    assert_eq!((cross.code, cross.stdout.as_str()), (2, ""));
    assert!(cross.stderr.contains("org_other"), "{}", cross.stderr);
    assert!(
        cross.stderr.contains("wrong key, wrong org"),
        "{}",
        cross.stderr
    );
    let wrong = run_with_stdin(
        vaultcred()
            .args(["open", "--org", ORG, "--key-file"])
            .arg(&other_key),
        Some(sealed.stdout.as_bytes()),
    );
    assert_eq!((wrong.code, wrong.stdout.as_str()), (2, ""));
    assert!(wrong.stderr.contains("cannot open"), "{}", wrong.stderr);

    // The sealed file works as --config, with --key-file or VAULTCRED_KEY.
    let sealed_cfg = write(dir.path(), "cfg.sealed.json", &sealed.stdout);
    let out = run(vaultcred()
        .args(["resolve", "--config"])
        .arg(&sealed_cfg)
        .arg("--key-file")
        .arg(&key)
        .args(["--org", ORG, "anthropic-api-key"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.lines()[0]["value"], "sk-a…");
    let out = run(vaultcred()
        .env("VAULTCRED_KEY", key_b64(7))
        .args(["health", "--config"])
        .arg(&sealed_cfg)
        .args(["--org", ORG]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Without a key, with the wrong key, or for another org: config errors.
    let out = run(vaultcred()
        .args(["resolve", "--config"])
        .arg(&sealed_cfg)
        .args(["--org", ORG, "anthropic-api-key"]));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.contains("VAULTCRED_KEY"), "{}", out.stderr);
    let out = run(vaultcred()
        .env("VAULTCRED_KEY", key_b64(8))
        .args(["resolve", "--config"])
        .arg(&sealed_cfg)
        .args(["--org", ORG, "anthropic-api-key"]));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    let out = run(vaultcred()
        .args(["resolve", "--config"])
        .arg(&sealed_cfg)
        .arg("--key-file")
        .arg(&key)
        .args(["--org", "org_other", "anthropic-api-key"]));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(dev.count("POST", "/v1/auth/approle/login"), 2);

    for out in [&sealed, &opened, &cross, &wrong] {
        assert!(!out.stderr.contains(&secret_id));
        assert!(!out.stderr.contains(key_b64(7).trim()));
    }
}

#[test]
fn seal_validates_the_config_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = write(dir.path(), "vault.key", key_b64(1));
    let out = run_with_stdin(
        vaultcred()
            .args(["seal", "--org", ORG, "--key-file"])
            .arg(&key),
        Some(br#"{"addr":"http://127.0.0.1:8200","mount":"secret","authMode":"token"}"#),
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(
        out.stderr.contains("error: invalid config: token: "),
        "{}",
        out.stderr
    );

    let short = write(dir.path(), "short.key", "AAECAwQFBgcICQoLDA0ODw==\n");
    let out = run_with_stdin(
        vaultcred()
            .args(["seal", "--org", ORG, "--key-file"])
            .arg(&short),
        Some(
            br#"{"addr":"http://127.0.0.1:8200","mount":"secret","authMode":"token","token":"t"}"#,
        ),
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.contains("32 bytes"), "{}", out.stderr);
    assert!(!out.stderr.contains("AAECAwQFBgcICQoLDA0ODw"));

    let out = run_with_stdin(vaultcred().args(["seal", "--org", ORG]), Some(b"{}"));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.contains("--key-file"), "{}", out.stderr);
}

// ------------------------------------------------------------------ security

#[test]
fn canary_secrets_never_appear_in_output() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let token_canary = "hvs.CANARYtoken0123456789abcdefXYZ";
    let secret_id_canary = "c4a7a9e0-CANARY-SECRET-ID-0000000001";
    let creds = dev.create_approle("app", &[POLICY], Duration::from_secs(3600));
    let cfg = json!({"addr": dev.url(), "mount": "secret", "authMode": "approle",
                     "roleId": creds.role_id, "secretId": secret_id_canary});
    let cfg = write(dir.path(), "cfg.json", cfg.to_string());
    for verbose in [None, Some("-v"), Some("-vv")] {
        let mut runs = Vec::new();
        for sub in ["resolve", "health"] {
            let mut cmd = vaultcred();
            cmd.args([sub, "--config"]).arg(&cfg).args(["--org", ORG]);
            cmd.args(verbose);
            if sub == "resolve" {
                cmd.arg("anthropic-api-key");
            }
            runs.push(run(&mut cmd));
            let mut cmd = vaultcred();
            cmd.env("VAULT_ADDR", dev.url())
                .env("VAULT_TOKEN", token_canary)
                .args([sub, "--org", ORG]);
            cmd.args(verbose);
            if sub == "resolve" {
                cmd.arg("anthropic-api-key");
            }
            runs.push(run(&mut cmd));
        }
        for out in &runs {
            assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
            for canary in [token_canary, secret_id_canary, "CANARY"] {
                assert!(!out.stdout.contains(canary), "{canary} in {}", out.stdout);
                assert!(!out.stderr.contains(canary), "{canary} in {}", out.stderr);
            }
            // -v shows the adapters' events; without it nothing is logged.
            if verbose.is_some() {
                assert!(out.stderr.contains("vaultcred"), "{}", out.stderr);
            } else {
                assert_eq!(out.stderr, "");
            }
        }
    }
}

#[test]
fn verbose_logs_to_stderr_only() {
    let dev = vault();
    let base = || {
        let mut cmd = vaultcred();
        cmd.env("VAULT_ADDR", dev.url())
            .env("VAULT_TOKEN", canary(&dev.root_token()))
            .args(["resolve", "--org", ORG, "anthropic-api-key"]);
        cmd
    };
    let quiet = run(&mut base());
    let loud = run(base().arg("-v"));
    assert_eq!(quiet.stderr, "");
    assert!(loud.stderr.contains("DEBUG"), "{}", loud.stderr);
    assert!(!loud.stderr.contains("TRACE"), "{}", loud.stderr);
    // -vv adds trace events (watch traces its sleeps).
    let watch = |flag: &str| {
        run(vaultcred()
            .env("VAULT_ADDR", dev.url())
            .env("VAULT_TOKEN", canary(&dev.root_token()))
            .args([
                "watch",
                "--org",
                ORG,
                "--for",
                "0.3",
                flag,
                "anthropic-api-key",
            ]))
    };
    let louder = watch("-vv");
    assert_eq!(louder.code, 0, "{}", louder.stderr);
    assert!(louder.stderr.contains("TRACE"), "{}", louder.stderr);
    assert!(!watch("-v").stderr.contains("TRACE"));
    assert_eq!(quiet.lines().len(), 1);
    assert_eq!(loud.lines().len(), 1);
    for out in [&quiet, &loud, &louder] {
        assert!(!out.stderr.contains(API_KEY));
        assert!(!out.stderr.contains(&dev.root_token()));
    }
}

// ------------------------------------------------------------------ help, demo, dev-server

#[test]
fn help_of_every_subcommand_has_an_example() {
    for sub in [
        None,
        Some("resolve"),
        Some("health"),
        Some("watch"),
        Some("seal"),
        Some("open"),
        Some("dev-server"),
        Some("demo"),
    ] {
        let mut cmd = vaultcred();
        cmd.args(sub).arg("--help");
        let out = run(&mut cmd);
        assert_eq!(out.code, 0, "{sub:?}");
        assert!(out.stdout.contains("Example"), "{sub:?}: {}", out.stdout);
        assert!(out.stdout.contains("vaultcred"), "{sub:?}");
    }
    let out = run(vaultcred().args(["resolve", "--help"]));
    for flag in [
        "--config",
        "--org",
        "--reveal",
        "--timeout",
        "--cacert",
        "--mount",
    ] {
        assert!(out.stdout.contains(flag), "{flag}");
    }
    let out = run(vaultcred().arg("help"));
    assert!(out.stdout.contains("dev-server"));
}

#[test]
fn demo_runs_and_shows_the_rotation() {
    let started = Instant::now();
    let out = run(vaultcred().arg("demo"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(out.stdout.contains("Rotation event"), "{}", out.stdout);
    assert!(out.stdout.contains("version 1 → 2"), "{}", out.stdout);
    for mode in ["Token auth", "AppRole auth", "Kubernetes auth", "Health"] {
        assert!(out.stdout.contains(mode), "{mode}");
    }
    // The service part: config POSTed, Test Connection, dispatch, the audit trail, scopes.
    for step in [
        "The credential backend service",
        "\"secretsSet\":[\"secretId\"]",
        "\"ok\":true",
        "1 change(s)",
        "403 \"forbidden\"",
    ] {
        assert!(out.stdout.contains(step), "{step}: {}", out.stdout);
    }
    assert!(!out.stdout.contains("sk-ant-api03-DEMO"), "unmasked value");
}

#[test]
fn dev_server_serves_seeded_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write(
        dir.path(),
        "seed.json",
        json!({"secret": {"org_abc123/anthropic-api-key": {"value": "sk-seeded-000000"}},
               "kv": {"org_abc123/db": {"user": "u", "password": "p"}}})
        .to_string(),
    );
    let mut child = vaultcred()
        .args(["dev-server", "--addr", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut text = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text.contains("Try:") && Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        text.push_str(&line);
    }
    let field = |label: &str| -> String {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in {text}"))
            .trim()
            .to_owned()
    };
    let addr = field("Address:");
    let root = field("Root token:");
    let approle_cfg = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("config:"))
        .map(str::trim)
        .find(|p| p.ends_with("approle.json"))
        .unwrap()
        .to_owned();
    let k8s_cfg = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("config:"))
        .map(str::trim)
        .find(|p| p.ends_with("kubernetes.json"))
        .unwrap()
        .to_owned();
    let jwt_file = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("JWT file:"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert!(
        text.contains(&format!("export VAULT_ADDR='{addr}'")),
        "{text}"
    );
    assert!(text.contains("export VAULT_TOKEN="), "{text}");

    let results = [
        run(vaultcred().args([
            "resolve",
            "--config",
            &approle_cfg,
            "--org",
            ORG,
            "--reveal",
            "anthropic-api-key",
        ])),
        run(vaultcred().args([
            "resolve",
            "--config",
            &k8s_cfg,
            "--allow-jwt-path",
            &jwt_file,
            "--org",
            ORG,
            "--reveal",
            "anthropic-api-key",
        ])),
        run(vaultcred()
            .env("VAULT_ADDR", &addr)
            .env("VAULT_TOKEN", &root)
            .args(["resolve", "--org", ORG, "--mount", "kv", "--reveal", "db"])),
    ];
    // SIGTERM (not SIGKILL), so the dev-server removes its temporary directory.
    let stopped = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(child.wait().unwrap().success());
    assert_eq!(results[0].code, 0, "{}", results[0].stderr);
    assert_eq!(results[0].lines()[0]["value"], "sk-seeded-000000");
    assert_eq!(results[1].code, 0, "{}", results[1].stderr);
    assert_eq!(results[1].lines()[0]["value"], "sk-seeded-000000");
    assert_eq!(results[2].code, 0, "{}", results[2].stderr);
    assert_eq!(
        results[2].lines()[0]["multiField"],
        json!({"password": "p", "user": "u"})
    );
}

#[test]
fn dev_server_rejects_a_malformed_seed() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write(
        dir.path(),
        "seed.json",
        json!({"secret": {"org_abc123/key": "sk-plain-string-not-an-object"}}).to_string(),
    );
    let out = run(vaultcred()
        .args(["dev-server", "--addr", "127.0.0.1:0", "--seed"])
        .arg(&seed));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.contains("org_abc123/key"), "{}", out.stderr);
    assert!(out.stderr.contains("JSON object"), "{}", out.stderr);
    assert!(!out.stderr.contains("sk-plain-string"), "{}", out.stderr);

    let bad_json = write(dir.path(), "bad.json", "{\"secret\": ");
    let out = run(vaultcred()
        .args(["dev-server", "--addr", "127.0.0.1:0", "--seed"])
        .arg(&bad_json));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not valid JSON"), "{}", out.stderr);
}
