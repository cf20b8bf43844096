//! Sealed means sealed (issue 12): with a key, a plain config is refused unless `--allow-plain`;
//! a key file others can read draws a warning; `open` masks the roleId unless `--reveal`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "hostile/server.rs"]
mod server;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use server::{Hostile, Reply, Req};
use support::{Out, run, vaultcred};

const ORG: &str = "org_b";
const TOKEN: &str = "hvs.SEALEDtokenCANARY0123456789abcdef";
const ROLE_ID: &str = "role-id-CANARY-0123456789";
const SECRET_ID: &str = "secret-id-CANARY-0123456789";
/// The sealing key: 32 bytes of 7, in base64.
const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
const LIMIT: Duration = Duration::from_secs(30);

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

/// `vaultcred SUB --org org_b --key-file KEY` with `stdin` as its input.
fn with_stdin(sub: &str, key: &Path, stdin: &Path, extra: &[&str]) -> Out {
    let mut cmd = vaultcred();
    cmd.args([sub, "--org", ORG, "--key-file"])
        .arg(key)
        .args(extra);
    cmd.stdin(std::fs::File::open(stdin).unwrap());
    run(&mut cmd, LIMIT)
}

fn resolve(cfg: &Path, key: Option<&Path>, extra: &[&str]) -> Command {
    let mut cmd = vaultcred();
    cmd.args(["resolve", "--config"]).arg(cfg);
    if let Some(key) = key {
        cmd.arg("--key-file").arg(key);
    }
    cmd.args(["--org", ORG]).args(extra).arg("k");
    cmd
}

fn no_secret(out: &Out) {
    for secret in [TOKEN, SECRET_ID, KEY, "CANARY"] {
        assert!(
            !out.stderr.contains(secret),
            "{secret} on stderr: {}",
            out.stderr
        );
    }
}

#[test]
fn with_a_key_a_plain_config_is_refused_unless_allow_plain() {
    let server = Hostile::vault(|_: &Req| Reply::kv_value("the-value-of-k", 0));
    let dir = tempfile::tempdir().unwrap();
    let key = write(dir.path(), "vault.key", &format!("{KEY}\n"), 0o600);
    let cfg = json!({"addr": server.url, "mount": "secret", "authMode": "token", "token": TOKEN});
    let plain = write(dir.path(), "cfg.json", &cfg.to_string(), 0o600);

    // --key-file, or VAULTCRED_KEY: refused, exit 2, naming the flag; nothing sent.
    let out = run(&mut resolve(&plain, Some(&key), &[]), LIMIT);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert!(out.stderr.contains("--allow-plain"), "{}", out.stderr);
    assert!(out.stderr.contains("not sealed"), "{}", out.stderr);
    no_secret(&out);
    let out = run(resolve(&plain, None, &[]).env("VAULTCRED_KEY", KEY), LIMIT);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert!(out.stderr.contains("--allow-plain"), "{}", out.stderr);
    assert!(out.stderr.contains("VAULTCRED_KEY"), "{}", out.stderr);
    no_secret(&out);
    let health = run(
        vaultcred()
            .env("VAULTCRED_KEY", KEY)
            .args(["health", "--config"])
            .arg(&plain)
            .args(["--org", ORG]),
        LIMIT,
    );
    assert_eq!(health.code, 2, "{}", health.stderr);
    assert!(server.requests().is_empty(), "{:?}", server.lines());

    // With --allow-plain it loads; without a key a plain config is what is expected.
    let out = run(&mut resolve(&plain, Some(&key), &["--allow-plain"]), LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let out = run(&mut resolve(&plain, None, &[]), LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);

    // The sealed config loads with the key, with no warning (the key file is 0600).
    let sealed = with_stdin("seal", &key, &plain, &[]);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    assert_eq!(sealed.stderr, "");
    let sealed = write(dir.path(), "cfg.sealed.json", &sealed.stdout, 0o600);
    let out = run(&mut resolve(&sealed, Some(&key), &[]), LIMIT);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_draws_a_warning_not_an_error() {
    let server = Hostile::vault(|_: &Req| Reply::kv_value("the-value-of-k", 0));
    let dir = tempfile::tempdir().unwrap();
    let cfg = json!({"addr": server.url, "mount": "secret", "authMode": "token", "token": TOKEN});
    let plain = write(dir.path(), "cfg.json", &cfg.to_string(), 0o600);
    let private = write(dir.path(), "private.key", KEY, 0o600);
    let sealed = with_stdin("seal", &private, &plain, &[]);
    let sealed = write(dir.path(), "cfg.sealed.json", &sealed.stdout, 0o600);
    for mode in [0o644, 0o640, 0o604, 0o660] {
        let key = write(dir.path(), &format!("{mode:o}.key"), KEY, mode);
        let out = run(&mut resolve(&sealed, Some(&key), &[]), LIMIT);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let warnings: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(warnings.len(), 1, "{}", out.stderr);
        assert!(
            warnings[0].starts_with("warning: --key-file "),
            "{}",
            out.stderr
        );
        assert!(
            warnings[0].contains(&format!("0{mode:o}")),
            "{}",
            out.stderr
        );
        assert!(warnings[0].contains("chmod 600"), "{}", out.stderr);
        no_secret(&out);
        // seal and open warn too.
        let again = with_stdin("seal", &key, &plain, &[]);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(
            again.stderr.starts_with("warning: --key-file "),
            "{}",
            again.stderr
        );
    }
    let quiet = write(dir.path(), "owner-only.key", KEY, 0o400);
    let out = run(&mut resolve(&sealed, Some(&quiet), &[]), LIMIT);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn open_masks_the_role_id_unless_reveal() {
    let dir = tempfile::tempdir().unwrap();
    let key = write(dir.path(), "vault.key", KEY, 0o600);
    let cfg = json!({"addr": "http://127.0.0.1:8200", "mount": "secret", "authMode": "approle",
                     "roleId": ROLE_ID, "secretId": SECRET_ID});
    let plain = write(dir.path(), "cfg.json", &cfg.to_string(), 0o600);
    let sealed = with_stdin("seal", &key, &plain, &[]);
    assert_eq!(sealed.code, 0, "{}", sealed.stderr);
    let sealed = write(dir.path(), "cfg.sealed.json", &sealed.stdout, 0o600);

    let opened = with_stdin("open", &key, &sealed, &[]);
    assert_eq!(opened.code, 0, "{}", opened.stderr);
    let shown: Value = serde_json::from_str(&opened.stdout).unwrap();
    assert_eq!(shown["roleId"], "[redacted]");
    assert_eq!(shown["secretId"], "[redacted]");
    assert!(!opened.stdout.contains("CANARY"), "{}", opened.stdout);
    no_secret(&opened);

    let revealed = with_stdin("open", &key, &sealed, &["--reveal"]);
    let shown: Value = serde_json::from_str(&revealed.stdout).unwrap();
    assert_eq!(shown["roleId"], ROLE_ID);
    assert_eq!(shown["secretId"], SECRET_ID);
}
