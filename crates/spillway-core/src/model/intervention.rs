//! Operator interventions: what a person changes while a run is going — the playground's live
//! knobs. Each applies at the current simulated time and is part of the event log, so a run
//! with the same scenario, seed and interventions at the same times is the same run.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::context::Context;
use crate::model::event::kind;
use crate::model::system::System;

/// Most consumers an intervention may ask for (the scenario schema's own limit).
pub const MAX_CONSUMERS: u32 = 10_000;
/// The most consumer slots (consumers × concurrency), in a file and live.
pub const MAX_CONSUMER_SLOTS: u64 = 100_000;
/// Largest prefetch count a live change may set (`basic.qos` takes a 16-bit count).
pub const MAX_PREFETCH: u32 = 65_535;
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
    /// SQS: the visibility timeout of receives from now on, seconds (0–43,200). Messages in
    /// flight keep the timeout they were received with.
    VisibilityTimeout(f64),
    /// Kafka: the topic has this many partitions from now on (Kafka only adds partitions).
    /// Keys are placed over the new count — a key may move, so its order holds only from
    /// here — and the group rebalances to take the new partitions.
    Partitions(u32),
    /// RabbitMQ: the consumers' prefetch count from now on (0: unlimited). A consumer
    /// holding more than a lower prefetch keeps what it has and gets nothing until it is
    /// below it.
    Prefetch(u32),
    /// RabbitMQ: `vm_memory_high_watermark.relative` from now on (0–1 of node memory; the
    /// paging threshold follows). The alarm follows at the next memory check.
    Watermark(f64),
}

/// Why a live change was refused. Never fatal: the run goes on as it was.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum InterventionError {
    /// The value is outside the knob's range.
    OutOfRange {
        /// The knob, as the playground labels it.
        knob: &'static str,
        /// The allowed range, in words.
        range: String,
        /// The value asked for.
        value: String,
    },
    /// More consumer slots (consumers × concurrency) than a run may hold.
    TooManySlots {
        /// Consumers asked for.
        consumers: u32,
        /// The scenario's concurrency per consumer.
        concurrency: u32,
    },
    /// The knob does not exist for this scenario's broker.
    NotForThisBroker {
        /// The knob.
        knob: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// The run is over; a reset starts a new one.
    Finished,
}

impl fmt::Display for InterventionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterventionError::OutOfRange { knob, range, value } => {
                write!(f, "{knob}: must be {range}, got {value}")
            }
            InterventionError::TooManySlots {
                consumers,
                concurrency,
            } => write!(
                f,
                "consumers: {consumers} × concurrency {concurrency} is over {} slots",
                crate::metrics::registry::MetricUnit::Count.format(MAX_CONSUMER_SLOTS as f64)
            ),
            InterventionError::NotForThisBroker { knob, needs } => {
                write!(f, "{knob}: only for {needs}")
            }
            InterventionError::Finished => {
                write!(f, "the run has finished; reset it to change the knobs")
            }
        }
    }
}

impl std::error::Error for InterventionError {}

impl Intervention {
    /// Checks the value, naming the knob and the allowed range when it is out of it.
    pub fn validate(&self) -> Result<(), InterventionError> {
        let out_of_range = |knob, range: String, value: String| {
            Err(InterventionError::OutOfRange { knob, range, value })
        };
        match *self {
            Intervention::Consumers(n) if n == 0 || n > MAX_CONSUMERS => out_of_range(
                "consumers",
                format!("between 1 and {MAX_CONSUMERS}"),
                n.to_string(),
            ),
            Intervention::RateMultiplier(x) if !(0.0..=MAX_RATE_MULTIPLIER).contains(&x) => {
                out_of_range(
                    "rate multiplier",
                    format!("between 0 and {MAX_RATE_MULTIPLIER}"),
                    x.to_string(),
                )
            }
            Intervention::QueueCapacity(0) => {
                out_of_range("queue capacity", "> 0".to_string(), "0".to_string())
            }
            Intervention::VisibilityTimeout(seconds) if !(0.0..=43_200.0).contains(&seconds) => {
                out_of_range(
                    "visibility timeout",
                    "between 0 s and 12 h (43,200 s)".to_string(),
                    format!("{seconds} s"),
                )
            }
            Intervention::Partitions(n) if n == 0 || n > crate::scenario::MAX_PARTITIONS => {
                out_of_range(
                    "partitions",
                    format!("between 1 and {}", crate::scenario::MAX_PARTITIONS),
                    n.to_string(),
                )
            }
            Intervention::Prefetch(n) if n > MAX_PREFETCH => out_of_range(
                "prefetch",
                format!("between 0 (unlimited) and {MAX_PREFETCH}"),
                n.to_string(),
            ),
            Intervention::Watermark(x) if !(x > 0.0 && x <= 1.0) => out_of_range(
                "memory watermark",
                "a fraction of node memory in (0, 1]".to_string(),
                x.to_string(),
            ),
            _ => Ok(()),
        }
    }

    /// Kind and detail for the event-log fingerprint.
    pub(crate) fn identity(&self) -> (u8, u64) {
        match *self {
            Intervention::Consumers(n) => (kind::INTERVENE_CONSUMERS, u64::from(n)),
            Intervention::RateMultiplier(x) => (kind::INTERVENE_RATE, x.to_bits()),
            Intervention::QueueCapacity(n) => (kind::INTERVENE_CAPACITY, n),
            Intervention::VisibilityTimeout(x) => (kind::INTERVENE_VISIBILITY, x.to_bits()),
            Intervention::Partitions(n) => (kind::INTERVENE_PARTITIONS, u64::from(n)),
            Intervention::Prefetch(n) => (kind::INTERVENE_PREFETCH, u64::from(n)),
            Intervention::Watermark(x) => (kind::INTERVENE_WATERMARK, x.to_bits()),
        }
    }
}

/// A live change and the simulated time it was made at: the playground's export and
/// share-link format, and what `spillway run --changes` replays.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Simulated time, nanoseconds.
    pub at_nanos: u64,
    /// What changed.
    pub change: Intervention,
}

impl Change {
    /// Simulated time in seconds (for charts).
    pub fn at_seconds(&self) -> f64 {
        self.at_nanos as f64 / 1e9
    }
}

/// One entry of a change list read from a link or an export: a change this build
/// understands, or one it does not (a knob from a newer build, a typo, a value of the wrong
/// type) — kept so that it is reported as skipped instead of failing the whole list.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ChangeEntry {
    /// A change this build can apply (or refuse by range).
    Known(Change),
    /// Something shaped like a change that this build does not understand.
    NotUnderstood {
        /// When it was made, if the entry says.
        #[serde(default)]
        at_nanos: Option<u64>,
        /// Its `change`, whatever it holds.
        change: NotUnderstoodChange,
    },
}

/// The knob of a change this build does not understand.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NotUnderstoodChange {
    /// The knob as written.
    pub knob: String,
}

impl ChangeEntry {
    /// The changes to plan with their places in the list, and a line for each entry that
    /// is not understood (numbered by its place in the list).
    pub fn sort(entries: Vec<ChangeEntry>) -> SortedChanges {
        let mut known = Vec::new();
        let mut places = Vec::new();
        let mut not_understood = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            match entry {
                ChangeEntry::Known(change) => {
                    known.push(change);
                    places.push(index);
                }
                ChangeEntry::NotUnderstood { at_nanos, change } => not_understood.push((index, format!(
                    "change {} (knob `{}`{}): not a knob this build knows, or its value has the \
                     wrong type",
                    index + 1,
                    change.knob.escape_debug(),
                    at_nanos
                        .map(|at| format!(" at {:.3} s", at as f64 / 1e9))
                        .unwrap_or_default()
                ))),
            }
        }
        SortedChanges {
            known,
            places,
            not_understood,
        }
    }
}

/// A change list sorted into what can be planned and what cannot be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SortedChanges {
    /// The changes this build understands, in list order.
    pub known: Vec<Change>,
    /// For each of `known`, its place in the list as given.
    pub places: Vec<usize>,
    /// Each entry this build does not understand: its place in the list and what to say.
    pub not_understood: Vec<(usize, String)>,
}

impl SortedChanges {
    /// Renumbers changes skipped from `known` by their place in the list as given.
    pub fn renumber(&self, skipped: &mut [SkippedChange]) {
        for change in skipped {
            if let Some(&place) = self.places.get(change.index) {
                change.index = place;
            }
        }
    }
}

/// Why a planned change is skipped.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SkipReason {
    /// It is before the time the run has reached.
    InThePast,
    /// It is after the end of the run.
    AfterTheEnd,
    /// The change itself is refused.
    Refused(InterventionError),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::InThePast => write!(f, "it is before the current time"),
            SkipReason::AfterTheEnd => write!(f, "it is after the end of the run"),
            SkipReason::Refused(error) => write!(f, "{error}"),
        }
    }
}

/// A planned change that will not be applied, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedChange {
    /// Its position in the plan as given.
    pub index: usize,
    /// The change.
    pub change: Change,
    /// Why it is skipped.
    pub reason: SkipReason,
}

impl fmt::Display for SkippedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "change {} ({} at {:.3} s): {}",
            self.index + 1,
            self.change.change,
            self.change.at_seconds(),
            self.reason
        )
    }
}

impl fmt::Display for Intervention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intervention::Consumers(n) => write!(f, "consumers → {n}"),
            Intervention::RateMultiplier(x) => write!(f, "rate × {x}"),
            Intervention::QueueCapacity(n) => write!(f, "capacity → {n}"),
            Intervention::VisibilityTimeout(x) => write!(f, "visibility timeout → {x} s"),
            Intervention::Partitions(n) => write!(f, "partitions → {n}"),
            Intervention::Prefetch(0) => write!(f, "prefetch → unlimited"),
            Intervention::Prefetch(n) => write!(f, "prefetch → {n}"),
            Intervention::Watermark(x) => write!(f, "memory watermark → {x}"),
        }
    }
}

impl System {
    /// Applies a validated intervention now.
    pub(crate) fn intervene(&mut self, intervention: Intervention, cx: &mut Context) {
        match intervention {
            Intervention::Consumers(target) => self.resize_pool(target, cx),
            Intervention::RateMultiplier(multiplier) => {
                self.operator_traffic_multiplier = multiplier;
                self.retime_arrivals(cx);
            }
            Intervention::QueueCapacity(capacity) => {
                // Room may have opened for sends blocked on a full queue.
                let mut admitted = Vec::new();
                self.broker
                    .set_capacity(capacity, cx, |message| admitted.push(message.class));
                for class in admitted {
                    self.send_accepted(class, cx);
                }
                self.pull(cx);
            }
            Intervention::VisibilityTimeout(seconds) => {
                self.broker.set_visibility_timeout(
                    crate::engine::time::SimDuration::from_secs_f64(seconds),
                );
            }
            Intervention::Partitions(count) => {
                if let Some(topic) = self.broker.kafka_mut() {
                    topic.add_partitions(count, cx.now);
                    crate::model::broker::schedule_group_timers(topic, cx);
                }
                self.pull(cx);
            }
            Intervention::Prefetch(prefetch) => {
                self.broker.set_prefetch(prefetch, cx);
                self.pull(cx);
            }
            Intervention::Watermark(fraction) => self.broker.set_watermark(fraction, cx),
        }
    }

    fn resize_pool(&mut self, target: u32, cx: &mut Context) {
        use crate::model::consumer::ConsumerStatus::{Active, Starting};
        let current = self.consumers.count(Active) + self.consumers.count(Starting);
        if target > current {
            for _ in current..target {
                let consumer = self.consumers.add_consumer();
                self.consumers.bring_up(consumer);
                self.broker.member_up(consumer, cx);
                for slot in self.consumers.slots_of(consumer) {
                    self.worker_idle(slot, cx.now);
                }
            }
            self.calls.resize(
                self.consumers.total_slots() as usize,
                (0, crate::engine::time::SimTime::ZERO),
            );
            self.pull(cx);
        } else {
            for consumer in self.consumers.retire_newest(current - target) {
                self.drop_batch(consumer);
                self.broker.member_leaves(consumer, cx);
            }
            if self.kafka || self.rabbit {
                // Kafka rebalances; RabbitMQ pushed the retired consumers' buffers to others.
                self.pull(cx);
            }
        }
        cx.metrics
            .busy_slots_change(cx.now, u64::from(self.consumers.in_service()));
    }
}
