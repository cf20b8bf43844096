//! `vaultcred serve`, `keys` and `rekey` as an operator runs them: the binary, a SQLite file,
//! real HTTP on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::{
    Lines, create_key, db_url, dev_config_body, http, key_file, run, signal, stderr_word, vaultcred,
};

const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
const NEW_KEY: &str = "CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=";
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn keys_are_created_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_url(dir.path());
    let created = run(
        vaultcred().args([
            "keys", "create", "--db", &db, "--org", "org_a", "--scope", "admin", "--name", "ops",
        ]),
        LIMIT,
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let key = created.stdout.trim();
    assert!(key.starts_with("rsk_live_"), "{key}");
    assert!(created.stderr.contains("shown only this once"));
    let id = &key["rsk_live_".len().."rsk_live_".len() + 12];

    let listed = run(vaultcred().args(["keys", "list", "--db", &db]), LIMIT);
    assert_eq!(listed.code, 0);
    let line: Value = serde_json::from_str(listed.stdout.trim()).unwrap();
    assert_eq!(line["id"], id);
    assert_eq!(line["orgId"], "org_a");
    assert_eq!(line["scope"], "admin");
    assert_eq!(line["revokedAt"], Value::Null);
    assert!(
        !listed.stdout.contains(&key[22..]),
        "the secret part is never listed"
    );

    assert_eq!(
        run(vaultcred().args(["keys", "revoke", "--db", &db, id]), LIMIT).code,
        0
    );
    let again = run(vaultcred().args(["keys", "revoke", "--db", &db, id]), LIMIT);
    assert_eq!(again.code, 1, "{}", again.stderr);
    let listed = run(
        vaultcred().args(["keys", "list", "--db", &db, "--org", "org_a"]),
        LIMIT,
    );
    assert!(
        listed.stdout.contains("\"revokedAt\":1"),
        "{}",
        listed.stdout
    );

    let bad = run(
        vaultcred().args([
            "keys", "create", "--db", &db, "--org", "../etc", "--scope", "dispatch",
        ]),
        LIMIT,
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let bad_db = run(
        vaultcred().args(["keys", "list", "--db", "mysql://u:pw@h/x"]),
        LIMIT,
    );
    assert_eq!(bad_db.code, 1);
    assert!(!bad_db.stderr.contains("pw"), "{}", bad_db.stderr);
}

#[test]
fn serve_answers_on_sqlite_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_url(dir.path());
    let key = key_file(dir.path(), "platform.key", KEY);
    let admin = create_key(&db, "org_a", "admin");
    let mut child = vaultcred()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
            "--key-file",
        ])
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = stderr_word(&mut child, "addr=");
    assert_eq!(
        http(&addr, "GET", "/readyz", None, ""),
        (200, "ready\n".to_owned())
    );
    let (status, body) = http(
        &addr,
        "GET",
        "/api/org/credential-backend",
        Some(&admin),
        "",
    );
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("not_configured"));
    let (status, _) = http(
        &addr,
        "GET",
        "/api/org/credential-backend",
        Some("rsk_live_x"),
        "",
    );
    assert_eq!(status, 401);
    signal(&child, "TERM");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn serve_refuses_a_missing_key_and_a_bad_database() {
    let dir = tempfile::tempdir().unwrap();
    let no_key = run(
        vaultcred().args(["serve", "--db", &db_url(dir.path())]),
        LIMIT,
    );
    assert_eq!(no_key.code, 2);
    assert!(no_key.stderr.contains("--key-file"), "{}", no_key.stderr);
    let key = key_file(dir.path(), "platform.key", KEY);
    let bad = run(
        vaultcred()
            .args(["serve", "--db", "redis://h"])
            .arg("--key-file")
            .arg(&key),
        LIMIT,
    );
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("sqlite:PATH or postgres://"),
        "{}",
        bad.stderr
    );
}

#[test]
fn serve_dev_prints_keys_and_commands_that_work() {
    let mut child = vaultcred()
        .args(["serve", "--dev", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Lines::new(child.stdout.take().unwrap());
    lines.until(LIMIT, |l| l.contains("Who changed what"));
    let text = lines.seen.join("\n");
    let export = lines
        .seen
        .iter()
        .find(|l| l.trim_start().starts_with("export VC="))
        .unwrap();
    let value = |name: &str| {
        export
            .split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    let (vc, admin, dispatch) = (value("VC"), value("ADMIN"), value("DISPATCH"));
    let addr = vc.strip_prefix("http://").unwrap();
    let settings = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Settings page"))
        .unwrap();
    let page = format!("{vc}/settings/security/credential-backend");
    assert!(settings.trim().starts_with(&page), "{settings}");
    let (status, body) = http(
        addr,
        "GET",
        "/settings/security/credential-backend",
        None,
        "",
    );
    assert_eq!(status, 200);
    assert!(body.contains("name=\"apiKey\""), "{body}");
    let config = dev_config_body(&text);
    let (status, body) = http(
        addr,
        "POST",
        "/api/org/credential-backend",
        Some(&admin),
        config,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(
        addr,
        "POST",
        "/api/org/credential-backend/vault/health",
        Some(&admin),
        "",
    );
    assert_eq!(status, 200);
    assert!(body.contains("\"ok\":true"), "{body}");
    let (status, body) = http(
        addr,
        "GET",
        "/api/org/credentials/anthropic-api-key",
        Some(&dispatch),
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"value\":\"sk-ant-api03-DEMO"), "{body}");
    let db = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("database"))
        .unwrap()
        .trim()
        .to_owned();
    signal(&child, "INT");
    assert!(child.wait().unwrap().success());
    let path = db.strip_prefix("sqlite:").unwrap();
    assert!(
        !Path::new(path).exists(),
        "the temporary database is deleted: {path}"
    );
}

#[test]
fn rekey_reports_what_it_did_and_refuses_a_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_url(dir.path());
    let old = key_file(dir.path(), "old.key", KEY);
    let new = key_file(dir.path(), "new.key", NEW_KEY);
    let out = run(
        vaultcred()
            .args(["rekey", "--db", &db, "--key-file"])
            .arg(&old)
            .arg("--new-key-file")
            .arg(&new),
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(report["resealed"], 0);
    let short = key_file(dir.path(), "short.key", "AAECAwQFBgcICQoLDA0ODw==");
    let bad = run(
        vaultcred()
            .args(["rekey", "--db", &db, "--key-file"])
            .arg(&old)
            .arg("--new-key-file")
            .arg(&short),
        LIMIT,
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("32 bytes"), "{}", bad.stderr);
}
