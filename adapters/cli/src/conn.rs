//! Connection setup: the Vault config (file, sealed file or `VAULT_*` variables), the sealing
//! key, and the blocking client with the org registered.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use vaultcred_core::envelope::{self, EnvelopeKey};
use vaultcred_core::{ConfigError, ConfigProblem, VaultConfig};
use vaultcred_ureq::Client;

use crate::cli::ConnArgs;
use crate::failure::Failure;

/// Environment variable holding the sealing key itself (base64), when no key file is given.
pub(crate) const KEY_ENV: &str = "VAULTCRED_KEY";

/// A config plus where its CA bundle comes from.
pub(crate) struct Loaded {
    /// The validated config.
    pub(crate) config: VaultConfig,
    /// The CA bundle to trust, if any (`--cacert`, else `VAULT_CACERT` in env mode).
    pub(crate) cacert: Option<PathBuf>,
}

/// Loads the config from `--config` or from the `VAULT_*` variables.
pub(crate) fn load(conn: &ConnArgs) -> Result<Loaded, Failure> {
    match &conn.config {
        Some(path) => {
            let config = load_file(path, conn.key_file.as_deref(), &conn.org)?;
            Ok(Loaded {
                config,
                cacert: conn.cacert.clone(),
            })
        }
        None => {
            let config = from_env(&conn.mount)?;
            let cacert = conn.cacert.clone().or_else(|| {
                env_nonempty("VAULT_CACERT")
                    .ok()
                    .flatten()
                    .map(PathBuf::from)
            });
            Ok(Loaded { config, cacert })
        }
    }
}

/// Builds the client (timeout, CA bundle) and registers the org with its config.
///
/// Every kind resolved through the returned client shares its login.
pub(crate) fn connect(conn: &ConnArgs) -> Result<Client, Failure> {
    let loaded = load(conn)?;
    tracing::debug!(
        target: "vaultcred",
        org = %conn.org,
        auth_mode = loaded.config.auth().mode(),
        addr = loaded.config.addr(),
        "config loaded"
    );
    let mut builder = Client::builder().timeout(conn.timeout);
    if let Some(path) = &loaded.cacert {
        builder = builder
            .ca_bundle_file(path)
            .map_err(|e| Failure::usage(format!("--cacert {}: {e}", path.display())))?;
    }
    let client = builder
        .build()
        .map_err(|e| Failure::usage(format!("cannot build the Vault client: {e}")))?;
    client
        .register(&conn.org, loaded.config)
        .map_err(|e| Failure::usage(format!("--org: {e}")))?;
    Ok(client)
}

/// Reads a config file: bare config, API payload, or sealed envelope (opened for `org`).
pub(crate) fn load_file(
    path: &Path,
    key_file: Option<&Path>,
    org: &str,
) -> Result<VaultConfig, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read --config {}: {e}", path.display())))?;
    let is_sealed = serde_json::from_slice::<Value>(&bytes)
        .map(|v| envelope::is_envelope(&v))
        .unwrap_or(false);
    if !is_sealed {
        return VaultConfig::from_json(&bytes).map_err(|e| Failure::config(&e));
    }
    let key = load_key(key_file)?.ok_or_else(|| {
        Failure::config(&ConfigError::single(
            "config",
            format!("is a sealed envelope; give --key-file FILE or set {KEY_ENV}"),
        ))
    })?;
    let plain = open_envelope(&bytes, org, &key)?;
    VaultConfig::from_json(&plain).map_err(|e| Failure::config(&e))
}

/// Opens a sealed envelope for `org`; a wrong org, wrong key or malformed envelope is a usage
/// error (exit 2).
pub(crate) fn open_envelope(
    envelope: &[u8],
    org: &str,
    key: &EnvelopeKey,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Failure> {
    envelope::decrypt(envelope, org, key).map_err(|e| match e {
        envelope::EnvelopeError::OpenFailed => Failure::usage(format!(
            "cannot open the sealed config for org {org:?}: wrong key, wrong org, or the envelope \
             was altered"
        )),
        other => Failure::usage(format!("cannot open the sealed config: {other}")),
    })
}

/// Loads the sealing key from `key_file`, else from `VAULTCRED_KEY`; `None` if neither is set.
pub(crate) fn load_key(key_file: Option<&Path>) -> Result<Option<EnvelopeKey>, Failure> {
    if let Some(path) = key_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!("cannot read --key-file {}: {e}", path.display()))
        })?;
        let text = zeroize::Zeroizing::new(text);
        return EnvelopeKey::from_base64(&text)
            .map(Some)
            .map_err(|e| Failure::usage(format!("--key-file {}: {e}", path.display())));
    }
    match std::env::var(KEY_ENV) {
        Ok(text) => {
            let text = zeroize::Zeroizing::new(text);
            EnvelopeKey::from_base64(&text)
                .map(Some)
                .map_err(|e| Failure::usage(format!("{KEY_ENV}: {e}")))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::usage(format!(
            "{KEY_ENV}: key must be 32 bytes of base64"
        ))),
    }
}

/// A non-empty environment variable; `Err(name)` if it is not UTF-8.
fn env_nonempty(name: &'static str) -> Result<Option<String>, &'static str> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(name),
    }
}

/// Token mode from `VAULT_ADDR`, `VAULT_TOKEN` and `VAULT_NAMESPACE`, with `mount`.
fn from_env(mount: &str) -> Result<VaultConfig, Failure> {
    let mut problems = Vec::new();
    let mut get = |name: &'static str, field: &str, required: bool| match env_nonempty(name) {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            if required {
                problems.push(ConfigProblem {
                    field: field.into(),
                    message: format!("{name} is not set (give --config FILE or set {name})"),
                });
            }
            None
        }
        Err(name) => {
            problems.push(ConfigProblem {
                field: field.into(),
                message: format!("{name} is not valid UTF-8"),
            });
            None
        }
    };
    let addr = get("VAULT_ADDR", "addr", true);
    let token = get("VAULT_TOKEN", "token", true);
    let namespace = get("VAULT_NAMESPACE", "namespace", false);
    let token = token.map(zeroize::Zeroizing::new);
    if !problems.is_empty() {
        return Err(Failure::config(&ConfigError { problems }));
    }
    let mut m = Map::new();
    m.insert("addr".into(), addr.unwrap_or_default().into());
    if let Some(ns) = namespace {
        m.insert("namespace".into(), ns.into());
    }
    m.insert("mount".into(), mount.into());
    m.insert("authMode".into(), "token".into());
    m.insert(
        "token".into(),
        token
            .as_deref()
            .map(String::as_str)
            .unwrap_or_default()
            .into(),
    );
    let value = Value::Object(m);
    let config = VaultConfig::from_value(&value).map_err(|e| Failure::config(&e));
    drop(zeroize_value(value));
    config
}

/// Best effort: overwrite the token copy inside a JSON value before dropping it.
fn zeroize_value(mut value: Value) -> Value {
    use zeroize::Zeroize as _;
    if let Some(Value::String(s)) = value.get_mut("token") {
        s.zeroize();
    }
    value
}
