//! The queue of rotation events waiting for the host to drain them.

use crate::credential::RotationEvent;
use std::collections::VecDeque;

/// Most rotation events kept undrained; older ones are dropped (and counted).
pub const MAX_PENDING_EVENTS: usize = 4096;

/// Rotation events not drained yet, oldest first, bounded by [`MAX_PENDING_EVENTS`].
#[derive(Debug, Default)]
pub(crate) struct Events {
    queue: VecDeque<RotationEvent>,
    dropped: u64,
}

impl Events {
    /// Queues an event, dropping the oldest when full.
    pub(crate) fn push(&mut self, event: RotationEvent) {
        if self.queue.len() >= MAX_PENDING_EVENTS {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(event);
    }

    /// Takes every pending event, oldest first.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = RotationEvent> + '_ {
        self.queue.drain(..)
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Most notices kept undrained; older ones are dropped.
pub const MAX_PENDING_NOTICES: usize = 256;

/// Something a host should log once (at `warn`): the core cannot log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The org it concerns.
    pub org_id: String,
    /// What happened (redacted).
    pub message: String,
}

/// Notices not drained yet, oldest first, bounded by [`MAX_PENDING_NOTICES`].
#[derive(Debug, Default)]
pub(crate) struct Notices {
    queue: VecDeque<Notice>,
}

impl Notices {
    /// Queues a notice, dropping the oldest when full.
    pub(crate) fn push(&mut self, org_id: &str, message: String) {
        if self.queue.len() >= MAX_PENDING_NOTICES {
            self.queue.pop_front();
        }
        self.queue.push_back(Notice {
            org_id: org_id.to_owned(),
            message,
        });
    }

    /// Takes every pending notice, oldest first.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Notice> + '_ {
        self.queue.drain(..)
    }
}
