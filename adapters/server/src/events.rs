//! The events dispatch subscribes to: `rotated` (a credential's value or version changed on
//! refresh; never the value) and `config-changed` (an org's config was saved or removed). Each
//! gets an id; the last [`REPLAY_WINDOW`] are kept so a subscriber that reconnects with
//! `Last-Event-ID` misses nothing within that window.

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use tokio::sync::broadcast;
use vaultcred_core::RotationEvent;

/// How many past events a reconnecting subscriber can catch up on.
pub const REPLAY_WINDOW: usize = 1024;

/// One event, for one org.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Increasing, from 1; the SSE `id`.
    pub id: u64,
    /// The org it concerns (subscribers see only their own org's events).
    pub org_id: String,
    /// `rotated` or `config-changed`; the SSE `event`.
    pub name: &'static str,
    /// The SSE `data` (JSON).
    pub data: Value,
}

/// What a subscriber that reconnects gets first.
#[derive(Debug, PartialEq)]
pub enum Replay {
    /// Every event of the org after the id it gave, in order.
    Events(Vec<Event>),
    /// The id is older than the window: events may have been missed, so the subscriber should
    /// re-read what it caches.
    Gap,
}

/// Publishes events to subscribers and keeps the replay window.
///
/// ```
/// use vaultcred_server::events::{Hub, Replay};
/// let hub = Hub::default();
/// let mut live = hub.subscribe();
/// hub.config_changed("org_a", Some(3));
/// let event = live.try_recv()?;
/// assert_eq!((event.id, event.name), (1, "config-changed"));
/// assert_eq!(hub.replay("org_a", 0), Replay::Events(vec![event]));
/// assert_eq!(hub.replay("org_b", 0), Replay::Events(vec![]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Hub {
    tx: broadcast::Sender<Event>,
    /// The window, and the id of the last event published.
    past: Mutex<(VecDeque<Event>, u64)>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(REPLAY_WINDOW).0,
            past: Mutex::new((VecDeque::with_capacity(REPLAY_WINDOW), 0)),
        }
    }
}

/// The `data` of a `rotated` event: versions, never a value.
pub fn rotation_data(e: &RotationEvent) -> Value {
    json!({
        "orgId": e.org_id,
        "kind": e.kind,
        "oldVersion": e.old_version,
        "newVersion": e.new_version,
    })
}

/// The `data` of a `config-changed` event: the new version, or `null` when removed.
pub fn config_data(org_id: &str, version: Option<i64>) -> Value {
    json!({ "orgId": org_id, "version": version })
}

/// An event name as it travels between replicas, back to its static form.
pub fn event_name(name: &str) -> Option<&'static str> {
    ["rotated", "config-changed"]
        .into_iter()
        .find(|n| *n == name)
}

impl Hub {
    /// Publishes an event numbered here (one process: SQLite).
    pub fn publish(&self, org_id: &str, name: &'static str, data: Value) {
        let mut past = self.past.lock().unwrap_or_else(PoisonError::into_inner);
        let id = past.1 + 1;
        Self::keep(
            &mut past,
            &self.tx,
            Event {
                id,
                org_id: org_id.to_owned(),
                name,
                data,
            },
        );
    }

    /// Takes an event numbered elsewhere (the replicas' shared sequence on PostgreSQL).
    pub fn accept(&self, event: Event) {
        let mut past = self.past.lock().unwrap_or_else(PoisonError::into_inner);
        Self::keep(&mut past, &self.tx, event);
    }

    fn keep(past: &mut (VecDeque<Event>, u64), tx: &broadcast::Sender<Event>, event: Event) {
        past.1 = past.1.max(event.id);
        if past.0.len() == REPLAY_WINDOW {
            past.0.pop_front();
        }
        past.0.push_back(event.clone());
        // Sent under the lock, so live events arrive in the order kept; no subscriber is fine.
        let _ = tx.send(event);
    }

    /// A credential rotated (detected by a resolve on this service).
    pub fn rotated(&self, e: &RotationEvent) {
        self.publish(&e.org_id, "rotated", rotation_data(e));
    }

    /// The org's config was saved (`version`) or removed (`None`).
    pub fn config_changed(&self, org_id: &str, version: Option<i64>) {
        self.publish(org_id, "config-changed", config_data(org_id, version));
    }

    /// Live events from now on (every org's: filter by org).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// The org's events after `last_id`, or [`Replay::Gap`] if some may be gone. Take it after
    /// [`Hub::subscribe`], and skip live events whose id is not above the last replayed one.
    pub fn replay(&self, org_id: &str, last_id: u64) -> Replay {
        let past = self.past.lock().unwrap_or_else(PoisonError::into_inner);
        let oldest = past.0.front().map_or(past.1 + 1, |e| e.id);
        if last_id + 1 < oldest && last_id < past.1 {
            return Replay::Gap;
        }
        Replay::Events(
            past.0
                .iter()
                .filter(|e| e.id > last_id && e.org_id == org_id)
                .cloned()
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_bounded_and_a_gap_is_reported() {
        let hub = Hub::default();
        for v in 0..(REPLAY_WINDOW as i64 + 10) {
            hub.config_changed(if v % 2 == 0 { "org_a" } else { "org_b" }, Some(v));
        }
        // Ids 1..=10 fell out of the window.
        assert_eq!(hub.replay("org_a", 3), Replay::Gap);
        let Replay::Events(events) = hub.replay("org_a", 10) else {
            panic!("within the window");
        };
        assert_eq!(events.len(), REPLAY_WINDOW / 2);
        assert!(events.iter().all(|e| e.org_id == "org_a" && e.id > 10));
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
        // Up to date: nothing to replay, no gap.
        let last = REPLAY_WINDOW as u64 + 10;
        assert_eq!(hub.replay("org_a", last), Replay::Events(vec![]));
    }

    #[test]
    fn a_rotation_carries_versions_never_a_value() {
        let hub = Hub::default();
        let mut live = hub.subscribe();
        hub.rotated(&RotationEvent {
            org_id: "org_a".into(),
            kind: "api-key".into(),
            old_version: Some(1),
            new_version: Some(2),
            at_ms: 0,
        });
        let event = live.try_recv().unwrap();
        assert_eq!(event.name, "rotated");
        assert_eq!(
            event.data,
            json!({"orgId": "org_a", "kind": "api-key", "oldVersion": 1, "newVersion": 2})
        );
    }
}
