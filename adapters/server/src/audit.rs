//! The audit trail of config changes: who (an API key id), when, what (field names, old and new
//! values of plain fields, secrets only as "changed"), newest first.

use crate::db::Db;
use serde_json::Value;
use sqlx::Row as _;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Its sequence number.
    pub id: i64,
    /// When (ms since the epoch).
    pub at: i64,
    /// The API key id that made it.
    pub actor: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The config's version after it (none after a delete).
    pub version: Option<i64>,
    /// What changed (see [`crate::config_body::changes`]).
    pub changes: Value,
}

impl Db {
    /// The org's last `limit` changes, newest first.
    pub async fn audit(&self, org_id: &str, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, version, changes FROM audit WHERE org_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(org_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let changes: String = row.try_get("changes")?;
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    version: row.try_get("version")?,
                    changes: serde_json::from_str(&changes).unwrap_or(Value::Null),
                })
            })
            .collect()
    }
}
