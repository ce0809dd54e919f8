//! The queue process: every RabbitMQ queue is one Erlang process that does its work one
//! operation at a time. Operations that touch the disk (a classic queue paging a message
//! out or reading one back; a quorum queue's log) keep it busy, and deliveries wait behind
//! them — a paging queue delivers slower than its consumers could take. Operations that
//! cost nothing (a classic queue in RAM) run at once.

use crate::engine::time::{SimDuration, SimTime};

/// When the queue process is free, and whether a wake-up is booked.
#[derive(Default)]
pub(crate) struct QueueProcess {
    busy_until: SimTime,
    /// A wake-up (`RabbitTick`) is scheduled for this time.
    pub tick_at: Option<SimTime>,
    /// Time spent on disk work, for the process's utilisation.
    busy_nanos: u128,
}

impl QueueProcess {
    /// Free to take an operation at `now`.
    #[inline]
    pub fn free(&self, now: SimTime) -> bool {
        self.busy_until <= now
    }

    /// Runs an operation taking `cost` from `now` (the process must be free).
    #[inline]
    pub fn run(&mut self, now: SimTime, cost: SimDuration) {
        debug_assert!(self.free(now));
        if cost > SimDuration::ZERO {
            self.busy_until = now + cost;
            self.busy_nanos += u128::from(cost.as_nanos());
        }
    }

    /// When it is free again.
    pub fn busy_until(&self) -> SimTime {
        self.busy_until
    }

    /// Seconds of disk work done.
    pub fn busy_seconds(&self) -> f64 {
        self.busy_nanos as f64 / 1e9
    }
}
