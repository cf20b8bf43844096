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

mod transport;
mod watch;

pub use vaultcred_core::WatchEvent;
pub use vaultcred_core::{
    Credential, CredentialNotFound, HealthReport, Reason, RegisterError, RetryPolicy,
    RotationEvent, SecretValue, VaultConfig,
};
pub use vaultcred_host::{BuildError, Origin, Setting};
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

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};
use tokio::sync::{Notify, broadcast};
use vaultcred_core::{Next, Operation, Outcome, Registry};

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
    /// Signalled after every `on_response`/`on_file` and on `register`/`unregister`, waking
    /// tasks in `Next::WaitForLogin`.
    progress: Notify,
    events: broadcast::Sender<RotationEvent>,
    transport: transport::Transport,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("orgs", &self.shared.lock().len())
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    /// A builder to set timeouts, TLS roots, a client certificate and the retry policy.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the defaults: 30 s per HTTP call, 1 MiB bodies, webpki roots, TLS verified.
    ///
    /// # Panics
    ///
    /// Never in practice: the default TLS setup always builds.
    pub fn new() -> Client {
        match Client::builder().build() {
            Ok(client) => client,
            Err(e) => panic!("the default vaultcred client failed to build: {e}"),
        }
    }

    /// Registers (or replaces) an org's Vault config. Replacing drops its token and cache.
    pub fn register(&self, org_id: &str, config: VaultConfig) -> Result<(), RegisterError> {
        let result = self.shared.lock().register(org_id, config);
        self.shared.progress.notify_waiters(); // waiters for the old config's login re-check
        result
    }

    /// Drops the cached credential of `kind` for `org_id`: the next resolve reads Vault (the
    /// org's token is kept). Returns whether one was cached.
    pub fn invalidate(&self, org_id: &str, kind: &str) -> bool {
        self.shared.lock().invalidate(org_id, kind)
    }

    /// Removes an org. Returns whether it was registered.
    pub fn unregister(&self, org_id: &str) -> bool {
        let removed = self.shared.lock().unregister(org_id);
        self.shared.progress.notify_waiters();
        removed
    }

    /// Resolves credential `kind` of `org_id`: from the cache while fresh, else from Vault.
    ///
    /// The future is `Send`. Dropping it cancels the resolve and releases a login it was
    /// performing, so other tasks take over at once.
    pub async fn resolve(
        &self,
        org_id: &str,
        kind: &str,
    ) -> Result<Arc<Credential>, CredentialNotFound> {
        let op = {
            let mut registry = self.shared.lock();
            let now = SystemTime::now();
            if let Some(hit) = registry.cached(org_id, kind, now) {
                return Ok(hit);
            }
            registry.start_resolve(org_id, kind, now)
        };
        let result = self.shared.drive(op).await;
        match &result {
            Ok(c) => {
                tracing::info!(target: "vaultcred", org = org_id, kind, version = c.version(), "credential resolved")
            }
            Err(e) => {
                tracing::warn!(target: "vaultcred", org = org_id, kind, reason = %e.reason, "credential not resolved: {}", e.message)
            }
        }
        result
    }

    /// Checks that Vault is reachable and the org's credentials are valid (a login, or a token
    /// lookup in token mode).
    pub async fn health(&self, org_id: &str) -> HealthReport {
        let op = self.shared.lock().start_health(org_id, SystemTime::now());
        let report = self.shared.drive(op).await;
        tracing::debug!(target: "vaultcred", org = org_id, ok = report.ok, latency_ms = report.latency_ms, "health check");
        report
    }

    /// Rotation events (a kind's value or version changed on refresh), from every resolve of
    /// this client and its clones. A receiver that lags loses the oldest events.
    pub fn subscribe(&self) -> broadcast::Receiver<RotationEvent> {
        self.shared.events.subscribe()
    }

    /// A stream of `kinds` of `org_id`: first [`WatchEvent::Resolved`] (or `Failed`) for each,
    /// then a re-resolve whenever a kind's refresh time comes. See [`Watch`].
    pub fn watch(&self, org_id: &str, kinds: &[&str]) -> Watch {
        Watch::new(self.clone(), org_id, kinds)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The drive loop. The registry lock is held only for one step, never across an `.await`.
    async fn drive<O: Outcome>(&self, op: Operation<O>) -> O {
        let mut guard = CancelOnDrop { shared: self, op };
        loop {
            // Registered before polling, so progress made between the poll and the wait is seen.
            let mut progress = std::pin::pin!(self.progress.notified());
            progress.as_mut().enable();
            let next = self.lock().poll(&mut guard.op, SystemTime::now());
            match next {
                Next::Done(outcome) => {
                    self.publish_events();
                    return outcome;
                }
                Next::Http(request) => {
                    let response = self.transport.send(request).await;
                    self.lock()
                        .on_response(&mut guard.op, response, SystemTime::now());
                    self.progress.notify_waiters();
                }
                Next::ReadFile(path) => {
                    let contents = tokio::fs::read(&path).await;
                    self.lock()
                        .on_file(&mut guard.op, contents, SystemTime::now());
                    self.progress.notify_waiters();
                }
                Next::Sleep(until) => {
                    let wait = until_from_now(until);
                    tracing::debug!(target: "vaultcred", wait_ms = wait.as_millis(), "retrying after backoff");
                    tokio::time::sleep(wait).await;
                }
                Next::WaitForLogin(until) => {
                    tracing::debug!(target: "vaultcred", "waiting for another task's login");
                    let _ = tokio::time::timeout(until_from_now(until), progress).await;
                }
            }
        }
    }

    fn publish_events(&self) {
        let events: Vec<RotationEvent> = self.lock().drain_events().collect();
        for event in events {
            tracing::info!(target: "vaultcred", org = %event.org_id, kind = %event.kind, old_version = event.old_version, new_version = event.new_version, "credential rotated");
            // No receiver is not an error.
            let _ = self.events.send(event);
        }
    }
}

/// Cancels the operation if its future is dropped before it finished.
struct CancelOnDrop<'a, O: Outcome> {
    shared: &'a Shared,
    op: Operation<O>,
}

impl<O: Outcome> Drop for CancelOnDrop<'_, O> {
    fn drop(&mut self) {
        if !self.op.is_done() {
            self.shared.lock().cancel(&mut self.op);
            self.shared.progress.notify_waiters();
            tracing::debug!(target: "vaultcred", "operation dropped before it finished; cancelled");
        }
    }
}

fn until_from_now(until: SystemTime) -> Duration {
    until
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}
