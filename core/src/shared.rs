//! Shared logins: hosts that run as several replicas (processes sharing one store) log in once per
//! org and token lifetime between them, instead of once per replica.
//!
//! With [`RegistryOptions::shared_logins`](crate::RegistryOptions::shared_logins) on, an
//! operation about to log in for its org first yields [`Next::SharedLogin`](crate::Next): the
//! host looks in its shared store and answers with [`Registry::on_shared_login`](crate::Registry::on_shared_login):
//!
//! - [`SharedAnswer::Adopt`] with the token another replica obtained: the operation uses it as if
//!   it had logged in itself (unless it is already past its refresh point, or is the very token
//!   Vault just refused here: then it logs in after all);
//! - [`SharedAnswer::LogIn`]: nobody has one, and this replica has claimed the login in the store.
//!
//! Every token a login obtains is queued; the host takes them with
//! [`Registry::take_logins`](crate::Registry::take_logins) and puts them in the store for the
//! other replicas. The store and its claims (so that two replicas do not log in at once, and a
//! replica that dies mid-login holds no one up for longer than a login's timeout) are the host's:
//! the core only asks and tells. In this mode [`Registry::shutdown`](crate::Registry::shutdown)
//! revokes nothing, since other replicas may be using the tokens; an unregistered (deleted) or
//! replaced config's token is still revoked.

use crate::secret::SecretString;
use std::time::SystemTime;

/// A login token as a shared store keeps it: the token and what its login said of its lifetime.
///
/// `Debug` never shows the token.
#[derive(Clone, Debug)]
pub struct SharedToken {
    /// The Vault token.
    pub token: SecretString,
    /// When its login was sent (its lifetime counts from here, as for a login of this registry).
    pub issued_at: SystemTime,
    /// The lease the login granted, in seconds (0: never expires).
    pub lease_secs: u64,
    /// Whether Vault said it is renewable.
    pub renewable: bool,
}

/// The host's answer to [`Next::SharedLogin`](crate::Next::SharedLogin).
#[derive(Clone, Debug)]
pub enum SharedAnswer {
    /// Log in here: no usable token is shared, and this replica holds the claim to log in (or
    /// the store could not be asked: logging in is always safe, only not shared).
    LogIn,
    /// Use this token, obtained by another replica (or by this one before).
    Adopt(SharedToken),
}

/// A token a login of this registry obtained, for the host to share
/// ([`Registry::take_logins`](crate::Registry::take_logins)).
#[derive(Clone, Debug)]
pub struct ObtainedLogin {
    /// The org it was obtained for.
    pub org_id: String,
    /// The token and its lifetime.
    pub token: SharedToken,
}

/// A queued [`ObtainedLogin`] with the registration it belongs to: a token of a config that
/// was replaced before the host took it is not handed out.
pub(crate) struct Pending {
    pub generation: u64,
    pub login: ObtainedLogin,
}
