//! The `credentials` table: one sealed Vault config per org, versioned, changed only by
//! compare-and-set so two writers (two admins, two replicas) never lose each other's change.

use crate::db::Db;
use crate::now_ms;
use sqlx::Row as _;

/// An org's stored config row (still sealed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The org.
    pub org_id: String,
    /// The sealed config (an envelope, see `vaultcred_core::envelope`).
    pub envelope: String,
    /// The id of the platform key that sealed it.
    pub key_id: String,
    /// Starts at 1, one more at each change, and goes on after a delete and a new save.
    pub version: i64,
    /// When the org first saved a config (ms since the epoch).
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// Which API key last changed it.
    pub updated_by: String,
}

/// What a save or delete could not do.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The row is not at the version the writer expected (`If-Match`), or appeared or went
    /// away meanwhile.
    #[error("the config changed meanwhile (now at version {current:?})")]
    Conflict {
        /// The version now stored, if any.
        current: Option<i64>,
    },
    /// The database failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

/// One change to record in the audit trail with the write, in the same transaction.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    /// `create`, `update` or `delete`.
    pub action: &'a str,
    /// What changed, as JSON text (secrets only as "changed").
    pub changes: &'a str,
}

fn row_of(row: &sqlx::any::AnyRow) -> Result<Row, sqlx::Error> {
    Ok(Row {
        org_id: row.try_get("org_id")?,
        envelope: row.try_get("envelope")?,
        key_id: row.try_get("key_id")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

/// The PostgreSQL channel of config changes: `{"org","replica"}`.
pub(crate) const CONFIG_CHANNEL: &str = "vaultcred_config";

const COLUMNS: &str = "org_id, envelope, key_id, version, created_at, updated_at, updated_by";

impl Db {
    /// The org's row, if it has one.
    pub async fn load_row(&self, org_id: &str) -> Result<Option<Row>, sqlx::Error> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM credentials WHERE org_id = $1"
        ))
        .bind(org_id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(row_of)
        .transpose()
    }

    /// Every row (sealed), for a rekey.
    pub async fn all_rows(&self) -> Result<Vec<Row>, sqlx::Error> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM credentials ORDER BY org_id"
        ))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(row_of)
        .collect()
    }

    /// Stores `envelope` as the org's config, creating the row (when `current` is `None`) or
    /// replacing version `current`, and records `change` in the audit trail in the same
    /// transaction. Returns the new version.
    pub async fn save_row(
        &self,
        org_id: &str,
        envelope: &str,
        key_id: &str,
        actor: &str,
        current: Option<i64>,
        change: &Change<'_>,
    ) -> Result<i64, WriteError> {
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        let version = match current {
            None => {
                // Versions go on across a delete (the audit trail remembers the last), so an
                // If-Match from before the delete can never match the new config.
                let last = last_version(&mut *tx, org_id).await?;
                let first = last.unwrap_or(0) + 1;
                let inserted = sqlx::query(
                    "INSERT INTO credentials (org_id, provider_type, envelope, key_id, version, \
                     created_at, updated_at, updated_by) VALUES ($1, 'vault', $2, $3, $4, $5, $6, $7)",
                )
                .bind(org_id)
                .bind(envelope)
                .bind(key_id)
                .bind(first)
                .bind(now)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => first,
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        drop(tx);
                        return Err(self.conflict(org_id).await);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Some(version) => {
                let updated = sqlx::query(
                    "UPDATE credentials SET envelope = $1, key_id = $2, version = $3, \
                     updated_at = $4, updated_by = $5 WHERE org_id = $6 AND version = $7",
                )
                .bind(envelope)
                .bind(key_id)
                .bind(version + 1)
                .bind(now)
                .bind(actor)
                .bind(org_id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    drop(tx);
                    return Err(self.conflict(org_id).await);
                }
                version + 1
            }
        };
        record(&mut tx, org_id, now, actor, change, Some(version)).await?;
        forget_login(&mut tx, org_id).await?;
        self.notify_change(&mut tx, org_id).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Re-seals the row at `version` with another key (a rekey): the config, its version and
    /// its audit trail are unchanged. Whether the row was still at `version`.
    pub async fn reseal_row(
        &self,
        org_id: &str,
        version: i64,
        envelope: &str,
        key_id: &str,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE credentials SET envelope = $1, key_id = $2 WHERE org_id = $3 AND version = $4",
        )
        .bind(envelope)
        .bind(key_id)
        .bind(org_id)
        .bind(version)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the org's row if it is at `current` (any version when `None`), recording
    /// `change`. The version deleted, if a row was.
    pub async fn delete_row(
        &self,
        org_id: &str,
        actor: &str,
        current: Option<i64>,
        change: &Change<'_>,
    ) -> Result<Option<i64>, WriteError> {
        let mut tx = self.pool().begin().await?;
        let deleted: Option<i64> = sqlx::query_scalar(
            "DELETE FROM credentials WHERE org_id = $1 AND ($2 = 0 OR version = $3) \
             RETURNING version",
        )
        .bind(org_id)
        .bind(i64::from(current.is_some()))
        .bind(current.unwrap_or(0))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(version) = deleted else {
            drop(tx);
            return match (current, self.load_row(org_id).await?) {
                (_, None) => Ok(None),
                (_, Some(row)) => Err(WriteError::Conflict {
                    current: Some(row.version),
                }),
            };
        };
        record(&mut tx, org_id, now_ms(), actor, change, None).await?;
        forget_login(&mut tx, org_id).await?;
        self.notify_change(&mut tx, org_id).await?;
        tx.commit().await?;
        Ok(Some(version))
    }

    /// On PostgreSQL, tells every replica (at commit) that the org's config changed, so each
    /// reloads it at once ([`CONFIG_CHANNEL`]).
    async fn notify_change(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        org_id: &str,
    ) -> Result<(), sqlx::Error> {
        if self.backend() == crate::Backend::Postgres {
            let payload = serde_json::json!({ "org": org_id, "replica": self.replica() });
            crate::db::pg_notify(&mut **tx, CONFIG_CHANNEL, &payload).await?;
        }
        Ok(())
    }

    async fn conflict(&self, org_id: &str) -> WriteError {
        match self.load_row(org_id).await {
            Ok(row) => WriteError::Conflict {
                current: row.map(|r| r.version),
            },
            Err(e) => WriteError::Sql(e),
        }
    }
}

async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
    at: i64,
    actor: &str,
    change: &Change<'_>,
    version: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit (org_id, at, actor, action, version, changes) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org_id)
    .bind(at)
    .bind(actor)
    .bind(change.action)
    .bind(version)
    .bind(change.changes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Drops the org's shared login token with a change of its config (the token belongs to the
/// old config, and the replicas revoke it as they unregister that config).
async fn forget_login(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM logins WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest version the org's config ever had (the audit trail keeps it across a delete), if
/// it ever had one.
async fn last_version<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    org_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(version) FROM audit WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(executor)
        .await
}

impl Db {
    /// The newest version the org's config ever had, deleted or not.
    pub(crate) async fn last_version(&self, org_id: &str) -> Result<Option<i64>, sqlx::Error> {
        last_version(self.pool(), org_id).await
    }
}
