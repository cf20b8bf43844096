//! A health check: a login of its own (AppRole, Kubernetes) or a token `lookup-self` (token
//! mode), reported with its latency.

use super::task::{Begin, Task, Verdict};
use super::{Ctx, Used};
use crate::auth::lookup_self_request;
use crate::config::Auth;
use crate::credential::{HealthError, HealthReport};
use crate::error::Reason;
use crate::provider::Provider;
use crate::secret::SecretString;
use crate::wire::{Call, classify_status, retry_after_secs};
use http::{Request, Response};

/// Checking that an org's Vault is reachable and its credentials work.
pub struct Health {
    started_ms: u64,
}

impl Health {
    pub(crate) fn new(started_ms: u64) -> Self {
        Health { started_ms }
    }

    fn ok(&self, now_ms: u64) -> HealthReport {
        HealthReport {
            ok: true,
            latency_ms: now_ms.saturating_sub(self.started_ms),
            error: None,
        }
    }
}

#[allow(
    private_interfaces,
    reason = "sealed: hosts name `Outcome`, never `Task`, whose methods are the core's own"
)]
impl Task for Health {
    type Output = HealthReport;
    const NAME: &'static str = "health";

    fn begin(&mut self, org: &Provider, _now_ms: u64) -> Begin<HealthReport> {
        match org.config.auth {
            Auth::Token { .. } => Begin::Request,
            _ => Begin::Login,
        }
    }

    fn after_login(&self, now_ms: u64) -> Option<HealthReport> {
        Some(self.ok(now_ms))
    }

    fn request(&mut self, org: &Provider, _org_id: &str, token: &SecretString) -> Request<Vec<u8>> {
        lookup_self_request(&org.config, token)
    }

    fn answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        _org_id: &str,
        response: Response<Vec<u8>>,
        _used: Used,
        now_ms: u64,
    ) -> Verdict<HealthReport> {
        if response.status() == http::StatusCode::OK {
            return Verdict::Done(self.ok(now_ms));
        }
        let f = classify_status(Call::Lookup, &response, &ctx.org.scrubber(None));
        if f.retryable {
            Verdict::Retry {
                reason: f.reason,
                message: f.message,
                retry_after: retry_after_secs(&response),
            }
        } else {
            Verdict::Fail(f.reason, f.message)
        }
    }

    fn failure(&self, _org_id: &str, reason: Reason, message: String, now_ms: u64) -> HealthReport {
        HealthReport {
            ok: false,
            latency_ms: now_ms.saturating_sub(self.started_ms),
            error: Some(HealthError { reason, message }),
        }
    }

    fn restart(&mut self) {}
}
