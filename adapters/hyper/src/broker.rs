//! [`LoginBroker`]: the store a service's replicas share their login tokens through, so that N
//! replicas log in once per org and token lifetime instead of N times (see
//! [`vaultcred_core::shared`]).

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;
use vaultcred_core::{ObtainedLogin, SharedAnswer};

/// A boxed, `Send` future, as [`LoginBroker`]'s methods return.
pub type BrokerFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The replicas' shared store of login tokens, and the claims that keep two replicas from
/// logging in for the same org at once. Hand one to [`Client::share_logins`](crate::Client::share_logins).
///
/// The client calls [`acquire`](LoginBroker::acquire) before each login it would make for an
/// org, [`obtained`](LoginBroker::obtained) with each token its logins get, and
/// [`abandoned`](LoginBroker::abandoned) when a login it claimed ended without a token. A broker
/// that cannot reach its store answers [`SharedAnswer::LogIn`]: logging in is always safe, only
/// not shared.
///
/// ```
/// use std::sync::Arc;
/// use std::time::SystemTime;
/// use vaultcred_hyper::{BrokerFuture, Client, LoginBroker, ObtainedLogin, SharedAnswer};
///
/// /// A broker of one replica: never anything to share.
/// struct Alone;
///
/// impl LoginBroker for Alone {
///     fn acquire<'a>(&'a self, _org_id: &'a str, _until: SystemTime) -> BrokerFuture<'a, SharedAnswer> {
///         Box::pin(async { SharedAnswer::LogIn })
///     }
///     fn obtained(&self, _login: ObtainedLogin) -> BrokerFuture<'static, ()> {
///         Box::pin(async {})
///     }
///     fn abandoned(&self, _org_id: &str) -> BrokerFuture<'static, ()> {
///         Box::pin(async {})
///     }
/// }
///
/// let client = Client::builder().build()?;
/// client.share_logins(Arc::new(Alone));
/// # Ok::<(), vaultcred_hyper::BuildError>(())
/// ```
pub trait LoginBroker: Send + Sync + 'static {
    /// The org's current token, if another replica (or this one) obtained one that is still
    /// good; else claim the org's login for this replica and answer [`SharedAnswer::LogIn`].
    /// While another replica's claim stands, wait for its token (or for its claim to lapse), but
    /// not past `until`: then answer `LogIn`.
    fn acquire<'a>(&'a self, org_id: &'a str, until: SystemTime) -> BrokerFuture<'a, SharedAnswer>;

    /// A token this replica's login obtained: store it for the others (releasing this
    /// replica's claim). Spawned: the resolve does not wait for it.
    fn obtained(&self, login: ObtainedLogin) -> BrokerFuture<'static, ()>;

    /// A login this replica claimed for `org_id` ended without a token (it failed, or its
    /// resolve was dropped): release the claim so the others need not wait for it to lapse.
    fn abandoned(&self, org_id: &str) -> BrokerFuture<'static, ()>;
}
