//! # vaultcred-ureq
//!
//! The blocking adapter of vaultcred: per-organisation credentials from HashiCorp Vault for
//! threaded services, over [`ureq`] with rustls — no async runtime.
//!
//! Every Vault rule (paths, JSON, status codes, refresh, retries, single-flight logins) lives in
//! [`vaultcred_core`]; this crate only drives it: it sends the core's HTTP requests over one
//! pooled connection agent (never following redirects), reads the Kubernetes JWT file, sleeps
//! retry backoffs, and parks threads while another thread logs in for the same org.
//!
//! ```no_run
//! use vaultcred_ureq::{Client, SecretValue, VaultConfig};
//!
//! let client = Client::builder()
//!     .ca_bundle_file("/etc/vault/ca.pem")? // VAULT_CACERT
//!     .build()?;
//! let config = VaultConfig::approle("https://vault.example.com:8200", "secret", "my-role-id", "my-secret-id")?;
//! client.register("org_abc123", config)?;
//!
//! // Cached until its refresh time; concurrent callers share one login.
//! let credential = client.resolve("org_abc123", "anthropic-api-key")?;
//! if let SecretValue::Value(api_key) = credential.value() {
//!     let _header = format!("x-api-key: {}", api_key.expose());
//! }
//!
//! // Learn about rotations on any thread.
//! let rotations = client.subscribe();
//! std::thread::spawn(move || {
//!     for event in rotations {
//!         println!("{} {} rotated to version {:?}", event.org_id, event.kind, event.new_version);
//!     }
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `tracing` events go to target `vaultcred` and never carry a token or a secret: each HTTP
//! exchange (method, path, status, latency) at `debug`, completed resolves and rotations at
//! `info`, failed resolves at `warn`. HTTP proxies are taken from the usual environment variables
//! (`HTTPS_PROXY`, `NO_PROXY`…), as the Vault CLI does.
//!
//! Like the Go client, a builder can take its transport settings from `VAULT_CACERT`,
//! `VAULT_CAPATH`, `VAULT_CLIENT_CERT`/`VAULT_CLIENT_KEY`, `VAULT_SKIP_VERIFY`,
//! `VAULT_TLS_SERVER_NAME`, `VAULT_CLIENT_TIMEOUT` and `VAULT_MAX_RETRIES`; a method called on it
//! still wins:
//!
//! ```no_run
//! use std::time::Duration;
//! use vaultcred_ureq::ClientBuilder;
//!
//! let client = ClientBuilder::from_env()?.timeout(Duration::from_secs(10)).build()?;
//! # drop(client);
//! # Ok::<(), vaultcred_ureq::BuildError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod transport;

pub use vaultcred_core::{
    Credential, CredentialNotFound, HealthReport, Reason, RegisterError, RetryPolicy,
    RotationEvent, SecretValue, VaultConfig,
};
pub use vaultcred_host::{BuildError, Origin, Setting};

/// Configures a [`Client`]: timeouts, body cap, TLS material, retry policy, jitter seed, and
/// the Go client's `VAULT_*` variables ([`ClientBuilder::from_env`]). Start with
/// [`Client::builder`]. The TLS server name setting is refused ([`BuildError::Unsupported`]):
/// ureq cannot verify against another name than the URL's host.
///
/// ```
/// use std::time::Duration;
/// use vaultcred_ureq::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .timeout(Duration::from_secs(5))
///     .max_body_bytes(256 * 1024)
///     .retry(RetryPolicy::none())
///     .build()?;
/// # drop(client);
/// # Ok::<(), vaultcred_ureq::BuildError>(())
/// ```
pub type ClientBuilder = vaultcred_host::Builder<Client>;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};
use tracing::{debug, info, warn};
use transport::Transport;
use vaultcred_core::{Next, Operation, Outcome, Registry};
use vaultcred_host::{Connect, Setup};

/// A Vault credential client for threaded code: `Send + Sync`, and cheap to clone (clones share
/// the registry, the cache and the connection pool).
///
/// Each call blocks the calling thread; the registry lock is held only for the microseconds a
/// state-machine step takes, never across I/O or a sleep.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    registry: Mutex<Registry>,
    /// Signalled whenever an operation has handled a response or a file (a login may be done).
    changed: Condvar,
    transport: Transport,
    subscribers: Mutex<Vec<Sender<RotationEvent>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("registry", &*self.shared.lock())
            .finish_non_exhaustive()
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    /// A builder, to set timeouts, TLS roots, mTLS, or the retry policy.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the defaults: 30 s per HTTP call, 1 MiB body cap, web PKI roots, the
    /// default [`RetryPolicy`].
    ///
    /// # Panics
    ///
    /// Never in practice: the default setup always builds.
    pub fn new() -> Client {
        match Client::builder().build() {
            Ok(client) => client,
            Err(e) => panic!("the default vaultcred client failed to build: {e}"),
        }
    }

    /// Registers (or replaces) an org's Vault config. Replacing drops its token and cache.
    pub fn register(&self, org_id: &str, config: VaultConfig) -> Result<(), RegisterError> {
        let result = self.shared.lock().register(org_id, config);
        self.shared.changed.notify_all(); // waiters for the old config's login re-check
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
        self.shared.changed.notify_all();
        removed
    }

    /// Resolves credential `kind` for `org_id`: from the cache while fresh, else from Vault
    /// (logging in first if needed; threads needing the same org's login share one).
    ///
    /// ```no_run
    /// use vaultcred_ureq::{Client, Reason, SecretValue, VaultConfig};
    ///
    /// let client = Client::new();
    /// let config = VaultConfig::token("http://127.0.0.1:8200", "secret", "hvs.example")?;
    /// client.register("org_a", config)?;
    ///
    /// match client.resolve("org_a", "api-key") {
    ///     Ok(credential) => {
    ///         if let SecretValue::Value(value) = credential.value() {
    ///             let _bearer = format!("Bearer {}", value.expose());
    ///         }
    ///     }
    ///     Err(e) if e.reason == Reason::Missing => eprintln!("not stored yet: {}", e.message),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// (`tests/ureq_adapter.rs` in the workspace runs this against DevVault.)
    pub fn resolve(&self, org_id: &str, kind: &str) -> Result<Arc<Credential>, CredentialNotFound> {
        let (result, exchanges) = self
            .shared
            .drive(org_id, |reg, now| reg.start_resolve(org_id, kind, now));
        match &result {
            Ok(c) if exchanges > 0 => {
                info!(target: "vaultcred", org = org_id, kind, version = ?c.version(), "credential resolved");
            }
            Ok(_) => {
                debug!(target: "vaultcred", org = org_id, kind, "credential served from cache")
            }
            Err(e) => {
                warn!(target: "vaultcred", org = org_id, kind, reason = %e.reason, message = %e.message, "credential not resolved");
            }
        }
        result
    }

    /// Checks that Vault is reachable and the org's credentials are valid: a login (AppRole,
    /// Kubernetes) or a token lookup-self (token mode).
    pub fn health(&self, org_id: &str) -> HealthReport {
        let (report, _) = self
            .shared
            .drive(org_id, |reg, now| reg.start_health(org_id, now));
        debug!(target: "vaultcred", org = org_id, ok = report.ok, latency_ms = report.latency_ms, "health check");
        report
    }

    /// A receiver of every rotation (a kind's value or version changed on refresh) observed by
    /// this client, or its clones, after this call. Dropping the receiver unsubscribes.
    pub fn subscribe(&self) -> Receiver<RotationEvent> {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.subscribers).push(tx);
        rx
    }
}

impl Connect for Client {
    const CLIENT: &'static str = "vaultcred-ureq";
    const UNSUPPORTED: &'static [Setting] = &[Setting::TlsServerName];

    fn connect(setup: Setup) -> Result<Client, BuildError> {
        let transport = Transport::new(&setup)?;
        Ok(Client {
            shared: Arc::new(Shared {
                registry: Mutex::new(Registry::with_options(setup.registry_options())),
                changed: Condvar::new(),
                transport,
                subscribers: Mutex::new(Vec::new()),
            }),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Time left until `at` (zero if past).
fn until(at: SystemTime) -> Duration {
    at.duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}

/// Cancels an unfinished operation if its thread unwinds, so others need not wait for a login
/// it owned.
struct Running<'a, O: Outcome> {
    shared: &'a Shared,
    op: Operation<O>,
}

impl<O: Outcome> Drop for Running<'_, O> {
    fn drop(&mut self) {
        if !self.op.is_done() {
            self.shared.lock().cancel(&mut self.op);
            self.shared.changed.notify_all();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// The drive loop. Returns the outcome and the number of HTTP exchanges made.
    fn drive<O: Outcome>(
        &self,
        org_id: &str,
        start: impl FnOnce(&mut Registry, SystemTime) -> Operation<O>,
    ) -> (O, u32) {
        let op = start(&mut self.lock(), SystemTime::now());
        // Declared before the guard, so an unwinding thread releases the lock before `run`
        // takes it to cancel.
        let mut run = Running { shared: self, op };
        let mut registry = self.lock();
        let mut exchanges = 0;
        loop {
            match registry.poll(&mut run.op, SystemTime::now()) {
                Next::Http(request) => {
                    drop(registry);
                    exchanges += 1;
                    let response = self.transport.send(request);
                    registry = self.lock();
                    registry.on_response(&mut run.op, response, SystemTime::now());
                    self.changed.notify_all();
                }
                Next::ReadFile(path) => {
                    drop(registry);
                    let contents = std::fs::read(&path);
                    registry = self.lock();
                    registry.on_file(&mut run.op, contents, SystemTime::now());
                    self.changed.notify_all();
                }
                Next::Sleep(at) => {
                    drop(registry);
                    let wait = until(at);
                    debug!(target: "vaultcred", org = org_id, wait_ms = wait.as_millis(), "retry backoff");
                    std::thread::sleep(wait);
                    registry = self.lock();
                }
                Next::WaitForLogin(at) => {
                    let wait = until(at);
                    debug!(target: "vaultcred", org = org_id, max_wait_ms = wait.as_millis(), "waiting for another thread's login");
                    // Waiting on the guard taken for `poll` leaves no gap in which a
                    // notification could be missed.
                    registry = self
                        .changed
                        .wait_timeout(registry, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                Next::Done(outcome) => {
                    let events: Vec<RotationEvent> = registry.drain_events().collect();
                    // Taking the subscriber lock before releasing the registry keeps the events
                    // of concurrent operations in order.
                    let mut subscribers = (!events.is_empty()).then(|| lock(&self.subscribers));
                    drop(registry);
                    for e in &events {
                        info!(target: "vaultcred", org = %e.org_id, kind = %e.kind, old_version = ?e.old_version, new_version = ?e.new_version, "credential rotated");
                    }
                    if let Some(subscribers) = subscribers.as_mut() {
                        subscribers.retain(|tx| events.iter().all(|e| tx.send(e.clone()).is_ok()));
                    }
                    return (outcome, exchanges);
                }
            }
        }
    }
}
