//! A health check is a test resolve without side effects: it gets the org's token the way a
//! resolve does (the cached token, the single-flight login, renewal or lookup — no extra login
//! when a valid token exists), then checks that the mount exists and is KV version 2
//! (`sys/internal/ui/mounts`), and that the token may read the org's path
//! (`sys/capabilities-self` for a probe kind). A check whose endpoint is forbidden is skipped;
//! a read of the probe kind then stands in, so a mount that does not exist is never `ok`.

use super::task::{Begin, Task, Verdict};
use super::{Ctx, Used};
use crate::credential::{HealthError, HealthReport};
use crate::error::Reason;
use crate::kv::parse_read;
use crate::provider::Provider;
use crate::secret::SecretString;
use crate::wire::{Call, build_request, classify_status, retry_after_secs, token_rejected};
use http::{Method, Request, Response, StatusCode};
use serde_json::Value;

/// The kind a health check asks about (never stored, never returned).
pub const PROBE_KIND: &str = "vaultcred-health-probe";

/// Which check the next request makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Mount,
    Capabilities,
    Probe,
}

/// Checking that an org's Vault is reachable, its credentials work and its path is readable.
pub struct Health {
    started_ms: u64,
    next: Check,
    /// Whether the mount check passed (else the probe read must show the mount exists).
    mount_seen: bool,
    checks: Vec<&'static str>,
}

impl Health {
    pub(crate) fn new(started_ms: u64) -> Self {
        Health {
            started_ms,
            next: Check::Mount,
            mount_seen: false,
            checks: Vec::new(),
        }
    }

    fn ok(&self, now_ms: u64) -> HealthReport {
        HealthReport {
            ok: true,
            latency_ms: now_ms.saturating_sub(self.started_ms),
            error: None,
            checks: self.checks.clone(),
        }
    }

    /// The probe kind's read path, e.g. `secret/data/org_abc123/vaultcred-health-probe`.
    fn probe_path(org: &Provider, org_id: &str) -> String {
        let config = &org.config;
        config
            .template
            .render_validated(&config.mount, org_id, PROBE_KIND)
    }

    /// Moves on after a check whose endpoint was forbidden (or passed, with `passed`).
    fn then(&mut self, passed: Option<&'static str>, now_ms: u64) -> Verdict<HealthReport> {
        self.checks.extend(passed);
        self.next = match self.next {
            Check::Mount => Check::Capabilities,
            Check::Capabilities if self.mount_seen => return Verdict::Done(self.ok(now_ms)),
            Check::Capabilities | Check::Probe => Check::Probe,
        };
        Verdict::Continue
    }
}

#[allow(
    private_interfaces,
    reason = "sealed: hosts name `Outcome`, never `Task`, whose methods are the core's own"
)]
impl Task for Health {
    type Output = HealthReport;
    const NAME: &'static str = "health";

    fn begin(&mut self, _org: &Provider, _now_ms: u64) -> Begin<HealthReport> {
        Begin::AcquireToken
    }

    fn after_login(&self, _now_ms: u64) -> Option<HealthReport> {
        None
    }

    fn request(&mut self, org: &Provider, org_id: &str, token: &SecretString) -> Request<Vec<u8>> {
        if self.checks.is_empty() {
            self.checks.push("auth");
        }
        let config = &org.config;
        match self.next {
            Check::Mount => {
                let path = format!("sys/internal/ui/mounts/{}", config.mount);
                build_request(config, Method::GET, &path, Some(token), None)
            }
            Check::Capabilities => {
                let body = serde_json::json!({ "paths": [Self::probe_path(org, org_id)] });
                let body = serde_json::to_vec(&body).unwrap_or_default();
                let path = "sys/capabilities-self";
                build_request(config, Method::POST, path, Some(token), Some(body))
            }
            Check::Probe => {
                let path = Self::probe_path(org, org_id);
                build_request(config, Method::GET, &path, Some(token), None)
            }
        }
    }

    fn answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        org_id: &str,
        response: Response<Vec<u8>>,
        _used: Used,
        now_ms: u64,
    ) -> Verdict<HealthReport> {
        let status = response.status();
        let body = response.body();
        let config = &ctx.org.config;
        let scrubber = ctx.org.scrubber(None);
        let call = if self.next == Check::Probe {
            Call::Read
        } else {
            Call::Lookup
        };
        if status == StatusCode::FORBIDDEN && token_rejected(body) && self.next != Check::Mount {
            let f = classify_status(Call::Read, &response, &scrubber);
            return Verdict::Denied(f.reason, f.message);
        }
        match (self.next, status.as_u16()) {
            (Check::Mount, 200) => match mount_kind(body) {
                Ok(()) => {
                    self.mount_seen = true;
                    self.checks.push("mount");
                    self.then(Some("kv_v2"), now_ms)
                }
                Err(what) => Verdict::Fail(
                    Reason::NotKvV2,
                    format!(
                        "mount {:?} is {what}; vaultcred reads KV version 2",
                        config.mount
                    ),
                ),
            },
            // Forbidden to this token (or no such mount: Vault answers both alike), or an endpoint
            // this server does not have (an older Vault, another implementation): skipped, the
            // probe read stands in.
            (Check::Mount | Check::Capabilities, 403 | 404 | 405 | 501) => self.then(None, now_ms),
            (Check::Capabilities, 200) => {
                let path = Self::probe_path(ctx.org, org_id);
                let caps = capabilities(body, &path);
                if caps.iter().any(|c| c == "read" || c == "root") {
                    self.then(Some("read_capability"), now_ms)
                } else {
                    Verdict::Fail(
                        Reason::PermissionDenied,
                        format!(
                            "the token's policies do not allow reading {path} (capabilities: {caps:?})"
                        ),
                    )
                }
            }
            (Check::Probe, 200 | 204 | 404) => {
                let path = Self::probe_path(ctx.org, org_id);
                match parse_read(status.as_u16(), body, &path, &scrubber) {
                    Ok(_) | Err((Reason::Missing, _)) => {
                        self.checks.push("probe_read");
                        Verdict::Done(self.ok(now_ms))
                    }
                    Err((Reason::MountNotFound, said)) => Verdict::Fail(
                        Reason::MountNotFound,
                        format!(
                            "mount {:?} not found, or not a KV v2 mount: {said}",
                            config.mount
                        ),
                    ),
                    Err((reason, message)) => Verdict::Fail(reason, message),
                }
            }
            _ => {
                let f = classify_status(call, &response, &scrubber);
                if f.retryable {
                    Verdict::Retry {
                        reason: f.reason,
                        message: f.message,
                        retry_after: retry_after_secs(&response),
                    }
                } else if status.as_u16() == 403 {
                    Verdict::Fail(Reason::PermissionDenied, f.message)
                } else {
                    Verdict::Fail(f.reason, f.message)
                }
            }
        }
    }

    fn failure(&self, _org_id: &str, reason: Reason, message: String, now_ms: u64) -> HealthReport {
        HealthReport {
            ok: false,
            latency_ms: now_ms.saturating_sub(self.started_ms),
            error: Some(HealthError { reason, message }),
            checks: self.checks.clone(),
        }
    }

    fn restart(&mut self) {
        self.next = Check::Mount;
        self.mount_seen = false;
        self.checks.clear();
    }
}

/// Whether a `sys/internal/ui/mounts/{mount}` answer describes a KV version 2 mount; else what
/// it is.
fn mount_kind(body: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "unreadable".to_owned())?;
    let data = value.get("data").unwrap_or(&Value::Null);
    let kind = data.get("type").and_then(Value::as_str).unwrap_or("");
    let version = data
        .get("options")
        .and_then(|o| o.get("version"))
        .and_then(Value::as_str)
        .unwrap_or("1");
    match (kind, version) {
        ("kv" | "generic", "2") => Ok(()),
        ("kv" | "generic", v) => Err(format!("a KV version {v} mount")),
        ("", _) => Err("not described by Vault".to_owned()),
        (other, _) => Err(format!("a {other:?} mount, not KV")),
    }
}

/// The capabilities a `sys/capabilities-self` answer gives for `path` (Vault puts them under
/// `data`, keyed by path and as `capabilities`, and repeats them at the top level).
fn capabilities(body: &[u8], path: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let data = value.get("data").unwrap_or(&value);
    let list = data
        .get(path)
        .or_else(|| data.get("capabilities"))
        .or_else(|| value.get("capabilities"));
    list.and_then(Value::as_array)
        .map(|caps| {
            caps.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
