//! The Go client's environment variables (`api.DefaultConfig()` + `ReadEnvironment()`), with its
//! meanings: an empty variable counts as unset; explicit builder calls win over them.

use crate::builder::{Builder, Roots};
use crate::error::{BuildError, Origin, Setting};
use crate::pem::{Pem, read_ca_dir};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;
use vaultcred_core::RetryPolicy;

/// The transport variables read by [`Builder::from_env`], in the Go client's names.
pub const TRANSPORT_VARIABLES: [&str; 8] = [
    "VAULT_CACERT",
    "VAULT_CAPATH",
    "VAULT_CLIENT_CERT",
    "VAULT_CLIENT_KEY",
    "VAULT_SKIP_VERIFY",
    "VAULT_TLS_SERVER_NAME",
    "VAULT_CLIENT_TIMEOUT",
    "VAULT_MAX_RETRIES",
];

/// Reads variables through a lookup, so tests need not touch the process environment.
struct Env<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<OsString>> Env<F> {
    /// A non-empty variable, as an OS string (paths need not be UTF-8).
    fn os(&self, name: &str) -> Option<OsString> {
        (self.lookup)(name).filter(|v| !v.is_empty())
    }

    /// A non-empty variable as text.
    fn text(&self, setting: Setting, name: &'static str) -> Result<Option<String>, BuildError> {
        self.os(name)
            .map(|v| {
                v.into_string().map_err(|_| BuildError::Invalid {
                    setting,
                    origin: Origin::Env(name),
                    problem: "is not valid UTF-8".to_owned(),
                })
            })
            .transpose()
    }

    /// A non-empty variable parsed by `parse`; its error names the variable.
    fn parsed<T>(
        &self,
        setting: Setting,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<(T, Origin)>, BuildError> {
        let Some(text) = self.text(setting, name)? else {
            return Ok(None);
        };
        let origin = Origin::Env(name);
        parse(text.trim())
            .map(|v| Some((v, origin)))
            .map_err(|problem| BuildError::Invalid {
                setting,
                origin,
                problem,
            })
    }
}

impl<C> Builder<C> {
    /// A builder from the Go client's environment variables: `VAULT_CACERT`, `VAULT_CAPATH`,
    /// `VAULT_CLIENT_CERT` + `VAULT_CLIENT_KEY`, `VAULT_SKIP_VERIFY`, `VAULT_TLS_SERVER_NAME`,
    /// `VAULT_CLIENT_TIMEOUT` and `VAULT_MAX_RETRIES` (see [`Builder::with_env`]). Later
    /// method calls still win over the environment.
    pub fn from_env() -> Result<Self, BuildError> {
        Builder::default().with_env(|name| std::env::var_os(name))
    }

    /// Applies the Go client's variables, looked up through `env`, to every setting not set by
    /// a method call. Files are read now. Errors name the variable.
    ///
    /// - `VAULT_CACERT`: a PEM bundle file to trust; it wins over `VAULT_CAPATH`, a directory of
    ///   PEM files (as in the Go client).
    /// - `VAULT_CLIENT_CERT` and `VAULT_CLIENT_KEY`: PEM files, both or neither.
    /// - `VAULT_SKIP_VERIFY`: a Go boolean (`1`, `t`, `true`, `0`, `f`, `false`, any case of
    ///   `true`/`false`); true turns verification off, dangerously.
    /// - `VAULT_TLS_SERVER_NAME`: the name to verify the server certificate against.
    /// - `VAULT_CLIENT_TIMEOUT`: whole seconds (`60`) or a Go duration (`90s`, `1m30s`,
    ///   `500ms`, `1.5h`, `2d`); it must be positive.
    /// - `VAULT_MAX_RETRIES`: retries after the first attempt (sets
    ///   [`RetryPolicy::max_retries`], other fields default).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::time::Duration;
    /// use vaultcred_host::Options;
    ///
    /// let vars = HashMap::from([("VAULT_CLIENT_TIMEOUT", "1m30s"), ("VAULT_MAX_RETRIES", "5")]);
    /// let env = |name: &str| vars.get(name).map(Into::into);
    /// let setup = Options::default().with_env(env)?.setup()?;
    /// assert_eq!(setup.timeout, Duration::from_secs(90));
    /// assert_eq!(setup.retry.max_retries, 5);
    ///
    /// // An explicit call wins, before or after.
    /// let setup = Options::default().timeout(Duration::from_secs(3)).with_env(env)?.setup()?;
    /// assert_eq!(setup.timeout, Duration::from_secs(3));
    /// # Ok::<(), vaultcred_host::BuildError>(())
    /// ```
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<OsString>) -> Result<Self, BuildError> {
        let env = Env { lookup: env };
        if self.timeout.is_none() {
            self.timeout = env.parsed(Setting::Timeout, "VAULT_CLIENT_TIMEOUT", parse_duration)?;
        }
        if self.retry.is_none() {
            let retries = env.parsed(Setting::Retry, "VAULT_MAX_RETRIES", parse_retries)?;
            self.retry = retries.map(|(max_retries, origin)| {
                let policy = RetryPolicy {
                    max_retries,
                    ..RetryPolicy::default()
                };
                (policy, origin)
            });
        }
        if self.insecure.is_none() {
            self.insecure = env.parsed(Setting::SkipVerify, "VAULT_SKIP_VERIFY", parse_bool)?;
        }
        if self.server_name.is_none() {
            let name = env.text(Setting::TlsServerName, "VAULT_TLS_SERVER_NAME")?;
            self.server_name = name.map(|n| (n, Origin::Env("VAULT_TLS_SERVER_NAME")));
        }
        if self.roots.is_none() {
            if let Some(path) = env.os("VAULT_CACERT") {
                let origin = Origin::Env("VAULT_CACERT");
                let pem = Pem::read(&PathBuf::from(path), Setting::CaBundle, origin)?;
                self.roots = Some(Roots::Bundle(pem));
            } else if let Some(dir) = env.os("VAULT_CAPATH") {
                let origin = Origin::Env("VAULT_CAPATH");
                self.roots = Some(Roots::Dir(
                    read_ca_dir(&PathBuf::from(dir), origin)?,
                    origin,
                ));
            }
        }
        if self.client_cert.is_none() {
            let (cert, key) = ("VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY");
            match (env.os(cert), env.os(key)) {
                (None, None) => {}
                (Some(c), Some(k)) => {
                    let c = Pem::read(&PathBuf::from(c), Setting::ClientCert, Origin::Env(cert))?;
                    let k = Pem::read(&PathBuf::from(k), Setting::ClientKey, Origin::Env(key))?;
                    self.client_cert = Some((c, k));
                }
                (Some(_), None) => return Err(half_pair(Setting::ClientKey, cert, key)),
                (None, Some(_)) => return Err(half_pair(Setting::ClientCert, key, cert)),
            }
        }
        Ok(self)
    }
}

fn half_pair(missing: Setting, set: &'static str, unset: &'static str) -> BuildError {
    BuildError::Invalid {
        setting: missing,
        origin: Origin::Env(set),
        problem: format!("{unset} is not set; a client certificate needs both {set} and {unset}"),
    }
}

/// Go's `strconv.ParseBool`, as the Go client reads `VAULT_SKIP_VERIFY`.
///
/// ```
/// assert_eq!(vaultcred_host::parse_bool("T"), Ok(true));
/// assert_eq!(vaultcred_host::parse_bool("0"), Ok(false));
/// assert!(vaultcred_host::parse_bool("yes").is_err());
/// ```
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("{text:?} is not a boolean (true/false, 1/0, t/f)")),
    }
}

/// `VAULT_MAX_RETRIES`: a `u32`, as Go's `strconv.ParseUint(_, 10, 32)`.
///
/// ```
/// assert_eq!(vaultcred_host::parse_retries("3"), Ok(3));
/// assert!(vaultcred_host::parse_retries("-1").is_err());
/// ```
pub fn parse_retries(text: &str) -> Result<u32, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number of retries (0 to {})", u32::MAX))
}

/// Go's `parseutil.ParseDurationSecond`: whole seconds, or a Go duration (`1m30s`, `1.5h`,
/// `250ms`, with `d` for days); positive. How the Go client reads `VAULT_CLIENT_TIMEOUT`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(vaultcred_host::parse_duration("90"), Ok(Duration::from_secs(90)));
/// assert_eq!(vaultcred_host::parse_duration("1m30s"), Ok(Duration::from_secs(90)));
/// assert!(vaultcred_host::parse_duration("0").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (seconds like 30, or 30s, 2m, 1h30m, 500ms)");
    let duration = if let Ok(secs) = text.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        go_duration(text).ok_or_else(bad)?
    };
    if duration.is_zero() {
        return Err(format!("{text:?} must be more than zero"));
    }
    Ok(duration)
}

/// A Go duration: one or more `<decimal><unit>`, units `ns us µs ms s m h d`.
fn go_duration(text: &str) -> Option<Duration> {
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).ok()
}
