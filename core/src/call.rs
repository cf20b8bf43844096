//! What an HTTP call the core asked for does, told from its path: for hosts that count the
//! calls they make (metrics) without knowing Vault's API themselves.

use crate::auth::{LOOKUP_SELF_PATH, RENEW_SELF_PATH, REVOKE_SELF_PATH};

/// The kind of a Vault call.
///
/// ```
/// use vaultcred_core::call::Call;
/// assert_eq!(Call::of("/v1/auth/approle/login"), Call::Login);
/// assert_eq!(Call::of("/v1/auth/my-k8s/login"), Call::Login);
/// assert_eq!(Call::of("/v1/auth/token/renew-self"), Call::Renew);
/// assert_eq!(Call::of("/v1/secret/data/org_abc123/api-key"), Call::Read);
/// assert_eq!(Call::of("/v1/sys/capabilities-self").as_str(), "other");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// A login (AppRole or Kubernetes, at any auth mount).
    Login,
    /// `renew-self` of the login token.
    Renew,
    /// `lookup-self` of a token.
    Lookup,
    /// `revoke-self` of a login token.
    Revoke,
    /// A read of a secret (anything outside `auth/` and `sys/`).
    Read,
    /// Anything else: unwrapping, health checks' mount and capability lookups.
    Other,
}

impl Call {
    /// The kind of the call to `path` (`/v1/…` or the API path without the prefix).
    pub fn of(path: &str) -> Call {
        let path = path.trim_start_matches('/');
        let path = path.strip_prefix("v1/").unwrap_or(path);
        match path {
            RENEW_SELF_PATH => Call::Renew,
            LOOKUP_SELF_PATH => Call::Lookup,
            REVOKE_SELF_PATH => Call::Revoke,
            p if p.starts_with("auth/") && p.ends_with("/login") => Call::Login,
            p if p.starts_with("auth/") || p.starts_with("sys/") => Call::Other,
            _ => Call::Read,
        }
    }

    /// `login`, `renew`, `lookup`, `revoke`, `read` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Call::Login => "login",
            Call::Renew => "renew",
            Call::Lookup => "lookup",
            Call::Revoke => "revoke",
            Call::Read => "read",
            Call::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_told_apart_by_their_path() {
        for (path, call) in [
            ("/v1/auth/approle/login", Call::Login),
            ("auth/kubernetes/login", Call::Login),
            ("/v1/auth/token/renew-self", Call::Renew),
            ("/v1/auth/token/lookup-self", Call::Lookup),
            ("/v1/auth/token/revoke-self", Call::Revoke),
            ("/v1/sys/wrapping/unwrap", Call::Other),
            ("/v1/sys/internal/ui/mounts/secret", Call::Other),
            ("/v1/secret/data/org_a/kind", Call::Read),
            ("/v1/kv/data/login", Call::Read),
        ] {
            assert_eq!(Call::of(path), call, "{path}");
        }
    }
}
