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
//! `info`, failed resolves at `warn`. A proxy is used only when chosen with
//! `ClientBuilder::proxy`: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are never read, so a token
//! never reaches a proxy the user did not choose.
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
/// ureq cannot verify against another name than the URL's host. So is an address policy other
/// than allow-all: this adapter does not check the addresses it connects to (the async one,
/// `vaultcred-hyper`, does).
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
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::SystemTime;
use transport::Transport;
use vaultcred_core::{FreshIndex, Next, Operation, Outcome, Registry};
use vaultcred_host::{Connect, Setup, Shared as _, observe};

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
    /// The registry's fresh-credential index: cache hits are answered from it without the
    /// registry lock, so callers resolving different orgs never wait for each other.
    fresh: Arc<FreshIndex>,
    /// Signalled whenever an operation has handled a response or a file (a login may be done).
    changed: Condvar,
    transport: Transport,
    subscribers: Mutex<Vec<Sender<RotationEvent>>>,
}

vaultcred_host::client_basics!(vaultcred_ureq);

impl Client {
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
        if let Some(hit) = self.shared.fresh.get(org_id, kind, SystemTime::now()) {
            let result = Ok(hit);
            observe::resolved(org_id, kind, &result, 0);
            return result;
        }
        let start = |reg: &mut Registry, now| reg.start_resolve(org_id, kind, now);
        let (result, exchanges) = self.shared.drive(start);
        observe::resolved(org_id, kind, &result, exchanges);
        result
    }

    /// A test resolve of the org (see [`HealthReport`]): the org's token the way a resolve gets
    /// it (no extra login while a token is valid), then the mount and read-permission checks.
    pub fn health(&self, org_id: &str) -> HealthReport {
        let (report, _) = self.shared.drive(|reg, now| reg.start_health(org_id, now));
        observe::health(org_id, &report);
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
    const UNSUPPORTED: &'static [Setting] = &[Setting::TlsServerName, Setting::AddressPolicy];
    fn connect(setup: Setup) -> Result<Client, BuildError> {
        let transport = Transport::new(&setup)?;
        let registry = Registry::with_options(setup.registry_options());
        Ok(Client {
            shared: Arc::new(Shared {
                fresh: registry.fresh_index(),
                registry: Mutex::new(registry),
                changed: Condvar::new(),
                transport,
                subscribers: Mutex::new(Vec::new()),
            }),
        })
    }
}

impl vaultcred_host::Shared for Shared {
    fn registry_mutex(&self) -> &Mutex<Registry> {
        &self.registry
    }
    fn wake(&self) {
        self.changed.notify_all();
    }
    fn send_and_forget(&self, requests: Vec<http::Request<Vec<u8>>>) {
        let transport = self.transport.clone();
        std::thread::spawn(move || {
            for request in requests {
                observe::revoked(&transport.send(request, transport.timeout));
            }
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An operation in progress: cancelled (releasing a login it performs) if the thread unwinds.
struct Running<'a, O: Outcome> {
    shared: &'a Shared,
    op: Operation<O>,
}

impl<O: Outcome> Drop for Running<'_, O> {
    fn drop(&mut self) {
        vaultcred_host::cancel(self.shared, &mut self.op);
    }
}

impl Shared {
    /// Drives an operation to its outcome; also returns how many HTTP exchanges it made.
    fn drive<O: Outcome>(
        &self,
        start: impl FnOnce(&mut Registry, SystemTime) -> Operation<O>,
    ) -> (O, u32) {
        let op = start(&mut self.registry(), SystemTime::now());
        let mut run = Running { shared: self, op };
        let mut registry = self.registry();
        let mut exchanges = 0;
        loop {
            match registry.poll(&mut run.op, SystemTime::now()) {
                Next::Http(request) => {
                    drop(registry);
                    exchanges += 1;
                    let budget = observe::budget(self.transport.timeout, run.op.deadline());
                    let response = self.transport.send(request, budget);
                    registry = self.registry();
                    registry.on_response(&mut run.op, response, SystemTime::now());
                    self.changed.notify_all();
                }
                Next::ReadFile(path) => {
                    drop(registry);
                    let contents = vaultcred_host::read_jwt(&path);
                    registry = self.registry();
                    registry.on_file(&mut run.op, contents, SystemTime::now());
                    self.changed.notify_all();
                }
                // This client never turns shared logins on; logging in is always safe.
                Next::SharedLogin(_) => {
                    let answer = vaultcred_core::SharedAnswer::LogIn;
                    registry.on_shared_login(&mut run.op, answer, SystemTime::now());
                }
                Next::Sleep(at) => {
                    drop(registry);
                    std::thread::sleep(observe::backoff(at));
                    registry = self.registry();
                }
                Next::WaitForLogin(at) => {
                    registry = self
                        .changed
                        .wait_timeout(registry, observe::waiting(at))
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                Next::Done(outcome) => {
                    let events = vaultcred_host::finished(&mut registry);
                    drop(registry);
                    if !events.is_empty() {
                        let mut subscribers = lock(&self.subscribers);
                        subscribers.retain(|tx| events.iter().all(|e| tx.send(e.clone()).is_ok()));
                    }
                    return (outcome, exchanges);
                }
            }
        }
    }
}
