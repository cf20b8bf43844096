//! Re-sealing every config row under a new platform key, while services keep serving: a row is
//! re-sealed only at the version it was read at, and read again if it changed meanwhile.

use crate::db::Db;
use crate::sealing::{Keyring, NoRandomness, OpenError};

/// What a rekey did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RekeyReport {
    /// Rows re-sealed with the new key.
    pub resealed: usize,
    /// Rows already sealed with it.
    pub already: usize,
    /// Rows that changed while being re-sealed, and were read again.
    pub retried: usize,
}

/// Why a rekey stopped. Rows re-sealed before it stay re-sealed (each is a whole row).
#[derive(Debug, thiserror::Error)]
pub enum RekeyError {
    /// The database failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A row does not open with the keys given.
    #[error("org {org_id}: {source}")]
    Open {
        /// The org whose row does not open.
        org_id: String,
        /// Why.
        source: OpenError,
    },
    /// No randomness for a nonce.
    #[error(transparent)]
    Random(#[from] NoRandomness),
    /// A row kept changing (more than 5 tries).
    #[error("org {0}: the row kept changing; run rekey again")]
    Busy(String),
}

/// Re-seals every row of `db` with `keys`' current key (the rows must open with one of its
/// keys: give the old key with [`Keyring::with_old`]).
///
/// ```
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// use vaultcred_server::{Db, Keyring, PlatformKey, rekey};
/// let dir = tempfile::tempdir()?;
/// let db = Db::connect(&format!("sqlite:{}", dir.path().join("v.db").display())).await?;
/// let new = PlatformKey::from_base64("HxwdHh8QERITFBUWFxgZGhscHR4fAAECAwQFBgcICQo=")?;
/// let old = PlatformKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// let report = rekey(&db, &Keyring::new(new).with_old(old)).await?;
/// assert_eq!(report.resealed, 0); // an empty database
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn rekey(db: &Db, keys: &Keyring) -> Result<RekeyReport, RekeyError> {
    let mut report = RekeyReport::default();
    for first in db.all_rows().await? {
        let mut row = Some(first);
        let mut tries = 0;
        while let Some(current) = row.take() {
            if current.key_id == keys.current_id() {
                report.already += 1;
                break;
            }
            tries += 1;
            if tries > 5 {
                return Err(RekeyError::Busy(current.org_id));
            }
            let plain = keys
                .open(&current.org_id, &current.envelope, &current.key_id)
                .map_err(|source| RekeyError::Open {
                    org_id: current.org_id.clone(),
                    source,
                })?;
            let (envelope, key_id) = keys.seal(&current.org_id, &plain)?;
            if db
                .reseal_row(&current.org_id, current.version, &envelope, &key_id)
                .await?
            {
                report.resealed += 1;
            } else {
                report.retried += 1;
                row = db.load_row(&current.org_id).await?;
            }
        }
    }
    // Shared login tokens are not re-sealed: those sealed with another key are dropped, and
    // the replicas log in again when they next need one.
    sqlx::query("DELETE FROM logins WHERE key_id <> $1")
        .bind(keys.current_id())
        .execute(db.pool())
        .await
        .map_err(RekeyError::from)?;
    Ok(report)
}
