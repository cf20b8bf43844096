//! `vaultcred demo`: a self-contained walk-through against an in-process DevVault.

use std::time::{Duration, Instant, SystemTime};

use vaultcred_core::VaultConfig;
use vaultcred_devvault::DevVault;
use vaultcred_ureq::Client;

use crate::cmd::devsetup;
use crate::failure::{EXIT_OK, Failure};
use crate::output;

const ORG: &str = devsetup::SAMPLE_ORG;
const MOUNT: &str = devsetup::SAMPLE_MOUNT;
const API_KEY: &str = "anthropic-api-key";
const JIRA: &str = "jira-credentials";
const KINDS: [&str; 2] = [API_KEY, JIRA];
/// Token TTL of the demo's AppRole: refreshAt = login + 0.8 × 2 s, so a rotation shows quickly.
const APPROLE_TTL: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the walk-through; exit 0 when every step behaved as described.
pub(crate) fn run() -> Result<u8, Failure> {
    let started = Instant::now();
    let fail = |what: &str| Failure::failed(format!("demo: {what}"));
    say("vaultcred demo: resolving per-org credentials from a Vault-compatible server.");
    say(&format!(
        "Values are masked (first min(4, len/4) characters, then {}); pass --reveal to \
         `vaultcred resolve` to see them.\n",
        output::MASK
    ));

    // 1. The server.
    let dev = DevVault::start().map_err(|e| fail(&e.to_string()))?;
    let url = dev.url();
    say(&format!(
        "1. Started DevVault (an embedded Vault-compatible server) at {url}"
    ));

    // 2. The secrets and a policy for the org.
    let mut v1 = 0;
    for (kind, data) in devsetup::sample_secrets() {
        let version = dev.kv_put(MOUNT, &format!("{ORG}/{kind}"), data);
        if kind == API_KEY {
            v1 = version;
        }
    }
    let policy = "org_abc123-read";
    let glob = devsetup::org_glob(MOUNT, ORG).map_err(|e| fail(&e))?;
    dev.put_policy(policy, &[&glob]);
    say(&format!(
        "2. Stored secrets for {ORG} (policy {policy:?} allows reading {glob}):\n   \
         {MOUNT}/{ORG}/{API_KEY}: {{\"value\": ...}}   (a single value, version {v1})\n   \
         {MOUNT}/{ORG}/{JIRA}: {{\"site\", \"email\", \"apiToken\"}}   (several fields → multiField)"
    ));

    // 3. Token auth.
    let token = dev.create_token(&[policy], None);
    let token_config =
        VaultConfig::token(&url, MOUNT, &token).map_err(|_| fail("token config refused"))?;
    let token_client = client(token_config)?;
    say("\n3. Token auth (a static Vault token; refreshAt = resolvedAt + 1 h):");
    resolve_all(&token_client)?;
    match token_client.resolve(ORG, "linear-oauth") {
        Ok(_) => return Err(fail("linear-oauth unexpectedly resolved")),
        Err(err) => {
            say("   A kind that is not stored fails with a machine-readable reason:");
            show_json(&output::failure_line(None, ORG, "linear-oauth", &err));
        }
    }

    // 4. AppRole auth, with a short token TTL so refresh happens within the demo.
    let creds = dev.create_approle("demo-approle", &[policy], APPROLE_TTL);
    let approle_config = VaultConfig::approle(&url, MOUNT, &creds.role_id, &creds.secret_id)
        .map_err(|_| fail("AppRole config refused"))?;
    let approle_client = client(approle_config)?;
    let events = approle_client.subscribe();
    say(&format!(
        "\n4. AppRole auth (roleId + secretId → token with a {} s TTL; refreshAt = login + 0.8 × TTL):",
        APPROLE_TTL.as_secs()
    ));
    let resolved = resolve_all(&approle_client)?;
    say(&format!(
        "   Both kinds shared one login: {} AppRole login(s).",
        dev.count(
            "POST",
            &format!("/v1/{}", vaultcred_core::auth::APPROLE_LOGIN_PATH)
        )
    ));

    // 5. Kubernetes auth with a ServiceAccount JWT in a file.
    let dir = tempfile::Builder::new()
        .prefix("vaultcred-demo-")
        .tempdir()
        .map_err(|e| fail(&format!("cannot create a temporary directory: {e}")))?;
    let jwt_path = dir.path().join("token");
    let jwt = devsetup::fake_service_account_jwt("default", "demo")?;
    devsetup::write_private(&jwt_path, jwt.as_bytes())?;
    dev.create_k8s_role("demo-k8s", &[policy], Duration::from_secs(3600));
    dev.register_jwt("demo-k8s", &jwt);
    let k8s_config =
        VaultConfig::kubernetes(&url, MOUNT, "demo-k8s", Some(&jwt_path.to_string_lossy()))
            .map_err(|_| fail("Kubernetes config refused"))?;
    let k8s_client = client(k8s_config)?;
    say(&format!(
        "\n5. Kubernetes auth (role \"demo-k8s\", ServiceAccount JWT read from {}):",
        jwt_path.display()
    ));
    resolve_all(&k8s_client)?;

    // 6. Health checks.
    say("\n6. Health checks (reachability + valid credentials):");
    for (mode, c) in [
        ("token", &token_client),
        ("approle", &approle_client),
        ("kubernetes", &k8s_client),
    ] {
        let report = c.health(ORG);
        say(&format!("   {mode:<10} {}", report.to_json()));
        if !report.ok {
            return Err(fail(&format!("the {mode} health check failed")));
        }
    }

    // 7. Rotation.
    let v2 = dev.kv_put(
        MOUNT,
        &format!("{ORG}/{API_KEY}"),
        serde_json::json!({"value": "sk-ant-api03-DEMO-0000000000000000000000000002"}),
    );
    let refresh_at = resolved
        .first()
        .map(|c| c.refresh_at())
        .unwrap_or_else(SystemTime::now);
    let wait = refresh_at
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
        + Duration::from_millis(50);
    say(&format!(
        "\n7. Rotation: wrote version {v2} of {API_KEY}; the AppRole client re-resolves after \
         its refreshAt ({}), in {:.1} s …",
        output::timestamp(refresh_at),
        wait.as_secs_f64()
    ));
    std::thread::sleep(wait);
    let rotated = approle_client
        .resolve(ORG, API_KEY)
        .map_err(|e| fail(&format!("re-resolve failed: {}", e.reason.as_str())))?;
    show_json(&output::credential_line(Some("rotated"), &rotated, false));
    if rotated.version() != Some(v2) {
        return Err(fail("the re-resolve did not see the new version"));
    }
    match events.recv_timeout(Duration::from_secs(2)) {
        Ok(event) => say(&format!(
            "   Rotation event from subscribe(): org {} kind {} version {} → {}",
            event.org_id,
            event.kind,
            version_text(event.old_version),
            version_text(event.new_version)
        )),
        Err(_) => return Err(fail("no rotation event arrived")),
    }

    // 8. The service.
    super::demo_service::run(ORG, MOUNT, API_KEY, &url, &creds)?;

    say(&format!(
        "\nDone in {:.1} s. Next: `vaultcred serve --dev` for the service with curl commands to \
         paste, `vaultcred dev-server` for a Vault to try the other commands against, and \
         `vaultcred --help`.",
        started.elapsed().as_secs_f64()
    ));
    Ok(EXIT_OK)
}

fn say(text: &str) {
    println!("{text}");
}

fn show_json(line: &serde_json::Value) {
    println!("   {line}");
}

fn version_text(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn client(config: VaultConfig) -> Result<Client, Failure> {
    let client = Client::builder()
        .timeout(TIMEOUT)
        // The demo's JWT file is in its own temporary directory.
        .allow_jwt_path(format!("{}/", std::env::temp_dir().display()))
        .build()
        .map_err(|e| Failure::failed(format!("demo: cannot build the client: {e}")))?;
    client
        .register(ORG, config)
        .map_err(|e| Failure::failed(format!("demo: {e}")))?;
    Ok(client)
}

/// Resolves both kinds, printing their (masked) lines; any failure ends the demo.
fn resolve_all(
    client: &Client,
) -> Result<Vec<std::sync::Arc<vaultcred_core::Credential>>, Failure> {
    let mut out = Vec::new();
    for kind in KINDS {
        match client.resolve(ORG, kind) {
            Ok(cred) => {
                show_json(&output::credential_line(None, &cred, false));
                out.push(cred);
            }
            Err(err) => {
                show_json(&output::failure_line(None, ORG, kind, &err));
                return Err(Failure::failed(format!(
                    "demo: {kind} did not resolve ({})",
                    err.reason.as_str()
                )));
            }
        }
    }
    Ok(out)
}
