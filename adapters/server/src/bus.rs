//! How events reach every replica's subscribers. On SQLite (one process) an event goes straight
//! to the [`Hub`]. On PostgreSQL it takes the next id of the replicas' shared sequence and is
//! sent with `NOTIFY` on [`EVENTS_CHANNEL`]; every replica, this one included, hears it
//! ([`crate::replicas`]) and hands it to its hub — so ids agree everywhere and a subscriber can
//! resume on any replica.

use crate::db::{Backend, Db};
use crate::events::{Hub, config_data, rotation_data};
use serde_json::{Value, json};
use std::sync::Arc;
use vaultcred_core::RotationEvent;

/// The PostgreSQL channel of events: `{"id","orgId","name","data"}`.
pub(crate) const EVENTS_CHANNEL: &str = "vaultcred_events";

/// Emits events for this service.
pub(crate) struct Bus {
    db: Db,
    pub(crate) hub: Arc<Hub>,
}

impl Bus {
    pub(crate) fn new(db: Db, hub: Arc<Hub>) -> Bus {
        Bus { db, hub }
    }

    async fn emit(&self, org_id: &str, name: &'static str, data: Value) {
        if self.db.backend() == Backend::Sqlite {
            self.hub.publish(org_id, name, data);
            return;
        }
        if let Err(e) = self.notify(org_id, name, data).await {
            tracing::warn!(org_id, name, error = %e, "event not sent to the replicas");
        }
    }

    async fn notify(&self, org_id: &str, name: &str, data: Value) -> Result<(), sqlx::Error> {
        let id: i64 = sqlx::query_scalar("SELECT nextval('event_ids')")
            .fetch_one(self.db.pool())
            .await?;
        let payload = json!({ "id": id, "orgId": org_id, "name": name, "data": data });
        crate::db::pg_notify(self.db.pool(), EVENTS_CHANNEL, &payload).await
    }

    /// A credential rotated (detected by a resolve on this replica).
    pub(crate) async fn rotated(&self, e: &RotationEvent) {
        self.emit(&e.org_id, "rotated", rotation_data(e)).await;
    }

    /// The org's config was saved (`version`) or removed (`None`) on this replica.
    pub(crate) async fn config_changed(&self, org_id: &str, version: Option<i64>) {
        self.emit(org_id, "config-changed", config_data(org_id, version))
            .await;
    }
}
