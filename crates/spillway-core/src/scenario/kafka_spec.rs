//! The `[kafka]` table: a partitioned topic and the consumer group reading it, with the Java
//! client's defaults (Apache Kafka 3.7 consumer and producer configs).

use serde::{Deserialize, Serialize};

use super::units::Duration;

/// A Kafka topic as the broker instead of `[queue]`, and the consumer group reading it:
/// each consumer is a group member that owns partitions and processes each partition's
/// records strictly in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSpec {
    /// Partitions of the topic (1–10,000). Default 12.
    #[serde(default = "default_partitions")]
    pub partitions: u32,
    /// How producers pick a record's key, hence its partition. Default: no keys.
    #[serde(default)]
    pub keys: KeySpec,
    /// The partitioner for records without a key: "sticky" (default: the Java client since
    /// 2.4 fills a batch on one partition, then moves on) or "round-robin".
    #[serde(default)]
    pub partitioner: NullKeyPartitioner,
    /// `batch.size` / record size: records a sticky partitioner sends to one partition
    /// before it picks another. Default 16 (16 KiB batches of 1 KiB records).
    #[serde(default = "default_sticky_batch")]
    pub sticky_batch: u32,
    /// `retention.ms`: records older than this are deleted; those not yet consumed are lost.
    /// Default "7d".
    #[serde(default = "default_retention")]
    pub retention: Duration,
    /// `retention.bytes` in records per partition (the oldest are deleted beyond it; those
    /// not yet consumed are lost). Default: none (-1, unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_records: Option<u64>,
    /// `max.poll.records`: records one poll returns at most. Default 500.
    #[serde(default = "default_max_poll_records")]
    pub max_poll_records: u32,
    /// `max.poll.interval.ms`: a member that does not poll again within this leaves the
    /// group (a rebalance; its uncommitted records are processed again). Default "5m".
    #[serde(default = "default_max_poll_interval")]
    pub max_poll_interval: Duration,
    /// `session.timeout.ms`: a member that stops heartbeating (it crashed) is removed after
    /// this. Default "45s".
    #[serde(default = "default_session_timeout")]
    pub session_timeout: Duration,
    /// When offsets are committed. Default "auto" (`enable.auto.commit`, every
    /// `auto_commit_interval`, at a poll, and before a rebalance).
    #[serde(default)]
    pub commit: CommitMode,
    /// `auto.commit.interval.ms`. Default "5s".
    #[serde(default = "default_auto_commit_interval")]
    pub auto_commit_interval: Duration,
    /// `partition.assignment.strategy`. Default "range" (the Java client's first strategy).
    #[serde(default)]
    pub assignor: Assignor,
    /// Time a rebalance takes once every member has rejoined (JoinGroup + SyncGroup round
    /// trips). Default "1s".
    #[serde(default = "default_rebalance_time")]
    pub rebalance_time: Duration,
    /// `group.instance.id` on every member (static membership): a member that restarts within
    /// the session timeout gets its partitions back with no rebalance. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub static_membership: bool,
    /// What a member does with a record whose processing fails. Default "retry-forever".
    #[serde(default)]
    pub on_error: ErrorPolicy,
    /// Attempts before a record goes to the dead-letter topic (`on_error = "dead-letter"`).
    /// Default 3.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Backoff before a failed record is tried again; its partition is paused meanwhile
    /// (the member goes on with its other partitions). Default "1s".
    #[serde(default = "default_retry_backoff")]
    pub retry_backoff: Duration,
    /// Slow records: a share of records (0–1) whose processing takes `slow_factor` times
    /// as long, every time. Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub slow_records: f64,
    /// How many times longer a slow record takes. Default 100.
    #[serde(default = "default_slow_factor")]
    pub slow_factor: f64,
}

/// How producers key their records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "kebab-case", deny_unknown_fields)]
pub enum KeySpec {
    /// Null keys: the null-key partitioner spreads records.
    #[default]
    None,
    /// Keys drawn uniformly from `count` keys (`key-0` … `key-{count-1}`).
    Uniform {
        /// Distinct keys.
        count: u32,
    },
    /// Keys drawn from `count` keys with Zipf skew `s` (rank 1, `key-0`, is the most
    /// frequent).
    Zipf {
        /// Distinct keys.
        count: u32,
        /// The skew: key of rank k has weight 1/k^s.
        s: f64,
    },
    /// One named key carries `share` of the traffic; the rest is uniform over `count` keys.
    Hot {
        /// The hot key (e.g. one account's id).
        key: String,
        /// Its share of the records (0–1).
        share: f64,
        /// Distinct other keys.
        count: u32,
    },
}

/// The partitioner for null keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NullKeyPartitioner {
    /// A batch on one partition, then another (KIP-480).
    #[default]
    Sticky,
    /// Each record to the next partition.
    RoundRobin,
}

/// When a member commits its offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitMode {
    /// `enable.auto.commit=true`: at a poll once `auto_commit_interval` has passed, and
    /// before a rebalance.
    #[default]
    Auto,
    /// `commitSync()` after each batch.
    Batch,
    /// `commitSync()` after each record.
    Record,
}

/// `partition.assignment.strategy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assignor {
    /// `RangeAssignor`: consecutive ranges, the first members one more.
    #[default]
    Range,
    /// `RoundRobinAssignor`: partitions dealt in turn.
    RoundRobin,
    /// `StickyAssignor`: balanced, moving as few partitions as it can (eager).
    Sticky,
    /// `CooperativeStickyAssignor`: sticky, and only the partitions that move are revoked.
    CooperativeSticky,
}

impl Assignor {
    /// Whether the group rebalances cooperatively (incremental): members keep the
    /// partitions that do not move.
    pub fn cooperative(self) -> bool {
        self == Assignor::CooperativeSticky
    }
}

/// What a member does with a record whose processing failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorPolicy {
    /// Retry it after the backoff, forever: a poison record stalls its partition for good.
    #[default]
    RetryForever,
    /// Retry up to `attempts`, then publish it to a dead-letter topic and move on.
    DeadLetter,
    /// Log it and move on (the record is not processed).
    Skip,
}

impl Default for KafkaSpec {
    fn default() -> Self {
        KafkaSpec {
            partitions: default_partitions(),
            keys: KeySpec::None,
            partitioner: NullKeyPartitioner::Sticky,
            sticky_batch: default_sticky_batch(),
            retention: default_retention(),
            retention_records: None,
            max_poll_records: default_max_poll_records(),
            max_poll_interval: default_max_poll_interval(),
            session_timeout: default_session_timeout(),
            commit: CommitMode::Auto,
            auto_commit_interval: default_auto_commit_interval(),
            assignor: Assignor::Range,
            rebalance_time: default_rebalance_time(),
            static_membership: false,
            on_error: ErrorPolicy::RetryForever,
            attempts: default_attempts(),
            retry_backoff: default_retry_backoff(),
            slow_records: 0.0,
            slow_factor: default_slow_factor(),
        }
    }
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}
fn default_partitions() -> u32 {
    12
}
fn default_sticky_batch() -> u32 {
    16
}
fn default_retention() -> Duration {
    Duration::from_secs(7 * 86_400)
}
fn default_max_poll_records() -> u32 {
    500
}
fn default_max_poll_interval() -> Duration {
    Duration::from_secs(300)
}
fn default_session_timeout() -> Duration {
    Duration::from_secs(45)
}
fn default_auto_commit_interval() -> Duration {
    Duration::from_secs(5)
}
fn default_rebalance_time() -> Duration {
    Duration::from_secs(1)
}
fn default_attempts() -> u32 {
    3
}
fn default_retry_backoff() -> Duration {
    Duration::from_secs(1)
}
fn default_slow_factor() -> f64 {
    100.0
}
