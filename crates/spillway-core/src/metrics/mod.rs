//! Counters, latency histograms and the running aggregates behind the summary.

use serde::{Deserialize, Serialize};

pub(crate) mod assertion;
pub(crate) mod charts;
pub(crate) mod histogram;
pub(crate) mod registry;
pub(crate) mod report;
pub(crate) mod sampler;
pub(crate) mod series;
pub(crate) mod summary;

use crate::engine::time::{SimDuration, SimTime};
pub(crate) use histogram::{ChartHistogram, LatencyHistogram};

/// Event counts over the whole run. Every field is a number of messages (or of sends).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Messages created by producers.
    pub produced: u64,
    /// Sends attempted (first tries and retries).
    pub send_attempts: u64,
    /// Sends the queue accepted.
    pub accepted: u64,
    /// Sends refused because the queue was full.
    pub refused_full: u64,
    /// Sends pushed back because the queue was above its high watermark.
    pub pushed_back: u64,
    /// Sends that waited for space (overflow = "block").
    pub blocked: u64,
    /// Blocked sends that gave up waiting.
    pub block_timeouts: u64,
    /// Retries scheduled by producers.
    pub retried: u64,
    /// Messages lost because every send attempt was refused.
    pub rejected: u64,
    /// Messages discarded from the queue (drop-oldest, shedding).
    pub dropped: u64,
    /// Messages processed successfully.
    pub completed: u64,
    /// Messages whose processing failed on their last allowed attempt (no dead-letter queue).
    pub failed: u64,
    /// Processing attempts that failed (each delivery counts).
    pub processing_failures: u64,
    /// SQS: processing attempts that succeeded but whose delete failed (the receipt handle
    /// was no longer the latest): work thrown away.
    #[serde(default)]
    pub failed_deletes: u64,
    /// Redeliveries scheduled after a failed processing attempt.
    pub redelivered: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// SQS: of those, messages the dead-letter queue's retention period deleted since.
    #[serde(default)]
    pub dead_letter_expired: u64,
    /// Messages deleted by the broker's retention period (SQS) before anyone processed them.
    #[serde(default)]
    pub expired: u64,
    /// SQS: copies of messages stored by a producer's re-send after a lost response (they
    /// were not produced again, so conservation counts them beside `produced`).
    #[serde(default)]
    pub duplicate_sends: u64,
    /// Sends refused by the ingress rate limiter.
    pub rate_limited: u64,
    /// Sends refused by priority load shedding.
    pub shed: u64,
    /// Calls made to the downstream.
    pub downstream_calls: u64,
    /// Calls the caller gave up on.
    pub call_timeouts: u64,
    /// Calls that failed (errors, read-only, down).
    pub call_errors: u64,
    /// Calls refused at once by an open circuit breaker.
    pub breaker_rejected: u64,
    /// Consumers that crashed (fault timeline).
    pub consumer_crashes: u64,
    /// Consumers the health check killed for being slow.
    pub health_check_kills: u64,
    /// Messages delivered again because their consumer went down mid-work.
    pub interrupted: u64,
    /// Consumers the autoscaler added.
    pub scaled_up: u64,
    /// Consumers the autoscaler retired.
    pub scaled_down: u64,
}

/// Per-priority-class outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClassCounts {
    pub produced: u64,
    pub completed: u64,
    pub failed: u64,
    pub rejected: u64,
    pub dropped: u64,
    pub dead_lettered: u64,
    pub expired: u64,
}

/// Everything measured during a run.
pub(crate) struct Metrics {
    pub counts: Counts,
    pub classes: Vec<ClassCounts>,
    pub end_to_end: LatencyHistogram,
    pub queue_wait: LatencyHistogram,
    pub class_end_to_end: Vec<LatencyHistogram>,
    /// End-to-end latency since the last sample (for the chart's percentiles).
    pub interval_end_to_end: ChartHistogram,
    pub waiting_to_retry: u64,
    /// Consumer time spent on attempts that succeeded / failed, nanoseconds.
    pub useful_work_nanos: u128,
    pub wasted_work_nanos: u128,
    /// ∫ busy slots dt, in slot-nanoseconds, up to `busy_since`.
    busy_slot_nanos: u128,
    busy_since: SimTime,
    busy_slots: u64,
    /// Sum over all queued messages of their time in the queue, for Little's law (ns).
    pub queue_time_total: u128,
    /// ∫ queue length dt (message-nanoseconds) up to `queue_length_since`.
    queue_length_area: u128,
    queue_length_since: SimTime,
    queue_length: u64,
}

impl Metrics {
    pub fn new(class_count: usize) -> Self {
        Metrics {
            counts: Counts::default(),
            classes: vec![ClassCounts::default(); class_count],
            end_to_end: LatencyHistogram::new(),
            queue_wait: LatencyHistogram::new(),
            class_end_to_end: if class_count > 1 {
                (0..class_count).map(|_| LatencyHistogram::new()).collect()
            } else {
                Vec::new()
            },
            interval_end_to_end: ChartHistogram::new(),
            waiting_to_retry: 0,
            useful_work_nanos: 0,
            wasted_work_nanos: 0,
            busy_slot_nanos: 0,
            busy_since: SimTime::ZERO,
            busy_slots: 0,
            queue_time_total: 0,
            queue_length_area: 0,
            queue_length_since: SimTime::ZERO,
            queue_length: 0,
        }
    }

    /// Records that the number of busy slots becomes `busy_slots` at `now`.
    #[inline]
    pub fn busy_slots_change(&mut self, now: SimTime, busy_slots: u64) {
        self.busy_slot_nanos += wide_product(self.busy_slots, (now - self.busy_since).as_nanos());
        self.busy_since = now;
        self.busy_slots = busy_slots;
    }

    /// ∫ busy slots dt up to `now`, in slot-seconds.
    pub fn busy_slot_seconds(&self, now: SimTime) -> f64 {
        let open = wide_product(self.busy_slots, (now - self.busy_since).as_nanos());
        (self.busy_slot_nanos + open) as f64 / 1e9
    }

    /// Records that the queue holds `length` messages from `now` on.
    #[inline]
    pub fn queue_length_change(&mut self, now: SimTime, length: u64) {
        self.queue_length_area += wide_product(
            self.queue_length,
            (now - self.queue_length_since).as_nanos(),
        );
        self.queue_length_since = now;
        self.queue_length = length;
    }

    /// ∫ queue length dt up to `now`, in message-nanoseconds.
    pub fn queue_length_integral(&self, now: SimTime) -> u128 {
        self.queue_length_area
            + wide_product(
                self.queue_length,
                (now - self.queue_length_since).as_nanos(),
            )
    }

    /// A message left the queue after `age` in it.
    #[inline]
    pub fn left_queue(&mut self, age: SimDuration) {
        self.queue_time_total += u128::from(age.as_nanos());
    }

    /// Messages lost: rejected, dropped, failed, or expired (from the queue or its DLQ).
    pub fn lost(&self) -> u64 {
        self.counts.rejected
            + self.counts.dropped
            + self.counts.failed
            + self.counts.expired
            + self.counts.dead_letter_expired
    }
}

/// `a × b` as u128, in one 64-bit multiply when both factors fit in 32 bits (almost always:
/// a count times a gap between events). WebAssembly has no 128-bit or overflow-checked
/// 64-bit multiply, and this runs on every event.
#[inline]
fn wide_product(a: u64, b: u64) -> u128 {
    if (a | b) >> 32 == 0 {
        u128::from(a * b)
    } else {
        u128::from(a) * u128::from(b)
    }
}
