//! Helpers shared by `dev-server` and `demo`: DevVault policies, fake Kubernetes JWTs and
//! private files.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use vaultcred_core::path::{PathTemplate, validate_mount};

use crate::failure::Failure;

/// The org of the sample secrets.
pub(crate) const SAMPLE_ORG: &str = "org_abc123";
/// The KV v2 mount of the sample secrets.
pub(crate) const SAMPLE_MOUNT: &str = "secret";

/// The sample secrets `demo` and `dev-server` start with: `(kind, data)` for [`SAMPLE_ORG`] in
/// [`SAMPLE_MOUNT`] — a single value and a multi-field secret.
pub(crate) fn sample_secrets() -> [(&'static str, serde_json::Value); 2] {
    [
        (
            "anthropic-api-key",
            serde_json::json!({"value": "sk-ant-api03-DEMO-0000000000000000000000000001"}),
        ),
        (
            "jira-credentials",
            serde_json::json!({
                "site": "myorg.atlassian.net",
                "email": "bot@example.com",
                "apiToken": "ATATT3xFfGF0DEMO000000000000",
            }),
        ),
    ]
}

/// The ACL glob granting read on every secret of `mount` under the default path template
/// (e.g. `secret/data/*`), derived from the core's template.
pub(crate) fn data_glob(mount: &str) -> Result<String, String> {
    let mount = validate_mount(mount)?;
    let template = PathTemplate::parse(PathTemplate::DEFAULT)
        .map_err(|_| "the default path template does not parse".to_owned())?;
    let prefix = template
        .org_prefix(&mount, "_")
        .map_err(|e| e.to_string())?;
    let base = prefix.strip_suffix("_/").unwrap_or(&prefix);
    Ok(format!("{base}*"))
}

/// The ACL glob granting read on one org's secrets (e.g. `secret/data/org_abc123/*`).
pub(crate) fn org_glob(mount: &str, org: &str) -> Result<String, String> {
    let mount = validate_mount(mount)?;
    let template = PathTemplate::parse(PathTemplate::DEFAULT)
        .map_err(|_| "the default path template does not parse".to_owned())?;
    let prefix = template
        .org_prefix(&mount, org)
        .map_err(|e| e.to_string())?;
    Ok(format!("{prefix}*"))
}

/// The ACL glob granting read on one org's secrets under any single-segment mount
/// (`+/data/org_abc123/*`: Vault's `+` matches one path segment), so that a config naming a mount
/// that does not exist reads a 404 from Vault (`mount_not_found`) instead of a denied read.
pub(crate) fn any_mount_org_glob(org: &str) -> Result<String, String> {
    let glob = org_glob("m", org)?;
    glob.strip_prefix("m/")
        .map(|rest| format!("+/{rest}"))
        .ok_or_else(|| "the default path template does not start with {mount}".to_owned())
}

/// A random, JWT-shaped Kubernetes ServiceAccount token for `namespace`/`name` (DevVault does not
/// verify signatures; it accepts exactly the JWTs registered with it).
pub(crate) fn fake_service_account_jwt(namespace: &str, name: &str) -> Result<String, Failure> {
    let mut signature = [0u8; 48];
    getrandom::fill(&mut signature)
        .map_err(|e| Failure::failed(format!("cannot draw random bytes: {e}")))?;
    let header = serde_json::json!({"alg": "RS256", "kid": "vaultcred-dev", "typ": "JWT"});
    let claims = serde_json::json!({
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/service-account.name": name,
        "sub": format!("system:serviceaccount:{namespace}:{name}"),
    });
    Ok(format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// Writes `contents` to a new file readable only by the owner (on Unix).
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut f| f.write_all(contents))
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_follow_the_default_template() {
        assert_eq!(data_glob("secret").as_deref(), Ok("secret/data/*"));
        assert_eq!(data_glob("/kv/").as_deref(), Ok("kv/data/*"));
        assert_eq!(
            org_glob("secret", "org_abc123").as_deref(),
            Ok("secret/data/org_abc123/*")
        );
        assert_eq!(
            any_mount_org_glob("org_abc123").as_deref(),
            Ok("+/data/org_abc123/*")
        );
        assert!(data_glob("a/../b").is_err());
    }

    #[test]
    fn jwt_is_three_base64url_parts() {
        let jwt = fake_service_account_jwt("default", "vaultcred").unwrap();
        assert_eq!(jwt.split('.').count(), 3);
        assert_ne!(
            jwt,
            fake_service_account_jwt("default", "vaultcred").unwrap()
        );
    }
}
