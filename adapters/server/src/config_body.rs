//! The request body that carries an org's config (`{"providerType":"vault","config":{…},
//! "keep":[…]}`), its checks (every problem at once, by field), and the views of a config that
//! leave the service: redacted, and the audit trail's list of changes.

use serde_json::{Map, Value, json};
use std::net::IpAddr;
use vaultcred_core::{ConfigProblem, RegisterError, Registry, RegistryOptions, VaultConfig};
use vaultcred_host::AddressPolicy;

/// The config fields that hold a secret (the core's list): never in an answer, a log or the
/// audit trail.
pub use vaultcred_core::config::SECRET_FIELDS;

/// The only provider this service stores.
pub const PROVIDER_TYPE: &str = "vault";

fn problem(field: &str, message: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The config a body asks for, with every problem found if it is not acceptable.
///
/// - `providerType` must be `"vault"`, `config` an object, and nothing else may be in the body
///   but `keep`.
/// - `keep` names secret fields to take from `stored` (the config saved now) rather than from
///   the body: how a form that never shows secrets saves a change of another field. A kept
///   secret must exist in `stored`, in the same auth mode, and must not also be in `config`.
/// - The config's own rules are the core's ([`VaultConfig::from_value`]); its `jwtPath` must be
///   one the operator allows (`options`), and an `addr` that is an IP address must be one
///   `addresses` permits (a host name is checked on the addresses it resolves to, when the
///   client connects).
///
/// ```
/// use vaultcred_core::{RegistryOptions, VaultConfig};
/// use vaultcred_host::AddressPolicy;
/// use vaultcred_server::config_body::candidate;
///
/// let (options, addresses) = (RegistryOptions::default(), AddressPolicy::public_only());
/// let stored = VaultConfig::approle("https://vault.example.com", "secret", "role-1", "sid-1")?;
/// let body = br#"{"providerType":"vault","config":{"addr":"https://vault.example.com",
///     "mount":"kv","authMode":"approle","roleId":"role-1"},"keep":["secretId"]}"#;
/// let config = candidate(body, Some(&stored), &options, &addresses).unwrap();
/// assert_eq!(config.mount(), "kv");
/// assert_eq!(config.to_json(true)["secretId"], "sid-1");
///
/// let problems = candidate(br#"{"providerType":"aws","config":{}}"#, None, &options, &addresses)
///     .unwrap_err();
/// assert_eq!(problems[0].field, "providerType");
///
/// let metadata = br#"{"providerType":"vault","config":{"addr":"http://169.254.169.254",
///     "mount":"kv","authMode":"token","token":"hvs.X"}}"#;
/// let problems = candidate(metadata, None, &options, &addresses).unwrap_err();
/// assert_eq!(problems[0].field, "addr");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn candidate(
    body: &[u8],
    stored: Option<&VaultConfig>,
    options: &RegistryOptions,
    addresses: &AddressPolicy,
) -> Result<VaultConfig, Vec<ConfigProblem>> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| vec![problem("", format!("the body is not JSON: {e}"))])?;
    let Value::Object(mut body) = body else {
        return Err(vec![problem("", "the body must be a JSON object")]);
    };
    let mut problems = Vec::new();
    match body.remove("providerType") {
        Some(Value::String(p)) if p == PROVIDER_TYPE => {}
        Some(_) => problems.push(problem("providerType", "must be \"vault\"")),
        None => problems.push(problem("providerType", "missing (must be \"vault\")")),
    }
    let mut config = match body.remove("config") {
        Some(Value::Object(config)) => config,
        Some(_) => {
            problems.push(problem("config", "must be an object"));
            Map::new()
        }
        None => {
            problems.push(problem("config", "missing"));
            Map::new()
        }
    };
    let keep = match body.remove("keep") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(s) if SECRET_FIELDS.contains(&s.as_str()) => Some(s),
                _ => {
                    problems.push(problem(
                        "keep",
                        "may only name token, secretId or wrappedSecretId",
                    ));
                    None
                }
            })
            .collect(),
        Some(_) => {
            problems.push(problem("keep", "must be a list of field names"));
            Vec::new()
        }
    };
    for unknown in body.keys() {
        problems.push(problem(
            "",
            format!("unknown field {unknown:?} (expected providerType, config, keep)"),
        ));
    }
    let stored_json = stored.map(|c| c.to_json(true));
    let mut keep_failed = Vec::new();
    for field in &keep {
        let kept = stored_json
            .as_ref()
            .filter(|s| s.get("authMode") == config.get("authMode"))
            .and_then(|s| s.get(field.as_str()));
        match (config.contains_key(field.as_str()), kept) {
            (true, _) => problems.push(problem(field, "given and also listed in keep")),
            (false, None) => {
                keep_failed.push(field.as_str());
                problems.push(problem(
                    field,
                    "listed in keep, but the saved config has none in this auth mode",
                ));
            }
            (false, Some(value)) => {
                config.insert(field.clone(), value.clone());
            }
        }
    }
    match VaultConfig::from_value(&Value::Object(config)) {
        Ok(config) if problems.is_empty() => {
            if let Some(refused) = literal_ip(&config).and_then(|ip| addresses.check(ip).err()) {
                return Err(vec![problem(
                    "addr",
                    format!("{refused}; the operator allows other ranges (--allow-addr)"),
                )]);
            }
            match Registry::with_options(options.clone()).register("org_check", config.clone()) {
                Err(RegisterError::JwtPathNotAllowed { allowed, .. }) => Err(vec![problem(
                    "jwtPath",
                    format!("not a JWT path this service allows (allowed: {allowed:?})"),
                )]),
                _ => Ok(config),
            }
        }
        Ok(_) => Err(problems),
        Err(e) => {
            // A secret that could not be kept is already reported as such.
            let rest = e.problems.into_iter();
            problems.extend(rest.filter(|p| !keep_failed.contains(&p.field.as_str())));
            Err(problems)
        }
    }
}

/// The address `addr` names, if its host is an IP literal.
fn literal_ip(config: &VaultConfig) -> Option<IpAddr> {
    vaultcred_host::literal_ip(&config.addr().parse().ok()?)
}

/// The config as it may leave the service: every field but the secrets, and which secrets are
/// set (`secretsSet`).
///
/// ```
/// use vaultcred_core::VaultConfig;
/// let config = VaultConfig::token("https://vault.example.com", "secret", "hvs.SECRET")?;
/// let shown = vaultcred_server::config_body::redacted(&config);
/// assert_eq!(shown["config"]["authMode"], "token");
/// assert!(shown["config"].get("token").is_none());
/// assert_eq!(shown["secretsSet"], serde_json::json!(["token"]));
/// assert!(!shown.to_string().contains("hvs.SECRET"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn redacted(config: &VaultConfig) -> Value {
    let mut fields = match config.to_json(false) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let set: Vec<&str> = SECRET_FIELDS
        .into_iter()
        .filter(|f| fields.remove(*f).is_some())
        .collect();
    json!({ "providerType": PROVIDER_TYPE, "config": fields, "secretsSet": set })
}

/// What changed from `old` to `new` (either absent for a create or delete), for the audit
/// trail: `[{"field","from","to"}]` for plain fields, `[{"field","secret":"set"|"changed"|
/// "removed"}]` for secret ones. Never a secret value.
pub fn changes(old: Option<&VaultConfig>, new: Option<&VaultConfig>) -> Value {
    let plain = |c: Option<&VaultConfig>| match c.map(|c| c.to_json(true)) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let (old, new) = (plain(old), plain(new));
    let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
    fields.sort();
    fields.dedup();
    let mut out = Vec::new();
    for field in fields {
        let (from, to) = (old.get(field), new.get(field));
        if from == to {
            continue;
        }
        if SECRET_FIELDS.contains(&field.as_str()) {
            let what = match (from, to) {
                (None, _) => "set",
                (_, None) => "removed",
                _ => "changed",
            };
            out.push(json!({ "field": field, "secret": what }));
        } else {
            out.push(json!({ "field": field, "from": from, "to": to }));
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests;
