//! Parsing a config: serde derive turns the JSON object into [`RawConfig`] (every field optional
//! and untyped, unknown fields collected), then [`validate`] checks each field and reports every
//! problem at once, in field order, naming the field and never echoing a secret.

use super::addr::{parse_addr, parse_namespace};
use super::{AppRoleSecret, Auth, DEFAULT_JWT_PATH, FIELDS, VaultConfig};
use crate::error::{ConfigError, ConfigProblem};
use crate::path::{PathTemplate, validate_mount};
use crate::secret::SecretString;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The bare config object as it arrives. Every field is an optional `Value`, so a wrong type is
/// one problem among the others instead of a deserialisation error that hides them; `null`
/// counts as absent. Unknown fields land in `unknown`, in document order.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    addr: Option<Value>,
    namespace: Option<Value>,
    mount: Option<Value>,
    auth_mode: Option<Value>,
    token: Option<Value>,
    role_id: Option<Value>,
    secret_id: Option<Value>,
    wrapped_secret_id: Option<Value>,
    role: Option<Value>,
    jwt_path: Option<Value>,
    auth_mount: Option<Value>,
    path_template: Option<Value>,
    #[serde(flatten)]
    unknown: Map<String, Value>,
}

/// The platform's API payload `{"providerType":"vault","config":{...}}`; here `null` is kept
/// (it is a wrong value, not an absent one).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPayload {
    #[serde(default, deserialize_with = "present")]
    provider_type: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    config: Option<Value>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// A field that is there, even as `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// A string field: absent (or `null`), given, or of another type (already reported).
enum Text {
    Absent,
    Invalid,
    Given(String),
}

impl Text {
    /// Reads field `field`, reporting a non-string value.
    fn read(field: &str, value: Option<Value>, problems: &mut Vec<ConfigProblem>) -> Text {
        match value {
            None => Text::Absent,
            Some(Value::String(s)) => Text::Given(s),
            Some(_) => {
                problems.push(problem(field, "must be a string"));
                Text::Invalid
            }
        }
    }
}

/// Validates a config given as a JSON value (bare or wrapped in the API payload).
pub(super) fn from_value(value: &Value) -> Result<VaultConfig, ConfigError> {
    let Some(object) = value.as_object() else {
        return Err(ConfigError::single("config", "must be a JSON object"));
    };
    if object.contains_key("vaultcredSealed") {
        return Err(ConfigError::single(
            "config",
            "is a sealed envelope; open it with its key first (vaultcred open)",
        ));
    }
    if !(object.contains_key("providerType") || object.contains_key("config")) {
        return validate(value, Vec::new());
    }
    let payload = RawPayload::deserialize(value).map_err(|e| deserialize_error(&e))?;
    let mut problems = Vec::new();
    match payload.provider_type {
        Some(Value::String(s)) if s == "vault" => {}
        Some(Value::String(s)) => problems.push(problem(
            "providerType",
            format!("must be \"vault\" (got {s:?})"),
        )),
        Some(_) => problems.push(problem("providerType", "must be the string \"vault\"")),
        None => problems.push(problem("providerType", "is required with \"config\"")),
    }
    for key in payload.other.keys() {
        problems.push(problem(key, "unknown field in the API payload"));
    }
    match payload.config {
        Some(inner @ Value::Object(_)) => validate(&inner, problems),
        Some(_) => {
            problems.push(problem("config", "must be a JSON object"));
            Err(ConfigError { problems })
        }
        None => {
            problems.push(problem("config", "is required with \"providerType\""));
            Err(ConfigError { problems })
        }
    }
}

/// Deserialising into the raw structs cannot fail on an object (every field is optional and
/// untyped); should it, the error names no value.
fn deserialize_error(e: &serde_json::Error) -> ConfigError {
    ConfigError::single("config", format!("cannot be read: {}", json_error_kind(e)))
}

pub(super) fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

pub(super) fn problem(field: &str, message: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Validates a bare config object; `problems` holds any found in an enclosing API payload.
fn validate(value: &Value, mut problems: Vec<ConfigProblem>) -> Result<VaultConfig, ConfigError> {
    let raw = RawConfig::deserialize(value).map_err(|e| deserialize_error(&e))?;
    for key in raw.unknown.keys() {
        problems.push(problem(
            key,
            format!("unknown field (known fields: {})", FIELDS.join(", ")),
        ));
    }
    let p = &mut problems;
    let addr = Text::read("addr", raw.addr, p);
    let namespace = Text::read("namespace", raw.namespace, p);
    let mount = Text::read("mount", raw.mount, p);
    let auth_mode = Text::read("authMode", raw.auth_mode, p);
    let token = Text::read("token", raw.token, p);
    let role_id = Text::read("roleId", raw.role_id, p);
    let secret_id = Text::read("secretId", raw.secret_id, p);
    let wrapped = Text::read("wrappedSecretId", raw.wrapped_secret_id, p);
    let role = Text::read("role", raw.role, p);
    let jwt_path = Text::read("jwtPath", raw.jwt_path, p);
    let auth_mount = Text::read("authMount", raw.auth_mount, p);
    let template = Text::read("pathTemplate", raw.path_template, p);

    let out_addr = match addr {
        Text::Absent => required(
            p,
            "addr",
            "is required (e.g. https://vault.example.com:8200)",
        ),
        Text::Invalid => None,
        Text::Given(a) => parse_addr(&a).map_err(|m| p.push(problem("addr", m))).ok(),
    };
    let out_ns = match namespace {
        Text::Given(ns) => parse_namespace(&ns)
            .map_err(|m| p.push(problem("namespace", m)))
            .ok(),
        Text::Absent | Text::Invalid => None,
    };
    let out_mount = match mount {
        Text::Absent => required(p, "mount", "is required (the KV v2 mount, e.g. \"secret\")"),
        Text::Invalid => None,
        Text::Given(m) => validate_mount(&m)
            .map_err(|msg| p.push(problem("mount", msg)))
            .ok(),
    };
    let out_auth = match auth_mode {
        Text::Absent => required(
            p,
            "authMode",
            "is required: \"token\", \"approle\" or \"kubernetes\"",
        ),
        Text::Invalid => None,
        Text::Given(mode) => match mode.as_str() {
            "token" => {
                only_for_login_modes(p, "authMount", &auth_mount);
                only_for_login_modes(p, "wrappedSecretId", &wrapped);
                secret(p, "token", token, "token").map(|token| Auth::Token { token })
            }
            "approle" => {
                let role_id = secret(p, "roleId", role_id, "approle");
                let secret_id = match (secret_id, wrapped) {
                    (Text::Absent, Text::Given(w)) => {
                        secret(p, "wrappedSecretId", Text::Given(w), "approle")
                            .map(AppRoleSecret::Wrapped)
                    }
                    (Text::Given(_), Text::Given(_) | Text::Invalid) => {
                        p.push(problem(
                            "wrappedSecretId",
                            "give either secretId or wrappedSecretId, not both",
                        ));
                        None
                    }
                    (s, _) => secret(p, "secretId", s, "approle").map(AppRoleSecret::Plain),
                };
                let auth_mount = auth_mount_or(p, auth_mount, "approle");
                match (role_id, secret_id, auth_mount) {
                    (Some(role_id), Some(secret_id), Some(auth_mount)) => Some(Auth::AppRole {
                        role_id,
                        secret_id,
                        auth_mount,
                    }),
                    _ => None,
                }
            }
            "kubernetes" => {
                only_for_login_modes(p, "wrappedSecretId", &wrapped);
                let auth_mount = auth_mount_or(p, auth_mount, "kubernetes");
                kubernetes(p, role, jwt_path)
                    .zip(auth_mount)
                    .map(|(auth, mount)| match auth {
                        Auth::Kubernetes { role, jwt_path, .. } => Auth::Kubernetes {
                            role,
                            jwt_path,
                            auth_mount: mount,
                        },
                        other => other,
                    })
            }
            other => {
                p.push(problem(
                    "authMode",
                    format!("unknown mode {other:?}: use \"token\", \"approle\" or \"kubernetes\""),
                ));
                None
            }
        },
    };
    let template_text = match template {
        Text::Given(t) => Some(t),
        Text::Absent | Text::Invalid => None,
    };
    let out_template = match &template_text {
        None => PathTemplate::parse(PathTemplate::DEFAULT).ok(),
        Some(t) => PathTemplate::parse(t).map_err(|ps| p.extend(ps)).ok(),
    };
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
                template_text,
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

/// `authMount`: a mount path (default `default` for the mode).
fn auth_mount_or(problems: &mut Vec<ConfigProblem>, text: Text, default: &str) -> Option<String> {
    match text {
        Text::Absent => Some(default.to_owned()),
        Text::Invalid => None,
        Text::Given(m) => validate_mount(&m)
            .map_err(|msg| problems.push(problem("authMount", msg)))
            .ok(),
    }
}

/// A field that only AppRole or Kubernetes configs may have.
fn only_for_login_modes(problems: &mut Vec<ConfigProblem>, field: &str, text: &Text) {
    if matches!(text, Text::Given(_)) {
        let why = if field == "wrappedSecretId" {
            "applies only to authMode \"approle\""
        } else {
            "applies only to authMode \"approle\" or \"kubernetes\""
        };
        problems.push(problem(field, why));
    }
}

/// Reports a missing required field; always `None`.
fn required<T>(problems: &mut Vec<ConfigProblem>, field: &str, message: &str) -> Option<T> {
    problems.push(problem(field, message));
    None
}

/// A secret field required by `mode`: present, non-empty and header-safe (the value is never
/// shown).
fn secret(
    problems: &mut Vec<ConfigProblem>,
    field: &str,
    text: Text,
    mode: &str,
) -> Option<SecretString> {
    let value = match text {
        Text::Absent => {
            return required(
                problems,
                field,
                &format!("is required when authMode is \"{mode}\""),
            );
        }
        Text::Invalid => return None,
        Text::Given(value) => SecretString::from(value),
    };
    if value.is_empty() {
        problems.push(problem(field, "must not be empty"));
        None
    } else if value.expose().chars().any(|c| !c.is_ascii_graphic()) {
        problems.push(problem(
            field,
            "must contain only printable ASCII without spaces (value not shown)",
        ));
        None
    } else {
        Some(value)
    }
}

/// Kubernetes mode: `role` required, `jwtPath` defaulting to the projected token's path.
fn kubernetes(problems: &mut Vec<ConfigProblem>, role: Text, jwt_path: Text) -> Option<Auth> {
    let role = match role {
        Text::Given(r) if r.trim().is_empty() => {
            problems.push(problem("role", "must not be empty"));
            None
        }
        Text::Given(r) if r.chars().any(char::is_control) => {
            problems.push(problem("role", "must not contain control characters"));
            None
        }
        Text::Given(r) => Some(r),
        Text::Absent => required(
            problems,
            "role",
            "is required when authMode is \"kubernetes\"",
        ),
        Text::Invalid => None,
    };
    let jwt_path = match jwt_path {
        Text::Given(p) if p.trim().is_empty() => {
            problems.push(problem("jwtPath", "must not be empty when given"));
            None
        }
        Text::Given(p) if p.contains('\0') => {
            problems.push(problem("jwtPath", "must not contain NUL"));
            None
        }
        Text::Given(p) => Some(p),
        Text::Absent | Text::Invalid => Some(DEFAULT_JWT_PATH.to_owned()),
    };
    role.zip(jwt_path).map(|(role, jwt_path)| Auth::Kubernetes {
        role,
        jwt_path,
        auth_mount: "kubernetes".to_owned(),
    })
}

#[cfg(test)]
mod tests;
