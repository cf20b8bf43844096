//! The narrow view of the registry a step gets: its own org, and the registry-wide parts a step
//! may use (retry policy, body cap, jitter, event queue, id counter).

use crate::events::{Events, Notices};
use crate::fresh::FreshIndex;
use crate::provider::{Ids, Provider};
use crate::retry::{Jitter, RetryPolicy};
use crate::shared::Pending;

/// What one step of an operation may touch. Built by the registry after finding the org once.
pub(crate) struct Ctx<'a> {
    /// The operation's org.
    pub org: &'a mut Provider,
    /// The hosts' view of the cache: written wherever the org's cache changes.
    pub fresh: &'a FreshIndex,
    pub retry: &'a RetryPolicy,
    /// Largest response body accepted.
    pub max_body: usize,
    pub jitter: &'a mut Jitter,
    pub events: &'a mut Events,
    pub notices: &'a mut Notices,
    pub ids: &'a mut Ids,
    /// Shared logins ([`crate::RegistryOptions::shared_logins`]): ask the host before a login,
    /// and queue every token obtained in `logins`.
    pub shared: bool,
    pub logins: &'a mut Vec<Pending>,
}

impl Ctx<'_> {
    /// Releases the org's login `flight` if it is still the one in progress: the one place a
    /// login flight ends (success, failure, cancel, misuse).
    pub(crate) fn release_flight(&mut self, flight: Option<u64>) {
        if let Some(id) = flight
            && self.org.flight.is_some_and(|f| f.id == id)
        {
            self.org.flight = None;
        }
    }
}
