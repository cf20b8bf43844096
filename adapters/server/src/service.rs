//! [`Service`]: the database, the keys and one live client, served over HTTP.

use crate::api::{self, State};
use crate::db::Db;
use crate::live::Live;
use crate::sealing::Keyring;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use vaultcred_core::RegistryOptions;
use vaultcred_host::{AddressPolicy, InvalidCidr};
use vaultcred_hyper::{BuildError, Client};

/// The operator's settings (never a tenant's).
///
/// By default a tenant's `addr` may reach only public addresses: loopback, private, link-local
/// (169.254.169.254), CGNAT and the other special ranges are refused, checked on the addresses
/// actually connected to, unless allowed with [`Settings::allow_addr`].
///
/// ```
/// use vaultcred_server::Settings;
/// let settings = Settings::default()
///     .allow_jwt_path("/var/run/secrets/vault/")
///     .allow_addr("10.20.0.0/16")?; // the platform's own Vault cluster
/// assert_eq!(settings.timeout, std::time::Duration::from_secs(30));
/// assert!(settings.address_policy.permits("10.20.1.5".parse()?));
/// assert!(!settings.address_policy.permits("169.254.169.254".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// The JWT files a Kubernetes config may name (default: the kubelet's ServiceAccount token).
    pub allowed_jwt_paths: Vec<String>,
    /// Time allowed for one HTTP call to Vault.
    pub timeout: Duration,
    /// Which addresses a tenant's `addr` may reach (default: public ones only).
    pub address_policy: AddressPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allowed_jwt_paths: RegistryOptions::default().allowed_jwt_paths,
            timeout: vaultcred_host::DEFAULT_TIMEOUT,
            address_policy: AddressPolicy::public_only(),
        }
    }
}

impl Settings {
    /// Also lets configs reach `cidr` (e.g. `10.20.0.0/16`, `127.0.0.1/32`).
    pub fn allow_addr(mut self, cidr: &str) -> Result<Settings, InvalidCidr> {
        self.address_policy = self.address_policy.allow(cidr)?;
        Ok(self)
    }

    /// Also allows `path` as a config's `jwtPath` (a directory if it ends in `/`).
    pub fn allow_jwt_path(mut self, path: impl Into<String>) -> Settings {
        self.allowed_jwt_paths.push(path.into());
        self
    }

    fn client(&self) -> Result<Client, BuildError> {
        self.allowed_jwt_paths
            .iter()
            .fold(
                Client::builder()
                    .timeout(self.timeout)
                    .address_policy(self.address_policy.clone()),
                |b, p| b.allow_jwt_path(p.clone()),
            )
            .build()
    }

    /// The registry options: exactly the operator's JWT paths (the default one is already in
    /// [`Settings::allowed_jwt_paths`] unless the operator took it out).
    fn options(&self) -> RegistryOptions {
        RegistryOptions {
            allowed_jwt_paths: self.allowed_jwt_paths.clone(),
            ..RegistryOptions::default()
        }
    }
}

/// The credential backend service.
#[derive(Clone)]
pub struct Service {
    state: Arc<State>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("backend", &self.state.db.backend())
            .field("orgs_registered", &self.state.live.len())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service over `db`, sealing with `keys`. Registers no org yet: each is registered on
    /// first use, so startup does not depend on the number of configured orgs. Call inside a
    /// tokio runtime.
    pub fn new(db: Db, keys: Keyring, settings: Settings) -> Result<Service, BuildError> {
        let keys = Arc::new(keys);
        let client = settings.client()?;
        let live = Live::new(
            client,
            db.clone(),
            Arc::clone(&keys),
            settings.options(),
            settings.address_policy.clone(),
        );
        // Replicas on PostgreSQL share their logins through the `logins` table.
        let logins = (db.backend() == crate::Backend::Postgres).then(|| {
            let shared = Arc::new(crate::logins::SharedLogins::new(
                db.clone(),
                Arc::clone(&keys),
                live.versions(),
                settings.timeout,
            ));
            live.client
                .share_logins(Arc::new(crate::logins::Broker(Arc::clone(&shared))));
            shared
        });
        let hub = Arc::new(crate::events::Hub::default());
        let bus = Arc::new(crate::bus::Bus::new(db.clone(), hub));
        let metrics = Arc::new(crate::metrics::Metrics::default());
        forward_rotations(&live.client, Arc::clone(&bus), Arc::clone(&metrics));
        let stop = Arc::new(tokio::sync::Notify::new());
        let make_client = Box::new(move || settings.client());
        let state = Arc::new(State {
            db,
            keys,
            live,
            auth: api::auth::AuthCache::default(),
            limiter: api::health::Limiter::default(),
            bus,
            metrics,
            stop,
            make_client,
            logins,
        });
        // Replicas on PostgreSQL hear each other's config changes and events.
        if let Some(url) = state.db.postgres_url() {
            let stop = Arc::clone(&state.stop);
            crate::replicas::spawn(url.to_owned(), Arc::downgrade(&state), stop);
        }
        Ok(Service { state })
    }

    /// The `tracing` layer that counts the live client's Vault calls (logins, renewals,
    /// reads) for `/metrics`: add it to the process's subscriber.
    pub fn tracing_layer(&self) -> crate::VaultCallLayer {
        crate::VaultCallLayer::new(Arc::clone(&self.state.metrics))
    }

    /// The API as an axum router (to serve, or to nest in a larger app).
    pub fn router(&self) -> axum::Router {
        api::router(Arc::clone(&self.state))
    }

    /// Serves the API on `listener` until `shutdown` completes, then drains requests in flight
    /// and closes the database.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.state.stop.notify_one();
        self.state.live.client.shutdown();
        self.state.db.close().await;
        Ok(())
    }
}

/// Publishes every rotation the live client detects as a `rotated` event, until the client is
/// gone.
fn forward_rotations(
    client: &Client,
    bus: Arc<crate::bus::Bus>,
    metrics: Arc<crate::metrics::Metrics>,
) {
    use tokio::sync::broadcast::error::RecvError;
    let mut rotations = client.subscribe();
    tokio::spawn(async move {
        loop {
            match rotations.recv().await {
                Ok(rotation) => {
                    metrics.rotations.inc();
                    bus.rotated(&rotation).await;
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "rotation events lagged; subscribers get a resync");
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
}
