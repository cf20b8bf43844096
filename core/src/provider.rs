//! Per-org state: the config, the login token, the login in flight, and the credential cache.

use crate::config::{Auth, VaultConfig};
use crate::credential::Credential;
use crate::error::Reason;
use crate::kv::SecretValue;
use crate::scrub::Scrubber;
use crate::secret::SecretString;
use std::collections::HashMap;

/// The hasher of the registry's maps: foldhash (fast on short keys such as orgIds and kinds),
/// keyed with a seed the host hands in, so colliding keys cannot be precomputed.
pub(crate) type Hasher = foldhash::fast::FixedState;
use std::sync::Arc;

/// The registry's counter of unique ids (registrations, logins, tokens).
#[derive(Debug)]
pub(crate) struct Ids(u64);

impl Default for Ids {
    fn default() -> Self {
        Ids(1)
    }
}

impl Ids {
    /// A new id, never handed out before by this registry.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// The org's token with what the core knows of its lifetime: a login's token (AppRole,
/// Kubernetes), or in token mode the config's token as `lookup-self` described it.
pub(crate) struct LoginToken {
    /// Unique id, so a 403 invalidates only the token the read was made with.
    pub id: u64,
    pub token: SecretString,
    /// When it must be renewed or replaced: issue (or last renewal) + 0.8 × lease; `None` if
    /// it never expires (or, in token mode, if its lifetime could not be learnt).
    pub deadline_ms: Option<u64>,
    /// When it dies: issue (or last renewal) + lease; `None` if never.
    pub expires_ms: Option<u64>,
    /// Whether to renew it at its deadline: Vault said it is renewable, and no renewal was
    /// refused or capped by its max TTL.
    pub renewable: bool,
    /// The lease last granted, in seconds: the increment asked for at renewal.
    pub lease_secs: u64,
}

impl LoginToken {
    /// A token issued (or renewed, or looked up) at `at_ms` for `lease_secs` (0: never
    /// expires).
    pub(crate) fn new(
        id: u64,
        token: SecretString,
        at_ms: u64,
        lease_secs: u64,
        renewable: bool,
    ) -> Self {
        LoginToken {
            id,
            token,
            deadline_ms: crate::refresh::token_deadline_ms(at_ms, lease_secs),
            expires_ms: (lease_secs > 0)
                .then(|| at_ms.saturating_add(lease_secs.saturating_mul(1000))),
            renewable: renewable && lease_secs > 0,
            lease_secs,
        }
    }
}

impl LoginToken {
    /// Adopts a renewal sent at `at_ms` that granted `lease_secs`; a renewal granting less than
    /// the lease asked for means the token nears its max TTL: it is not renewed again.
    /// A grant of 0 s (a token-mode token at its end) keeps it until Vault refuses it.
    pub(crate) fn renewed(&mut self, at_ms: u64, lease_secs: u64, renewable: bool) {
        let capped = lease_secs < self.lease_secs;
        let token = std::mem::take(&mut self.token);
        *self = LoginToken::new(self.id, token, at_ms, lease_secs, renewable && !capped);
    }
}

/// Shortest resolved secret value the scrubber looks for in messages.
pub(crate) const MIN_SCRUBBED_VALUE: usize = 8;

/// What to do about the org's token before a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenState {
    /// Use it.
    Fresh,
    /// Past its deadline but renewable and alive: renew it first (`renew-self`).
    Renew,
    /// Token mode, lifetime unknown: ask `lookup-self` first.
    Lookup,
    /// No usable token: log in.
    Login,
}

/// A login some operation is performing for this org.
#[derive(Clone, Copy)]
pub(crate) struct Flight {
    pub id: u64,
    /// After this, another operation may take the login over.
    pub deadline_ms: u64,
}

/// The org's provider: everything the core remembers about one org.
pub(crate) struct Provider {
    pub config: VaultConfig,
    /// Changes when the org is registered again; operations of an older generation restart.
    pub generation: u64,
    pub token: Option<LoginToken>,
    pub flight: Option<Flight>,
    /// The last failed login: (flight id, reason, message), for operations that waited on it.
    pub login_failure: Option<(u64, Reason, String)>,
    /// The last token Vault refused (403) for this org, so that shared logins do not adopt it
    /// again; also scrubbed from messages.
    pub refused_token: Option<SecretString>,
    /// The last JWT read, kept only to scrub it from messages.
    pub last_jwt: Option<SecretString>,
    /// The secretId unwrapped from the config's `wrappedSecretId` (memory only).
    pub unwrapped_secret_id: Option<SecretString>,
    pub cache: HashMap<String, Arc<Credential>, Hasher>,
    /// Kinds Vault's ACL denied recently: (until when, the message), so a hot loop of denied
    /// resolves costs no request each time (see [`DENIED_FOR_MS`]).
    pub denied: HashMap<String, (u64, String), Hasher>,
}

/// How long an ACL denial of a kind is remembered: resolves of that kind fail at once, without
/// a request, for this long (a policy fix is seen within this time).
pub(crate) const DENIED_FOR_MS: u64 = 10_000;

impl Provider {
    pub(crate) fn new(config: VaultConfig, generation: u64, hasher: Hasher) -> Self {
        Provider {
            config,
            generation,
            token: None,
            flight: None,
            login_failure: None,
            refused_token: None,
            last_jwt: None,
            unwrapped_secret_id: None,
            cache: HashMap::with_hasher(hasher.clone()),
            denied: HashMap::with_hasher(hasher),
        }
    }

    /// What to do about the token at `now_ms`.
    pub(crate) fn token_state(&self, now_ms: u64) -> TokenState {
        let token_mode = matches!(self.config.auth, Auth::Token { .. });
        match &self.token {
            Some(t) if t.deadline_ms.is_none_or(|d| now_ms < d) => TokenState::Fresh,
            Some(t) if t.renewable && t.expires_ms.is_none_or(|e| now_ms < e) => TokenState::Renew,
            // Token mode has no other token: use it until Vault refuses it.
            Some(_) if token_mode => TokenState::Fresh,
            None if token_mode => TokenState::Lookup,
            _ => TokenState::Login,
        }
    }

    /// The token if it may be used at `now_ms` as it is.
    pub(crate) fn fresh_token(&self, now_ms: u64) -> Option<&LoginToken> {
        match self.token_state(now_ms) {
            TokenState::Fresh => self.token.as_ref(),
            _ => None,
        }
    }

    /// A scrubber knowing every secret this org holds (plus `extra`): its credentials, tokens,
    /// JWT, and the values of the credentials it has resolved (those of at least
    /// [`MIN_SCRUBBED_VALUE`] bytes: a shorter value would redact ordinary words).
    pub(crate) fn scrubber<'a>(&'a self, extra: Option<&'a SecretString>) -> Scrubber<'a> {
        let mut secrets: Vec<&SecretString> = Vec::with_capacity(6 + self.cache.len());
        match &self.config.auth {
            Auth::Token { token } => secrets.push(token),
            Auth::AppRole {
                role_id, secret_id, ..
            } => {
                secrets.push(secret_id.secret());
                secrets.push(role_id);
            }
            Auth::Kubernetes { .. } => {}
        }
        if let Some(t) = &self.token {
            secrets.push(&t.token);
        }
        if let Some(r) = &self.refused_token {
            secrets.push(r);
        }
        if let Some(j) = &self.last_jwt {
            secrets.push(j);
        }
        if let Some(s) = &self.unwrapped_secret_id {
            secrets.push(s);
        }
        if let Some(e) = extra {
            secrets.push(e);
        }
        for credential in self.cache.values() {
            let values: Vec<&SecretString> = match &credential.value {
                SecretValue::Value(v) => vec![v],
                SecretValue::MultiField(fields) => fields.values().collect(),
            };
            secrets.extend(values.into_iter().filter(|v| v.len() >= MIN_SCRUBBED_VALUE));
        }
        Scrubber::new(secrets)
    }
}
