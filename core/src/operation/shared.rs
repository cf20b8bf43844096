//! Shared logins: before its own login, an operation asks the host for a token another replica
//! obtained ([`crate::shared`]); after a login, the token is queued for the host to share.

use super::task::Task;
use super::{Ctx, Next, Phase, Resume, Run};
use crate::provider::{LoginToken, TokenState};
use crate::refresh::{from_ms, to_ms};
use crate::shared::{ObtainedLogin, Pending, SharedAnswer, SharedToken};

impl<T: Task> Run<T> {
    /// In shared mode, the first step of the org's login (`flight`) asks the host; `None` when
    /// the login goes on here at once (not shared, no flight of the org's, or asked already).
    pub(super) fn ask_shared(
        &mut self,
        ctx: &Ctx<'_>,
        flight: Option<u64>,
    ) -> Option<Next<T::Output>> {
        let flight = flight?;
        if !ctx.shared || self.asked_shared {
            return None;
        }
        self.asked_shared = true;
        self.phase = Phase::AwaitShared { flight };
        Some(Next::SharedLogin(from_ms(self.deadline_ms)))
    }

    /// The host answered: adopt the shared token if it is usable, else log in here.
    pub(super) fn on_shared(
        &mut self,
        ctx: &mut Ctx<'_>,
        now_ms: u64,
        flight: u64,
        answer: SharedAnswer,
    ) {
        if let SharedAnswer::Adopt(shared) = answer {
            let refused = ctx
                .org
                .refused_token
                .as_ref()
                .is_some_and(|r| r == &shared.token);
            let token = LoginToken::new(
                ctx.ids.next(),
                shared.token,
                to_ms(shared.issued_at),
                shared.lease_secs.min(crate::refresh::MAX_LEASE_SECS),
                shared.renewable,
            );
            let previous = ctx.org.token.replace(token);
            // Past its refresh point (renewing someone else's token here would not tell them)
            // or just refused by Vault: log in after all.
            if !refused && ctx.org.token_state(now_ms) == TokenState::Fresh {
                ctx.release_flight(Some(flight));
                ctx.org.login_failure = None;
                self.retries = 0;
                self.phase = match self.task.after_login(now_ms) {
                    Some(outcome) => Phase::Done(outcome),
                    None => Phase::Ready(Resume::Request),
                };
                return;
            }
            ctx.org.token = previous;
        }
        self.phase = Phase::Ready(Resume::Login {
            flight: Some(flight),
        });
    }
}

impl Ctx<'_> {
    /// Queues a token a login just obtained for the host to share (shared mode only).
    pub(super) fn share_login(&mut self, token: &LoginToken, sent_ms: u64, org_id: &str) {
        if !self.shared {
            return;
        }
        self.logins.push(Pending {
            generation: self.org.generation,
            login: ObtainedLogin {
                org_id: org_id.to_owned(),
                token: SharedToken {
                    token: token.token.clone(),
                    issued_at: from_ms(sent_ms),
                    lease_secs: token.lease_secs,
                    renewable: token.renewable,
                },
            },
        });
    }
}
