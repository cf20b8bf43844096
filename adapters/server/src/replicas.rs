//! Replicas on PostgreSQL: each listens on [`CONFIG_CHANNEL`] (an org's config changed on some
//! replica: reload it here, at once) and [`EVENTS_CHANNEL`] (an event for subscribers, numbered
//! by the shared sequence). After the connection drops and comes back, every org registered here
//! is reloaded, since changes may have been missed meanwhile.

use crate::api::State;
use crate::bus::EVENTS_CHANNEL;
use crate::events::{Event, event_name};
use crate::logins::LOGINS_CHANNEL;
use crate::rows::CONFIG_CHANNEL;
use serde_json::Value;
use sqlx::postgres::PgListener;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Listens until `stop` is notified: when the service stops serving, or when its state is
/// dropped (the state notifies it then). While waiting the listener holds the state only
/// weakly, so a service that is dropped without serving is not kept alive by it.
pub(crate) fn spawn(url: String, state: Weak<State>, stop: Arc<tokio::sync::Notify>) {
    tokio::spawn(async move {
        let mut listener: Option<PgListener> = None;
        loop {
            let current = match listener.as_mut() {
                Some(current) => current,
                None => match connect(&url).await {
                    Ok(fresh) => {
                        // Whatever changed while nobody listened: read every org again.
                        let Some(state) = state.upgrade() else { return };
                        reload_all(&state).await;
                        listener.insert(fresh)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "replica listener: cannot connect; retrying in 1 s");
                        tokio::select! {
                            () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                            () = stop.notified() => return,
                        }
                    }
                },
            };
            let received = tokio::select! {
                received = current.try_recv() => received,
                () = stop.notified() => return,
            };
            let Some(state) = state.upgrade() else { return };
            match received {
                Ok(Some(note)) => handle(&state, note.channel(), note.payload()).await,
                Ok(None) => {
                    tracing::warn!("replica listener: connection lost; reconnecting");
                    listener = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "replica listener failed; reconnecting");
                    listener = None;
                }
            }
        }
    });
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener
        .listen_all([CONFIG_CHANNEL, EVENTS_CHANNEL, LOGINS_CHANNEL])
        .await?;
    Ok(listener)
}

async fn reload_all(state: &State) {
    for org in state.live.orgs() {
        if let Err(e) = state.live.reload(&org).await {
            tracing::warn!(org_id = %org, error = %e, "reload after reconnecting failed");
        }
    }
}

async fn handle(state: &State, channel: &str, payload: &str) {
    if channel == LOGINS_CHANNEL {
        // A token was stored or a claim released: waiters look again.
        if let Some(logins) = &state.logins {
            logins.changed.notify_waiters();
        }
        return;
    }
    let Ok(note) = serde_json::from_str::<Value>(payload) else {
        tracing::warn!(channel, "replica listener: a notification that is not JSON");
        return;
    };
    if channel == CONFIG_CHANNEL {
        let (Some(org), Some(replica)) = (note["org"].as_str(), note["replica"].as_str()) else {
            return;
        };
        if replica != state.db.replica()
            && let Err(e) = state.live.reload(org).await
        {
            tracing::warn!(org_id = org, error = %e, "reload on notification failed");
        }
        return;
    }
    let event = (|| {
        Some(Event {
            id: note["id"].as_u64()?,
            org_id: note["orgId"].as_str()?.to_owned(),
            name: event_name(note["name"].as_str()?)?,
            data: note.get("data")?.clone(),
        })
    })();
    match event {
        Some(event) => state.bus.hub.accept(event),
        None => tracing::warn!(channel, "replica listener: an event of unknown shape"),
    }
}
