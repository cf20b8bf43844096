//! Counting the Vault calls the live client makes, from its log events: a `tracing` layer the
//! host adds to its subscriber ([`Service::tracing_layer`](crate::Service::tracing_layer)), so
//! `vaultcred_vault_calls_total` counts logins, renewals and reads.

use crate::metrics::Metrics;
use std::fmt;
use std::sync::Arc;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer};

/// The `tracing` layer that feeds the Vault-call metrics. It reads only the events the
/// vaultcred clients log for each HTTP exchange (target `vaultcred`), and only their message
/// and path; it prints nothing.
///
/// ```
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use tracing_subscriber::prelude::*;
/// use vaultcred_server::{Db, Keyring, PlatformKey, Service, Settings};
/// let dir = tempfile::tempdir()?;
/// let db = Db::connect(&format!("sqlite:{}", dir.path().join("v.db").display())).await?;
/// let key = PlatformKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// let service = Service::new(db, Keyring::new(key), Settings::default())?;
/// let subscriber = tracing_subscriber::registry().with(service.tracing_layer());
/// let _guard = tracing::subscriber::set_default(subscriber);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct VaultCallLayer {
    metrics: Arc<Metrics>,
}

impl fmt::Debug for VaultCallLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultCallLayer")
    }
}

impl VaultCallLayer {
    pub(crate) fn new(metrics: Arc<Metrics>) -> VaultCallLayer {
        VaultCallLayer { metrics }
    }
}

#[derive(Default)]
struct Exchange {
    message: String,
    path: String,
}

impl Visit for Exchange {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "path" {
            value.clone_into(&mut self.path);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for VaultCallLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "vaultcred" {
            return;
        }
        let mut exchange = Exchange::default();
        event.record(&mut exchange);
        match exchange.message.as_str() {
            "vault http exchange" => self.metrics.vault_call(&exchange.path, true),
            "vault http exchange failed" => self.metrics.vault_call(&exchange.path, false),
            _ => {}
        }
    }
}
