//! The Vault client's variables in the CLI: each connection flag falls back to its `VAULT_*`
//! variable (flag > variable > default), also with `--config`, and a bad value is reported
//! under the name the user gave it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use vaultcred_devvault::DevVault;

const ORG: &str = "org_abc123";

/// The binary with a clean environment.
fn vaultcred() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaultcred"));
    cmd.env_clear().stdin(Stdio::null());
    cmd
}

/// Exit code, stdout, stderr.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run vaultcred");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A DevVault holding one secret for ORG.
fn vault() -> DevVault {
    let dev = DevVault::start().unwrap();
    dev.kv_put("secret", &format!("{ORG}/api-key"), json!({"value": "v1"}));
    dev
}

fn resolved(stdout: &str) -> bool {
    let line: Value = serde_json::from_str(stdout.lines().next().unwrap_or("{}")).unwrap();
    line.get("value").is_some()
}

/// A config file for `--config`, in token mode.
fn config_file(dir: &tempfile::TempDir, dev: &DevVault) -> String {
    let path = dir.path().join("cfg.json");
    let config = json!({"addr": dev.url(), "mount": "secret", "authMode": "token", "token": dev.root_token()});
    std::fs::write(&path, config.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_bad_vault_cacert_is_named_as_the_variable_also_with_config() {
    let dev = vault();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_file(&dir, &dev);
    let (code, stdout, stderr) = run(vaultcred()
        .env("VAULT_CACERT", "/nonexistent/ca.pem")
        .args(["resolve", "--config", &cfg, "--org", ORG, "api-key"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("error: VAULT_CACERT: cannot read /nonexistent/ca.pem"),
        "{stderr}"
    );
    assert!(!stderr.contains("--cacert"), "{stderr}");

    // The flag wins over the variable, and is named as the flag.
    let (code, _, stderr) = run(vaultcred()
        .env("VAULT_CACERT", "/nonexistent/ca.pem")
        .args(["resolve", "--config", &cfg, "--org", ORG])
        .args(["--cacert", "/nonexistent/flag.pem", "api-key"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("error: --cacert: cannot read /nonexistent/flag.pem"),
        "{stderr}"
    );
}

#[test]
fn bad_values_name_their_variable() {
    for (variable, value, expected) in [
        ("VAULT_CLIENT_TIMEOUT", "soon", "is not a duration"),
        ("VAULT_MAX_RETRIES", "many", "is not a number of retries"),
        ("VAULT_SKIP_VERIFY", "maybe", "is not a boolean"),
        ("VAULT_CAPATH", "/nonexistent", "cannot read /nonexistent"),
        (
            "VAULT_CLIENT_CERT",
            "/nonexistent/c.pem",
            "needs --client-key",
        ),
        (
            "VAULT_TLS_SERVER_NAME",
            "vault.internal",
            "not supported by vaultcred-ureq",
        ),
    ] {
        let (code, _, stderr) = run(vaultcred()
            .env("VAULT_ADDR", "http://127.0.0.1:1")
            .env("VAULT_TOKEN", "hvs.x")
            .env(variable, value)
            .args(["health", "--org", ORG]));
        assert_eq!(code, 2, "{variable}: {stderr}");
        assert!(
            stderr.contains(&format!("error: {variable}: ")),
            "{variable}: {stderr}"
        );
        assert!(stderr.contains(expected), "{variable}: {stderr}");
    }
}

#[test]
fn flags_win_over_variables() {
    let dev = vault();
    let (code, stdout, stderr) = run(vaultcred()
        .env("VAULT_ADDR", "http://127.0.0.1:1")
        .env("VAULT_TOKEN", dev.root_token())
        .env("VAULT_CLIENT_TIMEOUT", "soon")
        .env("VAULT_MAX_RETRIES", "many")
        .args(["resolve", "--org", ORG, "--address", &dev.url()])
        .args(["--timeout", "5s", "--max-retries", "0", "api-key"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(resolved(&stdout), "{stdout}");
}

#[test]
fn variables_configure_token_mode_and_the_transport() {
    let dev = vault();
    let (code, stdout, stderr) = run(vaultcred()
        .env("VAULT_ADDR", dev.url())
        .env("VAULT_TOKEN", dev.root_token())
        .env("VAULT_CLIENT_TIMEOUT", "1m30s")
        .env("VAULT_MAX_RETRIES", "1")
        .env("VAULT_SKIP_VERIFY", "false")
        .args(["resolve", "--org", ORG, "api-key"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(resolved(&stdout), "{stdout}");
}

#[test]
fn help_shows_each_variable() {
    let (code, stdout, _) = run(vaultcred().args(["resolve", "--help"]));
    assert_eq!(code, 0);
    let connection = ["VAULT_ADDR", "VAULT_NAMESPACE"];
    for variable in connection
        .into_iter()
        .chain(vaultcred_host::TRANSPORT_VARIABLES)
    {
        assert!(
            stdout.contains(&format!("[env: {variable}")),
            "{variable}:\n{stdout}"
        );
    }
}
