//! [`Watch`]: a stream that keeps kinds of one org resolved.

use crate::Client;
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::SystemTime;
use vaultcred_core::{Credential, CredentialNotFound, WatchEvent, Watcher};

/// Results of one cycle: each kind resolved, and its outcome.
type Cycle =
    Pin<Box<dyn Future<Output = (String, Result<Arc<Credential>, CredentialNotFound>)> + Send>>;

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
///         WatchEvent::Recovered(c) => println!("{} back", c.kind()),
///         WatchEvent::Failed(e) => eprintln!("{e}"),
///     }
/// }
/// # }
/// ```
pub struct Watch {
    client: Client,
    watcher: Watcher,
    /// Waiting for the earliest due kind, then resolving it.
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
            cycle: None,
        }
    }

    /// The next event, for callers without a `StreamExt`.
    pub async fn next(&mut self) -> Option<WatchEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sleeps until the earliest kind is due, then resolves it (`None`: no kind watched).
    fn start_cycle(&self) -> Option<Cycle> {
        let (client, org_id) = (self.client.clone(), self.watcher.org_id().to_owned());
        let at = self.watcher.next_due()?;
        let kind = self.watcher.due(at).next()?.to_owned();
        Some(Box::pin(async move {
            tokio::time::sleep(vaultcred_host::observe::until(at)).await;
            let result = client.resolve(&org_id, &kind).await;
            (kind, result)
        }))
    }
}

impl Stream for Watch {
    type Item = WatchEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WatchEvent>> {
        let this = self.get_mut();
        loop {
            if this.cycle.is_none() {
                this.cycle = this.start_cycle();
            }
            let Some(cycle) = this.cycle.as_mut() else {
                return Poll::Ready(None);
            };
            let (kind, result) = ready!(cycle.as_mut().poll(cx));
            this.cycle = None;
            if let Some(event) = this.watcher.on_result(&kind, result, SystemTime::now()) {
                return Poll::Ready(Some(event));
            }
        }
    }
}
