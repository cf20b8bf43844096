//! The one place that calls the core: building the registry, registering orgs, and the drive
//! loop that acts on each [`Next`]. Everything else in this crate sees the plain types below.
//!
//! Single-threaded: the registry sits in a `RefCell` and is borrowed only for one step (never
//! across an `.await`, never while JavaScript runs), so any number of resolves started from
//! JavaScript can be in flight at once, sharing one login per org.

use crate::host::Host;
use crate::js;
use crate::settings::Settings;
use std::cell::RefCell;
use std::time::Duration;
use vaultcred_core::{
    CredentialNotFound, HealthReport, Next, Operation, Outcome, RegisterError, Registry,
    RegistryOptions, RetryPolicy, SecretString, SecretValue, VaultConfig,
};

/// A resolved credential, as the JavaScript API shows it.
pub(crate) struct Resolved {
    pub(crate) org_id: String,
    pub(crate) kind: String,
    /// The primary value, or every field.
    pub(crate) value: Secret,
    pub(crate) resolved_at_ms: u64,
    pub(crate) refresh_at_ms: u64,
    pub(crate) version: Option<u64>,
}

/// A credential's secret part (zeroed on drop, redacted in `Debug`).
pub(crate) enum Secret {
    /// `value`, `accessToken`, `apiKey` or `token`.
    Value(SecretString),
    /// Every field, when no primary one exists.
    MultiField(Vec<(String, SecretString)>),
}

/// Why a resolve failed: a reason's wire name and redacted text.
pub(crate) struct Failure {
    pub(crate) org_id: String,
    pub(crate) kind: String,
    pub(crate) reason: &'static str,
    /// The whole redacted sentence (`credential … not found (reason): …`).
    pub(crate) message: String,
}

/// A health check's outcome.
pub(crate) struct Health {
    pub(crate) latency_ms: u64,
    /// The reason's wire name and the redacted message, when it failed.
    pub(crate) error: Option<(&'static str, String)>,
    /// The checks passed (`auth`, `mount`, `kv_v2`, `read_capability`, `probe_read`).
    pub(crate) checks: Vec<&'static str>,
}

/// A rotation event.
pub(crate) struct Rotation {
    pub(crate) org_id: String,
    pub(crate) kind: String,
    pub(crate) old_version: Option<u64>,
    pub(crate) new_version: Option<u64>,
    pub(crate) at_ms: u64,
}

/// One problem of a refused config.
pub(crate) struct Problem {
    pub(crate) field: String,
    pub(crate) message: String,
}

/// The core's registry, owned by one `Client`.
pub(crate) struct Core {
    registry: RefCell<Registry>,
}

impl Core {
    /// An empty registry with these settings, jitter seed and extra allowed JWT paths.
    pub(crate) fn new(settings: &Settings, jitter_seed: u64, jwt_paths: Vec<String>) -> Core {
        let defaults = RetryPolicy::default();
        let retry = RetryPolicy {
            max_retries: settings.max_retries.unwrap_or(defaults.max_retries),
            deadline: settings
                .deadline_ms
                .map_or(defaults.deadline, |ms| Duration::from_millis(ms.into())),
            ..defaults
        };
        let mut options = RegistryOptions {
            retry,
            jitter_seed,
            max_body_bytes: settings.max_body_bytes,
            ..RegistryOptions::default()
        };
        options.allowed_jwt_paths.extend(jwt_paths);
        Core {
            registry: RefCell::new(Registry::with_options(options)),
        }
    }

    /// Parses and registers (or replaces) an org's config; every problem is listed.
    pub(crate) fn register(&self, org_id: &str, json: &str) -> Result<(), Vec<Problem>> {
        let config = VaultConfig::from_json(json.as_bytes()).map_err(|e| {
            e.problems
                .into_iter()
                .map(|p| Problem {
                    field: p.field,
                    message: p.message,
                })
                .collect::<Vec<_>>()
        })?;
        self.registry
            .borrow_mut()
            .register(org_id, config)
            .map_err(|e| {
                let field = match e {
                    RegisterError::JwtPathNotAllowed { .. } => "jwtPath",
                    _ => "orgId",
                };
                vec![Problem {
                    field: field.into(),
                    message: e.to_string(),
                }]
            })
    }

    /// Removes an org; whether it was registered.
    pub(crate) fn unregister(&self, org_id: &str) -> bool {
        self.registry.borrow_mut().unregister(org_id)
    }

    /// Resolves `kind` of `org_id`: from the cache while fresh, else from Vault.
    pub(crate) async fn resolve(
        &self,
        host: &Host,
        org_id: &str,
        kind: &str,
    ) -> Result<Resolved, Failure> {
        let op = self
            .registry
            .borrow_mut()
            .start_resolve(org_id, kind, host.now());
        match self.drive(host, op).await {
            Ok(c) => Ok(Resolved {
                org_id: c.org_id().to_owned(),
                kind: c.kind().to_owned(),
                value: match c.value() {
                    SecretValue::Value(v) => Secret::Value(v.clone()),
                    SecretValue::MultiField(fields) => Secret::MultiField(
                        fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    ),
                },
                resolved_at_ms: c.resolved_at_ms(),
                refresh_at_ms: c.refresh_at_ms(),
                version: c.version(),
            }),
            Err(e) => Err(failure(e)),
        }
    }

    /// Checks that Vault is reachable and the org's credentials valid.
    pub(crate) async fn health(&self, host: &Host, org_id: &str) -> Health {
        let op = self.registry.borrow_mut().start_health(org_id, host.now());
        let report: HealthReport = self.drive(host, op).await;
        Health {
            latency_ms: report.latency_ms,
            checks: report.checks,
            error: match (report.ok, report.error) {
                (true, _) => None,
                (false, Some(e)) => Some((e.reason.as_str(), e.message)),
                (false, None) => Some(("server_error", "health check failed".into())),
            },
        }
    }

    /// The drive loop.
    async fn drive<O: Outcome>(&self, host: &Host, op: Operation<O>) -> O {
        let mut guard = CancelOnDrop {
            core: self,
            host,
            op,
        };
        loop {
            let next = self.registry.borrow_mut().poll(&mut guard.op, host.now());
            match next {
                Next::Done(outcome) => {
                    self.publish(host);
                    return outcome;
                }
                Next::Http(request) => {
                    let response = host.transport.send(request).await;
                    self.registry
                        .borrow_mut()
                        .on_response(&mut guard.op, response, host.now());
                    host.progress.notify();
                    self.publish(host);
                }
                Next::ReadFile(path) => {
                    let contents = host.read_file(&path.to_string_lossy()).await;
                    self.registry
                        .borrow_mut()
                        .on_file(&mut guard.op, contents, host.now());
                    host.progress.notify();
                }
                // This client never turns shared logins on; logging in is always safe.
                Next::SharedLogin(_) => {
                    let answer = vaultcred_core::SharedAnswer::LogIn;
                    self.registry
                        .borrow_mut()
                        .on_shared_login(&mut guard.op, answer, host.now());
                }
                Next::Sleep(until) => host.sleep_until(until).await,
                Next::WaitForLogin(until) => host.wait_for_progress(until).await,
            }
        }
    }

    /// Hands pending rotation events to the listeners, outside any borrow of the registry (a
    /// listener may call back into the client).
    fn publish(&self, host: &Host) {
        let events: Vec<Rotation> = self
            .registry
            .borrow_mut()
            .drain_events()
            .map(|e| Rotation {
                org_id: e.org_id,
                kind: e.kind,
                old_version: e.old_version,
                new_version: e.new_version,
                at_ms: e.at_ms,
            })
            .collect();
        host.publish(events.iter().map(js::rotation).collect());
    }
}

fn failure(e: CredentialNotFound) -> Failure {
    Failure {
        message: e.to_string(),
        org_id: e.org_id,
        kind: e.kind,
        reason: e.reason.as_str(),
    }
}

/// Releases a login the operation was performing if its future is ever dropped unfinished
/// (JavaScript cannot cancel a promise, so today every future runs to its end).
struct CancelOnDrop<'a, O: Outcome> {
    core: &'a Core,
    host: &'a Host,
    op: Operation<O>,
}

impl<O: Outcome> Drop for CancelOnDrop<'_, O> {
    fn drop(&mut self) {
        if !self.op.is_done()
            && let Ok(mut registry) = self.core.registry.try_borrow_mut()
        {
            registry.cancel(&mut self.op);
            self.host.progress.notify();
        }
    }
}
