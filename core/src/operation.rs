//! Operations (a resolve or a health check) and the one step type hosts act on.
//!
//! ```text
//!                 ┌──────────── cache hit ─────────────────────────────────────────┐
//!   start ──▶ Start ──▶ AcquireToken ──▶ (login in flight elsewhere) WaitForLogin ──┤
//!                 │          │                                                     │
//!                 │          └─▶ LoginStart ─▶ ReadFile(JWT)¹ ─▶ Http(login) ──┐   │
//!                 │                   ▲                                         │   │
//!                 │                   └──── Sleep (retry backoff) ◀── 5xx/conn ─┤   │
//!                 │                                                             ▼   │
//!                 └──(token mode)──▶ Request ─▶ Http(read | lookup-self) ─▶ response │
//!                                       ▲                 │   403 with a cached      │
//!                                       │                 │   login token: re-login  │
//!                                       └── Sleep ◀───────┤   once (→ AcquireToken)  │
//!                                                         ▼                          ▼
//!                                                       Done(result) ◀──────────────┘
//!   ¹ Kubernetes only: the JWT is re-read at every login.
//! ```

use crate::auth::{approle_request, kubernetes_request, lookup_self_request, parse_login};
use crate::config::Auth;
use crate::credential::{Credential, HealthError, HealthReport, RotationEvent};
use crate::error::{CredentialNotFound, Reason, TransportError, TransportErrorKind};
use crate::kv::parse_read;
use crate::path::validate_segment;
use crate::provider::{Flight, LoginToken};
use crate::refresh::{from_ms, refresh_at_ms, token_deadline_ms};
use crate::registry::Registry;
use crate::secret::SecretString;
use crate::wire::{Call, build_request, classify_status, retry_after_secs};
use http::{Method, Request, Response};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// What a resolve ends with.
pub type ResolveResult = Result<Arc<Credential>, CredentialNotFound>;

/// What the host must do next for an operation.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "a step is moved to the host at once; boxing the request would cost an allocation per step"
)]
pub enum Next<O> {
    /// Send this request and hand the response (or the transport failure) to `on_response`.
    Http(Request<Vec<u8>>),
    /// Read this file and hand its bytes (or the I/O error) to `on_file`. Used for the Kubernetes
    /// ServiceAccount JWT, re-read at every login because projected tokens rotate.
    ReadFile(PathBuf),
    /// Wait until this time (a retry backoff), then poll again.
    Sleep(SystemTime),
    /// Another operation is logging in for this org. Poll again when any operation of the
    /// registry has handled a response, or at this time at the latest.
    WaitForLogin(SystemTime),
    /// The operation is finished. Polling again returns the same outcome.
    Done(O),
}

/// Outcome types an [`Operation`] can finish with: [`ResolveResult`] or [`HealthReport`].
pub trait Outcome: sealed::Sealed + Sized {
    #[doc(hidden)]
    fn from_finished(finished: &Finished) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ResolveResult {}
    impl Sealed for crate::credential::HealthReport {}
}

#[doc(hidden)]
#[derive(Clone, Debug)]
pub enum Finished {
    Resolve(ResolveResult),
    Health(HealthReport),
}

impl Outcome for ResolveResult {
    fn from_finished(finished: &Finished) -> Self {
        match finished {
            Finished::Resolve(r) => r.clone(),
            Finished::Health(_) => Err(CredentialNotFound::new(
                "",
                "",
                Reason::InvalidResponse,
                "operation kind mismatch",
            )),
        }
    }
}

impl Outcome for HealthReport {
    fn from_finished(finished: &Finished) -> Self {
        match finished {
            Finished::Health(h) => h.clone(),
            Finished::Resolve(_) => HealthReport {
                ok: false,
                latency_ms: 0,
                error: Some(HealthError {
                    reason: Reason::InvalidResponse,
                    message: "operation kind mismatch".into(),
                }),
            },
        }
    }
}

/// One resolve or health check in progress. Owned by the host; each step borrows the
/// [`Registry`] (see [`Registry::poll`]), so a multi-threaded host can keep the registry behind a
/// mutex and hold it only for the microseconds a step takes, never across I/O.
pub struct Operation<O> {
    pub(crate) state: State,
    _o: PhantomData<fn() -> O>,
}

impl<O> std::fmt::Debug for Operation<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.state {
            State::Ready(_) => f.write_str("Operation(finished)"),
            State::Running(m) => write!(f, "Operation({} for org {})", m.stage.name(), m.org_id),
        }
    }
}

/// A resolve in progress.
pub type ResolveOp = Operation<ResolveResult>;
/// A health check in progress.
pub type HealthOp = Operation<HealthReport>;

pub(crate) enum State {
    Ready(Finished),
    Running(Box<Machine>),
}

impl<O> Operation<O> {
    pub(crate) fn ready(finished: Finished) -> Self {
        Operation {
            state: State::Ready(finished),
            _o: PhantomData,
        }
    }
    pub(crate) fn running(machine: Machine) -> Self {
        Operation {
            state: State::Running(Box::new(machine)),
            _o: PhantomData,
        }
    }
    /// Whether the operation has finished.
    pub fn is_done(&self) -> bool {
        match &self.state {
            State::Ready(_) => true,
            State::Running(m) => m.finished.is_some(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Resolve { kind: String },
    Health { started_ms: u64 },
}

#[derive(Debug)]
pub(crate) enum Stage {
    Start,
    AcquireToken,
    WaitLogin {
        flight: u64,
    },
    LoginStart,
    AwaitJwt,
    LoginSend,
    AwaitLogin,
    Request,
    AwaitRequest {
        token_id: Option<u64>,
        /// The deadline of the login token the request was made with (`None`: token mode or a
        /// non-expiring login).
        token_deadline: Option<u64>,
    },
    Backoff {
        until_ms: u64,
        login: bool,
    },
    Finished,
}

impl Stage {
    fn name(&self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::AcquireToken => "acquire-token",
            Stage::WaitLogin { .. } => "wait-for-login",
            Stage::LoginStart => "login-start",
            Stage::AwaitJwt => "await-jwt",
            Stage::LoginSend => "login-send",
            Stage::AwaitLogin => "await-login",
            Stage::Request => "request",
            Stage::AwaitRequest { .. } => "await-request",
            Stage::Backoff { .. } => "backoff",
            Stage::Finished => "finished",
        }
    }
}

/// Internal steps (the registry converts them into [`Next`]).
#[allow(clippy::large_enum_variant, reason = "moved out at once, see Next")]
pub(crate) enum Step {
    Http(Request<Vec<u8>>),
    ReadFile(PathBuf),
    Sleep(u64),
    Wait(u64),
    Done,
}

pub(crate) struct Machine {
    pub purpose: Purpose,
    pub org_id: String,
    pub generation: u64,
    pub deadline_ms: u64,
    pub stage: Stage,
    /// Retries used for the request currently being made.
    pub retries: u32,
    pub relogged: bool,
    /// The token in use was obtained during this operation (a 403 then means ACL, not staleness).
    pub token_fresh: bool,
    pub owned_flight: Option<u64>,
    pub jwt: Option<SecretString>,
    /// The rendered API path of the read (resolves), kept for the request and its messages.
    pub read_path: Option<Arc<str>>,
    /// The last retryable failure, reported if the deadline cuts retries short.
    pub last_failure: Option<(Reason, String)>,
    pub finished: Option<Finished>,
}

impl Machine {
    pub(crate) fn new(
        purpose: Purpose,
        org_id: &str,
        generation: u64,
        now_ms: u64,
        deadline_ms: u64,
    ) -> Self {
        Machine {
            purpose,
            org_id: org_id.to_owned(),
            generation,
            deadline_ms: now_ms.saturating_add(deadline_ms),
            stage: Stage::Start,
            retries: 0,
            relogged: false,
            token_fresh: false,
            owned_flight: None,
            jwt: None,
            read_path: None,
            last_failure: None,
            finished: None,
        }
    }

    fn kind(&self) -> &str {
        match &self.purpose {
            Purpose::Resolve { kind } => kind,
            Purpose::Health { .. } => "",
        }
    }

    /// Ends the operation with a failure, releasing any login it owns.
    fn fail(&mut self, reg: &mut Registry, now_ms: u64, reason: Reason, message: String) {
        if let Some(flight) = self.owned_flight.take()
            && let Some(p) = reg.orgs.get_mut(&self.org_id)
            && p.flight.is_some_and(|f| f.id == flight)
        {
            p.flight = None;
        }
        self.stage = Stage::Finished;
        self.finished = Some(match &self.purpose {
            Purpose::Resolve { kind } => Finished::Resolve(Err(CredentialNotFound::new(
                self.org_id.clone(),
                kind.clone(),
                reason,
                message,
            ))),
            Purpose::Health { started_ms } => Finished::Health(HealthReport {
                ok: false,
                latency_ms: now_ms.saturating_sub(*started_ms),
                error: Some(HealthError { reason, message }),
            }),
        });
    }

    fn restart(&mut self, generation: u64) {
        self.generation = generation;
        self.stage = Stage::Start;
        self.retries = 0;
        self.relogged = false;
        self.token_fresh = false;
        self.owned_flight = None;
        self.jwt = None;
        self.read_path = None;
    }

    pub(crate) fn poll(&mut self, reg: &mut Registry, now_ms: u64) -> Step {
        loop {
            if self.finished.is_some() {
                return Step::Done;
            }
            if matches!(
                self.stage,
                Stage::LoginStart | Stage::LoginSend | Stage::Request
            ) && let Some(step) = self.check_deadline(reg, now_ms)
            {
                return step;
            }
            let Some(provider) = reg.orgs.get(&self.org_id) else {
                let msg = format!("no Vault config is registered for org {:?}", self.org_id);
                self.fail(reg, now_ms, Reason::NotConfigured, msg);
                return Step::Done;
            };
            if provider.generation != self.generation {
                let generation = provider.generation;
                self.restart(generation);
            }
            let token_mode = matches!(provider.config.auth, Auth::Token { .. });
            match &self.stage {
                Stage::Start => match &self.purpose {
                    Purpose::Resolve { kind } => {
                        if let Err(e) = validate_segment("kind", kind) {
                            self.fail(reg, now_ms, Reason::InvalidKind, e.to_string());
                            return Step::Done;
                        }
                        if let Some(hit) = provider.cache.get(kind.as_str())
                            && now_ms < hit.refresh_at_ms
                        {
                            self.stage = Stage::Finished;
                            self.finished = Some(Finished::Resolve(Ok(Arc::clone(hit))));
                            return Step::Done;
                        }
                        self.stage = if token_mode {
                            Stage::Request
                        } else {
                            Stage::AcquireToken
                        };
                    }
                    Purpose::Health { .. } => {
                        self.stage = if token_mode {
                            Stage::Request
                        } else {
                            Stage::LoginStart
                        };
                    }
                },
                Stage::AcquireToken => {
                    if provider.valid_token(now_ms).is_some() {
                        self.stage = Stage::Request;
                        continue;
                    }
                    if let Some(f) = provider.flight
                        && Some(f.id) != self.owned_flight
                        && now_ms < f.deadline_ms
                    {
                        self.stage = Stage::WaitLogin { flight: f.id };
                        return Step::Wait(f.deadline_ms);
                    }
                    let id = reg.next_id();
                    let provider = reg.orgs.get_mut(&self.org_id);
                    if let Some(p) = provider {
                        p.flight = Some(Flight {
                            id,
                            deadline_ms: self.deadline_ms,
                        });
                    }
                    self.owned_flight = Some(id);
                    self.stage = Stage::LoginStart;
                }
                Stage::WaitLogin { flight } => {
                    let flight = *flight;
                    if let Some((id, reason, message)) = &provider.login_failure
                        && *id == flight
                    {
                        let (reason, message) = (*reason, message.clone());
                        self.fail(reg, now_ms, reason, message);
                        return Step::Done;
                    }
                    if provider.valid_token(now_ms).is_some() {
                        self.token_fresh = true;
                        self.stage = Stage::Request;
                        continue;
                    }
                    match provider.flight {
                        Some(f) if f.id == flight && now_ms < f.deadline_ms => {
                            return Step::Wait(f.deadline_ms);
                        }
                        _ => self.stage = Stage::AcquireToken,
                    }
                }
                Stage::LoginStart => match &provider.config.auth {
                    Auth::Kubernetes { jwt_path, .. } => {
                        let path = PathBuf::from(jwt_path);
                        self.stage = Stage::AwaitJwt;
                        return Step::ReadFile(path);
                    }
                    _ => self.stage = Stage::LoginSend,
                },
                Stage::LoginSend => {
                    let request = match &provider.config.auth {
                        Auth::AppRole { role_id, secret_id } => {
                            approle_request(&provider.config, role_id, secret_id)
                        }
                        Auth::Kubernetes { role, .. } => match &self.jwt {
                            Some(jwt) => kubernetes_request(&provider.config, role, jwt),
                            None => {
                                self.stage = Stage::LoginStart;
                                continue;
                            }
                        },
                        Auth::Token { .. } => {
                            self.stage = Stage::Request;
                            continue;
                        }
                    };
                    self.stage = Stage::AwaitLogin;
                    return Step::Http(request);
                }
                Stage::Request => {
                    let (token, token_id, token_deadline) = match &provider.config.auth {
                        Auth::Token { token } => (token, None, None),
                        _ => match provider.valid_token(now_ms) {
                            Some(t) => (&t.token, Some(t.id), t.deadline_ms),
                            None => {
                                self.stage = Stage::AcquireToken;
                                continue;
                            }
                        },
                    };
                    let request = match &self.purpose {
                        Purpose::Resolve { kind } => {
                            // orgId was validated at registration, kind when the operation
                            // started.
                            let path = match &self.read_path {
                                Some(path) => Arc::clone(path),
                                None => Arc::from(provider.config.template.render_validated(
                                    &provider.config.mount,
                                    &self.org_id,
                                    kind,
                                )),
                            };
                            let request = build_request(
                                &provider.config,
                                Method::GET,
                                &path,
                                Some(token),
                                None,
                            );
                            self.read_path = Some(path);
                            request
                        }
                        Purpose::Health { .. } => lookup_self_request(&provider.config, token),
                    };
                    self.stage = Stage::AwaitRequest {
                        token_id,
                        token_deadline,
                    };
                    return Step::Http(request);
                }
                Stage::Backoff { until_ms, login } => {
                    if now_ms < *until_ms {
                        return Step::Sleep(*until_ms);
                    }
                    self.stage = if *login {
                        Stage::LoginStart
                    } else {
                        Stage::Request
                    };
                }
                Stage::AwaitJwt | Stage::AwaitLogin | Stage::AwaitRequest { .. } => {
                    let msg = format!(
                        "host error: polled while the operation awaited {} (call on_response/on_file first)",
                        self.stage.name()
                    );
                    self.fail(reg, now_ms, Reason::InvalidResponse, msg);
                    return Step::Done;
                }
                Stage::Finished => return Step::Done,
            }
        }
    }

    /// Fails with `timeout` once the operation's deadline has passed.
    fn check_deadline(&mut self, reg: &mut Registry, now_ms: u64) -> Option<Step> {
        if now_ms < self.deadline_ms {
            return None;
        }
        let secs = reg.options.retry.deadline.as_secs_f64();
        let msg = match &self.last_failure {
            Some((_, last)) => {
                format!("gave up after the {secs:.1}s deadline; last failure: {last}")
            }
            None => format!("gave up after the {secs:.1}s deadline"),
        };
        self.fail(reg, now_ms, Reason::Timeout, msg);
        Some(Step::Done)
    }

    pub(crate) fn on_file(
        &mut self,
        reg: &mut Registry,
        contents: Result<Vec<u8>, std::io::Error>,
        now_ms: u64,
    ) {
        if !matches!(self.stage, Stage::AwaitJwt) {
            return;
        }
        let Some(provider) = reg.orgs.get(&self.org_id) else {
            self.stage = Stage::Start;
            return;
        };
        let path = match &provider.config.auth {
            Auth::Kubernetes { jwt_path, .. } => jwt_path.clone(),
            _ => String::new(),
        };
        let jwt = match contents {
            Err(e) => Err(format!(
                "cannot read the ServiceAccount JWT at {path}: {}",
                io_kind(&e)
            )),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(e) => {
                    let mut bytes = e.into_bytes();
                    zeroize::Zeroize::zeroize(&mut bytes);
                    Err(format!(
                        "the ServiceAccount JWT at {path} is not UTF-8 text"
                    ))
                }
                Ok(text) => {
                    let secret = SecretString::from(text);
                    let trimmed = secret.expose().trim();
                    if trimmed.is_empty() {
                        Err(format!("the ServiceAccount JWT at {path} is empty"))
                    } else if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
                        Err(format!(
                            "the ServiceAccount JWT at {path} contains whitespace inside the token"
                        ))
                    } else {
                        Ok(SecretString::new(trimmed))
                    }
                }
            },
        };
        match jwt {
            Ok(jwt) => {
                if let Some(p) = reg.orgs.get_mut(&self.org_id) {
                    p.last_jwt = Some(jwt.clone());
                }
                self.jwt = Some(jwt);
                self.stage = Stage::LoginSend;
            }
            Err(message) => self.fail_login(reg, now_ms, Reason::JwtUnreadable, message),
        }
    }

    fn fail_login(&mut self, reg: &mut Registry, now_ms: u64, reason: Reason, message: String) {
        if let Some(flight) = self.owned_flight
            && let Some(p) = reg.orgs.get_mut(&self.org_id)
        {
            p.login_failure = Some((flight, reason, message.clone()));
        }
        self.fail(reg, now_ms, reason, message);
    }

    /// Schedules a retry if the policy and the deadline allow; returns whether it did.
    fn schedule_retry(
        &mut self,
        reg: &mut Registry,
        now_ms: u64,
        retry_after: Option<u64>,
        login: bool,
    ) -> bool {
        let policy = &reg.options.retry;
        if self.retries >= policy.max_retries {
            return false;
        }
        let wait = match retry_after {
            Some(secs) => policy.retry_after_ms(secs),
            None => {
                let retry = self.retries + 1;
                let policy = reg.options.retry.clone();
                policy.backoff_ms(retry, &mut reg.jitter)
            }
        };
        let until = now_ms.saturating_add(wait);
        if until >= self.deadline_ms {
            return false;
        }
        self.retries += 1;
        self.stage = Stage::Backoff {
            until_ms: until,
            login,
        };
        true
    }

    pub(crate) fn on_response(
        &mut self,
        reg: &mut Registry,
        response: Result<Response<Vec<u8>>, TransportError>,
        now_ms: u64,
    ) {
        let awaiting_login = matches!(self.stage, Stage::AwaitLogin);
        let (token_id, token_deadline) = match self.stage {
            Stage::AwaitRequest {
                token_id,
                token_deadline,
            } => (token_id, token_deadline),
            Stage::AwaitLogin => (None, None),
            _ => return,
        };
        let Some(provider) = reg.orgs.get(&self.org_id) else {
            self.stage = Stage::Start;
            return;
        };
        if provider.generation != self.generation {
            // The org was registered again meanwhile: this answer belongs to the old config.
            self.stage = Stage::Start;
            return;
        }
        let max_body = reg.options.max_body_bytes;
        let response = match response {
            Ok(r) if r.body().len() > max_body => Err(TransportError::new(
                TransportErrorKind::BodyTooLarge,
                format!("{} bytes, over the {max_body}-byte cap", r.body().len()),
            )),
            other => other,
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let scrubber = provider.scrubber(self.jwt.as_ref());
                let (reason, retryable) = match e.kind {
                    TransportErrorKind::TimedOut => (Reason::Timeout, true),
                    TransportErrorKind::BodyTooLarge => (Reason::InvalidResponse, false),
                    TransportErrorKind::Tls => (Reason::Unreachable, false),
                    TransportErrorKind::Refused
                    | TransportErrorKind::Closed
                    | TransportErrorKind::Other => (Reason::Unreachable, true),
                };
                let what = if awaiting_login { "login" } else { "request" };
                let message = format!(
                    "{what} to {} failed: {}",
                    provider.config.origin(),
                    scrubber.scrub(&e.to_string())
                );
                self.last_failure = Some((reason, message.clone()));
                if retryable && self.schedule_retry(reg, now_ms, None, awaiting_login) {
                    return;
                }
                if awaiting_login {
                    self.fail_login(reg, now_ms, reason, message);
                } else {
                    self.fail(reg, now_ms, reason, message);
                }
                return;
            }
        };
        if awaiting_login {
            self.handle_login(reg, response, now_ms);
        } else {
            self.handle_request(reg, response, token_id, token_deadline, now_ms);
        }
    }

    fn handle_login(&mut self, reg: &mut Registry, response: Response<Vec<u8>>, now_ms: u64) {
        let Some(provider) = reg.orgs.get(&self.org_id) else {
            return;
        };
        let scrubber = provider.scrubber(self.jwt.as_ref());
        let outcome = if response.status() == http::StatusCode::OK {
            parse_login(response.body(), &scrubber).map_err(|(r, m)| (r, m, false, None))
        } else {
            let f = classify_status(Call::Login, &response, &scrubber);
            let retryable = f.retryable && response.status().is_server_error();
            Err((f.reason, f.message, retryable, None))
        };
        drop(scrubber);
        match outcome {
            Ok(login) => {
                let id = reg.next_id();
                if let Some(p) = reg.orgs.get_mut(&self.org_id) {
                    p.token = Some(LoginToken {
                        id,
                        token: login.token,
                        deadline_ms: token_deadline_ms(now_ms, login.lease_secs),
                    });
                    if let Some(flight) = self.owned_flight.take()
                        && p.flight.is_some_and(|f| f.id == flight)
                    {
                        p.flight = None;
                    }
                    p.login_failure = None;
                }
                self.jwt = None;
                self.token_fresh = true;
                self.retries = 0;
                match self.purpose {
                    Purpose::Health { started_ms } => {
                        self.stage = Stage::Finished;
                        self.finished = Some(Finished::Health(HealthReport {
                            ok: true,
                            latency_ms: now_ms.saturating_sub(started_ms),
                            error: None,
                        }));
                    }
                    Purpose::Resolve { .. } => self.stage = Stage::Request,
                }
            }
            Err((reason, message, retryable, retry_after)) => {
                self.last_failure = Some((reason, message.clone()));
                if retryable && self.schedule_retry(reg, now_ms, retry_after, true) {
                    return;
                }
                self.fail_login(reg, now_ms, reason, message);
            }
        }
    }

    fn handle_request(
        &mut self,
        reg: &mut Registry,
        response: Response<Vec<u8>>,
        token_id: Option<u64>,
        token_deadline: Option<u64>,
        now_ms: u64,
    ) {
        let Some(provider) = reg.orgs.get(&self.org_id) else {
            return;
        };
        let status = response.status().as_u16();
        let scrubber = provider.scrubber(self.jwt.as_ref());
        let token_mode = matches!(provider.config.auth, Auth::Token { .. });
        match &self.purpose {
            Purpose::Health { started_ms } => {
                if status == 200 {
                    let latency = now_ms.saturating_sub(*started_ms);
                    self.stage = Stage::Finished;
                    self.finished = Some(Finished::Health(HealthReport {
                        ok: true,
                        latency_ms: latency,
                        error: None,
                    }));
                    return;
                }
                let f = classify_status(Call::Lookup, &response, &scrubber);
                let retry_after = retry_after_secs(&response);
                drop(scrubber);
                self.last_failure = Some((f.reason, f.message.clone()));
                if f.retryable && self.schedule_retry(reg, now_ms, retry_after, false) {
                    return;
                }
                self.fail(reg, now_ms, f.reason, f.message);
            }
            Purpose::Resolve { .. } => {
                let path = self.read_path.clone().unwrap_or_else(|| Arc::from(""));
                if matches!(status, 200 | 204 | 404) {
                    let parsed = parse_read(status, response.body(), &path, &scrubber);
                    drop(scrubber);
                    match parsed {
                        Ok(read) => self.store(reg, read, token_deadline, now_ms),
                        Err((reason, message)) => {
                            if reason == Reason::Missing
                                && let Some(p) = reg.orgs.get_mut(&self.org_id)
                            {
                                p.cache.remove(self.kind());
                            }
                            self.fail(reg, now_ms, reason, message);
                        }
                    }
                    return;
                }
                if status == 403 && !token_mode && !self.relogged && !self.token_fresh {
                    // The cached login token may have been revoked: log in again, once.
                    drop(scrubber);
                    self.relogged = true;
                    self.retries = 0;
                    if let Some(p) = reg.orgs.get_mut(&self.org_id)
                        && p.token.as_ref().is_some_and(|t| Some(t.id) == token_id)
                    {
                        p.token = None;
                    }
                    self.stage = Stage::AcquireToken;
                    return;
                }
                let f = classify_status(Call::Read, &response, &scrubber);
                let retry_after = if status == 429 {
                    retry_after_secs(&response)
                } else {
                    None
                };
                drop(scrubber);
                let message = format!("{} (reading {path})", f.message);
                self.last_failure = Some((f.reason, message.clone()));
                if f.retryable && self.schedule_retry(reg, now_ms, retry_after, false) {
                    return;
                }
                self.fail(reg, now_ms, f.reason, message);
            }
        }
    }

    fn store(
        &mut self,
        reg: &mut Registry,
        read: crate::kv::KvRead,
        token_deadline: Option<u64>,
        now_ms: u64,
    ) {
        let Some(provider) = reg.orgs.get_mut(&self.org_id) else {
            return;
        };
        let token_mode = matches!(provider.config.auth, Auth::Token { .. });
        // The operation ends here: its kind moves into the credential.
        let kind = match &mut self.purpose {
            Purpose::Resolve { kind } => std::mem::take(kind),
            Purpose::Health { .. } => String::new(),
        };
        let credential = Arc::new(Credential {
            org_id: self.org_id.clone(),
            kind,
            value: read.value,
            resolved_at_ms: now_ms,
            refresh_at_ms: refresh_at_ms(token_mode, now_ms, token_deadline, read.lease_secs),
            version: read.version,
        });
        let kind = credential.kind.as_str();
        let event = match provider.cache.get_mut(kind) {
            // A refresh: replace in place (no new key), and note a rotation.
            Some(old) => {
                let rotated = old.value != credential.value || old.version != credential.version;
                let event = rotated.then(|| RotationEvent {
                    org_id: self.org_id.clone(),
                    kind: kind.to_owned(),
                    old_version: old.version,
                    new_version: credential.version,
                    at_ms: now_ms,
                });
                *old = Arc::clone(&credential);
                event
            }
            None => {
                provider
                    .cache
                    .insert(kind.to_owned(), Arc::clone(&credential));
                None
            }
        };
        if let Some(event) = event {
            reg.push_event(event);
        }
        self.stage = Stage::Finished;
        self.finished = Some(Finished::Resolve(Ok(credential)));
    }

    pub(crate) fn cancel(&mut self, reg: &mut Registry) {
        if let Some(flight) = self.owned_flight.take()
            && let Some(p) = reg.orgs.get_mut(&self.org_id)
            && p.flight.is_some_and(|f| f.id == flight)
        {
            p.flight = None;
        }
        if self.finished.is_none() {
            let msg = "the operation was cancelled".to_owned();
            self.stage = Stage::Finished;
            self.finished = Some(match &self.purpose {
                Purpose::Resolve { kind } => Finished::Resolve(Err(CredentialNotFound::new(
                    self.org_id.clone(),
                    kind.clone(),
                    Reason::Timeout,
                    msg,
                ))),
                Purpose::Health { .. } => Finished::Health(HealthReport {
                    ok: false,
                    latency_ms: 0,
                    error: Some(HealthError {
                        reason: Reason::Timeout,
                        message: msg,
                    }),
                }),
            });
        }
    }
}

fn io_kind(e: &std::io::Error) -> String {
    // The io::Error text names the OS error only; it never holds file contents.
    e.to_string()
}

/// Converts an internal step into the public [`Next`].
pub(crate) fn to_next<O: Outcome>(step: Step, finished: Option<&Finished>) -> Next<O> {
    match step {
        Step::Http(r) => Next::Http(r),
        Step::ReadFile(p) => Next::ReadFile(p),
        Step::Sleep(ms) => Next::Sleep(from_ms(ms)),
        Step::Wait(ms) => Next::WaitForLogin(from_ms(ms)),
        Step::Done => match finished {
            Some(f) => Next::Done(O::from_finished(f)),
            None => Next::Done(O::from_finished(&Finished::Resolve(Err(
                CredentialNotFound::new(
                    "",
                    "",
                    Reason::InvalidResponse,
                    "operation ended without an outcome",
                ),
            )))),
        },
    }
}

/// Operations move between threads and tasks with their host.
const _: () = {
    const fn is_send<T: Send>() {}
    is_send::<ResolveOp>();
    is_send::<HealthOp>();
};
