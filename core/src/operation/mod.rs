//! Operations (a resolve or a health check) and the one step type hosts act on.
//!
//! An operation is always in one `Phase`: ready to take its next step, waiting for another
//! operation's login, waiting for the host (the JWT file, a login answer, a request answer),
//! backing off, or done. Each phase carries exactly the data valid in it. The in-between steps —
//! acquiring a token, starting a login, sending a request — are plain functions run by `poll`
//! (`login.rs`, `request.rs`); what an operation asks Vault and how it reads the answer is its
//! `Task` (`resolve.rs`, `health.rs`). The state graph is drawn once, in the crate docs.
//!
//! A step sees only its own org, through a `Ctx` the registry builds after finding the org
//! once; "the org is gone" and "the org was registered again" are handled in one place (`Run::enter`).

mod ctx;
mod health;
mod login;
mod next;
mod phase;
mod public;
mod renew;
mod request;
mod resolve;
mod shared;
mod task;
mod unwrap;

pub(crate) use ctx::Ctx;
pub(crate) use health::Health;
pub use health::PROBE_KIND;
pub use next::Next;
pub(crate) use phase::Used;
use phase::{Phase, Resume};
pub(crate) use public::Inner;
pub use public::{HealthOp, Operation, Outcome, ResolveOp};
pub(crate) use resolve::Resolve;

use crate::error::{CredentialNotFound, Reason, TransportError};
use crate::refresh::from_ms;
use http::{Request, Response};
use std::sync::Arc;
use task::Task;

/// What a resolve ends with.
pub type ResolveResult = Result<Arc<crate::credential::Credential>, CredentialNotFound>;

/// What the host hands an operation besides a poll.
pub(crate) enum Input {
    Response(Result<Response<Vec<u8>>, TransportError>),
    File(Result<Vec<u8>, std::io::Error>),
    Shared(crate::shared::SharedAnswer),
}

/// A running operation: its org, its deadline, its task and its phase.
pub(crate) struct Run<T: Task> {
    pub org_id: String,
    /// The org's registration this operation works against.
    generation: u64,
    deadline_ms: u64,
    task: T,
    phase: Phase<T::Output>,
    /// Retries used for the request currently being made.
    retries: u32,
    /// The last retryable failure, reported if the deadline cuts retries short.
    last_failure: Option<(Reason, String)>,
    /// This operation already replaced a refused token (logged in again once): another
    /// refusal is final.
    relogged: bool,
    /// Shared logins: the host was asked for the org's token since the last login began, so
    /// a retry of this login does not ask again.
    asked_shared: bool,
}

impl<T: Task> Run<T> {
    pub(crate) fn new(task: T, org_id: &str, generation: u64, now_ms: u64, budget: u64) -> Self {
        Run {
            org_id: org_id.to_owned(),
            generation,
            deadline_ms: now_ms.saturating_add(budget),
            task,
            phase: Phase::Ready(Resume::Begin),
            retries: 0,
            last_failure: None,
            relogged: false,
            asked_shared: false,
        }
    }

    /// Finds the org the operation works against, in one place for every input. `Err` holds
    /// the outcome when the operation is finished, or has just failed because its org is not
    /// registered (any more). The flag says whether the org was registered again since the last
    /// step, in which case the operation starts over against the new config.
    fn enter<'a>(
        &mut self,
        org: Option<Ctx<'a>>,
        now_ms: u64,
    ) -> Result<(Ctx<'a>, bool), T::Output> {
        if let Phase::Done(outcome) = &self.phase {
            return Err(outcome.clone());
        }
        let Some(ctx) = org else {
            let message = format!("no Vault config is registered for org {:?}", self.org_id);
            let outcome = self
                .task
                .failure(&self.org_id, Reason::NotConfigured, message, now_ms);
            self.phase = Phase::Done(outcome.clone());
            return Err(outcome);
        };
        if ctx.org.generation == self.generation {
            return Ok((ctx, false));
        }
        // Whatever was awaited belongs to the old config, and the old provider (with any login
        // this operation owned) is gone.
        self.generation = ctx.org.generation;
        self.phase = Phase::Ready(Resume::Begin);
        self.retries = 0;
        self.relogged = false;
        self.asked_shared = false;
        self.task.restart();
        Ok((ctx, true))
    }

    /// The host polls: the next step.
    pub(crate) fn poll(&mut self, org: Option<Ctx<'_>>, now_ms: u64) -> Next<T::Output> {
        let (mut ctx, _) = match self.enter(org, now_ms) {
            Ok(entered) => entered,
            Err(outcome) => return Next::Done(outcome),
        };
        match std::mem::replace(&mut self.phase, Phase::Ready(Resume::Begin)) {
            Phase::Ready(resume) => self.resume(&mut ctx, resume, now_ms),
            Phase::Backoff { until_ms, then } if now_ms < until_ms => {
                self.phase = Phase::Backoff { until_ms, then };
                Next::Sleep(from_ms(until_ms))
            }
            Phase::Backoff { then, .. } => self.resume(&mut ctx, then, now_ms),
            Phase::WaitLogin { flight } => self.on_wait(&mut ctx, now_ms, flight),
            Phase::Done(outcome) => self.finish(outcome),
            awaiting => self.misuse(&mut ctx, now_ms, "a poll", &awaiting),
        }
    }

    /// The host hands in what the last step asked for.
    pub(crate) fn input(&mut self, org: Option<Ctx<'_>>, input: Input, now_ms: u64) {
        let Ok((mut ctx, false)) = self.enter(org, now_ms) else {
            return;
        };
        match (
            input,
            std::mem::replace(&mut self.phase, Phase::Ready(Resume::Begin)),
        ) {
            (Input::Shared(answer), Phase::AwaitShared { flight }) => {
                self.on_shared(&mut ctx, now_ms, flight, answer);
            }
            (Input::File(contents), Phase::AwaitJwt { flight }) => {
                self.on_jwt(&mut ctx, now_ms, flight, contents);
            }
            (
                Input::Response(response),
                Phase::AwaitLogin {
                    flight,
                    jwt,
                    sent_ms,
                },
            ) => {
                let login = login::Sent {
                    flight,
                    jwt,
                    sent_ms,
                };
                self.on_login_answer(&mut ctx, now_ms, login, response);
            }
            (Input::Response(response), Phase::AwaitWrapLookup { flight }) => {
                self.on_wrap_lookup(&mut ctx, now_ms, flight, response);
            }
            (Input::Response(response), Phase::AwaitUnwrap { flight }) => {
                self.on_unwrap(&mut ctx, now_ms, flight, response);
            }
            (Input::Response(response), Phase::AwaitRenew { flight, sent_ms }) => {
                self.on_renew_answer(&mut ctx, now_ms, flight, sent_ms, response);
            }
            (Input::Response(response), Phase::AwaitLookup { flight, sent_ms }) => {
                self.on_lookup_answer(&mut ctx, now_ms, flight, sent_ms, response);
            }
            (Input::Response(response), Phase::AwaitAnswer { used }) => {
                self.on_answer(&mut ctx, now_ms, used, response);
            }
            (input, phase) => {
                let got = match input {
                    Input::Response(_) => "a response",
                    Input::File(_) => "a file",
                    Input::Shared(_) => "a shared login answer",
                };
                self.misuse(&mut ctx, now_ms, got, &phase);
            }
        }
    }

    /// The host abandons the operation: it ends with `timeout`, releasing its login.
    pub(crate) fn cancel(&mut self, org: Option<Ctx<'_>>) {
        let flight = self.phase.flight();
        if matches!(self.phase, Phase::Done(_)) {
            return;
        }
        let message = "the operation was cancelled".to_owned();
        let outcome = self.task.failure(&self.org_id, Reason::Timeout, message, 0);
        if let Some(mut ctx) = org
            && ctx.org.generation == self.generation
        {
            ctx.release_flight(flight);
        }
        self.phase = Phase::Done(outcome);
    }

    /// An input the operation did not ask for ends it (see [`Operation`]'s "Host misuse").
    fn misuse(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        got: &str,
        phase: &Phase<T::Output>,
    ) -> Next<T::Output> {
        let message = format!(
            "host error: the operation got {got} while {}; after Next::Http hand the answer to \
             on_response, after Next::ReadFile the file to on_file, after Next::SharedLogin \
             the answer to on_shared_login, otherwise poll",
            phase.name()
        );
        self.fail(ctx, phase.flight(), now_ms, Reason::HostMisuse, message)
    }

    /// Takes the step a `Ready` or `Backoff` phase resumes with.
    fn resume(&mut self, ctx: &mut Ctx<'_>, resume: Resume, now_ms: u64) -> Next<T::Output> {
        match resume {
            Resume::Begin => self.begin(ctx, now_ms),
            Resume::AcquireToken => self.acquire_token(ctx, now_ms),
            Resume::Login { flight } => self.begin_login(ctx, now_ms, flight),
            Resume::SendLogin { flight, jwt } => self.send_login(ctx, now_ms, flight, Some(jwt)),
            Resume::Unwrap { flight } => self.send_unwrap(ctx, now_ms, flight),
            Resume::Renew { flight } => self.send_renew(ctx, now_ms, flight),
            Resume::Lookup { flight } => self.send_lookup(ctx, now_ms, flight),
            Resume::Request => self.send_request(ctx, now_ms),
        }
    }

    fn begin(&mut self, ctx: &mut Ctx<'_>, now_ms: u64) -> Next<T::Output> {
        match self.task.begin(ctx.org, now_ms) {
            task::Begin::Done(outcome) => self.finish(outcome),
            task::Begin::Fail(reason, message) => self.fail(ctx, None, now_ms, reason, message),
            task::Begin::Request => self.send_request(ctx, now_ms),
            task::Begin::AcquireToken => self.acquire_token(ctx, now_ms),
            task::Begin::Login => self.begin_login(ctx, now_ms, None),
        }
    }

    fn finish(&mut self, outcome: T::Output) -> Next<T::Output> {
        self.phase = Phase::Done(outcome.clone());
        Next::Done(outcome)
    }

    /// Ends the operation with a failure, releasing the login `flight` it owns, if any.
    fn fail(
        &mut self,
        ctx: &mut Ctx<'_>,
        flight: Option<u64>,
        now_ms: u64,
        reason: Reason,
        message: String,
    ) -> Next<T::Output> {
        ctx.release_flight(flight);
        let outcome = self.task.failure(&self.org_id, reason, message, now_ms);
        self.finish(outcome)
    }

    /// Fails with `timeout` once the operation's deadline has passed (checked before each
    /// request is sent).
    fn past_deadline(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
    ) -> Option<Next<T::Output>> {
        if now_ms < self.deadline_ms {
            return None;
        }
        let secs = ctx.retry.deadline.as_secs_f64();
        let message = match &self.last_failure {
            Some((_, last)) => {
                format!("gave up after the {secs:.1}s deadline; last failure: {last}")
            }
            None => format!("gave up after the {secs:.1}s deadline"),
        };
        Some(self.fail(ctx, flight, now_ms, Reason::Timeout, message))
    }

    /// Sends `request` and waits in `phase`, unless the deadline has passed (then the operation
    /// ends with `timeout`). `None` when there is no request to send (the caller goes on
    /// otherwise).
    fn send(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
        request: Option<Request<Vec<u8>>>,
        phase: Phase<T::Output>,
    ) -> Option<Next<T::Output>> {
        if let Some(done) = self.past_deadline(ctx, now_ms, flight) {
            return Some(done);
        }
        let request = request?;
        self.phase = phase;
        Some(Next::Http(request))
    }

    /// Schedules a retry resuming with `then`, if the policy and the deadline allow.
    fn retry(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        retry_after: Option<u64>,
        then: Resume,
    ) -> Result<(), Resume> {
        let policy = ctx.retry;
        if self.retries >= policy.max_retries {
            return Err(then);
        }
        let wait = match retry_after {
            Some(secs) => policy.retry_after_ms(secs),
            None => policy.backoff_ms(self.retries + 1, ctx.jitter),
        };
        let until_ms = now_ms.saturating_add(wait);
        if until_ms >= self.deadline_ms {
            return Err(then);
        }
        self.retries += 1;
        self.phase = Phase::Backoff { until_ms, then };
        Ok(())
    }
}

/// Operations move between threads and tasks with their host.
const _: () = {
    const fn is_send<T: Send>() {}
    is_send::<ResolveOp>();
    is_send::<HealthOp>();
};
