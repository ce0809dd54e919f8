//! Operator interventions: what a person changes while a run is going — the playground's live
//! knobs. Each applies at the current simulated time and is part of the event log, so a run
//! with the same scenario, seed and interventions at the same times is the same run.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::event_queue::EventQueue;
use crate::engine::time::SimTime;
use crate::model::system::{Event, System};

/// Most consumers an intervention may ask for (the scenario schema's own limit).
pub const MAX_CONSUMERS: u32 = 10_000;
/// Largest rate multiplier an intervention may set.
pub const MAX_RATE_MULTIPLIER: f64 = 100.0;

/// One live change.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "knob", content = "value", rename_all = "snake_case")]
pub enum Intervention {
    /// Run this many consumers from now on: new ones start at once, removed ones finish the
    /// work they hold and then stop.
    Consumers(u32),
    /// Multiply every producer's rate by this (on top of any traffic fault); 1 is as designed.
    RateMultiplier(f64),
    /// The queue holds at most this many messages from now on. Messages already waiting
    /// stay even above a smaller capacity; new sends see the new limit.
    QueueCapacity(u64),
}

impl Intervention {
    /// Checks the value, naming the knob and the allowed range when it is out of it.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Intervention::Consumers(n) if n == 0 || n > MAX_CONSUMERS => Err(format!(
                "consumers: must be between 1 and {MAX_CONSUMERS}, got {n}"
            )),
            Intervention::RateMultiplier(x) if !(0.0..=MAX_RATE_MULTIPLIER).contains(&x) => Err(
                format!("rate multiplier: must be between 0 and {MAX_RATE_MULTIPLIER}, got {x}"),
            ),
            Intervention::QueueCapacity(0) => Err("queue capacity: must be > 0, got 0".to_string()),
            _ => Ok(()),
        }
    }

    /// Kind and detail for the event-log fingerprint.
    pub(crate) fn identity(&self) -> (u8, u64) {
        match *self {
            Intervention::Consumers(n) => (11, u64::from(n)),
            Intervention::RateMultiplier(x) => (12, x.to_bits()),
            Intervention::QueueCapacity(n) => (13, n),
        }
    }
}

impl fmt::Display for Intervention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intervention::Consumers(n) => write!(f, "consumers → {n}"),
            Intervention::RateMultiplier(x) => write!(f, "rate × {x}"),
            Intervention::QueueCapacity(n) => write!(f, "capacity → {n}"),
        }
    }
}

impl System {
    /// Applies a validated intervention at `now`.
    pub(crate) fn intervene(
        &mut self,
        intervention: Intervention,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        match intervention {
            Intervention::Consumers(target) => self.resize_pool(target, now, events),
            Intervention::RateMultiplier(multiplier) => {
                self.operator_traffic_multiplier = multiplier;
                self.retime_arrivals(now, events);
            }
            Intervention::QueueCapacity(capacity) => {
                self.queue.set_capacity(capacity);
                // Room may have opened for sends blocked on a full queue.
                while self.queue.blocked_len() > 0 && self.queue.admit_blocked(now).is_some() {
                    self.metrics.counts.accepted += 1;
                }
                self.note_depth(now);
                self.dispatch(now, events);
            }
        }
    }

    fn resize_pool(&mut self, target: u32, now: SimTime, events: &mut EventQueue<Event>) {
        use crate::model::consumer::ConsumerStatus::{Active, Starting};
        let current = self.consumers.count(Active) + self.consumers.count(Starting);
        if target > current {
            for _ in current..target {
                let consumer = self.consumers.add_consumer();
                self.consumers.bring_up(consumer);
            }
            self.calls
                .resize(self.consumers.total_slots() as usize, (0, SimTime::ZERO));
            self.dispatch(now, events);
        } else {
            for _ in target..current {
                self.consumers.retire_one();
            }
        }
        self.metrics
            .busy_slots_change(now, u64::from(self.consumers.in_service()));
    }
}
