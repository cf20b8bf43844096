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
    let (first, floor) = match last.map(|id| (id, state.bus.hub.replay(&org, id))) {
        None => (Vec::new(), 0),
        Some((id, Replay::Gap)) => (vec![resync(&org)], id),
        Some((id, Replay::Events(events))) => {
            let floor = events.last().map_or(id, |e| e.id);
            (events.iter().map(sse).collect(), floor)
        }
    };
    // Live events published while the replay was read are in both: `floor` skips them.
    let following = stream::unfold((live, org, floor), |(mut live, org, floor)| async move {
        loop {
            match live.recv().await {
                Ok(event) if event.org_id == org && event.id > floor => {
                    let next = event.id;
                    return Some((sse(&event), (live, org, next)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return Some((resync(&org), (live, org, floor))),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    let events = stream::iter(first).chain(following).map(Ok);
    Sse::new(events).keep_alive(KeepAlive::default())
}
