//! Logins (AppRole, Kubernetes) and the token lookup used by health checks.

use crate::config::VaultConfig;
use crate::error::Reason;
use crate::scrub::Scrubber;
use crate::secret::SecretString;
use crate::wire::{build_request, lease_secs};
use http::{Method, Request};
use serde_json::Value;

/// API path of the AppRole login.
pub const APPROLE_LOGIN_PATH: &str = "auth/approle/login";
/// API path of the Kubernetes login.
pub const KUBERNETES_LOGIN_PATH: &str = "auth/kubernetes/login";
/// API path of the token self-lookup.
pub const LOOKUP_SELF_PATH: &str = "auth/token/lookup-self";

/// API path of the token self-renewal.
pub const RENEW_SELF_PATH: &str = "auth/token/renew-self";
/// API path of the token self-revocation.
pub const REVOKE_SELF_PATH: &str = "auth/token/revoke-self";

/// A token obtained by a login (or confirmed by a renewal).
pub(crate) struct Login {
    pub token: SecretString,
    pub lease_secs: u64,
    pub renewable: bool,
}

/// What `lookup-self` says of a token's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenInfo {
    /// Seconds left (0: never expires).
    pub ttl_secs: u64,
    pub renewable: bool,
}

#[derive(serde::Serialize)]
struct AppRoleBody<'a> {
    role_id: &'a str,
    secret_id: &'a str,
}

#[derive(serde::Serialize)]
struct KubernetesBody<'a> {
    role: &'a str,
    jwt: &'a str,
}

/// Serialises a login body straight into the buffer the transport will own, so no other copy
/// of the secret is left behind.
fn json_body(body: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

pub(crate) fn approle_request(
    config: &VaultConfig,
    auth_mount: &str,
    role_id: &SecretString,
    secret_id: &SecretString,
) -> Request<Vec<u8>> {
    let body = AppRoleBody {
        role_id: role_id.expose(),
        secret_id: secret_id.expose(),
    };
    let path = format!("auth/{auth_mount}/login");
    build_request(config, Method::POST, &path, None, Some(json_body(&body)))
}

pub(crate) fn kubernetes_request(
    config: &VaultConfig,
    auth_mount: &str,
    role: &str,
    jwt: &SecretString,
) -> Request<Vec<u8>> {
    let body = KubernetesBody {
        role,
        jwt: jwt.expose(),
    };
    let path = format!("auth/{auth_mount}/login");
    build_request(config, Method::POST, &path, None, Some(json_body(&body)))
}

/// `sys/wrapping/lookup` of a wrapping token (sent in the body, no client token: the endpoint
/// is unauthenticated, and a lookup does not use the token up).
pub(crate) fn wrapping_lookup_request(
    config: &VaultConfig,
    wrapping: &SecretString,
) -> Request<Vec<u8>> {
    let body = json_body(&serde_json::json!({ "token": wrapping.expose() }));
    build_request(
        config,
        Method::POST,
        "sys/wrapping/lookup",
        None,
        Some(body),
    )
}

/// `sys/wrapping/unwrap` with the wrapping token as the client token (and not in the body too:
/// using it twice would revoke it).
pub(crate) fn unwrap_request(config: &VaultConfig, wrapping: &SecretString) -> Request<Vec<u8>> {
    build_request(
        config,
        Method::POST,
        "sys/wrapping/unwrap",
        Some(wrapping),
        None,
    )
}

pub(crate) fn lookup_self_request(config: &VaultConfig, token: &SecretString) -> Request<Vec<u8>> {
    build_request(config, Method::GET, LOOKUP_SELF_PATH, Some(token), None)
}

/// `renew-self` asking for `increment_secs` more.
pub(crate) fn renew_self_request(
    config: &VaultConfig,
    token: &SecretString,
    increment_secs: u64,
) -> Request<Vec<u8>> {
    let body = format!(r#"{{"increment":"{increment_secs}s"}}"#).into_bytes();
    build_request(
        config,
        Method::POST,
        RENEW_SELF_PATH,
        Some(token),
        Some(body),
    )
}

/// `revoke-self`: the token revokes itself (best effort, when it is dropped).
pub(crate) fn revoke_self_request(config: &VaultConfig, token: &SecretString) -> Request<Vec<u8>> {
    build_request(config, Method::POST, REVOKE_SELF_PATH, Some(token), None)
}

/// Parses a 200 `lookup-self` answer: `data.ttl` and `data.renewable` (absent: not renewable).
pub(crate) fn parse_lookup(body: &[u8]) -> Result<TokenInfo, (Reason, String)> {
    let invalid = |what: &str| {
        (
            Reason::InvalidResponse,
            format!("unreadable token lookup response: {what}"),
        )
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| invalid("not valid JSON"))?;
    let Some(data) = value.get("data").and_then(Value::as_object) else {
        return Err(invalid("no \"data\" object"));
    };
    let ttl_secs = lease_secs(data.get("ttl"), "data.ttl").map_err(|m| invalid(&m))?;
    let renewable = data
        .get("renewable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(TokenInfo {
        ttl_secs,
        renewable,
    })
}

/// Parses a 200 login answer.
pub(crate) fn parse_login(body: &[u8], scrubber: &Scrubber<'_>) -> Result<Login, (Reason, String)> {
    let invalid = |what: &str| {
        (
            Reason::InvalidResponse,
            format!("unreadable login response: {what}"),
        )
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| invalid("not valid JSON"))?;
    let Some(object) = value.as_object() else {
        return Err(invalid("the body is not a JSON object"));
    };
    let auth = match object.get("auth") {
        Some(Value::Object(auth)) => auth,
        _ => {
            if let Some(said) = crate::wire::error_array(object) {
                return Err((
                    Reason::AuthFailed,
                    format!(
                        "login answered 200 with errors: {}",
                        scrubber.scrub(&crate::wire::flatten_errors(&said))
                    ),
                ));
            }
            return Err(invalid("no \"auth\" block"));
        }
    };
    let token = match auth.get("client_token") {
        Some(Value::String(t)) if !t.is_empty() => SecretString::new(t.as_str()),
        Some(Value::String(_)) => {
            return Err(
                if auth.get("mfa_requirement").is_some_and(|m| !m.is_null()) {
                    (
                        Reason::AuthFailed,
                        "login requires MFA, which vaultcred does not perform".into(),
                    )
                } else {
                    invalid("empty client_token")
                },
            );
        }
        _ => return Err(invalid("no client_token")),
    };
    if token.expose().chars().any(|c| !c.is_ascii_graphic()) {
        return Err(invalid(
            "client_token has characters not allowed in a header",
        ));
    }
    let lease =
        lease_secs(auth.get("lease_duration"), "auth.lease_duration").map_err(|m| invalid(&m))?;
    let renewable = auth
        .get("renewable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Login {
        token,
        lease_secs: lease,
        renewable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_shapes() {
        let s = Scrubber::default();
        let ok = parse_login(
            br#"{"auth":{"client_token":"hvs.x","lease_duration":1200}}"#,
            &s,
        )
        .unwrap();
        assert_eq!((ok.token.expose(), ok.lease_secs), ("hvs.x", 1200));
        for (body, reason) in [
            (
                &br#"{"auth":null,"data":null}"#[..],
                Reason::InvalidResponse,
            ),
            (br#"{"auth":{"client_token":""}}"#, Reason::InvalidResponse),
            (
                br#"{"auth":{"client_token":"","mfa_requirement":{"mfa_request_id":"x"}}}"#,
                Reason::AuthFailed,
            ),
            (
                br#"{"auth":{"client_token":"a b"}}"#,
                Reason::InvalidResponse,
            ),
            (
                br#"{"auth":{"client_token":"t","lease_duration":"1h"}}"#,
                Reason::InvalidResponse,
            ),
            (br#"{"errors":["nope"]}"#, Reason::AuthFailed),
            (b"oops", Reason::InvalidResponse),
        ] {
            assert_eq!(
                parse_login(body, &s).err().map(|e| e.0),
                Some(reason),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
