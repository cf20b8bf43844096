//! Keeping the org's token alive instead of logging in again: `renew-self` once 80% of its lease
//! has passed (single-flight, like a login), and in token mode `lookup-self` on first use to
//! learn the config token's TTL. Rules after Vault's Go `LifetimeWatcher`: a renewal granting
//! less than asked means the token nears its max TTL, so it is not renewed again and the next
//! deadline brings a login.

use super::request::{Failed, checked};
use super::task::Task;
use super::{Ctx, Next, Phase, Resume, Run};
use crate::auth::{lookup_self_request, parse_login, parse_lookup, renew_self_request};
use crate::config::Auth;
use crate::error::{Reason, TransportError};
use crate::provider::LoginToken;
use crate::wire::{Call, classify_status, retry_after_secs, token_rejected};
use http::Response;

/// What an answer about the org's token leads to.
enum After {
    /// The token is good: send the operation's request.
    Request,
    /// The token is dead or may not be renewed: log in (login modes).
    Login,
}

impl<T: Task> Run<T> {
    /// Sends `renew-self` for the org's token, asking for its last lease again.
    pub(super) fn send_renew(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: u64,
    ) -> Next<T::Output> {
        let org = &*ctx.org;
        let request = org
            .token
            .as_ref()
            .map(|t| renew_self_request(&org.config, &t.token, t.lease_secs));
        let phase = Phase::AwaitRenew {
            flight,
            sent_ms: now_ms,
        };
        self.send(ctx, now_ms, Some(flight), request, phase)
            .unwrap_or_else(|| self.begin_login(ctx, now_ms, Some(flight)))
    }

    /// Sends `lookup-self` for the config's token (token mode).
    pub(super) fn send_lookup(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: u64,
    ) -> Next<T::Output> {
        let config = &ctx.org.config;
        let request = match &config.auth {
            Auth::Token { token } => Some(lookup_self_request(config, token)),
            _ => None,
        };
        let phase = Phase::AwaitLookup {
            flight,
            sent_ms: now_ms,
        };
        self.send(ctx, now_ms, Some(flight), request, phase)
            .unwrap_or_else(|| self.begin_login(ctx, now_ms, Some(flight)))
    }

    /// The renewal answered: adopt the new lease, or stop renewing, or log in again.
    pub(super) fn on_renew_answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: u64,
        sent_ms: u64,
        response: Result<Response<Vec<u8>>, TransportError>,
    ) {
        let answer = checked(ctx, None, "token renewal", response).and_then(|response| {
            let status = response.status();
            let scrubber = ctx.org.scrubber(None);
            if status == http::StatusCode::OK {
                return Ok(Some(parse_login(response.body(), &scrubber)));
            }
            let f = classify_status(Call::Lookup, &response, &scrubber);
            if f.retryable {
                return Err(Failed {
                    reason: f.reason,
                    message: f.message,
                    retryable: true,
                    retry_after: retry_after_secs(&response),
                });
            }
            // A refused token is dead; any other refusal (not renewable, a batch token, a
            // policy without renew-self) only means: do not renew it.
            if status == http::StatusCode::FORBIDDEN && token_rejected(response.body()) {
                return Ok(None);
            }
            Ok(Some(Err((f.reason, f.message))))
        });
        let token_mode = matches!(ctx.org.config.auth, Auth::Token { .. });
        let after = match answer {
            Ok(Some(Ok(renewed))) if renewed.lease_secs == 0 && !token_mode => {
                // Nothing left to grant: the token is at its max TTL.
                ctx.org.token = None;
                After::Login
            }
            Ok(Some(Ok(renewed))) => match &mut ctx.org.token {
                Some(token) => {
                    token.renewed(sent_ms, renewed.lease_secs, renewed.renewable);
                    After::Request
                }
                None => After::Login,
            },
            Ok(Some(Err(_))) => {
                if let Some(token) = &mut ctx.org.token {
                    token.renewable = false;
                }
                if token_mode {
                    After::Request
                } else {
                    After::Login
                }
            }
            Ok(None) if token_mode => {
                let message = "Vault refused the token (expired or revoked) at renewal".to_owned();
                self.fail_login(ctx, Some(flight), now_ms, Reason::AuthFailed, message);
                return;
            }
            Ok(None) => {
                ctx.org.token = None;
                After::Login
            }
            Err(f) => {
                self.last_failure = Some((f.reason, f.message.clone()));
                let then = Resume::Renew { flight };
                if f.retryable && self.retry(ctx, now_ms, f.retry_after, then).is_ok() {
                    return;
                }
                // Renewal keeps failing: stop renewing this token; a login (or, in token mode,
                // the token as it is) takes over.
                if let Some(token) = &mut ctx.org.token {
                    token.renewable = false;
                }
                if token_mode {
                    After::Request
                } else {
                    After::Login
                }
            }
        };
        self.after_token(ctx, flight, after);
    }

    /// The lookup answered: remember the token's lifetime, or fall back to the hourly refresh.
    pub(super) fn on_lookup_answer(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: u64,
        sent_ms: u64,
        response: Result<Response<Vec<u8>>, TransportError>,
    ) {
        let Auth::Token { token } = &ctx.org.config.auth else {
            self.after_token(ctx, flight, After::Login);
            return;
        };
        let token = token.clone();
        let answer = checked(ctx, None, "token lookup", response).and_then(|response| {
            if response.status() == http::StatusCode::OK {
                return Ok(parse_lookup(response.body()).map_err(|(_, m)| m));
            }
            let scrubber = ctx.org.scrubber(None);
            let f = classify_status(Call::Lookup, &response, &scrubber);
            let status = response.status().as_u16();
            // Forbidden by the token's policies (no default policy), or an endpoint this server
            // does not have: the lifetime stays unknown. Anything else (a refused token, sealed,
            // server errors) is the operation's failure.
            let unknown = matches!(status, 404 | 405 | 501)
                || (status == 403 && !token_rejected(response.body()));
            if unknown {
                return Ok(Err(f.message));
            }
            Err(Failed {
                reason: f.reason,
                message: f.message,
                retryable: f.retryable,
                retry_after: retry_after_secs(&response),
            })
        });
        let id = ctx.ids.next();
        match answer {
            Ok(Ok(info)) => {
                ctx.org.token = Some(LoginToken::new(
                    id,
                    token,
                    sent_ms,
                    info.ttl_secs,
                    info.renewable,
                ));
            }
            Ok(Err(why)) => {
                // Forbidden (no default policy) or unreadable: never fail a resolve for it.
                ctx.notices.push(
                    &self.org_id,
                    format!(
                        "token lookup-self failed ({why}); the token's TTL is unknown, so \
                         credentials are refreshed hourly and the token is never renewed"
                    ),
                );
                ctx.org.token = Some(LoginToken::new(id, token, sent_ms, 0, false));
            }
            Err(f) => {
                self.last_failure = Some((f.reason, f.message.clone()));
                let then = Resume::Lookup { flight };
                if !f.retryable || self.retry(ctx, now_ms, f.retry_after, then).is_err() {
                    self.fail_login(ctx, Some(flight), now_ms, f.reason, f.message);
                }
                return;
            }
        }
        self.after_token(ctx, flight, After::Request);
    }

    fn after_token(&mut self, ctx: &mut Ctx<'_>, flight: u64, after: After) {
        self.retries = 0;
        match after {
            After::Request => {
                ctx.release_flight(Some(flight));
                ctx.org.login_failure = None;
                self.phase = Phase::Ready(Resume::Request);
            }
            After::Login => {
                self.phase = Phase::Ready(Resume::Login {
                    flight: Some(flight),
                });
            }
        }
    }
}
