//! The run summary: the numbers that matter, as printed by the CLI, drawn by the playground
//! and emitted as `--json`. Its JSON keys are a stable interface (documented in
//! `docs/json-summary.md`); add keys, never rename them.

use serde::{Deserialize, Serialize};

use crate::metrics::Counts;

/// Everything a run reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed of the run.
    pub seed: u64,
    /// How the run ended: "completed", "drained" or "truncated".
    pub outcome: crate::engine::simulation::OutcomeKind,
    /// For a truncated run, which limit ended it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub truncated_by: Option<String>,
    /// Simulated time covered, seconds.
    pub simulated_seconds: f64,
    /// Events processed.
    pub events: u64,
    /// Hash of the event log: equal fingerprints mean identical runs.
    pub fingerprint: String,
    /// Offered load against capacity.
    pub capacity: CapacitySummary,
    /// Consumer lag.
    pub lag: LagSummary,
    /// End-to-end latency (creation to completion) of completed messages, seconds.
    pub latency: Percentiles,
    /// Time spent waiting in the queue by messages that reached a consumer, seconds.
    pub queue_wait: Percentiles,
    /// Counts over the run.
    pub counts: Counts,
    /// Messages lost: rejected + dropped + failed.
    pub lost: u64,
    /// Where every produced message is at the end.
    pub conservation: Conservation,
    /// Mean throughput, messages per second.
    pub throughput: Throughput,
    /// Mean fraction of consumer slots busy, 0–1.
    pub utilisation: f64,
    /// Useful work (goodput) against work wasted on failed processing attempts.
    pub work: WorkSummary,
    /// The SQS queue, if the broker is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sqs: Option<SqsSummary>,
    /// The Kafka topic and consumer group, if the broker is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kafka: Option<KafkaSummary>,
    /// The RabbitMQ queue and node, if the broker is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rabbitmq: Option<RabbitSummary>,
    /// The downstream dependency, if the scenario has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub downstream: Option<DownstreamSummary>,
    /// The scenario's fault windows (for bands on charts).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub faults: Vec<FaultWindow>,
    /// Per priority class (one entry per class).
    pub classes: Vec<ClassSummary>,
    /// Results of the scenario's `[[assert]]` checks.
    pub assertions: Vec<AssertionResult>,
}

/// Offered load against capacity: the thesis in three numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacitySummary {
    /// Mean arrival rate over the run, messages per second.
    pub offered_per_second: f64,
    /// What the system can finish at full utilisation, messages per second: the smaller of
    /// the consumer slots (slots / (mean service time + mean call latency)) and the
    /// downstream pool at its best (pool / mean latency with the pool full); 0 if a mean is
    /// infinite.
    pub capacity_per_second: f64,
    /// offered / capacity: above 1 the backlog grows without bound.
    pub offered_load: f64,
}

/// Consumer lag: how far behind the consumers are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LagSummary {
    /// Most messages waiting at once.
    pub max_messages: u64,
    /// Oldest any waiting message got, seconds.
    pub max_seconds: f64,
    /// Messages waiting at the end.
    pub final_messages: u64,
    /// Age of the oldest waiting message at the end, seconds.
    pub final_seconds: f64,
    /// The alert threshold, seconds.
    pub alert_seconds: f64,
    /// Time the lag spent above the alert threshold, seconds (on the sample grid).
    pub seconds_over_alert: f64,
    /// Messages already waiting at the start (the scenario's `initial_backlog`).
    #[serde(skip_serializing_if = "is_zero_count", default)]
    pub initial_backlog: u64,
    /// With an initial backlog: when it was first caught up — the first sample after the
    /// start with nothing waiting and no message of the backlog unfinished — seconds; absent
    /// if it never was.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub caught_up_seconds: Option<f64>,
    /// With faults that end: how long after the last one ended the lag took to fall back
    /// under the alert for good (to the end of the run), seconds (on the sample grid). Absent without such faults, or when it
    /// never did (then `never_recovered` says so).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recovery_seconds: Option<f64>,
    /// True when every fault ended but the lag never fell back under the alert: a
    /// metastable failure (the fault is gone, the overload stays).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub never_recovered: bool,
}

fn is_zero_count(value: &u64) -> bool {
    *value == 0
}

impl LagSummary {
    /// Time to recover from the last fault: 0 without faults that end, infinite if never.
    pub fn recovery_after_faults(&self) -> f64 {
        if self.never_recovered {
            f64::INFINITY
        } else {
            self.recovery_seconds.unwrap_or(0.0)
        }
    }

    /// Time to catch up with the initial backlog: 0 without one, infinite if never.
    pub fn catch_up_seconds(&self) -> f64 {
        if self.initial_backlog == 0 {
            0.0
        } else {
            self.caught_up_seconds.unwrap_or(f64::INFINITY)
        }
    }
}

/// Percentiles of a latency distribution, seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Number of values.
    pub count: u64,
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
}

/// Conservation of messages: produced = completed + failed + rejected + dropped +
/// dead-lettered + queued + in service + blocked + waiting to retry + waiting to redeliver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conservation {
    /// True when every produced message is accounted for.
    pub holds: bool,
    /// Messages produced.
    pub produced: u64,
    /// Messages accounted for (the right-hand side).
    pub accounted: u64,
    /// Waiting in the queue at the end.
    pub queued: u64,
    /// Being processed at the end.
    pub in_service: u64,
    /// Blocked sends at the end.
    pub blocked: u64,
    /// Waiting to be re-sent at the end.
    pub waiting_to_retry: u64,
    /// In the dead-letter queue.
    pub dead_lettered: u64,
    /// Failed messages waiting for their redelivery at the end.
    pub waiting_to_redeliver: u64,
    /// SQS: received and not deleted at the end (consumers work on copies of these).
    #[serde(default)]
    pub in_flight: u64,
    /// SQS: waiting out the delivery delay at the end.
    #[serde(default)]
    pub delayed: u64,
    /// SQS: deleted by the retention period.
    #[serde(default)]
    pub expired: u64,
    /// SQS: copies stored by re-sends after lost responses (on the produced side).
    #[serde(default)]
    pub duplicate_sends: u64,
}

/// Goodput against throughput: consumer time that produced a result, and time spent on
/// processing attempts that failed and had to be redone or given up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkSummary {
    /// Successful completions per second (goodput).
    pub goodput_per_second: f64,
    /// Processing attempts per second, successful or not (throughput).
    pub attempts_per_second: f64,
    /// Consumer seconds spent on attempts that succeeded.
    pub useful_seconds: f64,
    /// Consumer seconds spent on attempts that failed.
    pub wasted_seconds: f64,
    /// wasted / (useful + wasted).
    pub wasted_ratio: f64,
    /// What the consumers cost: consumers taking messages × time, hours (on the sample grid).
    #[serde(default)]
    pub consumer_hours: f64,
}

/// A Kafka topic's and consumer group's side of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KafkaSummary {
    /// Partitions of the topic.
    pub partitions: u32,
    /// The assignor (`partition.assignment.strategy`).
    pub assignor: String,
    /// Members in the group at the end.
    pub members: u32,
    /// The consumer lag at the end, Σ log-end − committed.
    pub lag: u64,
    /// Per partition at the end: log-end offset, committed offset and lag.
    pub partition_lag: Vec<u64>,
    /// The partition with the largest lag at the end (lowest index on a tie).
    pub worst_partition: u32,
    /// Its lag.
    pub worst_partition_lag: u64,
    /// The largest partition lag at any sample, and at which partition.
    pub max_partition_lag: u64,
    /// The partition that had `max_partition_lag`.
    pub max_partition: u32,
    /// Records processed for the first time, per partition.
    pub processed_per_partition: Vec<u64>,
    /// Rebalances completed.
    pub rebalances: u64,
    /// Time spent rebalancing, seconds.
    pub rebalancing_seconds: f64,
    /// Members removed for exceeding `max.poll.interval`.
    pub max_poll_evictions: u64,
    /// Crashed members removed when their session timed out.
    pub session_timeouts: u64,
    /// Commits that failed because the member had been removed.
    pub failed_commits: u64,
    /// Static members back within the session timeout (no rebalance).
    pub static_rejoins: u64,
    /// Records processed again after a rebalance (processed, not committed, redone).
    pub duplicates: u64,
    /// Records deleted by retention before they were processed.
    pub retention_lost: u64,
    /// Failed attempts retried in place (the partition paused for the backoff).
    pub retries: u64,
    /// Records published to the dead-letter topic.
    pub dead_lettered: u64,
    /// Records skipped by the error policy.
    pub skipped: u64,
}

/// A RabbitMQ queue's side of the run, in the management UI's and Prometheus plugin's
/// terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RabbitSummary {
    /// "classic" or "quorum".
    pub queue_type: String,
    /// The consumers' prefetch count (0: unlimited).
    pub prefetch: u32,
    /// messages_ready at the end.
    pub messages_ready: u64,
    /// The most messages ready at once.
    pub max_messages_ready: u64,
    /// messages_unacknowledged at the end.
    pub messages_unacknowledged: u64,
    /// The most messages unacknowledged at once.
    pub max_messages_unacknowledged: u64,
    /// Mean publish rate (messages the queue accepted), per second.
    pub publish_per_second: f64,
    /// Mean deliver rate (redeliveries included), per second.
    pub deliver_per_second: f64,
    /// Mean ack rate, per second.
    pub ack_per_second: f64,
    /// Messages returned to the head of the queue (nacked with requeue, or their consumer's channel closed).
    pub requeued: u64,
    /// Node memory used at the end, bytes.
    pub memory_used_bytes: u64,
    /// Node memory used at its peak, bytes.
    pub peak_memory_bytes: u64,
    /// The memory high watermark, bytes.
    pub watermark_bytes: u64,
    /// Memory alarms raised.
    pub memory_alarms: u64,
    /// Time the alarm blocked publishers, seconds.
    pub alarm_seconds: f64,
    /// Free disk space at the end, bytes.
    pub disk_free_bytes: u64,
    /// The least free disk space the disk monitor saw, bytes.
    pub min_disk_free_bytes: u64,
    /// `disk_free_limit`, bytes.
    pub disk_free_limit_bytes: u64,
    /// Disk alarms raised.
    pub disk_alarms: u64,
    /// Time the disk alarm blocked publishers, seconds.
    pub disk_alarm_seconds: f64,
    /// Producers publish in confirm mode.
    pub publisher_confirms: bool,
    /// Each producer's confirm window (`max_unconfirmed`), if bounded.
    pub max_unconfirmed: Option<u32>,
    /// The most publishes one producer had unconfirmed at once (with a window).
    pub max_unconfirmed_publishes: u64,
    /// Publishes held back because their producer's confirm window was full.
    pub held_back_publishes: u64,
    /// Fire-and-forget publishes the length limit refused: lost, their producers unaware.
    pub lost_unconfirmed: u64,
    /// Publishes blocked by an alarm (memory or disk).
    pub blocked_publishes: u64,
    /// Blocked publishes that timed out at the producer.
    pub publish_timeouts: u64,
    /// The most publishes blocked at once.
    pub max_blocked_publishes: u64,
    /// Publishes refused by the length limit.
    pub rejected_publishes: u64,
    /// Messages paged out to disk.
    pub paged_out: u64,
    /// Paged messages read back from disk.
    pub paged_in: u64,
    /// The most messages on disk at once.
    pub max_paged: u64,
    /// The queue process's time on the disk, seconds.
    pub disk_seconds: f64,
    /// Unacknowledged messages per consumer at the end.
    pub unacked_per_consumer: Vec<u32>,
    /// The most unacknowledged messages one consumer held.
    pub max_consumer_unacked: u64,
    /// Dead-lettered because a consumer rejected them (`x-death` reason `rejected`).
    pub dead_lettered_rejected: u64,
    /// Dead-lettered when their TTL passed (`expired`).
    pub dead_lettered_expired: u64,
    /// Dead-lettered at the length limit (`maxlen`; reject-publish-dlx copies included).
    pub dead_lettered_maxlen: u64,
    /// Of those, copies of publishes refused by reject-publish-dlx whose confirming
    /// producers kept the originals (not messages the run lost).
    pub dead_letter_copies: u64,
    /// Dead-lettered past the quorum queue's delivery limit (`delivery_limit`).
    pub dead_lettered_delivery_limit: u64,
}

/// An SQS queue's side of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SqsSummary {
    /// "standard" or "fifo".
    pub queue_type: String,
    /// The visibility timeout at the end, seconds.
    pub visibility_timeout_seconds: f64,
    /// The queue's CloudWatch metrics, named and defined as CloudWatch defines them.
    pub cloudwatch: CloudWatchMetrics,
    /// Most messages in flight at once (the not-visible peak).
    pub max_not_visible: u64,
    /// Receives of a message whose previous receive had not failed: delivered again
    /// because a visibility timeout expired under a worker still on it (or gone).
    pub duplicate_deliveries: u64,
    /// Deletes that failed because the receipt handle was no longer the latest.
    pub failed_deletes: u64,
    /// Visibility timeouts that expired (the message became visible again).
    pub visibility_expirations: u64,
    /// ChangeMessageVisibility calls that took effect.
    pub visibility_changes: u64,
    /// ChangeMessageVisibility calls refused (beyond 12 h of the receive, not in flight, or
    /// with an old receipt handle).
    pub visibility_changes_refused: u64,
    /// Receives that failed with OverLimit (too many messages in flight).
    pub over_limit_errors: u64,
    /// Messages deleted by the retention period.
    pub expired: u64,
    /// SendMessage responses lost (the producer sent again).
    pub lost_send_responses: u64,
    /// Copies those re-sends stored (standard queue, or FIFO beyond 5 minutes).
    pub duplicate_sends: u64,
    /// Re-sends a FIFO queue dropped within its 5-minute deduplication interval.
    pub deduplicated: u64,
    /// Messages in the dead-letter queue at the end (moved there, less those its own
    /// retention period deleted).
    pub dead_letter_queue_depth: u64,
    /// Messages the dead-letter queue's retention period deleted: a standard queue's
    /// messages keep their first send's timestamp, so they can expire soon after the move.
    #[serde(default)]
    pub dead_letter_expired: u64,
    /// Second copies the upstream emitted (`duplicate_events`); the stored ones are in
    /// `duplicate_sends`, the ones FIFO content-based deduplication dropped in
    /// `deduplicated`.
    #[serde(default)]
    pub duplicate_events: u64,
    /// Short-polling receives that returned nothing while messages were visible (their
    /// servers were not sampled); part of NumberOfEmptyReceives.
    #[serde(default)]
    pub false_empty_receives: u64,
    /// Messages that left the queue, by how often they were received: entry i is i
    /// receives, the last entry 10 or more.
    pub receives_per_message: Vec<u64>,
    /// Of those, messages received three times or more (flagged: churn or poison).
    pub received_three_times_or_more: u64,
    /// FIFO: message groups with messages waiting behind one in flight, at the end.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub groups_stalled: Option<u32>,
    /// FIFO: the group with the most messages waiting at the end, and how many.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub largest_group_backlog: Option<GroupBacklog>,
    /// Share of consumer time spent on deliveries whose result was thrown away (failed
    /// deletes, failed attempts, workers that went down), 0–1.
    pub wasted_work_ratio: f64,
}

/// One FIFO message group's backlog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupBacklog {
    /// The group's index (0-based).
    pub group: u32,
    /// Messages of the group waiting.
    pub messages: u64,
}

/// CloudWatch's SQS metrics (AWS/SQS namespace). Gauges are their value at the end of the
/// run; counts are sums over the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudWatchMetrics {
    /// Messages available for retrieval.
    pub approximate_number_of_messages_visible: u64,
    /// Messages in flight: received, not deleted, visibility timeout not reached.
    pub approximate_number_of_messages_not_visible: u64,
    /// Messages delayed and not yet available.
    pub approximate_number_of_messages_delayed: u64,
    /// Age of the oldest non-deleted message, seconds — except that a message received three
    /// times or more is skipped (CloudWatch documents this), so a poison message hides.
    pub approximate_age_of_oldest_message: f64,
    /// SendMessage calls that added a message.
    pub number_of_messages_sent: u64,
    /// Messages returned by receives (every receive of a message counts).
    pub number_of_messages_received: u64,
    /// Messages deleted (with a valid receipt handle).
    pub number_of_messages_deleted: u64,
    /// Receives that returned no message.
    pub number_of_empty_receives: u64,
}

/// The downstream's side of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DownstreamSummary {
    /// Its name.
    pub name: String,
    /// Calls made (breaker refusals not included).
    pub calls: u64,
    /// Calls the caller gave up on.
    pub timeouts: u64,
    /// Calls that failed (errors, read-only, down).
    pub errors: u64,
    /// Calls refused by the open circuit breaker.
    pub breaker_rejected: u64,
    /// Times the breaker opened.
    pub breaker_opened: u64,
    /// Most connections in use at once.
    pub max_connections_in_use: u32,
}

/// When a scripted fault was active.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultWindow {
    /// The fault kind, as written in the scenario.
    pub kind: String,
    /// Start, seconds.
    pub start_seconds: f64,
    /// End, seconds (absent: to the end of the run).
    pub end_seconds: Option<f64>,
}

/// Mean throughput over the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Sends accepted per second.
    pub in_per_second: f64,
    /// Messages completed per second.
    pub out_per_second: f64,
}

/// Outcomes of one priority class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Class name.
    pub name: String,
    /// Priority (larger is more important).
    pub priority: i32,
    /// Messages produced.
    pub produced: u64,
    /// Processed successfully.
    pub completed: u64,
    /// Processing failed.
    pub failed: u64,
    /// Lost to refused sends.
    pub rejected: u64,
    /// Dropped or shed from the queue.
    pub dropped: u64,
    /// Moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// 99th-percentile end-to-end latency, seconds.
    pub p99_latency: f64,
}

/// One evaluated `[[assert]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssertionResult {
    /// The check as written, e.g. `p99_latency < 2s`.
    pub check: String,
    /// The measured value in the metric's unit (seconds, messages, or a ratio).
    pub actual: f64,
    /// True when the check holds.
    pub passed: bool,
}

impl Summary {
    /// True when the run completed, conservation holds and every assertion passed.
    pub fn passed(&self) -> bool {
        self.outcome != crate::engine::simulation::OutcomeKind::Truncated
            && self.conservation.holds
            && self.assertions.iter().all(|a| a.passed)
    }
}
