//! The watcher: which kinds of one org are watched, when each is next due, and what a resolve
//! result means for it (resolved, rotated, failed, recovered). Sans-IO like the rest of the
//! core: a host (the async adapter's `watch()` stream, the CLI's `watch`, a service) asks when
//! to wake up, resolves the kinds due through its client, and hands each result back.

use crate::credential::{Credential, RotationEvent};
use crate::error::CredentialNotFound;
use crate::refresh::{from_ms, to_ms};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// First pause after a failed resolve; it doubles with each consecutive failure.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest pause after repeated failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Shortest pause between two resolves of one kind, even if its refresh time has passed.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);

/// What a resolve result means for a watched kind.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    /// The kind was resolved for the first time.
    Resolved(Arc<Credential>),
    /// The kind's value or version changed since it was last seen ([`RotationEvent::between`]).
    Rotated {
        /// The credential seen before.
        previous: Arc<Credential>,
        /// The credential now in force.
        current: Arc<Credential>,
    },
    /// The kind resolved again, unchanged, after failures.
    Recovered(Arc<Credential>),
    /// The kind could not be resolved; it is tried again after a backoff ([`FIRST_BACKOFF`]
    /// doubling up to [`MAX_BACKOFF`]).
    Failed(CredentialNotFound),
}

struct Watched {
    kind: String,
    last: Option<Arc<Credential>>,
    /// Consecutive failures since the last success.
    failures: u32,
    due_ms: u64,
}

/// Some kinds of one org, each with the time it is next due.
///
/// By default a kind is due again at its credential's refresh time (the lazy rule: no more
/// requests to Vault than resolving on demand). [`Watcher::every`] makes it due earlier, which
/// shows a rotation sooner at the cost of extra reads.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use vaultcred_core::watch::{WatchEvent, Watcher};
/// use vaultcred_core::{CredentialNotFound, Reason};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_932_000);
/// let mut watcher = Watcher::new("org_abc123", &["anthropic-api-key"], now);
/// assert_eq!(watcher.next_due(), Some(now));
/// let due: Vec<String> = watcher.due(now).map(str::to_owned).collect();
/// assert_eq!(due, ["anthropic-api-key"]);
///
/// // A failure: tried again after the first backoff.
/// let missing = CredentialNotFound::new("org_abc123", "anthropic-api-key", Reason::Missing, "no secret");
/// let event = watcher.on_result("anthropic-api-key", Err(missing), now);
/// assert!(matches!(event, Some(WatchEvent::Failed(_))));
/// assert_eq!(watcher.next_due(), Some(now + Duration::from_secs(1)));
/// ```
pub struct Watcher {
    org_id: String,
    kinds: Vec<Watched>,
    every: Option<Duration>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.kind.as_str()).collect();
        f.debug_struct("Watcher")
            .field("org_id", &self.org_id)
            .field("kinds", &kinds)
            .field("every", &self.every)
            .finish()
    }
}

impl Watcher {
    /// Watches `kinds` of `org_id`; every kind is due at `now`. A kind listed twice is watched
    /// once.
    pub fn new(org_id: &str, kinds: &[&str], now: SystemTime) -> Watcher {
        let mut watched: Vec<Watched> = Vec::with_capacity(kinds.len());
        for kind in kinds {
            if !watched.iter().any(|w| w.kind == *kind) {
                watched.push(Watched {
                    kind: (*kind).to_owned(),
                    last: None,
                    failures: 0,
                    due_ms: to_ms(now),
                });
            }
        }
        Watcher {
            org_id: org_id.to_owned(),
            kinds: watched,
            every: None,
        }
    }

    /// Re-reads each kind at least this often, even before its refresh time (extra load on
    /// Vault; at least [`MIN_INTERVAL`]).
    pub fn every(mut self, interval: Duration) -> Watcher {
        self.every = Some(interval.max(MIN_INTERVAL));
        self
    }

    /// The org watched.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// Whether no kind is watched (the watch is over at once).
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// When the earliest kind is due (`None` if no kind is watched).
    pub fn next_due(&self) -> Option<SystemTime> {
        self.kinds.iter().map(|k| k.due_ms).min().map(from_ms)
    }

    /// The kinds due at `now`, in the order they were given.
    pub fn due(&self, now: SystemTime) -> impl Iterator<Item = &str> + '_ {
        let now_ms = to_ms(now);
        self.kinds
            .iter()
            .filter(move |k| k.due_ms <= now_ms)
            .map(|k| k.kind.as_str())
    }

    /// Takes the result of resolving `kind` at `now`: schedules the kind's next resolve and
    /// says what the result means (`None`: nothing new). A kind not watched is ignored.
    pub fn on_result(
        &mut self,
        kind: &str,
        result: Result<Arc<Credential>, CredentialNotFound>,
        now: SystemTime,
    ) -> Option<WatchEvent> {
        let every = self.every;
        let watched = self.kinds.iter_mut().find(|k| k.kind == kind)?;
        let now_ms = to_ms(now);
        match result {
            Ok(current) => {
                let mut due_ms = current
                    .refresh_at_ms()
                    .max(now_ms.saturating_add(millis(MIN_INTERVAL)));
                if let Some(every) = every {
                    due_ms = due_ms.min(now_ms.saturating_add(millis(every)));
                }
                watched.due_ms = due_ms;
                let failures = std::mem::take(&mut watched.failures);
                let event = match watched.last.replace(Arc::clone(&current)) {
                    None => WatchEvent::Resolved(current),
                    Some(previous) if RotationEvent::between(&previous, &current).is_some() => {
                        WatchEvent::Rotated { previous, current }
                    }
                    Some(_) if failures > 0 => WatchEvent::Recovered(current),
                    Some(_) => return None,
                };
                Some(event)
            }
            Err(error) => {
                watched.failures = watched.failures.saturating_add(1);
                watched.due_ms = now_ms.saturating_add(millis(backoff(watched.failures)));
                Some(WatchEvent::Failed(error))
            }
        }
    }
}

/// The pause after `failures` consecutive failures (at least 1).
pub fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(5);
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let secs: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn duplicate_kinds_are_watched_once() {
        let now = SystemTime::UNIX_EPOCH;
        let watcher = Watcher::new("org", &["a", "b", "a"], now);
        assert_eq!(watcher.due(now).collect::<Vec<_>>(), ["a", "b"]);
    }
}
