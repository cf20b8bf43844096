//! Sending the operation's request with the org's token, and what its answer leads to:
//! finished, retried, a single re-login after a stale-token 403, or failed.

use super::task::{Task, Verdict};
use super::{Ctx, Next, Phase, Resume, Run, Used};
use crate::config::Auth;
use crate::error::{Reason, TransportError, TransportErrorKind};
use crate::secret::SecretString;
use http::Response;

/// A failed exchange, classified.
pub(super) struct Failed {
    pub reason: Reason,
    pub message: String,
    pub retryable: bool,
    /// Vault's `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
}

/// The response if it is one the core can read: not a transport failure, not over the body cap.
/// `what` names the exchange in the message (`login` or `request`); `jwt` is scrubbed too.
pub(super) fn checked(
    ctx: &Ctx<'_>,
    jwt: Option<&SecretString>,
    what: &str,
    response: Result<Response<Vec<u8>>, TransportError>,
) -> Result<Response<Vec<u8>>, Failed> {
    let max_body = ctx.max_body;
    let e = match response {
        Ok(r) if r.body().len() <= max_body => return Ok(r),
        Ok(r) => TransportError::new(
            TransportErrorKind::BodyTooLarge,
            format!("{} bytes, over the {max_body}-byte cap", r.body().len()),
        ),
        Err(e) => e,
    };
    let (reason, retryable) = match e.kind {
        TransportErrorKind::TimedOut => (Reason::Timeout, true),
        TransportErrorKind::BodyTooLarge => (Reason::InvalidResponse, false),
        TransportErrorKind::Tls => (Reason::Unreachable, false),
        TransportErrorKind::AddressNotAllowed => (Reason::AddressNotAllowed, false),
        TransportErrorKind::Refused | TransportErrorKind::Closed | TransportErrorKind::Other => {
            (Reason::Unreachable, true)
        }
    };
    let scrubber = ctx.org.scrubber(jwt);
    let message = format!(
        "{what} to {} failed: {}",
        ctx.org.config.origin(),
        scrubber.scrub(&e.to_string())
    );
    Err(Failed {
        reason,
        message,
        retryable,
        retry_after: None,
    })
}

impl<T: Task> Run<T> {
    /// Sends the task's request with the org's token (a login token is re-acquired if it ran
    /// out meanwhile).
    pub(super) fn send_request(&mut self, ctx: &mut Ctx<'_>, now_ms: u64) -> Next<T::Output> {
        if let Some(done) = self.past_deadline(ctx, now_ms, None) {
            return done;
        }
        let org = &*ctx.org;
        let (token, used) = match org.fresh_token(now_ms) {
            Some(t) => (
                &t.token,
                Used {
                    token_id: Some(t.id),
                    deadline_ms: t.deadline_ms,
                },
            ),
            None => return self.acquire_token(ctx, now_ms),
        };
        let request = self.task.request(org, &self.org_id, token);
        self.phase = Phase::AwaitAnswer { used };
        Next::Http(request)
    }

    /// The request answered.
    pub(super) fn on_answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        used: Used,
        response: Result<Response<Vec<u8>>, TransportError>,
    ) {
        let verdict = match checked(ctx, None, "request", response) {
            Ok(response) => self.task.answer(ctx, &self.org_id, response, used, now_ms),
            Err(f) if f.retryable => Verdict::Retry {
                reason: f.reason,
                message: f.message,
                retry_after: f.retry_after,
            },
            Err(f) => Verdict::Fail(f.reason, f.message),
        };
        let token_mode = matches!(ctx.org.config.auth, Auth::Token { .. });
        match verdict {
            Verdict::Done(outcome) => {
                self.finish(outcome);
            }
            Verdict::Continue => {
                self.retries = 0;
                self.phase = Phase::Ready(Resume::Request);
            }
            Verdict::Denied(..) if !self.relogged && !token_mode => {
                // The login token was refused (revoked, expired): drop it and log in again,
                // once per operation.
                self.relogged = true;
                if ctx.org.token.as_ref().map(|t| t.id) == used.token_id {
                    // Kept (shared logins) so that the same token is not adopted again.
                    ctx.org.refused_token = ctx.org.token.take().map(|t| t.token);
                }
                self.retries = 0;
                self.phase = Phase::Ready(Resume::AcquireToken);
            }
            Verdict::Denied(reason, message) | Verdict::Fail(reason, message) => {
                self.fail(ctx, None, now_ms, reason, message);
            }
            Verdict::Retry {
                reason,
                message,
                retry_after,
            } => {
                self.last_failure = Some((reason, message.clone()));
                let then = Resume::Request;
                if self.retry(ctx, now_ms, retry_after, then).is_err() {
                    self.fail(ctx, None, now_ms, reason, message);
                }
            }
        }
    }
}
