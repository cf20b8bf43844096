//! The client methods every adapter has, written once: construction, `Debug`, registration
//! (which wakes waiting operations, logs the core's notices and sends the revocations the core
//! queued), `invalidate` and `shutdown`. An adapter implements [`Shared`] for its shared state
//! and calls [`client_basics!`](crate::client_basics) for its `Client`.

use crate::observe;
use http::Request;
use std::sync::{Mutex, MutexGuard, PoisonError};
use vaultcred_core::{Notice, Registry, RotationEvent};

/// What an adapter's shared state gives the common client methods.
pub trait Shared: Send + Sync + 'static {
    /// The registry's mutex.
    fn registry_mutex(&self) -> &Mutex<Registry>;
    /// Wakes operations waiting for another's login: the registry changed.
    fn wake(&self);
    /// Sends each request once, best effort, off the caller's path, ignoring the answers (the
    /// `revoke-self` of dropped login tokens).
    fn send_and_forget(&self, requests: Vec<Request<Vec<u8>>>);

    /// The registry, locked (a poisoned lock is taken over: the registry stays consistent
    /// between steps).
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry_mutex()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Applies a change to the registry, then wakes waiting operations, logs the core's notices and
/// sends the revocations it queued.
pub fn change<S: Shared, T>(shared: &S, f: impl FnOnce(&mut Registry) -> T) -> T {
    let (out, revocations, notices) = {
        let mut registry = shared.registry();
        let out = f(&mut registry);
        let notices: Vec<Notice> = registry.drain_notices().collect();
        (out, registry.take_revocations(), notices)
    };
    shared.wake();
    notices.iter().for_each(observe::notice);
    if !revocations.is_empty() {
        shared.send_and_forget(revocations);
    }
    out
}

/// Abandons an unfinished operation (its future was dropped, its thread unwinds): the core
/// releases a login it was doing, and waiting operations are woken to take over.
pub fn cancel<S: Shared, O: vaultcred_core::Outcome>(
    shared: &S,
    op: &mut vaultcred_core::Operation<O>,
) {
    if !op.is_done() {
        shared.registry().cancel(op);
        shared.wake();
        observe::cancelled();
    }
}

/// What an operation leaves to hand out when it ends: rotation events (logged here) and the
/// core's notices (logged here).
pub fn finished(registry: &mut Registry) -> Vec<RotationEvent> {
    registry.drain_notices().for_each(|n| observe::notice(&n));
    let events: Vec<RotationEvent> = registry.drain_events().collect();
    events.iter().for_each(observe::rotation);
    events
}

/// Implements, for an adapter's `Client` (a struct with a `shared: Arc<S>` field, `S:`
/// [`Shared`], and `ClientBuilder = Builder<Client>`): `Debug`, `Default`, `builder`, `new`,
/// `register`, `unregister`, `invalidate` and `shutdown`. `$krate` is the adapter crate's name,
/// for the doc examples.
#[macro_export]
macro_rules! client_basics {
    ($krate:ident) => {
        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let orgs = $crate::Shared::registry(&*self.shared).len();
                f.debug_struct("Client")
                    .field("orgs", &orgs)
                    .finish_non_exhaustive()
            }
        }

        impl ::std::default::Default for Client {
            fn default() -> Self {
                Client::new()
            }
        }

        impl Client {
            /// A builder for a client with non-default transport options (or
            /// [`ClientBuilder::from_env`] for Vault's `VAULT_*` variables).
            pub fn builder() -> ClientBuilder {
                ClientBuilder::default()
            }

            /// A client with the default options: 30 s per call, 1 MiB bodies, the web PKI
            /// roots, the default retry policy and a random jitter seed.
            ///
            /// # Panics
            /// Never with the defaults (they need no file and no setting the adapter lacks).
            pub fn new() -> Client {
                match Client::builder().build() {
                    Ok(client) => client,
                    Err(e) => panic!("the default vaultcred client failed to build: {e}"),
                }
            }

            /// Registers (or replaces) an org's config. Replacing drops the org's cached
            /// credentials and revokes its login token (best effort, off this call's path);
            /// operations in progress for it start over against the new config.
            ///
            #[doc = concat!("```\nlet client = ", stringify!($krate), "::Client::new();")]
            #[doc = concat!("let config = ", stringify!($krate), "::VaultConfig::token(\"http://127.0.0.1:8200\", \"secret\", \"hvs.EXAMPLE\")?;")]
            /// client.register("org_abc123", config)?;
            /// assert!(client.unregister("org_abc123"));
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn register(
                &self,
                org_id: &str,
                config: $crate::core::VaultConfig,
            ) -> ::std::result::Result<(), $crate::core::RegisterError> {
                $crate::change(&*self.shared, |r| r.register(org_id, config))
            }

            /// Removes an org, revoking its login token (best effort). Returns whether it was
            /// registered.
            pub fn unregister(&self, org_id: &str) -> bool {
                $crate::change(&*self.shared, |r| r.unregister(org_id))
            }

            /// Drops the cached credential of `kind` for `org_id`: the next resolve reads
            /// Vault (the org's token is kept). Returns whether one was cached.
            pub fn invalidate(&self, org_id: &str, kind: &str) -> bool {
                $crate::change(&*self.shared, |r| r.invalidate(org_id, kind))
            }

            /// For a host shutting down: revokes every org's login token (best effort; orgs
            /// stay registered and would log in again). Tokens of token mode are the
            /// operator's and are never revoked.
            pub fn shutdown(&self) {
                $crate::change(&*self.shared, |r| r.shutdown())
            }
        }
    };
}
