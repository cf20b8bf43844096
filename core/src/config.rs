//! Per-org Vault configuration: parsing and validation of the spec's camelCase JSON.
//!
//! Accepted forms: the bare config object, or the platform's API payload
//! `{"providerType":"vault","config":{...}}`. Validation reports every problem at once, each naming
//! its field, and never echoes the value of a secret field.

mod addr;
mod parse;

use crate::error::ConfigError;
use crate::path::PathTemplate;
use crate::secret::SecretString;
use http::HeaderValue;
use serde_json::{Map, Value};
use std::fmt;

/// Default path of the Kubernetes ServiceAccount token (kubelet-projected volume).
pub const DEFAULT_JWT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// The fields a config may have, in the order problems are reported.
pub const FIELDS: [&str; 12] = [
    "addr",
    "namespace",
    "mount",
    "authMode",
    "token",
    "roleId",
    "secretId",
    "wrappedSecretId",
    "role",
    "jwtPath",
    "authMount",
    "pathTemplate",
];

/// The fields that hold a secret: never shown by [`VaultConfig::to_json`] unless revealed.
pub const SECRET_FIELDS: [&str; 3] = ["token", "secretId", "wrappedSecretId"];

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
        /// The AppRole secret ID, plain or response-wrapped.
        secret_id: AppRoleSecret,
        /// The AppRole auth mount (`authMount`, default `approle`): logins go to
        /// `auth/{auth_mount}/login`.
        auth_mount: String,
    },
    /// Kubernetes login with a ServiceAccount JWT read from a file (`authMode: "kubernetes"`).
    Kubernetes {
        /// The Vault Kubernetes auth role.
        role: String,
        /// Path of the JWT file, re-read at every login.
        jwt_path: String,
        /// The Kubernetes auth mount (`authMount`, default `kubernetes`).
        auth_mount: String,
    },
}

/// An AppRole secretId as the config gives it.
#[derive(Clone, PartialEq, Eq)]
pub enum AppRoleSecret {
    /// The secretId itself (`secretId`).
    Plain(SecretString),
    /// A response-wrapping token holding the secretId (`wrappedSecretId`): unwrapped once, at
    /// the first login, after checking it was created for an AppRole secret-id; the secretId
    /// then lives only in memory.
    Wrapped(SecretString),
}

impl AppRoleSecret {
    /// The secret the config holds: the secretId, or the wrapping token.
    pub fn secret(&self) -> &SecretString {
        match self {
            AppRoleSecret::Plain(s) | AppRoleSecret::Wrapped(s) => s,
        }
    }
}

impl fmt::Debug for AppRoleSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppRoleSecret::Plain(_) => f.write_str("Plain([redacted])"),
            AppRoleSecret::Wrapped(_) => f.write_str("Wrapped([redacted])"),
        }
    }
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
            Auth::AppRole {
                secret_id,
                auth_mount,
                ..
            } => f
                .debug_struct("AppRole")
                .field("role_id", &"[redacted]")
                .field("secret_id", secret_id)
                .field("auth_mount", auth_mount)
                .finish(),
            Auth::Kubernetes {
                role,
                jwt_path,
                auth_mount,
            } => f
                .debug_struct("Kubernetes")
                .field("role", role)
                .field("jwt_path", jwt_path)
                .field("auth_mount", auth_mount)
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
                    parse::json_error_kind(&e)
                ),
            )
        })?;
        VaultConfig::from_value(&value)
    }

    /// Validates a config given as a JSON value (bare or wrapped in the API payload): every
    /// problem at once, each naming its field, in field order.
    pub fn from_value(value: &Value) -> Result<VaultConfig, ConfigError> {
        parse::from_value(value)
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

    /// An AppRole config whose secretId arrives response-wrapped (`wrappedSecretId`).
    pub fn approle_wrapped(
        addr: &str,
        mount: &str,
        role_id: &str,
        wrapping_token: &str,
    ) -> Result<VaultConfig, ConfigError> {
        VaultConfig::from_value(&serde_json::json!({
            "addr": addr, "mount": mount, "authMode": "approle",
            "roleId": role_id, "wrappedSecretId": wrapping_token
        }))
    }

    /// Returns this config with its auth method at a custom mount (`authMount`), e.g.
    /// `approle-eu` or `kubernetes/cluster-2`. Refused in token mode.
    pub fn with_auth_mount(mut self, auth_mount: &str) -> Result<VaultConfig, ConfigError> {
        let checked = crate::path::validate_mount(auth_mount)
            .map_err(|m| ConfigError::single("authMount", m))?;
        match &mut self.auth {
            Auth::AppRole { auth_mount, .. } | Auth::Kubernetes { auth_mount, .. } => {
                *auth_mount = checked;
            }
            Auth::Token { .. } => {
                let why = "applies only to authMode \"approle\" or \"kubernetes\"";
                return Err(ConfigError::single("authMount", why));
            }
        }
        Ok(self)
    }

    /// Returns this config with a Vault Enterprise namespace.
    pub fn with_namespace(mut self, namespace: &str) -> Result<VaultConfig, ConfigError> {
        self.namespace = Some(
            addr::parse_namespace(namespace).map_err(|m| ConfigError::single("namespace", m))?,
        );
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
            Auth::AppRole {
                role_id,
                secret_id,
                auth_mount,
            } => {
                m.insert("roleId".into(), role_id.expose().into());
                match secret_id {
                    AppRoleSecret::Plain(s) => m.insert("secretId".into(), show(s)),
                    AppRoleSecret::Wrapped(s) => m.insert("wrappedSecretId".into(), show(s)),
                };
                if auth_mount != "approle" {
                    m.insert("authMount".into(), auth_mount.clone().into());
                }
            }
            Auth::Kubernetes {
                role,
                jwt_path,
                auth_mount,
            } => {
                m.insert("role".into(), role.clone().into());
                m.insert("jwtPath".into(), jwt_path.clone().into());
                if auth_mount != "kubernetes" {
                    m.insert("authMount".into(), auth_mount.clone().into());
                }
            }
        }
        if let Some(t) = &self.template_text {
            m.insert("pathTemplate".into(), t.clone().into());
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests;
