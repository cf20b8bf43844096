//! The live side: one async vaultcred client serving every org, and which stored config version
//! each org has in it. Orgs are registered lazily (on first use) from their sealed row, so a
//! service with 10,000 configured orgs starts at once.

use crate::db::Db;
use crate::sealing::{Keyring, OpenError};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use vaultcred_core::{RegistryOptions, VaultConfig};
use vaultcred_host::AddressPolicy;
use vaultcred_hyper::Client;

/// Why an org's stored config could not be put to use.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The database failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The row does not open with this service's keys.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The stored config is no longer acceptable (e.g. its jwtPath is no longer allowed).
    #[error("the stored config cannot be used: {0}")]
    Config(String),
}

/// The client and the versions registered in it.
pub(crate) struct Live {
    pub(crate) client: Client,
    db: Db,
    keys: Arc<Keyring>,
    pub(crate) options: RegistryOptions,
    /// Which addresses a config's `addr` may reach (checked again at connect time).
    pub(crate) addresses: AddressPolicy,
    /// org → the stored version registered in `client` (shared with the login broker, which
    /// keys shared tokens by it).
    registered: crate::logins::Versions,
}

impl Live {
    pub(crate) fn new(
        client: Client,
        db: Db,
        keys: Arc<Keyring>,
        options: RegistryOptions,
        addresses: AddressPolicy,
    ) -> Live {
        Live {
            client,
            db,
            keys,
            options,
            addresses,
            registered: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    /// The versions registered here, shared.
    pub(crate) fn versions(&self) -> crate::logins::Versions {
        Arc::clone(&self.registered)
    }

    /// The version of `org_id` registered here, if any.
    pub(crate) fn registered(&self, org_id: &str) -> Option<i64> {
        self.registered
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(org_id)
            .copied()
    }

    /// Makes sure the org's stored config is registered; `false` if it has none.
    pub(crate) async fn ensure(&self, org_id: &str) -> Result<bool, LiveError> {
        if self.registered(org_id).is_some() {
            return Ok(true);
        }
        self.reload(org_id).await
    }

    /// Reads the org's row and registers it (or unregisters the org if the row is gone);
    /// whether it is configured now.
    pub(crate) async fn reload(&self, org_id: &str) -> Result<bool, LiveError> {
        match self.load(org_id).await? {
            Some((version, config)) => {
                self.apply(org_id, version, config)?;
                Ok(true)
            }
            None => {
                self.forget(org_id);
                Ok(false)
            }
        }
    }

    /// The org's stored config and its version, opened.
    pub(crate) async fn load(&self, org_id: &str) -> Result<Option<(i64, VaultConfig)>, LiveError> {
        let Some(row) = self.db.load_row(org_id).await? else {
            return Ok(None);
        };
        let plain = self.keys.open(org_id, &row.envelope, &row.key_id)?;
        let config =
            VaultConfig::from_json(&plain).map_err(|e| LiveError::Config(e.to_string()))?;
        Ok(Some((row.version, config)))
    }

    /// Registers `config` as version `version` of the org, unless a newer one is registered.
    pub(crate) fn apply(
        &self,
        org_id: &str,
        version: i64,
        config: VaultConfig,
    ) -> Result<(), LiveError> {
        let mut registered = self
            .registered
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if registered.get(org_id).is_some_and(|&v| v >= version) {
            return Ok(());
        }
        self.client
            .register(org_id, config)
            .map_err(|e| LiveError::Config(e.to_string()))?;
        registered.insert(org_id.to_owned(), version);
        Ok(())
    }

    /// Unregisters the org (revoking its login token).
    pub(crate) fn forget(&self, org_id: &str) {
        let mut registered = self
            .registered
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if registered.remove(org_id).is_some() {
            self.client.unregister(org_id);
        }
    }

    /// The orgs registered here.
    pub(crate) fn orgs(&self) -> Vec<String> {
        let registered = self
            .registered
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        registered.keys().cloned().collect()
    }

    /// Number of orgs registered here.
    pub(crate) fn len(&self) -> usize {
        self.registered
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
