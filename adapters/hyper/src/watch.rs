//! [`Watch`]: a stream that keeps kinds of one org resolved.

use crate::Client;
use futures_core::Stream;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::SystemTime;
use vaultcred_core::{Credential, CredentialNotFound, WatchEvent, Watcher};

/// Results of one cycle: each kind resolved, and its outcome.
type Cycle = Pin<
    Box<dyn Future<Output = Vec<(String, Result<Arc<Credential>, CredentialNotFound>)>> + Send>,
>;

/// A [`Stream`] of [`WatchEvent`]s for some kinds of one org, made by [`Client::watch`].
///
/// It first resolves every kind, yielding `Resolved` or `Failed` for each; then it sleeps until
/// the earliest kind is due (its refresh time, or a backoff after a failure: the core's
/// [`Watcher`] decides), re-resolves the kinds due and yields `Rotated`, `Recovered` or
/// `Failed` for those with news. Nothing is spawned: the work happens while the stream
/// is polled, and dropping it stops it. An empty list of kinds ends at once.
///
/// ```no_run
/// use vaultcred_hyper::{Client, WatchEvent};
///
/// # async fn demo(client: Client) {
/// let mut watch = client.watch("org_abc123", &["anthropic-api-key", "db"]);
/// while let Some(event) = watch.next().await {
///     match event {
///         WatchEvent::Resolved(c) => println!("{} ready (v{:?})", c.kind(), c.version()),
///         WatchEvent::Rotated { current, .. } => println!("{} rotated", current.kind()),
///         WatchEvent::Failed(e) => eprintln!("{e}"),
///     }
/// }
/// # }
/// ```
pub struct Watch {
    client: Client,
    watcher: Watcher,
    pending: VecDeque<WatchEvent>,
    cycle: Option<Cycle>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("watcher", &self.watcher)
            .finish_non_exhaustive()
    }
}

impl Watch {
    pub(crate) fn new(client: Client, org_id: &str, kinds: &[&str]) -> Watch {
        Watch {
            client,
            watcher: Watcher::new(org_id, kinds, SystemTime::now()),
            pending: VecDeque::new(),
            cycle: None,
        }
    }

    /// The next event, for callers without a `StreamExt`.
    pub async fn next(&mut self) -> Option<WatchEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sleeps until the earliest kind is due, then resolves every kind due.
    fn start_cycle(&self) -> Cycle {
        let client = self.client.clone();
        let org_id = self.watcher.org_id().to_owned();
        let next_due = self.watcher.next_due();
        // The kinds due at the wake-up time are known now: nothing else changes them meanwhile.
        let kinds: Vec<String> = next_due
            .map(|at| self.watcher.due(at).map(str::to_owned).collect())
            .unwrap_or_default();
        Box::pin(async move {
            if let Some(at) = next_due {
                tokio::time::sleep(crate::until_from_now(at)).await;
            }
            let mut results = Vec::with_capacity(kinds.len());
            for kind in kinds {
                let result = client.resolve(&org_id, &kind).await;
                results.push((kind, result));
            }
            results
        })
    }
}

impl Stream for Watch {
    type Item = WatchEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchEvent>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.pending.pop_front() {
                return Poll::Ready(Some(event));
            }
            if this.watcher.is_empty() {
                return Poll::Ready(None);
            }
            if this.cycle.is_none() {
                this.cycle = Some(this.start_cycle());
            }
            let Some(cycle) = this.cycle.as_mut() else {
                continue;
            };
            let results = ready!(cycle.as_mut().poll(cx));
            this.cycle = None;
            let now = SystemTime::now();
            for (kind, result) in results {
                let event = this.watcher.on_result(&kind, result, now);
                this.pending.extend(event);
            }
        }
    }
}
