//! What a resolve returns, what a health check reports, and what a rotation announces.

use crate::error::Reason;
use crate::kv::SecretValue;
use crate::refresh::from_ms;
use std::fmt;
use std::time::SystemTime;

/// A resolved credential.
///
/// `Debug` shows everything but the secret. Times are wall-clock instants from the host's clock.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub(crate) org_id: String,
    pub(crate) kind: String,
    pub(crate) value: SecretValue,
    pub(crate) resolved_at_ms: u64,
    pub(crate) refresh_at_ms: u64,
    pub(crate) version: Option<u64>,
}

impl Credential {
    /// The org it belongs to.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }
    /// The credential kind, e.g. `anthropic-api-key`.
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// The secret: one primary value or several fields.
    pub fn value(&self) -> &SecretValue {
        &self.value
    }
    /// When it was read from Vault.
    pub fn resolved_at(&self) -> SystemTime {
        from_ms(self.resolved_at_ms)
    }
    /// When the next resolve must go back to Vault.
    pub fn refresh_at(&self) -> SystemTime {
        from_ms(self.refresh_at_ms)
    }
    /// `resolved_at` in milliseconds since the Unix epoch.
    pub fn resolved_at_ms(&self) -> u64 {
        self.resolved_at_ms
    }
    /// `refresh_at` in milliseconds since the Unix epoch.
    pub fn refresh_at_ms(&self) -> u64 {
        self.refresh_at_ms
    }
    /// The KV v2 metadata version, when Vault gave one.
    pub fn version(&self) -> Option<u64> {
        self.version
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("org_id", &self.org_id)
            .field("kind", &self.kind)
            .field("value", &self.value)
            .field("resolved_at_ms", &self.resolved_at_ms)
            .field("refresh_at_ms", &self.refresh_at_ms)
            .field("version", &self.version)
            .finish()
    }
}

/// A kind's value or version changed on refresh. Hosts drain these from the registry and forward
/// them to subscribers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationEvent {
    /// The org.
    pub org_id: String,
    /// The kind that rotated.
    pub kind: String,
    /// The version cached before (if Vault gave one).
    pub old_version: Option<u64>,
    /// The version now cached (if Vault gave one).
    pub new_version: Option<u64>,
    /// When the rotation was observed (ms since the Unix epoch).
    pub at_ms: u64,
}

impl RotationEvent {
    /// The one rotation rule: a credential rotated when its value or its version changed.
    /// Returns the event announcing `new` replacing `old`, or `None` if nothing changed.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use vaultcred_core::{Next, Registry, RotationEvent, VaultConfig};
    /// # let mut registry = Registry::new();
    /// # registry.register("org_a", VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.x")?)?;
    /// # let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
    /// # let lookup = br#"{"data":{"ttl":0}}"#;
    /// # let body = br#"{"data":{"data":{"value":"v1"},"metadata":{"version":1}}}"#;
    /// # let mut op = registry.start_resolve("org_a", "k", now);
    /// # for answer in [&lookup[..], &body[..]] {
    /// #     let Next::Http(_) = registry.poll(&mut op, now) else { unreachable!() };
    /// #     registry.on_response(&mut op, Ok(http::Response::new(answer.to_vec())), now);
    /// # }
    /// # let Next::Done(Ok(credential)) = registry.poll(&mut op, now) else { unreachable!() };
    /// // The same credential twice: no rotation.
    /// assert!(RotationEvent::between(&credential, &credential).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn between(old: &Credential, new: &Credential) -> Option<RotationEvent> {
        let rotated = old.value != new.value || old.version != new.version;
        rotated.then(|| RotationEvent {
            org_id: new.org_id.clone(),
            kind: new.kind.clone(),
            old_version: old.version,
            new_version: new.version,
            at_ms: new.resolved_at_ms,
        })
    }
}

/// Outcome of a health check: `{ok: true, latencyMs, checks}` or
/// `{ok: false, error, reason, latencyMs, checks}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthReport {
    /// Whether Vault was reachable, the credentials valid, the mount a KV v2 mount and the org's
    /// path readable (as far as [`HealthReport::checks`] says).
    pub ok: bool,
    /// Time from the start of the check to its answer, by the host's clock.
    pub latency_ms: u64,
    /// Why it failed (redacted), when it did.
    pub error: Option<HealthError>,
    /// What was checked and passed, in order: `auth` (a token was obtained or known valid),
    /// `mount` and `kv_v2` (the mount exists and is KV version 2), `read_capability` (the
    /// token's policies allow reading the org's path), `probe_read` (a read under the org's path
    /// reached the KV engine). A check whose endpoint is itself forbidden is skipped, and the
    /// next one stands in for it.
    pub checks: Vec<&'static str>,
}

/// Why a health check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthError {
    /// Machine-readable reason.
    pub reason: Reason,
    /// Redacted message.
    pub message: String,
}

impl HealthReport {
    /// The spec's JSON, `{"ok":true,"latencyMs":45}` or `{"ok":false,"error":"..."}`, with
    /// `reason` on failure and the `checks` passed.
    ///
    /// ```
    /// use vaultcred_core::HealthReport;
    /// let r = HealthReport { ok: true, latency_ms: 45, error: None, checks: vec!["auth", "mount"] };
    /// assert_eq!(r.to_json().to_string(), r#"{"ok":true,"latencyMs":45,"checks":["auth","mount"]}"#);
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        match &self.error {
            None => serde_json::json!({
                "ok": self.ok,
                "latencyMs": self.latency_ms,
                "checks": self.checks,
            }),
            Some(e) => serde_json::json!({
                "ok": false,
                "error": format!("{}: {}", e.reason, e.message),
                "reason": e.reason.as_str(),
                "latencyMs": self.latency_ms,
                "checks": self.checks,
            }),
        }
    }
}
