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
    /// org → the newest of its versions deleted while this service ran: never registered again
    /// (versions go on across a delete, so a new save is newer). One `i64` per deleted org.
    deleted: std::sync::Mutex<HashMap<String, i64>>,
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
            deleted: std::sync::Mutex::new(HashMap::new()),
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
                // Deleted (or never saved): whatever version a first use read before the
                // delete, the audit trail's newest is at least it.
                let gone = self.db.last_version(org_id).await?;
                self.forget(org_id, gone);
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
        // A first use that read the row before it was deleted here: the config is gone.
        let deleted = self.deleted.lock().unwrap_or_else(PoisonError::into_inner);
        if deleted.get(org_id).is_some_and(|&v| v >= version) {
            return Ok(());
        }
        drop(deleted);
        self.client
            .register(org_id, config)
            .map_err(|e| LiveError::Config(e.to_string()))?;
        registered.insert(org_id.to_owned(), version);
        Ok(())
    }

    /// Unregisters the org (revoking its login token). `deleted`: the version whose row was
    /// just deleted, if known; it (and the version registered here) can no longer be registered
    /// by a first use that read the row before the delete.
    pub(crate) fn forget(&self, org_id: &str, deleted: Option<i64>) {
        let mut registered = self
            .registered
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let was = registered.remove(org_id);
        if was.is_some() {
            self.client.unregister(org_id);
        }
        if let Some(gone) = was.max(deleted) {
            let mut deleted = self.deleted.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = deleted.entry(org_id.to_owned()).or_insert(gone);
            *entry = (*entry).max(gone);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Change;
    use crate::sealing::PlatformKey;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn change(action: &'static str) -> Change<'static> {
        Change {
            action,
            changes: "{}",
        }
    }

    /// A database with org_a's config saved (its version), and a `Live` over it.
    async fn saved(dir: &tempfile::TempDir) -> (Db, i64, Live) {
        let url = format!("sqlite:{}", dir.path().join("live.db").display());
        let db = Db::connect(&url).await.unwrap_or_else(|e| panic!("{e}"));
        let keys = Arc::new(Keyring::new(
            PlatformKey::from_base64(KEY).unwrap_or_else(|e| panic!("{e}")),
        ));
        let config = br#"{"addr":"https://vault.example.com","mount":"secret","authMode":"token","token":"hvs.x"}"#;
        let (envelope, key_id) = keys.seal("org_a", config).unwrap_or_else(|e| panic!("{e}"));
        let version = db
            .save_row("org_a", &envelope, &key_id, "k", None, &change("create"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let live = replica(&db, &keys);
        (db, version, live)
    }

    fn replica(db: &Db, keys: &Arc<Keyring>) -> Live {
        let client = Client::builder().build().unwrap_or_else(|e| panic!("{e}"));
        let options = RegistryOptions::default();
        Live::new(
            client,
            db.clone(),
            Arc::clone(keys),
            options,
            AddressPolicy::allow_all(),
        )
    }

    /// A first use reads the row, a delete on this replica lands, then the first use registers
    /// what it read: the deleted config must not come back.
    #[tokio::test]
    async fn a_first_use_racing_a_delete_here_does_not_register_the_deleted_config() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (db, saved, live) = saved(&dir).await;
        let read = live.load("org_a").await.unwrap_or_else(|e| panic!("{e}"));
        let (version, config) = read.unwrap_or_else(|| panic!("the row"));
        let deleted = db
            .delete_row("org_a", "k", None, &change("delete"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(deleted, Some(saved));
        live.forget("org_a", deleted);
        live.apply("org_a", version, config)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            live.registered("org_a"),
            None,
            "the deleted config came back"
        );
        assert!(!live.ensure("org_a").await.unwrap_or_else(|e| panic!("{e}")));
    }

    /// The same on another replica: the delete reaches it as a reload (its notification)
    /// before the first use registers what it read.
    #[tokio::test]
    async fn a_first_use_racing_a_delete_elsewhere_does_not_register_the_deleted_config() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (db, _, other) = saved(&dir).await;
        let read = other.load("org_a").await.unwrap_or_else(|e| panic!("{e}"));
        let (version, config) = read.unwrap_or_else(|| panic!("the row"));
        db.delete_row("org_a", "k", None, &change("delete"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !other
                .reload("org_a")
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        );
        other
            .apply("org_a", version, config)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            other.registered("org_a"),
            None,
            "the deleted config came back"
        );
    }
}
