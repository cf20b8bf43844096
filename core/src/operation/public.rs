//! What a host holds: an [`Operation`], typed by its [`Outcome`].

#[allow(unused_imports, reason = "doc links")]
use super::Next;
use super::task::Task;
use super::{Health, Phase, Resolve, ResolveResult, Run};
use crate::credential::HealthReport;
use crate::refresh::from_ms;
use std::time::SystemTime;

/// Outcome types an [`Operation`] can finish with: [`ResolveResult`] or [`HealthReport`].
///
/// Sealed: the core decides what an operation does for each outcome type.
pub trait Outcome: sealed::Sealed + Clone + Send + 'static {
    #[doc(hidden)]
    type Task: Task<Output = Self>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ResolveResult {}
    impl Sealed for crate::credential::HealthReport {}
}

impl Outcome for ResolveResult {
    type Task = Resolve;
}

impl Outcome for HealthReport {
    type Task = Health;
}

/// One resolve or health check in progress. Owned by the host; each step borrows the registry
/// (see `Registry::poll`), so a multi-threaded host can keep the registry behind a mutex and
/// hold it only for the microseconds a step takes, never across I/O.
///
/// # Host misuse
///
/// The core expects, after each [`Next`], exactly the input it asked for: after
/// [`Next::Http`] one `on_response`, after [`Next::ReadFile`] one `on_file`, after
/// [`Next::SharedLogin`] one `on_shared_login`, otherwise a `poll`.
/// Any other order — a poll while an answer is awaited, a response or a file nobody asked
/// for — ends the operation with [`Reason::HostMisuse`](crate::Reason::HostMisuse), naming what happened. Inputs to a
/// finished operation are ignored.
pub struct Operation<O: Outcome> {
    pub(crate) inner: Inner<O>,
}

pub(crate) enum Inner<O: Outcome> {
    Done(O),
    Running(Box<Run<O::Task>>),
}

impl<O: Outcome> std::fmt::Debug for Operation<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Done(_) => f.write_str("Operation(finished)"),
            Inner::Running(run) => write!(
                f,
                "Operation({} {} for org {})",
                O::Task::NAME,
                run.phase.name(),
                run.org_id
            ),
        }
    }
}

/// A resolve in progress.
pub type ResolveOp = Operation<ResolveResult>;
/// A health check in progress.
pub type HealthOp = Operation<HealthReport>;

impl<O: Outcome> Operation<O> {
    pub(crate) fn done(outcome: O) -> Self {
        Operation {
            inner: Inner::Done(outcome),
        }
    }
    pub(crate) fn running(run: Run<O::Task>) -> Self {
        Operation {
            inner: Inner::Running(Box::new(run)),
        }
    }
    /// When the operation gives up (`None` once it has finished): a host cuts the timeout of
    /// each call it makes for the operation to this, so no operation outlives its deadline.
    pub fn deadline(&self) -> Option<SystemTime> {
        match &self.inner {
            Inner::Running(run) if !matches!(run.phase, Phase::Done(_)) => {
                Some(from_ms(run.deadline_ms))
            }
            _ => None,
        }
    }

    /// The org the operation works for (`None` for an operation that finished as it started,
    /// e.g. a cache hit).
    pub fn org_id(&self) -> Option<&str> {
        match &self.inner {
            Inner::Running(run) => Some(&run.org_id),
            Inner::Done(_) => None,
        }
    }

    /// Whether the operation has finished.
    pub fn is_done(&self) -> bool {
        match &self.inner {
            Inner::Done(_) => true,
            Inner::Running(run) => matches!(run.phase, Phase::Done(_)),
        }
    }
}
