//! Per-org Vault configuration: parsing and validation of the spec's camelCase JSON.
//!
//! Accepted forms: the bare config object, or the platform's API payload
//! `{"providerType":"vault","config":{...}}`. Validation reports every problem at once, each naming
//! its field, and never echoes the value of a secret field.

use crate::error::{ConfigError, ConfigProblem};
use crate::path::{PathTemplate, validate_mount};
use crate::secret::SecretString;
use http::HeaderValue;
use serde_json::{Map, Value};
use std::fmt;

/// Default path of the Kubernetes ServiceAccount token (kubelet-projected volume).
pub const DEFAULT_JWT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// The fields a config may have, in the order problems are reported.
pub const FIELDS: [&str; 10] = [
    "addr",
    "namespace",
    "mount",
    "authMode",
    "token",
    "roleId",
    "secretId",
    "role",
    "jwtPath",
    "pathTemplate",
];

/// How vaultcred authenticates to Vault.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// A static Vault token from the config (`authMode: "token"`).
    Token {
        /// The token.
        token: SecretString,
    },
    /// AppRole login with roleId + secretId (`authMode: "approle"`).
    AppRole {
        /// The AppRole role ID (not secret, but not printed either).
        role_id: SecretString,
        /// The AppRole secret ID.
        secret_id: SecretString,
    },
    /// Kubernetes login with a ServiceAccount JWT read from a file (`authMode: "kubernetes"`).
    Kubernetes {
        /// The Vault Kubernetes auth role.
        role: String,
        /// Path of the JWT file, re-read at every login.
        jwt_path: String,
    },
}

impl Auth {
    /// The `authMode` name: `"token"`, `"approle"` or `"kubernetes"`.
    pub fn mode(&self) -> &'static str {
        match self {
            Auth::Token { .. } => "token",
            Auth::AppRole { .. } => "approle",
            Auth::Kubernetes { .. } => "kubernetes",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Token { .. } => f.write_str("Token { token: [redacted] }"),
            Auth::AppRole { .. } => {
                f.write_str("AppRole { role_id: [redacted], secret_id: [redacted] }")
            }
            Auth::Kubernetes { role, jwt_path } => f
                .debug_struct("Kubernetes")
                .field("role", role)
                .field("jwt_path", jwt_path)
                .finish(),
        }
    }
}

/// A validated Vault config for one org.
///
/// ```
/// use vaultcred_core::VaultConfig;
/// let config = VaultConfig::from_json(br#"{
///     "providerType": "vault",
///     "config": { "addr": "https://vault.example.com:8200", "mount": "secret",
///                 "authMode": "approle", "roleId": "my-role-id", "secretId": "my-secret-id" }
/// }"#).unwrap();
/// assert_eq!(config.auth().mode(), "approle");
/// assert!(!format!("{config:?}").contains("my-secret-id"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultConfig {
    pub(crate) base_url: String,
    pub(crate) origin: String,
    /// `addr` pre-parsed, so building a request does not parse a URL again.
    pub(crate) scheme: http::uri::Scheme,
    pub(crate) authority: http::uri::Authority,
    /// Path prefix of `addr` (empty, or `/something` without a trailing slash).
    pub(crate) path_prefix: String,
    pub(crate) namespace: Option<HeaderValue>,
    pub(crate) mount: String,
    pub(crate) auth: Auth,
    pub(crate) template: PathTemplate,
    pub(crate) template_text: Option<String>,
}

impl VaultConfig {
    /// Parses and validates a config from JSON bytes (bare or wrapped in the API payload).
    pub fn from_json(json: &[u8]) -> Result<VaultConfig, ConfigError> {
        let value: Value = serde_json::from_slice(json).map_err(|e| {
            ConfigError::single(
                "config",
                format!(
                    "not valid JSON (line {}, column {}): {}",
                    e.line(),
                    e.column(),
                    json_error_kind(&e)
                ),
            )
        })?;
        VaultConfig::from_value(&value)
    }

    /// Validates a config given as a JSON value (bare or wrapped in the API payload).
    pub fn from_value(value: &Value) -> Result<VaultConfig, ConfigError> {
        let Some(object) = value.as_object() else {
            return Err(ConfigError::single("config", "must be a JSON object"));
        };
        if object.contains_key("vaultcredSealed") {
            return Err(ConfigError::single(
                "config",
                "is a sealed envelope; open it with its key first (vaultcred open)",
            ));
        }
        if object.contains_key("providerType") || object.contains_key("config") {
            let mut problems = Vec::new();
            match object.get("providerType") {
                Some(Value::String(s)) if s == "vault" => {}
                Some(Value::String(s)) => problems.push(problem(
                    "providerType",
                    format!("must be \"vault\" (got {s:?})"),
                )),
                Some(_) => problems.push(problem("providerType", "must be the string \"vault\"")),
                None => problems.push(problem("providerType", "is required with \"config\"")),
            }
            for key in object.keys() {
                if key != "providerType" && key != "config" {
                    problems.push(problem(key, "unknown field in the API payload"));
                }
            }
            let inner = match object.get("config") {
                Some(Value::Object(inner)) => Some(inner),
                Some(_) => {
                    problems.push(problem("config", "must be a JSON object"));
                    None
                }
                None => {
                    problems.push(problem("config", "is required with \"providerType\""));
                    None
                }
            };
            return match inner {
                Some(inner) => validate(inner, problems),
                None => Err(ConfigError { problems }),
            };
        }
        validate(object, Vec::new())
    }

    /// A token-mode config built in code.
    ///
    /// ```
    /// let c = vaultcred_core::VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.example").unwrap();
    /// assert_eq!(c.auth().mode(), "token");
    /// ```
    pub fn token(addr: &str, mount: &str, token: &str) -> Result<VaultConfig, ConfigError> {
        VaultConfig::from_value(&serde_json::json!({
            "addr": addr, "mount": mount, "authMode": "token", "token": token
        }))
    }

    /// An AppRole config built in code.
    pub fn approle(
        addr: &str,
        mount: &str,
        role_id: &str,
        secret_id: &str,
    ) -> Result<VaultConfig, ConfigError> {
        VaultConfig::from_value(&serde_json::json!({
            "addr": addr, "mount": mount, "authMode": "approle",
            "roleId": role_id, "secretId": secret_id
        }))
    }

    /// A Kubernetes config built in code (`jwt_path` `None` = the default projected token path).
    pub fn kubernetes(
        addr: &str,
        mount: &str,
        role: &str,
        jwt_path: Option<&str>,
    ) -> Result<VaultConfig, ConfigError> {
        let mut v = serde_json::json!({
            "addr": addr, "mount": mount, "authMode": "kubernetes", "role": role
        });
        if let (Some(p), Some(o)) = (jwt_path, v.as_object_mut()) {
            o.insert("jwtPath".into(), p.into());
        }
        VaultConfig::from_value(&v)
    }

    /// Returns this config with a Vault Enterprise namespace.
    pub fn with_namespace(mut self, namespace: &str) -> Result<VaultConfig, ConfigError> {
        self.namespace =
            Some(parse_namespace(namespace).map_err(|m| ConfigError::single("namespace", m))?);
        Ok(self)
    }

    /// Returns this config with a custom `pathTemplate`.
    pub fn with_path_template(mut self, template: &str) -> Result<VaultConfig, ConfigError> {
        self.template =
            PathTemplate::parse(template).map_err(|problems| ConfigError { problems })?;
        self.template_text = Some(template.to_owned());
        Ok(self)
    }

    /// The base URL requests go to (scheme, authority and any path prefix, no trailing `/`).
    pub fn addr(&self) -> &str {
        &self.base_url
    }

    /// The origin (`scheme://host:port`) every request is pinned to.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The namespace, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_ref().and_then(|v| v.to_str().ok())
    }

    /// The KV v2 mount, without surrounding slashes.
    pub fn mount(&self) -> &str {
        &self.mount
    }

    /// The auth mode and its credentials.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The path template in force.
    pub fn path_template(&self) -> &PathTemplate {
        &self.template
    }

    /// The config as the spec's camelCase JSON, with secret fields replaced by `"[redacted]"`
    /// unless `reveal` is true. Useful to display a config (e.g. `vaultcred open`).
    pub fn to_json(&self, reveal: bool) -> Value {
        let show = |s: &SecretString| -> Value {
            if reveal {
                s.expose().into()
            } else {
                crate::scrub::REDACTED.into()
            }
        };
        let mut m = Map::new();
        m.insert("addr".into(), self.base_url.clone().into());
        if let Some(ns) = self.namespace() {
            m.insert("namespace".into(), ns.into());
        }
        m.insert("mount".into(), self.mount.clone().into());
        m.insert("authMode".into(), self.auth.mode().into());
        match &self.auth {
            Auth::Token { token } => {
                m.insert("token".into(), show(token));
            }
            Auth::AppRole { role_id, secret_id } => {
                m.insert("roleId".into(), role_id.expose().into());
                m.insert("secretId".into(), show(secret_id));
            }
            Auth::Kubernetes { role, jwt_path } => {
                m.insert("role".into(), role.clone().into());
                m.insert("jwtPath".into(), jwt_path.clone().into());
            }
        }
        if let Some(t) = &self.template_text {
            m.insert("pathTemplate".into(), t.clone().into());
        }
        Value::Object(m)
    }
}

fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

fn problem(field: &str, message: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn parse_namespace(ns: &str) -> Result<HeaderValue, String> {
    if ns.trim().is_empty() {
        return Err("must not be empty when given".into());
    }
    if ns.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain whitespace or control characters".into());
    }
    if ns.split('/').any(|s| s == "." || s == "..") {
        return Err("must not contain '.' or '..' segments".into());
    }
    HeaderValue::from_str(ns).map_err(|_| "must be printable ASCII".into())
}

/// `addr`, parsed.
struct Addr {
    base_url: String,
    origin: String,
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    path_prefix: String,
}

/// Parses `addr`.
fn parse_addr(addr: &str) -> Result<Addr, String> {
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
    if path.split('/').any(|s| s == "." || s == "..") {
        return Err("path must not contain '.' or '..' segments".into());
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

fn validate(
    object: &Map<String, Value>,
    mut problems: Vec<ConfigProblem>,
) -> Result<VaultConfig, ConfigError> {
    for key in object.keys() {
        if !FIELDS.contains(&key.as_str()) {
            problems.push(problem(
                key,
                format!("unknown field (known fields: {})", FIELDS.join(", ")),
            ));
        }
    }
    // Reads an optional string field; null counts as absent.
    let string = |field: &str, problems: &mut Vec<ConfigProblem>| -> Option<String> {
        match object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                problems.push(problem(field, "must be a string"));
                None
            }
        }
    };
    let addr = string("addr", &mut problems);
    let namespace = string("namespace", &mut problems);
    let mount = string("mount", &mut problems);
    let auth_mode = string("authMode", &mut problems);
    let token = string("token", &mut problems).map(SecretString::from);
    let role_id = string("roleId", &mut problems).map(SecretString::from);
    let secret_id = string("secretId", &mut problems).map(SecretString::from);
    let role = string("role", &mut problems);
    let jwt_path = string("jwtPath", &mut problems);
    let template = string("pathTemplate", &mut problems);

    let absent = |field: &str| object.get(field).is_none_or(Value::is_null);
    let mut out_addr = None;
    match addr {
        None if absent("addr") => problems.push(problem(
            "addr",
            "is required (e.g. https://vault.example.com:8200)",
        )),
        None => {}
        Some(a) => match parse_addr(&a) {
            Ok(v) => out_addr = Some(v),
            Err(m) => problems.push(problem("addr", m)),
        },
    }
    let mut out_ns = None;
    if let Some(ns) = namespace {
        match parse_namespace(&ns) {
            Ok(v) => out_ns = Some(v),
            Err(m) => problems.push(problem("namespace", m)),
        }
    }
    let mut out_mount = None;
    match mount {
        None if absent("mount") => problems.push(problem(
            "mount",
            "is required (the KV v2 mount, e.g. \"secret\")",
        )),
        None => {}
        Some(m) => match validate_mount(&m) {
            Ok(v) => out_mount = Some(v),
            Err(msg) => problems.push(problem("mount", msg)),
        },
    }
    let header_safe = |field: &str, s: &SecretString, problems: &mut Vec<ConfigProblem>| {
        if s.is_empty() {
            problems.push(problem(field, "must not be empty"));
            false
        } else if s.expose().chars().any(|c| !c.is_ascii_graphic()) {
            problems.push(problem(
                field,
                "must contain only printable ASCII without spaces (value not shown)",
            ));
            false
        } else {
            true
        }
    };
    let mut out_auth = None;
    match auth_mode.as_deref() {
        None if absent("authMode") => problems.push(problem(
            "authMode",
            "is required: \"token\", \"approle\" or \"kubernetes\"",
        )),
        None => {}
        Some("token") => match token {
            Some(token) if header_safe("token", &token, &mut problems) => {
                out_auth = Some(Auth::Token { token });
            }
            Some(_) => {}
            None if absent("token") => {
                problems.push(problem("token", "is required when authMode is \"token\""))
            }
            None => {}
        },
        Some("approle") => {
            let role_id = match role_id {
                Some(r) => header_safe("roleId", &r, &mut problems).then_some(r),
                None => {
                    if absent("roleId") {
                        problems.push(problem(
                            "roleId",
                            "is required when authMode is \"approle\"",
                        ));
                    }
                    None
                }
            };
            let secret_id = match secret_id {
                Some(s) => header_safe("secretId", &s, &mut problems).then_some(s),
                None => {
                    if absent("secretId") {
                        problems.push(problem(
                            "secretId",
                            "is required when authMode is \"approle\"",
                        ));
                    }
                    None
                }
            };
            if let (Some(role_id), Some(secret_id)) = (role_id, secret_id) {
                out_auth = Some(Auth::AppRole { role_id, secret_id });
            }
        }
        Some("kubernetes") => {
            let role = match role {
                Some(r) if r.trim().is_empty() => {
                    problems.push(problem("role", "must not be empty"));
                    None
                }
                Some(r) if r.chars().any(char::is_control) => {
                    problems.push(problem("role", "must not contain control characters"));
                    None
                }
                Some(r) => Some(r),
                None => {
                    if absent("role") {
                        problems.push(problem(
                            "role",
                            "is required when authMode is \"kubernetes\"",
                        ));
                    }
                    None
                }
            };
            let jwt_path = match jwt_path {
                Some(p) if p.trim().is_empty() => {
                    problems.push(problem("jwtPath", "must not be empty when given"));
                    None
                }
                Some(p) if p.contains('\0') => {
                    problems.push(problem("jwtPath", "must not contain NUL"));
                    None
                }
                Some(p) => Some(p),
                None => Some(DEFAULT_JWT_PATH.to_owned()),
            };
            if let (Some(role), Some(jwt_path)) = (role, jwt_path) {
                out_auth = Some(Auth::Kubernetes { role, jwt_path });
            }
        }
        Some(other) => problems.push(problem(
            "authMode",
            format!("unknown mode {other:?}: use \"token\", \"approle\" or \"kubernetes\""),
        )),
    }
    let mut out_template = None;
    match &template {
        None => out_template = PathTemplate::parse(PathTemplate::DEFAULT).ok(),
        Some(t) => match PathTemplate::parse(t) {
            Ok(t) => out_template = Some(t),
            Err(ps) => problems.extend(ps),
        },
    }
    // Report in the documented field order; unknown fields last, as they appeared.
    problems.sort_by_key(|p| {
        FIELDS
            .iter()
            .position(|f| *f == p.field)
            .unwrap_or(FIELDS.len())
    });
    match (out_addr, out_mount, out_auth, out_template) {
        (Some(addr), Some(mount), Some(auth), Some(parsed_template)) if problems.is_empty() => {
            Ok(VaultConfig {
                base_url: addr.base_url,
                origin: addr.origin,
                scheme: addr.scheme,
                authority: addr.authority,
                path_prefix: addr.path_prefix,
                namespace: out_ns,
                mount,
                auth,
                template: parsed_template,
                template_text: template,
            })
        }
        _ => {
            if problems.is_empty() {
                problems.push(problem("config", "is incomplete"));
            }
            Err(ConfigError { problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: &ConfigError) -> Vec<&str> {
        err.problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn accepts_each_mode() {
        let t = VaultConfig::from_json(
            br#"{"addr":"https://v:8200/","mount":"/secret/","authMode":"token","token":"hvs.x"}"#,
        )
        .unwrap();
        assert_eq!(t.addr(), "https://v:8200");
        assert_eq!(t.origin(), "https://v:8200");
        assert_eq!(t.mount(), "secret");
        let k = VaultConfig::from_json(
            br#"{"addr":"http://v","mount":"kv/team","authMode":"kubernetes","role":"r"}"#,
        )
        .unwrap();
        assert_eq!(
            k.auth(),
            &Auth::Kubernetes {
                role: "r".into(),
                jwt_path: DEFAULT_JWT_PATH.into()
            }
        );
        let a = VaultConfig::from_json(br#"{"addr":"https://vault.example.com:8200/prefix","namespace":"team-a/","mount":"secret","authMode":"approle","roleId":"r","secretId":"s","pathTemplate":"{mount}/data/{orgId}/{kind}"}"#).unwrap();
        assert_eq!(a.addr(), "https://vault.example.com:8200/prefix");
        assert_eq!(a.origin(), "https://vault.example.com:8200");
        assert_eq!(a.namespace(), Some("team-a/"));
    }

    #[test]
    fn reports_every_problem_at_once_in_field_order() {
        let err = VaultConfig::from_json(
            br#"{"addr":"ftp://x","mount":"","authMode":"approle","pathTemplate":"{mount}/{nope}/{kind}","colour":"blue"}"#,
        )
        .unwrap_err();
        assert_eq!(
            fields(&err),
            [
                "addr",
                "mount",
                "roleId",
                "secretId",
                "pathTemplate",
                "pathTemplate",
                "colour"
            ]
        );
        let text = err.to_string();
        assert!(text.contains("addr: must be an http(s) URL"), "{text}");
        assert!(text.contains("unknown placeholder {nope}"), "{text}");
        assert!(text.contains("colour: unknown field"), "{text}");
    }

    #[test]
    fn missing_everything() {
        let err = VaultConfig::from_json(b"{}").unwrap_err();
        assert_eq!(fields(&err), ["addr", "mount", "authMode"]);
        let err = VaultConfig::from_json(br#"{"addr":"http://v","mount":"s","authMode":"tokn"}"#)
            .unwrap_err();
        assert_eq!(
            err.problems[0].message,
            "unknown mode \"tokn\": use \"token\", \"approle\" or \"kubernetes\""
        );
        let err =
            VaultConfig::from_json(br#"{"addr":"http://v","mount":"s","authMode":"kubernetes"}"#)
                .unwrap_err();
        assert_eq!(fields(&err), ["role"]);
    }

    #[test]
    fn wrong_types_and_bad_json() {
        let err =
            VaultConfig::from_json(br#"{"addr":5,"mount":true,"authMode":"token","token":["x"]}"#)
                .unwrap_err();
        assert_eq!(fields(&err), ["addr", "mount", "token"]);
        assert!(err.problems.iter().all(|p| p.message == "must be a string"));
        let err = VaultConfig::from_json(b"{\"addr\":").unwrap_err();
        assert_eq!(fields(&err), ["config"]);
        assert!(err.to_string().contains("not valid JSON"));
        let err = VaultConfig::from_json(b"[1]").unwrap_err();
        assert_eq!(err.problems[0].message, "must be a JSON object");
    }

    #[test]
    fn addr_rules() {
        for (addr, ok) in [
            ("https://vault.example.com:8200", true),
            ("http://127.0.0.1:8200", true),
            ("https://[::1]:8200", true),
            ("vault.example.com:8200", false),
            ("https://user:pw@vault:8200", false),
            ("https://vault:8200/?x=1", false),
            ("https://vault:8200/#f", false),
            ("unix:///tmp/vault.sock", false),
            ("https://", false),
            ("https://v/a/../b", false),
        ] {
            let json =
                serde_json::json!({"addr": addr, "mount": "s", "authMode": "token", "token": "t"});
            assert_eq!(VaultConfig::from_value(&json).is_ok(), ok, "{addr}");
        }
    }

    #[test]
    fn api_payload_form() {
        let err = VaultConfig::from_json(br#"{"providerType":"aws","config":{"addr":"http://v","mount":"s","authMode":"token","token":"t"},"x":1}"#).unwrap_err();
        assert_eq!(fields(&err), ["providerType", "x"]);
        let err = VaultConfig::from_json(br#"{"providerType":"vault"}"#).unwrap_err();
        assert_eq!(fields(&err), ["config"]);
        let err = VaultConfig::from_json(br#"{"vaultcredSealed":1}"#).unwrap_err();
        assert!(err.to_string().contains("sealed envelope"));
    }

    #[test]
    fn secrets_never_appear_in_errors_or_debug() {
        let json = br#"{"addr":"http://v","mount":"s","authMode":"approle","roleId":"canary-role","secretId":"canary secret\u0001"}"#;
        let err = VaultConfig::from_json(json).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("canary"));
        let ok = VaultConfig::from_json(br#"{"addr":"http://v","mount":"s","authMode":"approle","roleId":"canary-role","secretId":"canary-secret"}"#).unwrap();
        assert!(!format!("{ok:?}").contains("canary"));
        assert_eq!(ok.to_json(false)["secretId"], "[redacted]");
        assert_eq!(ok.to_json(true)["secretId"], "canary-secret");
        let t = VaultConfig::from_json(
            br#"{"addr":"http://v","mount":"s","authMode":"token","token":"canary-tok"}"#,
        )
        .unwrap();
        assert!(!format!("{t:?}").contains("canary"));
    }

    #[test]
    fn namespace_rules() {
        let base = |ns: &str| serde_json::json!({"addr":"http://v","mount":"s","authMode":"token","token":"t","namespace":ns});
        assert!(VaultConfig::from_value(&base("team-a/child")).is_ok());
        assert!(VaultConfig::from_value(&base("")).is_err());
        assert!(VaultConfig::from_value(&base("a b")).is_err());
        assert!(VaultConfig::from_value(&base("a/../b")).is_err());
    }
}
