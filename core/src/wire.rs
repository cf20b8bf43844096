//! Vault's wire formats: request construction, error bodies and status-code rules.
//!
//! Vault answers errors as `{"errors":[...]}` (usually zero or one string; multierrors are
//! flattened into one string like `"1 error occurred:\n\t* permission denied\n\n"`). Some
//! Vault-compatible servers answer `{"error":"..."}`; both are read.

use crate::config::VaultConfig;
use crate::error::Reason;
use crate::scrub::Scrubber;
use crate::secret::SecretString;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::Value;

/// Header carrying the client token.
pub const TOKEN_HEADER: &str = "x-vault-token";
/// Header naming the Enterprise namespace.
pub const NAMESPACE_HEADER: &str = "x-vault-namespace";
/// SSRF guard header every Vault client sends.
pub const REQUEST_HEADER: &str = "x-vault-request";

// The same names as ready-made `HeaderName`s, so no request parses them again.
const TOKEN_NAME: http::HeaderName = http::HeaderName::from_static(TOKEN_HEADER);
const NAMESPACE_NAME: http::HeaderName = http::HeaderName::from_static(NAMESPACE_HEADER);
const REQUEST_NAME: http::HeaderName = http::HeaderName::from_static(REQUEST_HEADER);
/// The user agent vaultcred sends.
pub const USER_AGENT: &str = concat!("vaultcred/", env!("CARGO_PKG_VERSION"));

/// Builds a request to `{addr}/v1/{api_path}` with Vault's standard headers.
///
/// The token header is marked sensitive so HTTP libraries that honour the flag keep it out of
/// their own logs.
pub(crate) fn build_request(
    config: &VaultConfig,
    method: Method,
    api_path: &str,
    token: Option<&SecretString>,
    body: Option<Vec<u8>>,
) -> Request<Vec<u8>> {
    let mut path = String::with_capacity(config.path_prefix.len() + 4 + api_path.len());
    path.push_str(&config.path_prefix);
    path.push_str("/v1/");
    path.push_str(api_path);
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(config.scheme.clone());
    parts.authority = Some(config.authority.clone());
    // The path is built from validated, percent-encoded segments, so it always parses; were it
    // ever not to, the request would go to `/` and fail loudly at Vault, never elsewhere.
    parts.path_and_query = http::uri::PathAndQuery::try_from(path).ok();
    let has_body = body.is_some();
    let mut request = Request::new(body.unwrap_or_default());
    *request.method_mut() = method;
    if let Ok(uri) = http::Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    let headers = request.headers_mut();
    headers.reserve(5);
    headers.insert(REQUEST_NAME, HeaderValue::from_static("true"));
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static(USER_AGENT),
    );
    if let Some(ns) = &config.namespace {
        headers.insert(NAMESPACE_NAME, ns.clone());
    }
    if let Some(token) = token
        && let Ok(mut value) = HeaderValue::from_str(token.expose())
    {
        value.set_sensitive(true);
        headers.insert(TOKEN_NAME, value);
    }
    if has_body {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    request
}

/// The error strings of a Vault error body, either shape. `None` if the body is not one.
pub(crate) fn error_strings(body: &[u8]) -> Option<Vec<String>> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    if let Some(errors) = error_array(object) {
        return Some(errors);
    }
    if let Some(Value::String(error)) = object.get("error") {
        return Some(vec![error.clone()]);
    }
    None
}

/// The strings of an envelope's `errors` array (non-strings as JSON text), if it has one.
pub(crate) fn error_array(object: &serde_json::Map<String, Value>) -> Option<Vec<String>> {
    let Some(Value::Array(errors)) = object.get("errors") else {
        return None;
    };
    Some(
        errors
            .iter()
            .map(|e| match e {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
    )
}

/// Flattens Vault's multierror text (`"1 error occurred:\n\t* permission denied\n\n"`) to
/// `"permission denied"`, and several errors to `"a; b"`.
pub(crate) fn flatten_errors(errors: &[String]) -> String {
    let mut items = Vec::new();
    for e in errors {
        let trimmed = e.trim();
        let is_multi = trimmed
            .split_once(' ')
            .is_some_and(|(n, rest)| n.parse::<u32>().is_ok() && rest.starts_with("error"));
        if is_multi {
            for line in trimmed.lines().skip(1) {
                let item = line.trim().trim_start_matches('*').trim();
                if !item.is_empty() {
                    items.push(item.to_owned());
                }
            }
        } else if !trimmed.is_empty() {
            items.push(trimmed.to_owned());
        }
    }
    items.join("; ")
}

/// What Vault said, as a scrubbed one-line summary for a message: its error strings if the body
/// is a Vault error body, otherwise a note about the body.
pub(crate) fn server_text(status: StatusCode, body: &[u8], scrubber: &Scrubber<'_>) -> String {
    let said = match error_strings(body) {
        Some(errors) if !errors.is_empty() => flatten_errors(&errors),
        Some(_) => String::new(),
        None if body.is_empty() => String::new(),
        None => match std::str::from_utf8(body) {
            Ok(text) if looks_like_html(text) => "an HTML page (a proxy or load balancer?)".into(),
            // The whole text goes to the scrubber, which caps the length only after removing
            // secrets: a cut made first could leave a secret's first half behind.
            Ok(text) => format!("non-Vault body: {text}"),
            Err(_) => format!("{} bytes that are not UTF-8", body.len()),
        },
    };
    let said = scrubber.scrub(&said);
    if said.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        format!("HTTP {}: {said}", status.as_u16())
    }
}

fn looks_like_html(text: &str) -> bool {
    let head = text
        .trim_start()
        .get(..15)
        .unwrap_or("")
        .to_ascii_lowercase();
    head.starts_with("<!doctype") || head.starts_with("<html")
}

/// Whether a 403 body says the token itself was refused (unknown, expired or revoked), as
/// opposed to an ACL denial of a valid token. Vault before 1.17 answers a bad token with the
/// plain `"permission denied"`, 1.17+ with a text containing `"invalid token"`; an ACL denial is
/// the multierror `"1 error occurred:\n\t* permission denied\n\n"`. Anything else (no Vault
/// error body, other texts) is not a token refusal.
pub(crate) fn token_rejected(body: &[u8]) -> bool {
    error_strings(body).is_some_and(|errors| {
        errors.iter().any(|e| {
            let e = e.trim().trim_end_matches('.');
            e.contains("invalid token") || e.eq_ignore_ascii_case("permission denied")
        })
    })
}

/// Whether a 404 answer says the path is under no mount, or not under a KV v2 data path:
/// Vault's router has no handler for it, or the KV v2 engine warns the path is invalid.
pub(crate) fn mount_problem(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let texts = error_array(object).into_iter().flatten().chain(
        object
            .get("warnings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|w| w.as_str().map(str::to_owned)),
    );
    texts.into_iter().find(|t| {
        t.contains("no handler for route")
            || t.contains("Invalid path for a versioned K/V")
            || t.contains("Non-listing operations on the root of a K/V v2 mount")
    })
}

/// Whether a 503 body is Vault's "Vault is sealed".
pub(crate) fn is_sealed(body: &[u8]) -> bool {
    error_strings(body).is_some_and(|errors| errors.iter().any(|e| e.contains("Vault is sealed")))
}

/// `Retry-After` in seconds (Vault sends integer seconds). HTTP-dates are not honoured (no clock
/// parsing in the core); they fall back to the computed backoff.
pub(crate) fn retry_after_secs(response: &Response<Vec<u8>>) -> Option<u64> {
    response
        .headers()
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
}

/// A failure classified from a non-success status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub reason: Reason,
    pub message: String,
    /// Whether the request may be retried (the retry policy decides whether it is).
    pub retryable: bool,
}

/// Which kind of call a response answers; status rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// A KV read (idempotent).
    Read,
    /// token lookup-self (idempotent).
    Lookup,
    /// An AppRole or Kubernetes login.
    Login,
}

/// Classifies a response whose status is not the call's success. The caller handles 200 (and
/// 404 for reads) itself.
pub(crate) fn classify_status(
    call: Call,
    response: &Response<Vec<u8>>,
    scrubber: &Scrubber<'_>,
) -> Failure {
    let status = response.status();
    let body = response.body();
    let said = server_text(status, body, scrubber);
    let code = status.as_u16();
    let (reason, message, retryable) = match code {
        300..=399 => {
            let to = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(|l| {
                    origin_of(l)
                        .map_or_else(|| "a relative location".into(), |o| scrubber.scrub(&o))
                })
                .unwrap_or_else(|| "nowhere".into());
            (
                Reason::ServerError,
                format!(
                    "Vault answered a redirect (HTTP {code}) to {to}; redirects are not followed so the token never leaves the configured origin"
                ),
                false,
            )
        }
        400 if call == Call::Login => (Reason::AuthFailed, format!("login refused: {said}"), false),
        401 => (
            Reason::AuthFailed,
            format!("Vault refused the request as unauthenticated: {said}"),
            false,
        ),
        403 if call == Call::Login => (Reason::AuthFailed, format!("login refused: {said}"), false),
        403 if call == Call::Lookup => {
            (Reason::AuthFailed, format!("token refused: {said}"), false)
        }
        403 if token_rejected(body) => (
            Reason::AuthFailed,
            format!("Vault refused the token: {said}"),
            false,
        ),
        403 => (
            Reason::PermissionDenied,
            format!("Vault denied the read: {said}"),
            false,
        ),
        404 if call == Call::Lookup => (
            Reason::ServerError,
            format!("token lookup endpoint not found: {said}"),
            false,
        ),
        412 => (
            Reason::ServerError,
            format!("Vault is not ready for this request: {said}"),
            true,
        ),
        429 => (
            Reason::RateLimited,
            format!("Vault rate-limited the request: {said}"),
            true,
        ),
        503 if is_sealed(body) => (Reason::Sealed, "Vault is sealed".into(), false),
        501 => (
            Reason::ServerError,
            format!("Vault is not initialised or does not implement this: {said}"),
            false,
        ),
        500..=599 => (
            Reason::ServerError,
            format!("Vault server error: {said}"),
            true,
        ),
        _ => (
            Reason::ServerError,
            format!("unexpected answer from Vault: {said}"),
            false,
        ),
    };
    Failure {
        reason,
        message,
        retryable,
    }
}

/// `scheme://host[:port]` of an absolute URL, if it is one. Userinfo (`user:password@`) is
/// dropped: it may hold a credential.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let host = uri.host()?;
    Some(match uri.port_u16() {
        Some(port) => format!("{}://{host}:{port}", uri.scheme_str()?),
        None => format!("{}://{host}", uri.scheme_str()?),
    })
}

/// A non-negative integer number of seconds from a JSON field that should hold one.
///
/// Vault sends `lease_duration` as a JSON integer. Anything else — negative, fractional, a
/// string, out of range — is a malformed response.
pub(crate) fn lease_secs(value: Option<&Value>, field: &str) -> Result<u64, String> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(|secs| secs.min(crate::refresh::MAX_LEASE_SECS))
            .ok_or_else(|| format!("{field} is not a non-negative whole number of seconds")),
        Some(_) => Err(format!("{field} is not a number")),
    }
}

#[cfg(test)]
mod tests;
