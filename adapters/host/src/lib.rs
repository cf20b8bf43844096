//! # vaultcred-host
//!
//! What the vaultcred adapters share: the transport options of a client (timeout, body cap,
//! CA bundle or directory, mTLS client certificate, the TLS verification switch and server
//! name, retry policy, jitter seed, the [`AddressPolicy`]), read from builder calls and from the Go Vault client's
//! environment variables, checked once, with one [`BuildError`].
//!
//! An adapter (`vaultcred-ureq`, `vaultcred-hyper`) implements [`Connect`] for its client and
//! names `Builder<Client>` its `ClientBuilder`; it keeps its own drive loop and transport.
//!
//! ```
//! use std::time::Duration;
//! use vaultcred_host::{BuildError, Builder, Connect, Setting, Setup};
//!
//! /// A toy adapter: a real one builds its HTTP client from the setup.
//! #[derive(Debug)]
//! struct Client {
//!     timeout: Duration,
//! }
//!
//! impl Connect for Client {
//!     const CLIENT: &'static str = "toy";
//!     const UNSUPPORTED: &'static [Setting] = &[Setting::TlsServerName];
//!     fn connect(setup: Setup) -> Result<Self, BuildError> {
//!         Ok(Client { timeout: setup.timeout })
//!     }
//! }
//!
//! let client = Builder::<Client>::default().timeout(Duration::from_secs(5)).build()?;
//! assert_eq!(client.timeout, Duration::from_secs(5));
//!
//! // A setting the adapter cannot apply is refused, never ignored.
//! let err = Builder::<Client>::default().tls_server_name("vault.internal").build().unwrap_err();
//! assert!(matches!(err, BuildError::Unsupported { setting: Setting::TlsServerName, client: "toy", .. }));
//! # Ok::<(), BuildError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod builder;
mod client;
mod env;
mod error;
mod io_kind;
mod jwt;
pub mod observe;
mod pem;
mod setup;

pub use address::{AddressNotAllowed, AddressPolicy, Cidr, InvalidCidr, literal_ip};
pub use builder::{Builder, DEFAULT_TIMEOUT, default_seed};
pub use client::{Shared, cancel, change, finished};
pub use env::{TRANSPORT_VARIABLES, parse_bool, parse_duration, parse_retries};
pub use error::{BuildError, Origin, Setting};
pub use io_kind::{chain, describe, io_kind, is_tls, timed_out};
pub use jwt::{MAX_JWT_BYTES, read_jwt};
pub use setup::{ClientAuth, Setup, Tls};
pub use vaultcred_core::RetryPolicy;

/// The core, for the paths [`client_basics!`] expands to.
#[doc(hidden)]
pub use vaultcred_core as core;

/// The options alone, with no client to build: check them with [`Builder::setup`].
pub type Options = Builder<()>;

/// A client an adapter builds from checked [`Setup`].
pub trait Connect: Sized {
    /// The adapter's name, for [`BuildError::Unsupported`] (e.g. `vaultcred-ureq`).
    const CLIENT: &'static str;
    /// Settings its TLS stack cannot apply: [`Builder::build`] refuses them.
    const UNSUPPORTED: &'static [Setting] = &[];
    /// Builds the client.
    fn connect(setup: Setup) -> Result<Self, BuildError>;
}
