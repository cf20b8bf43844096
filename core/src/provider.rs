//! Per-org state: the config, the login token, the login in flight, and the credential cache.

use crate::config::{Auth, VaultConfig};
use crate::credential::Credential;
use crate::error::Reason;
use crate::secret::{Scrubber, SecretString};
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

/// A login token with its lifetime.
pub(crate) struct LoginToken {
    /// Unique id, so a 403 invalidates only the token the read was made with.
    pub id: u64,
    pub token: SecretString,
    /// When it must be replaced (loginTime + 0.8 × lease), `None` if it never expires.
    pub deadline_ms: Option<u64>,
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
    /// The last JWT read, kept only to scrub it from messages.
    pub last_jwt: Option<SecretString>,
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
            last_jwt: None,
            cache: HashMap::with_hasher(hasher.clone()),
            denied: HashMap::with_hasher(hasher),
        }
    }

    /// The login token if it is still valid at `now_ms`.
    pub(crate) fn valid_token(&self, now_ms: u64) -> Option<&LoginToken> {
        self.token
            .as_ref()
            .filter(|t| t.deadline_ms.is_none_or(|d| now_ms < d))
    }

    /// A scrubber knowing every secret this org holds (plus `extra`).
    pub(crate) fn scrubber<'a>(&'a self, extra: Option<&'a SecretString>) -> Scrubber<'a> {
        let mut secrets: Vec<&SecretString> = Vec::with_capacity(5);
        match &self.config.auth {
            Auth::Token { token } => secrets.push(token),
            Auth::AppRole { role_id, secret_id } => {
                secrets.push(secret_id);
                secrets.push(role_id);
            }
            Auth::Kubernetes { .. } => {}
        }
        if let Some(t) = &self.token {
            secrets.push(&t.token);
        }
        if let Some(j) = &self.last_jwt {
            secrets.push(j);
        }
        if let Some(e) = extra {
            secrets.push(e);
        }
        Scrubber::new(secrets)
    }
}
