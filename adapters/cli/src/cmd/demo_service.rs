//! Step 8 of `vaultcred demo`: the credential backend service on a temporary SQLite file —
//! the org's config POSTed over HTTP, Test Connection, dispatch, the audit trail.

use serde_json::{Value, json};
use std::time::Duration;

use vaultcred_devvault::AppRoleCreds;
use vaultcred_server::{Db, Keyring, PlatformKey, Scope, Service, Settings};

use crate::failure::Failure;
use crate::output;

/// The platform key of the demo's throwaway database (never use a fixed key for real data).
const DEMO_KEY: &str = "ZGVtby1vbmx5LXBsYXRmb3JtLWtleS0zMi1ieXRlcyE=";

/// Runs the service against `vault_url` with the AppRole `creds`, and walks through its API.
pub(crate) fn run(
    org: &str,
    mount: &str,
    kind: &str,
    vault_url: &str,
    creds: &AppRoleCreds,
) -> Result<(), Failure> {
    let fail = |what: String| Failure::failed(format!("demo: {what}"));
    let dir = tempfile::Builder::new()
        .prefix("vaultcred-demo-db-")
        .tempdir()
        .map_err(|e| fail(format!("cannot create a temporary directory: {e}")))?;
    let url = format!("sqlite:{}", dir.path().join("vaultcred.db").display());
    let runtime = super::serve::runtime()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (base, admin, dispatch, task) = runtime.block_on(async {
        let db = Db::connect(&url).await.map_err(|e| fail(e.to_string()))?;
        let (_, admin) = db
            .create_key(org, Scope::Admin, "demo")
            .await
            .map_err(|e| fail(e.to_string()))?;
        let (_, dispatch) = db
            .create_key(org, Scope::Dispatch, "demo")
            .await
            .map_err(|e| fail(e.to_string()))?;
        let key = PlatformKey::from_base64(DEMO_KEY).map_err(|e| fail(e.to_string()))?;
        // DevVault is on loopback, which the service refuses unless the operator allows it.
        let settings = Settings::default()
            .allow_addr("127.0.0.1/32")
            .map_err(|e| fail(e.to_string()))?;
        let service =
            Service::new(db, Keyring::new(key), settings).map_err(|e| fail(e.to_string()))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| fail(format!("cannot listen: {e}")))?;
        let addr = listener.local_addr().map_err(|e| fail(e.to_string()))?;
        let task = tokio::spawn(service.serve(listener, async {
            let _ = stopped.await;
        }));
        Ok::<_, Failure>((format!("http://{addr}"), admin, dispatch, task))
    })?;
    println!("\n8. The credential backend service (`vaultcred serve`) on {url}, at {base}:");
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let call = |method: &str,
                path: &str,
                key: &str,
                body: Option<&Value>|
     -> Result<(u16, Value), Failure> {
        let url = format!("{base}{path}");
        let auth = format!("Bearer {key}");
        let response = match (method, body) {
            ("POST", Some(body)) => agent
                .post(&url)
                .header("authorization", &auth)
                .content_type("application/json")
                .send(body.to_string().as_bytes()),
            ("POST", None) => agent.post(&url).header("authorization", &auth).send_empty(),
            _ => agent.get(&url).header("authorization", &auth).call(),
        };
        let mut response = response.map_err(|e| fail(format!("{method} {path}: {e}")))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    };
    let config = json!({
        "providerType": "vault",
        "config": {"addr": vault_url, "mount": mount, "authMode": "approle",
                   "roleId": creds.role_id, "secretId": creds.secret_id},
    });
    let (status, saved) = call("POST", "/api/org/credential-backend", &admin, Some(&config))?;
    println!(
        "   POST /api/org/credential-backend (admin key) → {status}, stored sealed, answered redacted:\n   {saved}"
    );
    if status != 200 {
        return Err(fail(format!("the config was refused ({status})")));
    }
    let (status, health) = call(
        "POST",
        "/api/org/credential-backend/vault/health",
        &admin,
        None,
    )?;
    println!("   POST …/vault/health (Test Connection) → {status} {health}");
    if health["ok"] != true {
        return Err(fail("the service's health check failed".into()));
    }
    let (status, mut credential) = call(
        "GET",
        &format!("/api/org/credentials/{kind}"),
        &dispatch,
        None,
    )?;
    if let Some(value) = credential
        .get_mut("value")
        .and_then(|v| v.as_str().map(output::mask))
    {
        credential["value"] = value.into();
    }
    println!("   GET /api/org/credentials/{kind} (dispatch key) → {status} {credential}");
    if status != 200 {
        return Err(fail(format!("dispatch answered {status}")));
    }
    let (status, audit) = call("GET", "/api/org/credential-backend/audit", &admin, None)?;
    let entries = audit["entries"].as_array().map_or(0, Vec::len);
    println!("   GET …/audit → {status}: {entries} change(s), secrets only as \"set\"/\"changed\"");
    let (status, refused) = call("GET", "/api/org/credential-backend", &dispatch, None)?;
    println!(
        "   A dispatch key cannot read the config → {status} {}",
        refused["error"]["reason"]
    );
    let _ = stop.send(());
    runtime
        .block_on(task)
        .map_err(|e| fail(e.to_string()))?
        .map_err(|e| fail(e.to_string()))?;
    Ok(())
}
