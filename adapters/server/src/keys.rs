//! API keys: `rsk_live_<id>_<secret>`, shown once when made; the database keeps only the id, the
//! org, the scope and a SHA-256 of the key. Every check compares in constant time.

use crate::db::Db;
use crate::now_ms;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use sqlx::Row as _;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

/// The prefix of every key.
pub const KEY_PREFIX: &str = "rsk_live_";

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Configure the org's credential backend (the Settings page, `credential-backend`).
    Admin,
    /// Read the org's credentials and their events (the platform's dispatch).
    Dispatch,
}

impl Scope {
    /// `admin` or `dispatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "admin",
            Scope::Dispatch => "dispatch",
        }
    }

    /// Parses `admin` or `dispatch`.
    ///
    /// ```
    /// use vaultcred_server::Scope;
    /// assert_eq!(Scope::parse("admin"), Some(Scope::Admin));
    /// assert_eq!(Scope::parse("root"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "admin" => Some(Scope::Admin),
            "dispatch" => Some(Scope::Dispatch),
            _ => None,
        }
    }
}

/// A stored key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    /// The key's public id (also inside the key itself).
    pub id: String,
    /// The org it acts for.
    pub org_id: String,
    /// What it may do.
    #[serde(serialize_with = "scope_text")]
    pub scope: Scope,
    /// A name to tell keys apart.
    pub name: String,
    /// When it was made (ms since the epoch).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

fn scope_text<S: serde::Serializer>(scope: &Scope, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(scope.as_str())
}

/// Who is calling: what an accepted key stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The org, from the key (never from a request).
    pub org_id: String,
    /// What the key may do.
    pub scope: Scope,
    /// The key's id (the actor in the audit trail).
    pub key_id: String,
}

/// A key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The org id is not a valid path segment.
    #[error(transparent)]
    OrgId(#[from] vaultcred_core::SegmentError),
    /// The system's random source failed.
    #[error("no randomness for a key: {0}")]
    Random(String),
    /// The database failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

/// The hex SHA-256 of a key's text.
fn digest(key: &str) -> String {
    crate::hex(&Sha256::digest(key.as_bytes()))
}

/// The id inside a presented key, if it has the shape of one.
fn id_of(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed = id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && secret.len() == 43;
    well_formed.then_some(id)
}

impl Db {
    /// Makes a key for `org_id` with `scope`: its record and the key itself (shown once; only
    /// its hash is stored).
    pub async fn create_key(
        &self,
        org_id: &str,
        scope: Scope,
        name: &str,
    ) -> Result<(KeyInfo, Zeroizing<String>), KeyError> {
        vaultcred_core::path::validate_segment("orgId", org_id)?;
        let mut raw = Zeroizing::new([0u8; 38]);
        getrandom::fill(&mut *raw).map_err(|e| KeyError::Random(e.to_string()))?;
        let (id_bytes, secret_bytes) = raw.split_at(6);
        let id = crate::hex(id_bytes);
        let key = Zeroizing::new(format!(
            "{KEY_PREFIX}{id}_{}",
            URL_SAFE_NO_PAD.encode(secret_bytes)
        ));
        let info = KeyInfo {
            id,
            org_id: org_id.to_owned(),
            scope,
            name: name.to_owned(),
            created_at: now_ms(),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO api_keys (id, org_id, scope, name, hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&info.id)
        .bind(&info.org_id)
        .bind(scope.as_str())
        .bind(&info.name)
        .bind(digest(&key))
        .bind(info.created_at)
        .execute(self.pool())
        .await?;
        Ok((info, key))
    }

    /// Every key (of `org_id` only, if given), oldest first, without secrets.
    pub async fn list_keys(&self, org_id: Option<&str>) -> Result<Vec<KeyInfo>, KeyError> {
        let rows = sqlx::query(
            "SELECT id, org_id, scope, name, created_at, revoked_at FROM api_keys \
             WHERE ($1 = '' OR org_id = $2) ORDER BY created_at, id",
        )
        .bind(org_id.unwrap_or(""))
        .bind(org_id.unwrap_or(""))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(KeyInfo {
                    id: row.try_get("id")?,
                    org_id: row.try_get("org_id")?,
                    scope: Scope::parse(&row.try_get::<String, _>("scope")?)
                        .unwrap_or(Scope::Dispatch),
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes key `id`; whether a live key was revoked.
    pub async fn revoke_key(&self, id: &str) -> Result<bool, KeyError> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who a presented key stands for, or `None` for anything but a live key. The same work
    /// is done whether or not the id exists, and the hashes are compared in constant time.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<Caller>, KeyError> {
        let presented_hash = digest(presented);
        let id = id_of(presented).unwrap_or("");
        let row = sqlx::query(
            "SELECT org_id, scope, hash FROM api_keys WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let (org_id, scope, stored) = match &row {
            Some(row) => (
                row.try_get::<String, _>("org_id")?,
                row.try_get::<String, _>("scope")?,
                row.try_get::<String, _>("hash")?,
            ),
            None => (String::new(), String::new(), "-".repeat(64)),
        };
        let same: bool = presented_hash.as_bytes().ct_eq(stored.as_bytes()).into();
        Ok(match (same && row.is_some(), Scope::parse(&scope)) {
            (true, Some(scope)) => Some(Caller {
                org_id,
                scope,
                key_id: id.to_owned(),
            }),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_have_an_id() {
        let secret = "A".repeat(43);
        assert_eq!(
            id_of(&format!("rsk_live_0123456789ab_{secret}")),
            Some("0123456789ab")
        );
        for bad in [
            format!("rsk_test_0123456789ab_{secret}"),
            format!("rsk_live_0123456789AB_{secret}"),
            format!("rsk_live_0123456789a_{secret}"),
            "rsk_live_0123456789ab_short".to_owned(),
            String::new(),
        ] {
            assert_eq!(id_of(&bad), None, "{bad}");
        }
    }
}
