//! `addr` and `namespace`: the Vault URL every request is pinned to, and the namespace header.

use http::HeaderValue;

pub(crate) fn parse_namespace(ns: &str) -> Result<HeaderValue, String> {
    if ns.trim().is_empty() {
        return Err("must not be empty when given".into());
    }
    if ns.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain whitespace or control characters".into());
    }
    if !ns.is_ascii() {
        return Err("must be printable ASCII".into());
    }
    if ns.split('/').any(|s| s == "." || s == "..") {
        return Err("must not contain '.' or '..' segments".into());
    }
    HeaderValue::from_str(ns).map_err(|_| "must be printable ASCII".into())
}

/// `addr`, parsed.
pub(super) struct Addr {
    pub(super) base_url: String,
    pub(super) origin: String,
    pub(super) scheme: http::uri::Scheme,
    pub(super) authority: http::uri::Authority,
    pub(super) path_prefix: String,
}

/// Parses `addr`.
pub(super) fn parse_addr(addr: &str) -> Result<Addr, String> {
    let addr = addr.trim();
    if addr.is_empty() {
        return Err("must not be empty".into());
    }
    if addr.contains('#') || addr.contains('?') {
        return Err("must not contain a query or fragment".into());
    }
    let uri: http::Uri = addr
        .parse()
        .map_err(|_| "must be an http(s) URL like https://vault.example.com:8200".to_string())?;
    let scheme = match uri.scheme_str() {
        Some("http") => "http",
        Some("https") => "https",
        Some(_) | None => {
            return Err("must be an http(s) URL like https://vault.example.com:8200".into());
        }
    };
    let Some(authority) = uri.authority() else {
        return Err("must include a host".into());
    };
    if authority.as_str().contains('@') {
        return Err("must not contain credentials (user:password@)".into());
    }
    if authority.host().is_empty() {
        return Err("must include a host".into());
    }
    let origin = format!("{scheme}://{}", authority.as_str().to_ascii_lowercase());
    let path = uri.path().trim_end_matches('/');
    // Dot segments, also percent-encoded (`%2e%2e`), would let a prefix climb out of itself.
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if decoded.split(['/', '\\']).any(|s| s == "." || s == "..") {
        return Err("path must not contain '.' or '..' segments (plain or percent-encoded)".into());
    }
    if decoded.chars().any(char::is_control) {
        return Err("path must not contain control characters".into());
    }
    let (Some(scheme), Some(authority)) = (uri.scheme().cloned(), uri.authority().cloned()) else {
        return Err("must be an http(s) URL like https://vault.example.com:8200".into());
    };
    Ok(Addr {
        base_url: format!("{origin}{path}"),
        origin,
        scheme,
        authority,
        path_prefix: path.to_owned(),
    })
}
