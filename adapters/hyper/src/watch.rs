//! [`Watch`]: a stream that keeps kinds of one org resolved.

use crate::Client;
use futures_core::Stream;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::SystemTime;
use vaultcred_core::{Credential, CredentialNotFound};

/// What a [`Watch`] yields.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    /// A kind was resolved for the first time (or for the first time after failures).
    Resolved(Arc<Credential>),
    /// A kind's value or version changed since it was last yielded.
    Rotated {
        /// The credential yielded before.
        previous: Arc<Credential>,
        /// The credential now in force.
        current: Arc<Credential>,
    },
    /// A kind could not be resolved; it is tried again after a pause (the retry policy's cap,
    /// at least 1 s).
    Failed(CredentialNotFound),
}

/// Results of one cycle: the index of each kind resolved, and its outcome.
type Cycle =
    Pin<Box<dyn Future<Output = Vec<(usize, Result<Arc<Credential>, CredentialNotFound>)>> + Send>>;

/// A [`Stream`] of [`WatchEvent`]s for some kinds of one org, made by [`Client::watch`].
///
/// It first resolves every kind, yielding `Resolved` or `Failed` for each; then it sleeps until
/// the earliest refresh time of the kinds, re-resolves the kinds due and yields `Rotated` for
/// those whose value or version changed. Nothing is spawned: the work happens while the stream
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
    org_id: Arc<str>,
    kinds: Arc<[String]>,
    /// The last credential yielded per kind.
    latest: Vec<Option<Arc<Credential>>>,
    /// When each kind must be resolved next.
    due: Vec<SystemTime>,
    pending: VecDeque<WatchEvent>,
    cycle: Option<Cycle>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("org_id", &self.org_id)
            .field("kinds", &self.kinds)
            .finish_non_exhaustive()
    }
}

impl Watch {
    pub(crate) fn new(client: Client, org_id: &str, kinds: &[&str]) -> Watch {
        Watch {
            client,
            org_id: org_id.into(),
            kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
            latest: vec![None; kinds.len()],
            due: vec![SystemTime::UNIX_EPOCH; kinds.len()],
            pending: VecDeque::new(),
            cycle: None,
        }
    }

    /// The next event, for callers without a `StreamExt`.
    pub async fn next(&mut self) -> Option<WatchEvent> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sleeps until the earliest due time, then resolves every kind due.
    fn start_cycle(&self) -> Cycle {
        let (client, org_id, kinds) = (
            self.client.clone(),
            Arc::clone(&self.org_id),
            Arc::clone(&self.kinds),
        );
        let due = self.due.clone();
        Box::pin(async move {
            if let Some(earliest) = due.iter().min() {
                tokio::time::sleep(crate::until_from_now(*earliest)).await;
            }
            let now = SystemTime::now();
            let mut results = Vec::new();
            for (i, kind) in kinds.iter().enumerate() {
                if due[i] <= now {
                    results.push((i, client.resolve(&org_id, kind).await));
                }
            }
            results
        })
    }

    fn absorb(&mut self, results: Vec<(usize, Result<Arc<Credential>, CredentialNotFound>)>) {
        for (i, result) in results {
            match result {
                Ok(current) => {
                    self.due[i] = current.refresh_at();
                    let event = match self.latest[i].replace(Arc::clone(&current)) {
                        None => Some(WatchEvent::Resolved(current)),
                        Some(previous)
                            if previous.value() != current.value()
                                || previous.version() != current.version() =>
                        {
                            Some(WatchEvent::Rotated { previous, current })
                        }
                        Some(_) => None,
                    };
                    self.pending.extend(event);
                }
                Err(e) => {
                    self.due[i] = SystemTime::now() + self.client.shared.failure_pause;
                    self.pending.push_back(WatchEvent::Failed(e));
                }
            }
        }
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
            if this.kinds.is_empty() {
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
            this.absorb(results);
        }
    }
}
