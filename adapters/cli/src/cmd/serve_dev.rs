//! `vaultcred serve --dev`: DevVault, the service on a temporary SQLite file with a fresh
//! platform key, an admin and a dispatch key for the sample org, the Settings page's address, and
//! curl commands to paste.

use base64::Engine as _;
use std::time::Duration;

use vaultcred_devvault::DevVault;
use vaultcred_server::{Db, Keyring, PlatformKey, Scope};

use super::devsetup::{SAMPLE_MOUNT, SAMPLE_ORG, any_mount_org_glob, org_glob, sample_secrets};
use super::serve::{runtime, serve, settings};
use crate::cli::ServeArgs;
use crate::failure::{EXIT_FAILED, Failure};

/// Starts everything, prints the walk-through, serves until SIGINT or SIGTERM.
pub(crate) fn run(args: &ServeArgs, verbose: u8) -> Result<u8, Failure> {
    let dev = DevVault::start().map_err(|e| Failure {
        code: EXIT_FAILED,
        lines: vec![e.to_string()],
    })?;
    for (kind, data) in sample_secrets() {
        dev.kv_put(SAMPLE_MOUNT, &format!("{SAMPLE_ORG}/{kind}"), data);
    }
    let glob = org_glob(SAMPLE_MOUNT, SAMPLE_ORG).map_err(Failure::failed)?;
    // The org's paths under any mount too, so that a config naming a mount that does not
    // exist is told `mount_not_found` (Test Connection on the Settings page), not a denied read.
    let any_mount = any_mount_org_glob(SAMPLE_ORG).map_err(Failure::failed)?;
    let policy = format!("{SAMPLE_ORG}-read");
    dev.put_policy(&policy, &[&glob, &any_mount]);
    let approle = dev.create_approle(SAMPLE_ORG, &[&policy], Duration::from_secs(3600));

    let dir = tempfile::tempdir()
        .map_err(|e| Failure::failed(format!("cannot make a temporary directory: {e}")))?;
    let url = format!("sqlite:{}", dir.path().join("vaultcred.db").display());
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut *raw)
        .map_err(|e| Failure::failed(format!("cannot draw a random key: {e}")))?;
    let text = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(*raw));
    let key = PlatformKey::from_base64(&text)
        .map_err(|e| Failure::failed(format!("the fresh key: {e}")))?;

    let config = serde_json::json!({
        "providerType": "vault",
        "config": {
            "addr": dev.url(),
            "mount": SAMPLE_MOUNT,
            "authMode": "approle",
            "roleId": approle.role_id,
            "secretId": approle.secret_id,
        }
    });
    let result = runtime()?.block_on(async {
        let db = Db::connect(&url)
            .await
            .map_err(|e| Failure::failed(format!("the temporary database: {e}")))?;
        let make = |scope| {
            let db = db.clone();
            async move {
                db.create_key(SAMPLE_ORG, scope, "serve --dev")
                    .await
                    .map(|(_, key)| key)
                    .map_err(|e| Failure::failed(format!("cannot create a key: {e}")))
            }
        };
        let admin = make(Scope::Admin).await?;
        let dispatch = make(Scope::Dispatch).await?;
        let walkthrough = |addr| {
            println!(
                "{}",
                walkthrough(addr, &dev, &url, &admin, &dispatch, &config)
            );
        };
        // DevVault listens on loopback, which a service refuses unless allowed.
        let settings = settings(args)?
            .allow_addr("127.0.0.1/32")
            .map_err(|e| Failure::failed(e.to_string()))?;
        serve(
            db,
            Keyring::new(key),
            settings,
            args.listen,
            verbose,
            walkthrough,
        )
        .await
    });
    drop(dir);
    dev.shutdown();
    result
}

fn walkthrough(
    addr: std::net::SocketAddr,
    dev: &DevVault,
    url: &str,
    admin: &str,
    dispatch: &str,
    config: &serde_json::Value,
) -> String {
    format!(
        "\
vaultcred service (dev) on http://{addr}; Ctrl-C stops it and deletes its temporary database.
  DevVault      {vault} (root token {root})
  database      {url}
  org           {SAMPLE_ORG}
  admin key     {admin}
  dispatch key  {dispatch}
  Settings page http://{addr}{page} (sign in with the admin key)

Paste these in another terminal:
  export VC=http://{addr} ADMIN={admin} DISPATCH={dispatch}
  # Configure HashiCorp Vault for the org (AppRole):
  curl -s -X POST $VC/api/org/credential-backend -H \"authorization: Bearer $ADMIN\" \\
       -H 'content-type: application/json' -d '{config}'
  # Test Connection:
  curl -s -X POST $VC/api/org/credential-backend/vault/health -H \"authorization: Bearer $ADMIN\"
  # Dispatch reads a credential:
  curl -s $VC/api/org/credentials/anthropic-api-key -H \"authorization: Bearer $DISPATCH\"
  # Who changed what:
  curl -s $VC/api/org/credential-backend/audit -H \"authorization: Bearer $ADMIN\"",
        vault = dev.url(),
        root = dev.root_token(),
        page = vaultcred_server::SETTINGS_PAGE,
    )
}
