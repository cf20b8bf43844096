//! The service's log holds no secret, even at trace level: `vaultcred -vv serve` through the
//! API's paths that touch secrets, its whole stderr grepped for canaries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::{create_key, db_url, http, key_file, signal, vaultcred};

const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn the_service_log_holds_no_secret_even_at_trace() {
    use vaultcred_devvault::DevVault;
    let dev = DevVault::start().unwrap();
    dev.put_policy("org-read", &["secret/data/org_a/*"]);
    dev.kv_put(
        "secret",
        "org_a/api-key",
        serde_json::json!({"value": "sk-LOG-CANARY-VALUE"}),
    );
    let creds = dev.create_approle("log", &["org-read"], Duration::from_secs(3600));
    let token = dev.create_token(&["org-read"], None);
    let dir = tempfile::tempdir().unwrap();
    let db = db_url(dir.path());
    let key = key_file(dir.path(), "platform.key", KEY);
    let admin = create_key(&db, "org_a", "admin");
    let dispatch = create_key(&db, "org_a", "dispatch");
    let (admin, dispatch) = (admin.as_str(), dispatch.as_str());
    let log = dir.path().join("service.log");
    let mut child = vaultcred()
        .args([
            "-vv",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allow-addr",
            "127.0.0.1/32",
            "--db",
            &db,
            "--key-file",
        ])
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let copier = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        let mut told = false;
        while let Ok(n) = std::io::Read::read(&mut stderr, &mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
            if !told && let Some(i) = String::from_utf8_lossy(&all).find("addr=") {
                let text = String::from_utf8_lossy(&all).into_owned();
                let addr: String = text[i + 5..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                let _ = tx.send(addr);
                told = true;
            }
        }
        all
    });
    let addr = rx.recv_timeout(LIMIT).unwrap();
    let approle = serde_json::json!({"providerType": "vault", "config": {"addr": dev.url(), "mount": "secret",
        "authMode": "approle", "roleId": creds.role_id, "secretId": creds.secret_id}});
    let (status, _) = http(
        &addr,
        "POST",
        "/api/org/credential-backend",
        Some(admin),
        &approle.to_string(),
    );
    assert_eq!(status, 200);
    assert_eq!(
        http(
            &addr,
            "GET",
            "/api/org/credentials/api-key",
            Some(dispatch),
            ""
        )
        .0,
        200
    );
    assert_eq!(
        http(
            &addr,
            "GET",
            "/api/org/credentials/absent",
            Some(dispatch),
            ""
        )
        .0,
        404
    );
    let tokened = serde_json::json!({"providerType": "vault", "config": {"addr": dev.url(), "mount": "secret",
        "authMode": "token", "token": token}});
    assert_eq!(
        http(
            &addr,
            "POST",
            "/api/org/credential-backend/vault/health",
            Some(admin),
            &tokened.to_string()
        )
        .0,
        200
    );
    assert_eq!(
        http(
            &addr,
            "POST",
            "/api/org/credential-backend",
            Some(admin),
            &tokened.to_string()
        )
        .0,
        200
    );
    assert_eq!(
        http(
            &addr,
            "GET",
            "/api/org/credentials/api-key",
            Some(dispatch),
            ""
        )
        .0,
        200
    );
    signal(&child, "TERM");
    assert!(child.wait().unwrap().success());
    let text = String::from_utf8(copier.join().unwrap()).unwrap();
    std::fs::write(&log, &text).unwrap();
    assert!(
        text.contains("vault http exchange"),
        "trace level reached the adapters: {text}"
    );
    for canary in [
        creds.secret_id.as_str(),
        token.as_str(),
        "sk-LOG-CANARY-VALUE",
        admin,
        dispatch,
    ] {
        assert!(!text.contains(canary), "{canary} in the service log");
    }
}
