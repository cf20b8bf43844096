//! Connection setup: the Vault config (file, sealed file or `VAULT_*` variables), the sealing
//! key, and the blocking client with the org registered.

use std::path::Path;

use serde_json::{Map, Value};
use vaultcred_core::envelope::{self, EnvelopeKey};
use vaultcred_core::{ConfigError, ConfigProblem, VaultConfig};
use vaultcred_ureq::Client;

use crate::cli::ConnArgs;
use crate::failure::Failure;

/// Environment variable holding the sealing key itself (base64), when no key file is given.
pub(crate) const KEY_ENV: &str = "VAULTCRED_KEY";

/// Loads the config from `--config`, or from `--address`/`VAULT_ADDR`, `VAULT_TOKEN` and
/// `--namespace`/`VAULT_NAMESPACE` (token mode).
pub(crate) fn load(conn: &ConnArgs) -> Result<VaultConfig, Failure> {
    match &conn.config {
        Some(path) => load_file(path, conn.key_file.as_deref(), &conn.org, conn.allow_plain),
        None => from_env(conn),
    }
}

/// Builds the client (timeout, retries, TLS from the flags or their `VAULT_*` variables) and
/// registers the org with its config.
///
/// Every kind resolved through the returned client shares its login.
pub(crate) fn connect(conn: &ConnArgs) -> Result<Client, Failure> {
    let config = load(conn)?;
    let auth_mode = config.auth().mode();
    let addr = config.addr().to_owned();
    let client = crate::transport::builder(conn)?
        .build()
        .map_err(|e| crate::transport::failure(conn, &e))?;
    client.register(&conn.org, config).map_err(|e| match e {
        vaultcred_ureq::RegisterError::JwtPathNotAllowed { .. } => {
            Failure::usage(format!("config: {e} (--allow-jwt-path)"))
        }
        e => Failure::usage(format!("--org: {e}")),
    })?;
    // Logged only now that registering has validated the org (and loading, the address).
    tracing::debug!(
        target: "vaultcred",
        org = %conn.org,
        auth_mode,
        addr = %addr,
        "config loaded"
    );
    Ok(client)
}

/// Reads a config file: bare config, API payload, or sealed envelope (opened for `org`).
///
/// Sealed means sealed: when a key is supplied (`key_file`, or `VAULTCRED_KEY` set), a plain
/// config is refused (exit 2) unless `allow_plain`, so a config swapped for a plain one is never
/// loaded silently.
pub(crate) fn load_file(
    path: &Path,
    key_file: Option<&Path>,
    org: &str,
    allow_plain: bool,
) -> Result<VaultConfig, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read --config {}: {e}", path.display())))?;
    let bytes = zeroize::Zeroizing::new(bytes);
    let is_sealed = serde_json::from_slice::<Value>(&bytes)
        .map(|v| envelope::is_envelope(&v))
        .unwrap_or(false);
    if !is_sealed {
        let key_given = match key_file {
            Some(_) => Some("--key-file"),
            None => std::env::var_os(KEY_ENV).map(|_| KEY_ENV),
        };
        if let (Some(given), false) = (key_given, allow_plain) {
            return Err(Failure::usage(format!(
                "--config {} is not sealed, but a key was given ({given}): a plain config is \
                 refused where a sealed one is expected; pass --allow-plain to load it anyway",
                path.display()
            )));
        }
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
    let Some((text, origin)) = key_text(key_file)? else {
        return Ok(None);
    };
    EnvelopeKey::from_base64(&text)
        .map(Some)
        .map_err(|e| Failure::usage(format!("{origin}: {e}")))
}

/// The text of the key: `key_file`'s content (warning when others may read it), else
/// VAULTCRED_KEY, else `None`; with where it came from, for messages.
pub(crate) fn key_text(
    key_file: Option<&Path>,
) -> Result<Option<(zeroize::Zeroizing<String>, String)>, Failure> {
    if let Some(path) = key_file {
        warn_if_readable_by_others(path);
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!("cannot read --key-file {}: {e}", path.display()))
        })?;
        return Ok(Some((
            zeroize::Zeroizing::new(text),
            format!("--key-file {}", path.display()),
        )));
    }
    match std::env::var(KEY_ENV) {
        Ok(text) => Ok(Some((zeroize::Zeroizing::new(text), KEY_ENV.to_owned()))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::usage(format!(
            "{KEY_ENV}: key must be 32 bytes of base64"
        ))),
    }
}

/// Warns on stderr (not an error) when the key file is readable, writable or executable by its
/// group or others (unix mode & 0o077): whoever can read it opens every org's sealed config.
fn warn_if_readable_by_others(path: &Path) {
    if let Some(mode) = loose_mode(path) {
        eprintln!(
            "warning: --key-file {} is accessible by group or others (mode {mode:04o}); \
             anyone who can read it can open every sealed config: chmod 600 it",
            path.display()
        );
    }
}

/// The file's permission bits if any group/other bit is set; `None` otherwise, off unix, or if
/// the file cannot be inspected (reading it then reports the problem).
#[cfg(unix)]
fn loose_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

/// Off unix there are no mode bits to check.
#[cfg(not(unix))]
fn loose_mode(_path: &Path) -> Option<u32> {
    None
}

/// A non-empty value.
fn nonempty(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).cloned()
}

/// Token mode from `--address`/`VAULT_ADDR`, `VAULT_TOKEN` and `--namespace`/`VAULT_NAMESPACE`.
fn from_env(conn: &ConnArgs) -> Result<VaultConfig, Failure> {
    let mut problems = Vec::new();
    let addr = nonempty(conn.address.as_ref());
    if addr.is_none() {
        problems.push(ConfigProblem {
            field: "addr".into(),
            message: "VAULT_ADDR is not set (give --config FILE, --address URL or set VAULT_ADDR)"
                .into(),
        });
    }
    let token = match std::env::var("VAULT_TOKEN") {
        Ok(v) if !v.trim().is_empty() => Some(zeroize::Zeroizing::new(v)),
        Ok(_) | Err(std::env::VarError::NotPresent) => {
            problems.push(ConfigProblem {
                field: "token".into(),
                message: "VAULT_TOKEN is not set (give --config FILE or set VAULT_TOKEN)".into(),
            });
            None
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            problems.push(ConfigProblem {
                field: "token".into(),
                message: "VAULT_TOKEN is not valid UTF-8".into(),
            });
            None
        }
    };
    if !problems.is_empty() {
        return Err(Failure::config(&ConfigError { problems }));
    }
    let mut m = Map::new();
    m.insert("addr".into(), addr.unwrap_or_default().into());
    if let Some(ns) = nonempty(conn.namespace.as_ref()) {
        m.insert("namespace".into(), ns.into());
    }
    m.insert("mount".into(), conn.mount.as_str().into());
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
