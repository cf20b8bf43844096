//! Shared logins between replicas on PostgreSQL: the `logins` table is the
//! [`LoginBroker`] of the live client, so N replicas log in once per org and token lifetime
//! instead of N times (see [`vaultcred_core::shared`]).
//!
//! Before a login, a replica adopts the org's stored token if it was obtained with the config
//! version registered here and is before its refresh point; otherwise it claims the login with a
//! compare-and-set (no token usable, and no other claim standing) and logs in. A claim lapses
//! after one call's timeout, so a replica that died mid-login holds the others up no longer than
//! that. Waiters are woken by `NOTIFY` on [`LOGINS_CHANNEL`] (and poll every
//! [`POLL_EVERY`] in case a notification is lost).

use crate::db::Db;
use crate::now_ms;
use crate::sealing::Keyring;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};
use tokio::sync::Notify;
use vaultcred_core::refresh::{from_ms, to_ms};
use vaultcred_core::{ObtainedLogin, SecretString, SharedAnswer, SharedToken};
use vaultcred_hyper::{BrokerFuture, LoginBroker};

/// The PostgreSQL channel on which a stored token or a released claim is announced: `{"org"}`.
pub(crate) const LOGINS_CHANNEL: &str = "vaultcred_logins";

/// How often a replica waiting for another's login looks again without a notification.
pub(crate) const POLL_EVERY: Duration = Duration::from_millis(100);

/// The config versions registered in the live client (shared with [`crate::live::Live`]).
pub(crate) type Versions = Arc<RwLock<HashMap<String, i64>>>;

/// The broker over the `logins` table.
pub(crate) struct SharedLogins {
    db: Db,
    keys: Arc<Keyring>,
    versions: Versions,
    /// How long a claim stands: one call's timeout.
    claim: Duration,
    /// Woken when any replica stored a token or released a claim.
    pub(crate) changed: Notify,
}

/// What is sealed in a row: the token and its lifetime.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sealed {
    token: String,
    issued_at_ms: u64,
    lease_secs: u64,
    renewable: bool,
}

impl Drop for Sealed {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.token);
    }
}

/// The associated data of a sealed token: never the same as a config row's (`#` is not allowed
/// in an org id), so a token's envelope cannot pass for a config.
fn associated(org_id: &str) -> String {
    format!("{org_id}#login")
}

/// Until when a token may be adopted: its issue plus 0.8 × its lease, as the core computes it.
fn refresh_at_ms(issued_at_ms: u64, lease_secs: u64) -> i64 {
    match vaultcred_core::refresh::token_deadline_ms(issued_at_ms, lease_secs) {
        Some(deadline) => i64::try_from(deadline).unwrap_or(i64::MAX),
        None => i64::MAX,
    }
}

impl SharedLogins {
    pub(crate) fn new(db: Db, keys: Arc<Keyring>, versions: Versions, claim: Duration) -> Self {
        SharedLogins {
            db,
            keys,
            versions,
            claim,
            changed: Notify::new(),
        }
    }

    fn version(&self, org_id: &str) -> Option<i64> {
        self.versions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(org_id)
            .copied()
    }

    /// One look: the stored token to adopt, or `LogIn` once claimed, or `None` while another
    /// replica's claim stands.
    async fn try_acquire(
        &self,
        org_id: &str,
        version: i64,
    ) -> Result<Option<SharedAnswer>, sqlx::Error> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT envelope, key_id FROM logins \
             WHERE org_id = $1 AND config_version = $2 AND envelope IS NOT NULL \
             AND refresh_at_ms > $3",
        )
        .bind(org_id)
        .bind(version)
        .bind(now)
        .fetch_optional(self.db.pool())
        .await?;
        if let Some(row) = row {
            let envelope: String = row.try_get("envelope")?;
            let key_id: String = row.try_get("key_id")?;
            match self.open(org_id, &envelope, &key_id) {
                Some(token) => return Ok(Some(SharedAnswer::Adopt(token))),
                None => tracing::warn!(org_id, "a shared login token does not open; logging in"),
            }
        }
        // Claim the login: nobody else's claim stands, and no usable token arrived meanwhile.
        let claimed = sqlx::query(
            "INSERT INTO logins (org_id, config_version, claimed_by, claim_until_ms) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id) DO UPDATE SET claimed_by = excluded.claimed_by, \
                 claim_until_ms = excluded.claim_until_ms \
             WHERE (logins.claimed_by IS NULL OR logins.claim_until_ms <= $5 \
                    OR logins.claimed_by = excluded.claimed_by) \
               AND (logins.envelope IS NULL OR logins.config_version <> $2 \
                    OR logins.refresh_at_ms <= $5)",
        )
        .bind(org_id)
        .bind(version)
        .bind(self.db.replica())
        .bind(now.saturating_add(i64::try_from(self.claim.as_millis()).unwrap_or(i64::MAX)))
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok((claimed.rows_affected() > 0).then_some(SharedAnswer::LogIn))
    }

    fn open(&self, org_id: &str, envelope: &str, key_id: &str) -> Option<SharedToken> {
        let plain = self.keys.open(&associated(org_id), envelope, key_id).ok()?;
        let sealed: Sealed = serde_json::from_slice(&plain).ok()?;
        Some(SharedToken {
            token: SecretString::new(sealed.token.as_str()),
            issued_at: from_ms(sealed.issued_at_ms),
            lease_secs: sealed.lease_secs,
            renewable: sealed.renewable,
        })
    }

    async fn acquire_until(&self, org_id: &str, until: SystemTime) -> SharedAnswer {
        let Some(version) = self.version(org_id) else {
            return SharedAnswer::LogIn;
        };
        loop {
            let mut changed = std::pin::pin!(self.changed.notified());
            changed.as_mut().enable();
            match self.try_acquire(org_id, version).await {
                Ok(Some(answer)) => return answer,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(org_id, error = %e, "shared logins: the store failed; logging in");
                    return SharedAnswer::LogIn;
                }
            }
            let left = until
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            if left.is_zero() {
                return SharedAnswer::LogIn;
            }
            let _ = tokio::time::timeout(left.min(POLL_EVERY), changed).await;
        }
    }

    async fn store(&self, login: ObtainedLogin) -> Result<(), StoreError> {
        let org_id = login.org_id.as_str();
        let Some(version) = self.version(org_id) else {
            return Ok(());
        };
        let issued_at_ms = to_ms(login.token.issued_at);
        let sealed = Sealed {
            token: login.token.token.expose().to_owned(),
            issued_at_ms,
            lease_secs: login.token.lease_secs,
            renewable: login.token.renewable,
        };
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(&sealed).map_err(StoreError::Json)?);
        let (envelope, key_id) = self
            .keys
            .seal(&associated(org_id), &plain)
            .map_err(|e| StoreError::Seal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO logins (org_id, config_version, envelope, key_id, refresh_at_ms, \
                 claimed_by, claim_until_ms) \
             VALUES ($1, $2, $3, $4, $5, NULL, 0) \
             ON CONFLICT (org_id) DO UPDATE SET config_version = excluded.config_version, \
                 envelope = excluded.envelope, key_id = excluded.key_id, \
                 refresh_at_ms = excluded.refresh_at_ms, claimed_by = NULL, claim_until_ms = 0 \
             WHERE logins.config_version <= excluded.config_version",
        )
        .bind(org_id)
        .bind(version)
        .bind(envelope)
        .bind(key_id)
        .bind(refresh_at_ms(issued_at_ms, login.token.lease_secs))
        .execute(self.db.pool())
        .await?;
        self.announce(org_id).await?;
        Ok(())
    }

    async fn release(&self, org_id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE logins SET claimed_by = NULL, claim_until_ms = 0 \
             WHERE org_id = $1 AND claimed_by = $2",
        )
        .bind(org_id)
        .bind(self.db.replica())
        .execute(self.db.pool())
        .await?;
        self.announce(org_id).await
    }

    /// Wakes this replica's waiters at once and the others' by `NOTIFY`.
    async fn announce(&self, org_id: &str) -> Result<(), sqlx::Error> {
        self.changed.notify_waiters();
        let payload = serde_json::json!({ "org": org_id });
        crate::db::pg_notify(self.db.pool(), LOGINS_CHANNEL, &payload).await
    }
}

/// Why a token could not be stored (logged; the replica keeps using it).
#[derive(Debug, thiserror::Error)]
enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("serialising: {0}")]
    Json(serde_json::Error),
    #[error("sealing: {0}")]
    Seal(String),
}

/// The broker, shared with the live client.
#[derive(Clone)]
pub(crate) struct Broker(pub(crate) Arc<SharedLogins>);

impl LoginBroker for Broker {
    fn acquire<'a>(&'a self, org_id: &'a str, until: SystemTime) -> BrokerFuture<'a, SharedAnswer> {
        Box::pin(self.0.acquire_until(org_id, until))
    }

    fn obtained(&self, login: ObtainedLogin) -> BrokerFuture<'static, ()> {
        let shared = Arc::clone(&self.0);
        Box::pin(async move {
            let org_id = login.org_id.clone();
            if let Err(e) = shared.store(login).await {
                tracing::warn!(org_id = %org_id, error = %e, "shared logins: token not stored");
            }
        })
    }

    fn abandoned(&self, org_id: &str) -> BrokerFuture<'static, ()> {
        let shared = Arc::clone(&self.0);
        let org_id = org_id.to_owned();
        Box::pin(async move {
            if let Err(e) = shared.release(&org_id).await {
                tracing::warn!(org_id = %org_id, error = %e, "shared logins: claim not released");
            }
        })
    }
}
