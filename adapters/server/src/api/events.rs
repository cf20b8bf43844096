//! `GET /api/org/credentials/events`: Server-Sent Events of the caller's org — `rotated`
//! `{"orgId","kind","oldVersion","newVersion"}` (never a value) and `config-changed`
//! `{"orgId","version"}`. A subscriber that reconnects with `Last-Event-ID` first gets what it
//! missed within the replay window, or a `resync` event when some may be gone.

use super::State;
use super::auth::Dispatch;
use crate::events::{Event, Replay};
use axum::extract::State as With;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt as _};
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

fn sse(event: &Event) -> SseEvent {
    SseEvent::default()
        .id(event.id.to_string())
        .event(event.name)
        .data(event.data.to_string())
}

/// Tells the subscriber that events may have been missed: re-read what it caches.
fn resync(org_id: &str) -> SseEvent {
    SseEvent::default()
        .event("resync")
        .data(json!({ "orgId": org_id }).to_string())
}

/// Which live events a resumed stream leaves out: those up to the `Last-Event-ID` the client
/// gave, and those it was just sent by the replay (published while the replay was read, they
/// are in both). Nothing else: on PostgreSQL two replicas' events can arrive out of id order (the
/// ids come from one sequence, the notifications commit in any order), so a live event with a
/// lower id than the last one sent is still delivered — events may repeat after a resume, never
/// go missing.
#[derive(Default)]
struct Skip {
    up_to: u64,
    /// Sorted: the replayed ids (at most the replay window).
    replayed: Vec<u64>,
}

impl Skip {
    fn up_to(last: u64, mut replayed: Vec<u64>) -> Skip {
        replayed.sort_unstable();
        Skip {
            up_to: last,
            replayed,
        }
    }

    fn skips(&self, id: u64) -> bool {
        id <= self.up_to || self.replayed.binary_search(&id).is_ok()
    }
}

/// The event stream of the caller's org.
pub(crate) async fn stream(
    With(state): With<Arc<State>>,
    Dispatch(caller): Dispatch,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let org = caller.org_id.clone();
    let live = state.bus.hub.subscribe();
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (first, skip) = match last.map(|id| (id, state.bus.hub.replay(&org, id))) {
        None => (Vec::new(), Skip::default()),
        Some((id, Replay::Gap)) => (vec![resync(&org)], Skip::up_to(id, Vec::new())),
        Some((id, Replay::Events(events))) => {
            let replayed = events.iter().map(|e| e.id).collect();
            (events.iter().map(sse).collect(), Skip::up_to(id, replayed))
        }
    };
    let following = stream::unfold((live, org, skip), |(mut live, org, skip)| async move {
        loop {
            match live.recv().await {
                Ok(event) if event.org_id == org && !skip.skips(event.id) => {
                    return Some((sse(&event), (live, org, skip)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return Some((resync(&org), (live, org, skip))),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    let events = stream::iter(first).chain(following).map(Ok);
    Sse::new(events).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::Skip;

    #[test]
    fn a_late_event_with_a_lower_id_is_delivered_and_the_replayed_ones_are_not_repeated() {
        let fresh = Skip::default();
        assert!(
            !fresh.skips(6) && !fresh.skips(5),
            "no resume: every event goes out"
        );
        let resumed = Skip::up_to(3, vec![7, 4]);
        assert!(resumed.skips(2) && resumed.skips(3), "the client had these");
        assert!(resumed.skips(4) && resumed.skips(7), "just replayed");
        assert!(!resumed.skips(5) && !resumed.skips(6) && !resumed.skips(8));
    }
}
