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
    match parse_login_fast(body) {
        Some(login) => Ok(login),
        None => parse_login_full(body, scrubber),
    }
}

/// [`parse_login`] for any body: parsed into a `Value`, every shape explained.
fn parse_login_full(body: &[u8], scrubber: &Scrubber<'_>) -> Result<Login, (Reason, String)> {
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

/// The well-formed login (or renewal) answer, reading only the three fields the core uses;
/// serde skips the rest (policies, metadata, accessor…) without building it.
#[derive(serde::Deserialize)]
struct FastLogin {
    auth: Option<FastAuth>,
    #[serde(default)]
    errors: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct FastAuth {
    client_token: String,
    #[serde(default)]
    lease_duration: Option<u64>,
    #[serde(default)]
    renewable: Option<bool>,
}

/// The hot path of [`parse_login`]: an `auth` block with a usable token, an unsigned lease and
/// a boolean (or absent) `renewable`, and no `errors`. Anything else (a type mismatch, a
/// duplicate key, an empty or unsendable token) returns `None`, and the `Value`-based path
/// produces the precise outcome and message, so both paths always agree.
fn parse_login_fast(body: &[u8]) -> Option<Login> {
    let login: FastLogin = serde_json::from_slice(body).ok()?;
    if login.errors.is_some() {
        return None;
    }
    let auth = login.auth?;
    let token = &auth.client_token;
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    Some(Login {
        token: SecretString::from(auth.client_token),
        lease_secs: auth
            .lease_duration
            .unwrap_or(0)
            .min(crate::refresh::MAX_LEASE_SECS),
        renewable: auth.renewable.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path and the full path agree on every shape they both accept, and the fast
    /// path declines everything else.
    #[test]
    fn the_fast_path_agrees_with_the_full_one() {
        let s = Scrubber::default();
        for body in [
            &br#"{"auth":{"client_token":"hvs.x","lease_duration":1200,"renewable":true}}"#[..],
            br#"{"auth":{"client_token":"hvs.x"},"warnings":["w"],"data":null}"#,
            br#"{"auth":{"client_token":"hvs.x","lease_duration":null,"policies":["a"]}}"#,
            br#"{"auth":{"client_token":"hvs.x","lease_duration":18446744073709551615}}"#,
        ] {
            let fast = parse_login_fast(body).expect("fast path");
            let full = parse_login_full(body, &s).unwrap();
            assert_eq!(
                (fast.token.expose(), fast.lease_secs, fast.renewable),
                (full.token.expose(), full.lease_secs, full.renewable),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        for body in [
            &br#"{"auth":{"client_token":""}}"#[..],
            br#"{"auth":{"client_token":"hvs x"}}"#,
            br#"{"auth":{"client_token":"hvs.x","lease_duration":-1}}"#,
            br#"{"auth":{"client_token":"hvs.x","lease_duration":1.5}}"#,
            br#"{"auth":{"client_token":"hvs.x","renewable":"yes"}}"#,
            br#"{"auth":{"client_token":"hvs.x"},"errors":["e"]}"#,
            br#"{"auth":{"client_token":"hvs.x","client_token":"hvs.y"}}"#,
            br#"{"auth":null}"#,
            br#"[]"#,
        ] {
            assert!(
                parse_login_fast(body).is_none(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

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
