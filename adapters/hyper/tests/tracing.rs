//! Tracing events: present, on target `vaultcred`, and free of tokens and secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vaultcred_devvault::DevVault;
use vaultcred_hyper::{Client, VaultConfig};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn events_are_logged_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let dev = DevVault::start().unwrap();
    dev.put_policy("org-a", &["secret/data/org_a/*"]);
    dev.kv_put("secret", "org_a/a", json!({"value": "s3cr3t-value"}));
    let creds = dev.create_approle("role-a", &["org-a"], Duration::from_secs(3600));
    let client = Client::new();
    let config = VaultConfig::approle(&dev.url(), "secret", &creds.role_id, &creds.secret_id);
    client.register("org_a", config.unwrap()).unwrap();

    client.resolve("org_a", "a").await.unwrap();
    client.resolve("org_a", "missing").await.unwrap_err();

    let token = dev
        .requests()
        .iter()
        .find_map(|r| r.header("x-vault-token").map(str::to_owned))
        .expect("the read carried the login token");
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for expected in [
        "vaultcred: vault http exchange",
        "path=\"/v1/auth/approle/login\"",
        "status=200",
        "credential resolved",
        "version=1",
        "WARN vaultcred: credential not resolved",
        "reason=missing",
    ] {
        assert!(log.contains(expected), "{expected:?} missing from:\n{log}");
    }
    for secret in [
        token.as_str(),
        &creds.secret_id,
        &creds.role_id,
        "s3cr3t-value",
    ] {
        assert!(!log.contains(secret), "a secret leaked into:\n{log}");
    }
}
