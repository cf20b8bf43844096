//! A resolve: read `{mount}/data/{orgId}/{kind}` (or the org's path template), pick the
//! primary field, cache the credential and announce a rotation.

use super::task::{Begin, Task, Verdict};
use super::{Ctx, ResolveResult, Used};
use crate::config::Auth;
use crate::credential::{Credential, RotationEvent};
use crate::error::{CredentialNotFound, Reason};
use crate::kv::{KvRead, parse_read};
use crate::path::validate_segment;
use crate::provider::{DENIED_FOR_MS, Provider};
use crate::refresh::refresh_at_ms;
use crate::secret::SecretString;
use crate::wire::{Call, build_request, classify_status, retry_after_secs};
use http::{Method, Request, Response};
use std::sync::Arc;

/// Resolving one credential kind.
pub struct Resolve {
    kind: String,
    /// The rendered API path of the read, kept for retries and messages.
    read_path: Option<Arc<str>>,
}

impl Resolve {
    pub(crate) fn new(kind: &str) -> Self {
        Resolve {
            kind: kind.to_owned(),
            read_path: None,
        }
    }

    /// Caches the credential (replacing the old one in place) and queues a rotation event if
    /// the value or the version changed.
    fn store(
        &mut self,
        ctx: &mut Ctx<'_>,
        org_id: &str,
        read: KvRead,
        used: Used,
        now_ms: u64,
    ) -> Arc<Credential> {
        let token_mode = matches!(ctx.org.config.auth, Auth::Token { .. });
        let credential = Arc::new(Credential {
            org_id: org_id.to_owned(),
            // The operation ends here: its kind moves into the credential.
            kind: std::mem::take(&mut self.kind),
            value: read.value,
            resolved_at_ms: now_ms,
            refresh_at_ms: refresh_at_ms(token_mode, now_ms, used.deadline_ms, read.lease_secs),
            version: read.version,
        });
        let kind = credential.kind.as_str();
        match ctx.org.cache.get_mut(kind) {
            Some(old) => {
                if let Some(event) = RotationEvent::between(old, &credential) {
                    ctx.events.push(event);
                }
                *old = Arc::clone(&credential);
            }
            None => {
                ctx.org
                    .cache
                    .insert(kind.to_owned(), Arc::clone(&credential));
            }
        }
        ctx.fresh.store(&credential);
        credential
    }
}

#[allow(
    private_interfaces,
    reason = "sealed: hosts name `Outcome`, never `Task`, whose methods are the core's own"
)]
impl Task for Resolve {
    type Output = ResolveResult;
    const NAME: &'static str = "resolve";

    fn begin(&mut self, org: &Provider, now_ms: u64) -> Begin<ResolveResult> {
        if let Err(e) = validate_segment("kind", &self.kind) {
            return Begin::Fail(Reason::InvalidKind, e.to_string());
        }
        if let Some(hit) = org.cache.get(self.kind.as_str())
            && now_ms < hit.refresh_at_ms
        {
            return Begin::Done(Ok(Arc::clone(hit)));
        }
        if let Some((until, message)) = org.denied.get(self.kind.as_str())
            && now_ms < *until
        {
            let message =
                format!("{message} (a denial is remembered for 10 s: not asked again meanwhile)");
            return Begin::Fail(Reason::PermissionDenied, message);
        }
        match org.config.auth {
            Auth::Token { .. } => Begin::Request,
            _ => Begin::AcquireToken,
        }
    }

    fn after_login(&self, _now_ms: u64) -> Option<ResolveResult> {
        None
    }

    fn request(&mut self, org: &Provider, org_id: &str, token: &SecretString) -> Request<Vec<u8>> {
        let config = &org.config;
        // orgId was validated at registration, kind when the operation began.
        let path = self.read_path.get_or_insert_with(|| {
            Arc::from(
                config
                    .template
                    .render_validated(&config.mount, org_id, &self.kind),
            )
        });
        build_request(config, Method::GET, path, Some(token), None)
    }

    fn answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        org_id: &str,
        response: Response<Vec<u8>>,
        used: Used,
        now_ms: u64,
    ) -> Verdict<ResolveResult> {
        let status = response.status().as_u16();
        let path = self.read_path.clone().unwrap_or_else(|| Arc::from(""));
        let scrubber = ctx.org.scrubber(None);
        if matches!(status, 200 | 204 | 404) {
            let parsed = parse_read(status, response.body(), &path, &scrubber);
            drop(scrubber);
            return match parsed {
                Ok(read) => {
                    ctx.org.denied.remove(self.kind.as_str());
                    Verdict::Done(Ok(self.store(ctx, org_id, read, used, now_ms)))
                }
                Err((Reason::MountNotFound, said)) => {
                    // A misconfiguration, not an absent secret: nothing cached is evicted.
                    let config = &ctx.org.config;
                    let namespace = config
                        .namespace
                        .as_ref()
                        .and_then(|n| n.to_str().ok())
                        .map_or_else(String::new, |n| format!(" in namespace {n:?}"));
                    let message = format!(
                        "mount {:?}{namespace} not found, or not a KV v2 mount at {path}: {said}",
                        config.mount
                    );
                    Verdict::Fail(Reason::MountNotFound, message)
                }
                Err((reason, message)) => {
                    if reason == Reason::Missing {
                        ctx.org.cache.remove(self.kind.as_str());
                        ctx.fresh.remove(org_id, self.kind.as_str());
                    }
                    Verdict::Fail(reason, message)
                }
            };
        }
        let f = classify_status(Call::Read, &response, &scrubber);
        drop(scrubber);
        let message = format!("{} (reading {path})", f.message);
        if status == 403 && f.reason == Reason::AuthFailed {
            // The token was refused: a stale login token is replaced once.
            return Verdict::Denied(f.reason, message);
        }
        if status == 403 {
            // An ACL denial: final, remembered for a short time, the token kept.
            let until = now_ms.saturating_add(DENIED_FOR_MS);
            ctx.org
                .denied
                .insert(self.kind.clone(), (until, message.clone()));
            return Verdict::Fail(f.reason, message);
        }
        if !f.retryable {
            return Verdict::Fail(f.reason, message);
        }
        Verdict::Retry {
            reason: f.reason,
            message,
            retry_after: if status == 429 {
                retry_after_secs(&response)
            } else {
                None
            },
        }
    }

    fn failure(
        &self,
        org_id: &str,
        reason: Reason,
        message: String,
        _now_ms: u64,
    ) -> ResolveResult {
        Err(CredentialNotFound::new(
            org_id,
            self.kind.as_str(),
            reason,
            message,
        ))
    }

    fn restart(&mut self) {
        self.read_path = None;
    }
}
