//! # vaultcred-hyper
//!
//! The async adapter of vaultcred: resolves per-organisation credentials from HashiCorp Vault
//! on tokio, over a pooled hyper 1 client with rustls (ring). Every Vault rule — paths, JSON,
//! status codes, retries, refresh times, single-flight logins — lives in the sans-IO
//! [`vaultcred_core`]; this crate only drives it: it sends the requests the core asks for, reads
//! the files it asks for, sleeps when it says so and wakes tasks waiting for another task's login.
//!
//! ```no_run
//! use std::time::Duration;
//! use vaultcred_hyper::{Client, SecretValue, VaultConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // One client per process: it is cheap to clone and share across tasks.
//! let client = Client::builder().timeout(Duration::from_secs(10)).build()?;
//! client.register(
//!     "org_abc123",
//!     VaultConfig::approle("https://vault.example.com:8200", "secret", "my-role-id", "my-secret-id")?,
//! )?;
//!
//! let credential = client.resolve("org_abc123", "anthropic-api-key").await?;
//! if let SecretValue::Value(key) = credential.value() {
//!     // Use key.expose() to call the API; it is never logged.
//!     let _ = key.expose();
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Concurrent resolves share one login per org, a fresh credential is answered from the cache
//! without a request, and a resolve future dropped mid-way releases the login it was performing.
//! [`Client::subscribe`] announces rotations; [`Client::watch`] is a stream that re-resolves
//! kinds when their refresh time comes.
//!
//! A host running Vault configs its tenants wrote keeps them off its own network with an
//! [`AddressPolicy`]: every address the client is about to connect to — an IP literal, or what a
//! host name resolves to — is checked, and a resolve whose every address is refused fails with
//! [`Reason::AddressNotAllowed`], without connecting.
//!
//! ```
//! use vaultcred_hyper::{AddressPolicy, Client};
//!
//! let policy = AddressPolicy::public_only().allow("10.20.0.0/16")?;
//! let client = Client::builder().address_policy(policy).build()?;
//! # drop(client);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Tracing events use the target `vaultcred` and never carry a token or a secret.
//!
//! A `Client` keeps pooled connections whose tasks run on the tokio runtime that opened them:
//! use one client within one runtime.
//!
//! Like the Go client, a builder can take its transport settings from `VAULT_CACERT`,
//! `VAULT_CAPATH`, `VAULT_CLIENT_CERT`/`VAULT_CLIENT_KEY`, `VAULT_SKIP_VERIFY`,
//! `VAULT_TLS_SERVER_NAME`, `VAULT_CLIENT_TIMEOUT` and `VAULT_MAX_RETRIES`; a method called on it
//! still wins:
//!
//! ```no_run
//! use std::time::Duration;
//! use vaultcred_hyper::ClientBuilder;
//!
//! let client = ClientBuilder::from_env()?.timeout(Duration::from_secs(10)).build()?;
//! # drop(client);
//! # Ok::<(), vaultcred_hyper::BuildError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod broker;
mod guard;
mod transport;
mod watch;

pub use broker::{BrokerFuture, LoginBroker};
pub use vaultcred_core::{
    Credential, CredentialNotFound, HealthReport, ObtainedLogin, Reason, RegisterError,
    RetryPolicy, RotationEvent, SecretValue, SharedAnswer, SharedToken, VaultConfig, WatchEvent,
};
pub use vaultcred_host::{AddressPolicy, BuildError, Cidr, InvalidCidr, Origin, Setting};
pub use watch::Watch;

/// Settings of a [`Client`]: timeouts, body cap, TLS material and server name, retry policy,
/// jitter seed, and the Go client's `VAULT_*` variables ([`ClientBuilder::from_env`]). Start
/// with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use vaultcred_hyper::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .timeout(Duration::from_secs(5))
///     .max_body_bytes(256 * 1024)
///     .retry(RetryPolicy::none())
///     .build()?;
/// # drop(client);
/// # Ok::<(), vaultcred_hyper::BuildError>(())
/// ```
pub type ClientBuilder = vaultcred_host::Builder<Client>;

use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tokio::sync::{Notify, broadcast};
use vaultcred_core::{FreshIndex, Next, Operation, Outcome, Registry};
use vaultcred_host::{Shared as _, observe};

/// A Vault credential client for tokio.
///
/// Cloning is cheap (an `Arc`): clones share the registry, the cache, the logins and the
/// connection pool.
///
/// ```
/// fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
/// assert_shareable::<vaultcred_hyper::Client>();
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    registry: Mutex<Registry>,
    /// The registry's fresh-credential index: cache hits are answered from it without the
    /// registry lock, so callers resolving different orgs never wait for each other.
    fresh: Arc<FreshIndex>,
    /// Signalled after every `on_response`/`on_file` and on registry changes, waking tasks in
    /// `Next::WaitForLogin`.
    progress: Notify,
    events: broadcast::Sender<RotationEvent>,
    transport: transport::Transport,
    /// The runtime the client was built in, if any: revocations go there when the caller is
    /// outside a runtime.
    runtime: Option<tokio::runtime::Handle>,
    /// The replicas' shared store of login tokens, once [`Client::share_logins`] was called.
    broker: std::sync::OnceLock<Arc<dyn LoginBroker>>,
}

vaultcred_host::client_basics!(vaultcred_hyper);

impl Client {
    /// Resolves credential `kind` of `org_id`: from the cache while fresh, else from Vault.
    ///
    /// The future is `Send`. Dropping it cancels the resolve and releases a login it was
    /// performing, so other tasks take over at once.
    pub async fn resolve(
        &self,
        org_id: &str,
        kind: &str,
    ) -> Result<Arc<Credential>, CredentialNotFound> {
        if let Some(hit) = self.shared.fresh.get(org_id, kind, SystemTime::now()) {
            let result = Ok(hit);
            observe::resolved(org_id, kind, &result, 0);
            return result;
        }
        let op = self
            .shared
            .registry()
            .start_resolve(org_id, kind, SystemTime::now());
        let result = self.shared.drive(op).await;
        observe::resolved(org_id, kind, &result, 1);
        result
    }

    /// A test resolve of the org (see [`HealthReport`]): the org's token the way a resolve gets
    /// it, then the mount and read-permission checks. No extra login when a token is valid.
    pub async fn health(&self, org_id: &str) -> HealthReport {
        let op = self
            .shared
            .registry()
            .start_health(org_id, SystemTime::now());
        let report = self.shared.drive(op).await;
        observe::health(org_id, &report);
        report
    }

    /// Shares this client's logins with other replicas through `broker` (see [`LoginBroker`]):
    /// before each login the broker is asked for a token another replica obtained, each token
    /// obtained here is handed to it, and [`Client::shutdown`] no longer revokes tokens (the
    /// other replicas may be using them). Once per client: a second call is ignored and returns
    /// `false`.
    pub fn share_logins(&self, broker: Arc<dyn LoginBroker>) -> bool {
        if self.shared.broker.set(broker).is_err() {
            return false;
        }
        self.shared.registry().share_logins();
        true
    }

    /// Rotation events (a kind's value or version changed on refresh), from every resolve of
    /// this client and its clones. A receiver that lags loses the oldest events.
    pub fn subscribe(&self) -> broadcast::Receiver<RotationEvent> {
        self.shared.events.subscribe()
    }

    /// A stream of `kinds` of `org_id`: first [`WatchEvent::Resolved`] (or `Failed`) for each,
    /// then a re-resolve whenever a kind is due. See [`Watch`].
    pub fn watch(&self, org_id: &str, kinds: &[&str]) -> Watch {
        Watch::new(self.clone(), org_id, kinds)
    }
}

impl vaultcred_host::Shared for Shared {
    fn registry_mutex(&self) -> &Mutex<Registry> {
        &self.registry
    }
    fn wake(&self) {
        self.progress.notify_waiters();
    }
    /// On the current tokio runtime, else the one the client was built in; with neither, the
    /// revocations are skipped (and logged).
    fn send_and_forget(&self, requests: Vec<http::Request<Vec<u8>>>) {
        let current = tokio::runtime::Handle::try_current().ok();
        let Some(runtime) = current.or_else(|| self.runtime.clone()) else {
            return observe::revocations_skipped(requests.len());
        };
        let transport = self.transport.clone();
        runtime.spawn(async move {
            for request in requests {
                observe::revoked(&transport.send(request, transport.timeout).await);
            }
        });
    }
}

impl Shared {
    async fn drive<O: Outcome>(&self, op: Operation<O>) -> O {
        let mut guard = CancelOnDrop {
            shared: self,
            op,
            claimed: None,
        };
        loop {
            let mut progress = std::pin::pin!(self.progress.notified());
            progress.as_mut().enable();
            let next = self.registry().poll(&mut guard.op, SystemTime::now());
            match next {
                Next::Done(outcome) => {
                    for event in vaultcred_host::finished(&mut self.registry()) {
                        let _ = self.events.send(event);
                    }
                    guard.abandon_claim();
                    return outcome;
                }
                Next::Http(request) => {
                    let budget = observe::budget(self.transport.timeout, guard.op.deadline());
                    let response = self.transport.send(request, budget).await;
                    let now = SystemTime::now();
                    let logins = {
                        let mut registry = self.registry();
                        registry.on_response(&mut guard.op, response, now);
                        registry.take_logins()
                    };
                    self.progress.notify_waiters();
                    guard.share(logins);
                }
                Next::SharedLogin(until) => {
                    let org_id = guard.op.org_id().unwrap_or_default().to_owned();
                    let answer = match self.broker.get() {
                        Some(broker) => {
                            let wait = observe::waiting(until);
                            tokio::time::timeout(wait, broker.acquire(&org_id, until))
                                .await
                                .unwrap_or(SharedAnswer::LogIn)
                        }
                        None => SharedAnswer::LogIn,
                    };
                    if matches!(answer, SharedAnswer::LogIn) {
                        guard.claimed = Some(org_id);
                    }
                    self.registry()
                        .on_shared_login(&mut guard.op, answer, SystemTime::now());
                    self.progress.notify_waiters();
                }
                Next::ReadFile(path) => {
                    let read = tokio::task::spawn_blocking(move || vaultcred_host::read_jwt(&path));
                    let contents = read.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
                    self.registry()
                        .on_file(&mut guard.op, contents, SystemTime::now());
                    self.progress.notify_waiters();
                }
                Next::Sleep(until) => tokio::time::sleep(observe::backoff(until)).await,
                Next::WaitForLogin(until) => {
                    let _ = tokio::time::timeout(observe::waiting(until), progress).await;
                }
            }
        }
    }
}

/// Cancels the operation (releasing a login it performs) when the resolve future is dropped.
/// With shared logins, also remembers a login claimed in the broker until its token is handed
/// over, and releases the claim if the operation ends (or is dropped) without one.
struct CancelOnDrop<'a, O: Outcome> {
    shared: &'a Shared,
    op: Operation<O>,
    /// The org whose login this operation claimed in the broker, until a token is obtained.
    claimed: Option<String>,
}

impl<O: Outcome> CancelOnDrop<'_, O> {
    /// Hands the tokens logins obtained to the broker (off this task).
    fn share(&mut self, logins: Vec<vaultcred_core::ObtainedLogin>) {
        let Some(broker) = self.shared.broker.get() else {
            return;
        };
        for login in logins {
            if self.claimed.as_deref() == Some(login.org_id.as_str()) {
                self.claimed = None;
            }
            spawn(broker.obtained(login));
        }
    }

    /// Releases a claim the operation still holds (its login failed or never happened).
    fn abandon_claim(&mut self) {
        if let (Some(org_id), Some(broker)) = (self.claimed.take(), self.shared.broker.get()) {
            spawn(broker.abandoned(&org_id));
        }
    }
}

/// Runs a broker's store or release on the current runtime (a dropped resolve is dropped
/// inside one); outside any runtime it is skipped, and the claim lapses on its own.
fn spawn(future: BrokerFuture<'static, ()>) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(future);
    }
}

impl<O: Outcome> Drop for CancelOnDrop<'_, O> {
    fn drop(&mut self) {
        vaultcred_host::cancel(self.shared, &mut self.op);
        self.abandon_claim();
    }
}
