//! What distinguishes a resolve from a health check: its first step, its request, how it reads
//! the answer, and its outcome type. Everything else (tokens, logins, retries, deadlines) is the
//! shared machine in `mod.rs`, `login.rs` and `request.rs`.

use super::{Ctx, Used};
use crate::error::Reason;
use crate::provider::Provider;
use crate::secret::SecretString;
use http::{Request, Response};

/// How an operation starts once its org is known.
pub enum Begin<O> {
    /// Finished at once (a fresh cached credential).
    Done(O),
    /// Failed at once.
    Fail(Reason, String),
    /// Send the request now (token mode: the config holds the token).
    Request,
    /// Find a login token first: cached, another operation's login, or a login of its own.
    AcquireToken,
    /// Log in now, bypassing the cached token and the login flight.
    Login,
}

/// What an answer to the operation's request means.
pub enum Verdict<O> {
    /// Finished.
    Done(O),
    /// Failed; retrying may help (`retry_after`: Vault's `Retry-After`, in seconds).
    Retry {
        reason: Reason,
        message: String,
        retry_after: Option<u64>,
    },
    /// Failed for good.
    Fail(Reason, String),
    /// Vault refused the token (403): a stale login token is replaced once, else this fails.
    Denied(Reason, String),
    /// Make the task's next request (with the same token).
    Continue,
}

/// A kind of operation. Sealed: only [`super::Resolve`] and [`super::Health`] implement it.
#[allow(
    private_interfaces,
    reason = "sealed: hosts name `Outcome`, never `Task`, whose methods are the core's own"
)]
pub trait Task: Send + Sized + 'static {
    /// What the operation finishes with.
    type Output: Clone + Send;
    /// For `Debug`: `resolve` or `health`.
    const NAME: &'static str;
    /// The first step.
    fn begin(&mut self, org: &Provider, now_ms: u64) -> Begin<Self::Output>;
    /// After a login of its own: finished (`Some`), or go on to the request (`None`).
    fn after_login(&self, now_ms: u64) -> Option<Self::Output>;
    /// The request, made with `token`.
    fn request(&mut self, org: &Provider, org_id: &str, token: &SecretString) -> Request<Vec<u8>>;
    /// Reads the answer to [`Task::request`] (never a transport error or an over-long body).
    fn answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        org_id: &str,
        response: Response<Vec<u8>>,
        used: Used,
        now_ms: u64,
    ) -> Verdict<Self::Output>;
    /// The failed outcome.
    fn failure(&self, org_id: &str, reason: Reason, message: String, now_ms: u64) -> Self::Output;
    /// Forgets what was derived from the org's config (it was registered again).
    fn restart(&mut self);
}
