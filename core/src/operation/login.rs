//! Getting a login token: the org's cached one, another operation's login (single-flight), or a
//! login of this operation's own (AppRole, or Kubernetes with a freshly read JWT).

use super::request::{Failed, checked};
use super::task::Task;
use super::{Ctx, Next, Phase, Resume, Run};
use crate::auth::{approle_request, kubernetes_request, parse_login};
use crate::config::{AppRoleSecret, Auth};
use crate::error::{Reason, TransportError};
use crate::provider::{Flight, LoginToken, TokenState};
use crate::refresh::from_ms;
use crate::secret::SecretString;
use crate::wire::{Call, classify_status, retry_after_secs};
use http::Response;
use std::path::PathBuf;

/// A login request that is out: the flight it performs (if any), the JWT it carries (scrubbed
/// from messages) and when it was sent.
pub(super) struct Sent {
    pub flight: Option<u64>,
    pub jwt: Option<SecretString>,
    pub sent_ms: u64,
}

impl<T: Task> Run<T> {
    /// Finds a token for the request: the org's fresh token, a login (or renewal, or lookup)
    /// in flight elsewhere (wait for it), or one of this operation's own: a renewal of a
    /// renewable token past its deadline, a lookup of a token-mode token not yet known, else a
    /// login. What this operation starts becomes the org's flight.
    pub(super) fn acquire_token(&mut self, ctx: &mut Ctx<'_>, now_ms: u64) -> Next<T::Output> {
        let state = ctx.org.token_state(now_ms);
        if state == TokenState::Fresh {
            return self.send_request(ctx, now_ms);
        }
        if let Some(f) = ctx.org.flight
            && now_ms < f.deadline_ms
        {
            self.phase = Phase::WaitLogin { flight: f.id };
            return Next::WaitForLogin(from_ms(f.deadline_ms));
        }
        let id = ctx.ids.next();
        ctx.org.flight = Some(Flight {
            id,
            deadline_ms: self.deadline_ms,
        });
        self.asked_shared = false;
        match state {
            TokenState::Renew => self.send_renew(ctx, now_ms, id),
            TokenState::Lookup => self.send_lookup(ctx, now_ms, id),
            TokenState::Fresh | TokenState::Login => self.begin_login(ctx, now_ms, Some(id)),
        }
    }

    /// Polled while another operation logs in: its failure is this operation's, its token is
    /// used, and a login that ended without either (or ran out of time) is taken over.
    pub(super) fn on_wait(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: u64,
    ) -> Next<T::Output> {
        if let Some((id, reason, message)) = &ctx.org.login_failure
            && *id == flight
        {
            let (reason, message) = (*reason, message.clone());
            return self.fail(ctx, None, now_ms, reason, message);
        }
        if ctx.org.token_state(now_ms) == TokenState::Fresh {
            return self.send_request(ctx, now_ms);
        }
        match ctx.org.flight {
            Some(f) if f.id == flight && now_ms < f.deadline_ms => {
                self.phase = Phase::WaitLogin { flight };
                Next::WaitForLogin(from_ms(f.deadline_ms))
            }
            _ => self.acquire_token(ctx, now_ms),
        }
    }

    /// Starts a login: with shared logins the host is asked first for another replica's token;
    /// in Kubernetes mode the host reads the JWT (re-read at every login, as projected tokens
    /// rotate).
    pub(super) fn begin_login(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
    ) -> Next<T::Output> {
        if let Some(done) = self.past_deadline(ctx, now_ms, flight) {
            return done;
        }
        if !matches!(ctx.org.config.auth, Auth::Token { .. })
            && let Some(ask) = self.ask_shared(ctx, flight)
        {
            return ask;
        }
        match &ctx.org.config.auth {
            Auth::Kubernetes { jwt_path, .. } => {
                let path = PathBuf::from(jwt_path);
                self.phase = Phase::AwaitJwt { flight };
                Next::ReadFile(path)
            }
            _ => self.send_login(ctx, now_ms, flight, None),
        }
    }

    /// Sends the login request (`jwt`: the Kubernetes ServiceAccount JWT just read).
    pub(super) fn send_login(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
        jwt: Option<SecretString>,
    ) -> Next<T::Output> {
        if let Some(done) = self.past_deadline(ctx, now_ms, flight) {
            return done;
        }
        let wrapped = matches!(
            &ctx.org.config.auth,
            Auth::AppRole {
                secret_id: AppRoleSecret::Wrapped(_),
                ..
            }
        );
        if wrapped && ctx.org.unwrapped_secret_id.is_none() {
            return self.send_wrap_lookup(ctx, now_ms, flight);
        }
        let config = &ctx.org.config;
        let request = match (&config.auth, &jwt) {
            (
                Auth::AppRole {
                    role_id,
                    secret_id,
                    auth_mount,
                },
                _,
            ) => {
                let secret = match (secret_id, &ctx.org.unwrapped_secret_id) {
                    (AppRoleSecret::Wrapped(_), Some(unwrapped)) => unwrapped,
                    (other, _) => other.secret(),
                };
                approle_request(config, auth_mount, role_id, secret)
            }
            (
                Auth::Kubernetes {
                    role, auth_mount, ..
                },
                Some(jwt),
            ) => kubernetes_request(config, auth_mount, role, jwt),
            // Kubernetes without a JWT read yet: read it first.
            (Auth::Kubernetes { .. }, None) => return self.begin_login(ctx, now_ms, flight),
            // Token mode never logs in; its token is in the config.
            (Auth::Token { .. }, _) => {
                ctx.release_flight(flight);
                return self.send_request(ctx, now_ms);
            }
        };
        self.phase = Phase::AwaitLogin {
            flight,
            jwt,
            sent_ms: now_ms,
        };
        Next::Http(request)
    }

    /// The host read the JWT file: check it is one token, then send the login at the next poll.
    pub(super) fn on_jwt(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: Option<u64>,
        contents: Result<Vec<u8>, std::io::Error>,
    ) {
        let path = match &ctx.org.config.auth {
            Auth::Kubernetes { jwt_path, .. } => jwt_path.as_str(),
            _ => "",
        };
        match jwt_from_file(path, contents) {
            Ok(jwt) => {
                ctx.org.last_jwt = Some(jwt.clone());
                self.phase = Phase::Ready(Resume::SendLogin { flight, jwt });
            }
            Err(message) => {
                self.fail_login(ctx, flight, now_ms, Reason::JwtUnreadable, message);
            }
        }
    }

    /// The login answered: keep its token for the org, or retry (429, 412, 5xx, connection
    /// errors, honouring `Retry-After`), or fail (telling the operations that waited for it).
    pub(super) fn on_login_answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        sent: Sent,
        response: Result<Response<Vec<u8>>, TransportError>,
    ) {
        let Sent {
            flight,
            jwt,
            sent_ms,
        } = sent;
        let login = checked(ctx, jwt.as_ref(), "login", response).and_then(|response| {
            let scrubber = ctx.org.scrubber(jwt.as_ref());
            if response.status() == http::StatusCode::OK {
                parse_login(response.body(), &scrubber).map_err(|(reason, message)| Failed {
                    reason,
                    message,
                    retryable: false,
                    retry_after: None,
                })
            } else {
                let f = classify_status(Call::Login, &response, &scrubber);
                Err(Failed {
                    reason: f.reason,
                    message: f.message,
                    retryable: f.retryable,
                    retry_after: retry_after_secs(&response),
                })
            }
        });
        match login {
            Ok(login) => {
                let id = ctx.ids.next();
                let token =
                    LoginToken::new(id, login.token, sent_ms, login.lease_secs, login.renewable);
                let org_id = self.org_id.as_str();
                ctx.share_login(&token, sent_ms, org_id);
                ctx.org.token = Some(token);
                ctx.release_flight(flight);
                ctx.org.login_failure = None;
                self.retries = 0;
                match self.task.after_login(now_ms) {
                    Some(outcome) => {
                        self.finish(outcome);
                    }
                    None => self.phase = Phase::Ready(Resume::Request),
                }
            }
            Err(f) => {
                self.last_failure = Some((f.reason, f.message.clone()));
                if !f.retryable
                    || self
                        .retry(ctx, now_ms, f.retry_after, Resume::Login { flight })
                        .is_err()
                {
                    self.fail_login(ctx, flight, now_ms, f.reason, f.message);
                }
            }
        }
    }

    /// Fails the operation and its login flight: operations waiting for it fail the same way.
    pub(super) fn fail_login(
        &mut self,
        ctx: &mut Ctx<'_>,
        flight: Option<u64>,
        now_ms: u64,
        reason: Reason,
        message: String,
    ) {
        if let Some(id) = flight {
            ctx.org.login_failure = Some((id, reason, message.clone()));
        }
        self.fail(ctx, flight, now_ms, reason, message);
    }
}

/// Checks the bytes of the JWT file: UTF-8, one token, no whitespace inside. Never quotes them.
fn jwt_from_file(
    path: &str,
    contents: Result<Vec<u8>, std::io::Error>,
) -> Result<SecretString, String> {
    let bytes = contents.map_err(|e| {
        // The io::Error text names the OS error only; it never holds file contents.
        format!("cannot read the ServiceAccount JWT at {path} (the config's jwtPath): {e}")
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let mut bytes = e.into_bytes();
        zeroize::Zeroize::zeroize(&mut bytes);
        format!("the ServiceAccount JWT at {path} is not UTF-8 text")
    })?;
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
