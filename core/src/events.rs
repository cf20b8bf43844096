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
