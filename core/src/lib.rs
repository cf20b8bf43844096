//! # vaultcred-core
//!
//! The sans-IO core of vaultcred: it resolves per-organisation credentials from HashiCorp Vault
//! KV v2 (token, AppRole and Kubernetes auth) as a pure state machine. It holds every Vault rule —
//! paths, JSON envelopes, status codes, the refresh policy, retries, single-flight logins — and
//! performs no I/O at all.
//!
//! **It never calls `SystemTime::now()` or `Instant::now()`, opens no socket, reads no file,
//! spawns no thread and draws no random number.** The host hands in the time, the bytes of each
//! response, the contents of files the core asks for, and the jitter seed. That makes one core
//! serve a blocking service (`vaultcred-ureq`), an async service (`vaultcred-hyper`), a CLI, or a
//! constrained runtime, and makes every behaviour testable with a simulated clock.
//!
//! ## How a host drives it
//!
//! 1. Build a [`Registry`] and [`Registry::register`] each org's [`VaultConfig`].
//! 2. Start an operation: [`Registry::start_resolve`] or [`Registry::start_health`].
//! 3. Loop on [`Registry::poll`] and act on each [`Next`]:
//!    - [`Next::Http`]: send the request (never following redirects, with a timeout and a body
//!      cap), then call [`Registry::on_response`] with the response or a [`TransportError`];
//!    - [`Next::ReadFile`]: read the file (the Kubernetes JWT), then call [`Registry::on_file`];
//!    - [`Next::Sleep`]: wait until the given time (a retry backoff);
//!    - [`Next::WaitForLogin`]: another operation is logging in for this org — wait until an
//!      operation's response was handled, or until the given time;
//!    - [`Next::SharedLogin`]: only with shared logins ([`shared`]) — ask the replicas' store for
//!      the org's token, then call [`Registry::on_shared_login`];
//!    - [`Next::Done`]: the outcome. Polling again returns it again.
//! 4. Drain rotation events with [`Registry::drain_events`] whenever convenient.
//!
//! Operations are owned by the host and borrow the registry only during a step, so a
//! multi-threaded host keeps the registry behind a mutex and holds the lock for microseconds,
//! never across I/O. A fresh cached credential finishes an operation at once, without a request
//! and without a heap allocation; such a host can answer hits without the lock at all, from the
//! [`FreshIndex`] the registry keeps in step ([`Registry::fresh_index`]), as both adapters do.
//! If an operation is abandoned, [`Registry::cancel`] releases a login it was performing.
//!
//! ## State graph of one operation
//!
//! Boxes are the phases an operation waits in (each carries only the data valid there); arrows
//! are what a `poll`, or the answer the phase awaits, does. A resolve and a health check share
//! the graph; they differ in their first step, their requests and how they read the answers.
//!
//! ```text
//!  start_resolve ── fresh cache hit (or a denial remembered) ──────────────────────▶ Done
//!       ▼
//!  Ready(Begin) ─▶ acquire the org's token:
//!       ├── fresh ─────────────────────────────────────────────▶ send the request ─┐
//!       ├── another op is getting one ─▶ WaitLogin{flight} ─ token ─▶ (send) ───────┤
//!       │                                  └ its login failed ─────────────────▶ Done
//!       ├── renewable, past 80 % ─▶ AwaitRenew{flight, sent} ─ granted ─▶ (send)   │
//!       │                             └ refused / capped → login next              │
//!       ├── token mode, TTL unknown ─▶ AwaitLookup{flight, sent} ─▶ (send)          │
//!       └── login (own flight):                                                    │
//!            [shared logins] AwaitShared ─ adopt another replica's token ─▶ (send)  │
//!                                └ log in here ─▶ (the login below)                 │
//!            [wrapped secretId] AwaitWrapLookup ─ creation path ok ─▶ AwaitUnwrap   │
//!            [Kubernetes] AwaitJwt ─ file ─▶ Ready(SendLogin{jwt})                  │
//!            AwaitLogin{flight, jwt, sent} ─ token ─▶ Ready(Request) ─▶ (send)      │
//!                                                                                  ▼
//!  AwaitAnswer{used} ─ read ─▶ Done          ─ more checks (health) ─▶ Ready(Request)
//!        ├─ 403, token refused, first time ─▶ drop it, Ready(AcquireToken)
//!        └─ 429 / 412 / 5xx / connection error ─▶ Backoff{until, then} ─▶ resume
//! ```
//!
//! Every request is preceded by a deadline check (`timeout`); a failure of any other kind ends
//! the operation with its reason (a login's failure also ends the operations waiting for it); the
//! host polling out of order ends it with `host_misuse`.
//!
//! ## A complete drive loop
//!
//! Here against `vaultcred-fixtures`' replay transport, which answers from recorded Vault
//! exchanges; a real host sends the request over HTTP instead.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use vaultcred_core::{Next, Registry, SecretValue, VaultConfig};
//! use vaultcred_fixtures::Replay;
//!
//! let mut registry = Registry::new();
//! let config = VaultConfig::from_json(br#"{
//!     "addr": "https://vault.example.com:8200", "mount": "secret",
//!     "authMode": "approle", "roleId": "my-role-id", "secretId": "my-secret-id"
//! }"#)?;
//! registry.register("org_abc123", config)?;
//!
//! // The transport: a login, then the KV v2 read.
//! let mut transport = Replay::new()
//!     .fixture("approle_login_200")?
//!     .fixture("kv2_read_value_200")?;
//!
//! let mut clock = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
//! let mut op = registry.start_resolve("org_abc123", "anthropic-api-key", clock);
//! let credential = loop {
//!     match registry.poll(&mut op, clock) {
//!         Next::Http(request) => {
//!             let response = transport.send(request);
//!             clock += Duration::from_millis(3);
//!             registry.on_response(&mut op, response, clock);
//!         }
//!         Next::ReadFile(_) => unreachable!("only Kubernetes auth asks for a file (its JWT)"),
//!         Next::SharedLogin(_) => unreachable!("only with RegistryOptions::shared_logins"),
//!         Next::Sleep(until) | Next::WaitForLogin(until) => clock = clock.max(until),
//!         Next::Done(result) => break result?,
//!     }
//! };
//!
//! let SecretValue::Value(value) = credential.value() else { unreachable!() };
//! assert_eq!(value.expose(), "sk-ant-api03-EXAMPLE");
//! assert_eq!(credential.version(), Some(1));
//! // AppRole: refreshAt = loginTime + 0.8 × lease_duration (3600 s); the login time is when
//! // the login was sent.
//! let login_time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
//! assert_eq!(credential.refresh_at(), login_time + Duration::from_secs(2880));
//! assert!(transport.is_finished());
//!
//! // Before refreshAt the next resolve is answered from the cache, with no request.
//! let mut again = registry.start_resolve("org_abc123", "anthropic-api-key", clock);
//! assert!(matches!(registry.poll(&mut again, clock), Next::Done(Ok(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Security
//!
//! Tokens, secretIds, JWTs and secret values live in [`SecretString`] (redacted `Debug` and
//! `Display`, zeroed on drop). Every message is built from redacted text: server-provided text is
//! scrubbed of known secrets and of anything shaped like a token or JWT ([`Scrubber`]). orgId and
//! kind are validated single path segments, so no input can steer a read outside
//! `{mount}/data/{orgId}/`. Requests go only to the configured origin; redirects are reported,
//! never followed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod call;
pub mod config;
pub mod credential;
#[cfg(feature = "envelope")]
pub mod envelope;
pub mod error;
mod events;
pub mod fresh;
pub mod kv;
pub mod operation;
mod options;
pub mod path;
mod provider;
pub mod refresh;
pub mod registry;
pub mod retry;
pub mod scrub;
pub mod secret;
pub mod shared;
pub mod time;
pub mod watch;
pub mod wire;

pub use config::{AppRoleSecret, Auth, VaultConfig};
pub use credential::{Credential, HealthError, HealthReport, RotationEvent};
pub use error::{
    ConfigError, ConfigProblem, CredentialNotFound, Reason, RegisterError, SegmentError,
    TransportError, TransportErrorKind,
};
pub use events::{MAX_PENDING_EVENTS, MAX_PENDING_NOTICES, Notice};
pub use fresh::FreshIndex;
pub use kv::SecretValue;
pub use operation::{HealthOp, Next, Operation, Outcome, ResolveOp, ResolveResult};
pub use registry::{Registry, RegistryOptions};
pub use retry::RetryPolicy;
pub use scrub::Scrubber;
pub use secret::SecretString;
pub use shared::{ObtainedLogin, SharedAnswer, SharedToken};
pub use watch::{WatchEvent, Watcher};
