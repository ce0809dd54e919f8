//! The scenario file schema. Every field is optional unless noted, with the default given in
//! its doc line; later features add optional fields, so files written today keep working.
//! The user-facing reference is `docs/scenario-format.md`.

use serde::{Deserialize, Serialize};

pub use super::kafka_spec::*;
pub use super::rabbitmq_spec::*;
use super::units::{Capacity, Duration, Rate};
pub use crate::model::retry_budget::RetryBudgetSpec;

/// A whole scenario: producers → one queue → a consumer pool, plus run settings and SLO checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, shown in summaries. Default: the file name or preset name.
    #[serde(default)]
    pub name: String,
    /// One-line story shown by `spillway presets` and the playground.
    #[serde(default)]
    pub description: String,
    /// Seed for every random stream. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time to run. Default "10m".
    #[serde(default = "default_duration")]
    pub duration: Duration,
    /// Messages already waiting in the queue when the run starts (a backlog to drain: how
    /// long until caught up?). They belong to the first producer's first class. Default 0.
    #[serde(default, skip_serializing_if = "no_messages")]
    pub initial_backlog: u64,
    /// Sources of messages (at least one).
    pub producers: Vec<ProducerSpec>,
    /// The queue between producers and consumers.
    #[serde(default)]
    pub queue: QueueSpec,
    /// An Amazon SQS queue as the broker instead of `[queue]`: visibility timeouts,
    /// receive counts, redrive, FIFO message groups. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqs: Option<SqsSpec>,
    /// A Kafka topic and its consumer group as the broker instead of `[queue]`: partitions,
    /// keys, ordering per partition, offsets, rebalances. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaSpec>,
    /// A RabbitMQ queue on one node as the broker instead of `[queue]`: prefetch, the
    /// memory alarm that blocks publishers, paging, length limits, dead-lettering.
    /// Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rabbitmq: Option<RabbitSpec>,
    /// The consumer pool.
    pub consumers: ConsumerSpec,
    /// Metric sampling and alert settings.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// Safety limits that end a runaway scenario early with a `Truncated` outcome.
    #[serde(default)]
    pub limits: LimitsSpec,
    /// The dependency consumers call for each message (a database). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downstream: Option<DownstreamSpec>,
    /// A token bucket in front of the queue. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limiter: Option<RateLimiterSpec>,
    /// Refuse low-priority messages while the system is behind. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shedding: Option<SheddingSpec>,
    /// Scales the consumer pool on lag or utilisation. Default: none (fixed pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaler: Option<AutoscalerSpec>,
    /// Scripted incidents: at a time, or between two times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultSpec>,
    /// SLO checks evaluated after the run; `spillway run` exits 1 when one fails.
    /// Each table has one key, a metric, and a condition: `p99_latency = "< 2s"`.
    #[serde(default, rename = "assert", skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<std::collections::BTreeMap<String, String>>,
}

fn default_seed() -> u64 {
    1
}
fn no_messages(value: &u64) -> bool {
    *value == 0
}

fn default_duration() -> Duration {
    Duration::from_secs(600)
}

/// One source of messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    /// Name; also names its random stream. Default "producer-N".
    #[serde(default)]
    pub name: String,
    /// Base arrival rate (required), e.g. "20/s".
    pub rate: Rate,
    /// Spacing of arrivals: "poisson" (default) or "constant".
    #[serde(default)]
    pub arrivals: ArrivalPattern,
    /// How the rate changes over time. Default: steady.
    #[serde(default)]
    pub profile: RateProfileSpec,
    /// Stop producing at this time (default: never), e.g. to let the system drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_at: Option<Duration>,
    /// Priority classes this producer's messages are drawn from. Default: one class "default".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassSpec>,
    /// What a producer does when a send is rejected. Default: no retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySpec>,
    /// Fraction of messages that always fail processing (poison messages). Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub poison_share: f64,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

/// How arrivals are spaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArrivalPattern {
    /// Exponential gaps (a Poisson process): independent clients.
    #[default]
    Poisson,
    /// Exactly 1/rate apart: a batch job or a metronome.
    Constant,
}

/// How a producer's rate changes over time, as a multiplier of its base rate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RateProfileSpec {
    /// The base rate all the time.
    #[default]
    Steady,
    /// Piecewise constant: from each step's `at`, the base rate × `multiplier`.
    Schedule {
        /// Steps in time order.
        steps: Vec<ScheduleStep>,
    },
    /// On/off bursts: `on` at the base rate, then `off` at base × `off_multiplier` (default 0).
    OnOff {
        /// Length of each burst.
        on: Duration,
        /// Length of each gap.
        off: Duration,
        /// Rate multiplier during gaps. Default 0 (silent).
        #[serde(default)]
        off_multiplier: f64,
    },
    /// A daily (or any period) wave: base × (1 + amplitude · sin(2πt / period)).
    Sine {
        /// Length of one cycle. Default "24h".
        #[serde(default = "default_sine_period")]
        period: Duration,
        /// Relative swing, 0 to 1.
        amplitude: f64,
    },
}

fn default_sine_period() -> Duration {
    Duration::from_secs(86_400)
}

/// One step of a rate schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleStep {
    /// When the step starts.
    pub at: Duration,
    /// Base rate multiplier from then on.
    pub multiplier: f64,
}

/// A priority class in a producer's mix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSpec {
    /// Name shown in per-class results, e.g. "payments".
    pub name: String,
    /// Relative share of this producer's messages (weights need not sum to 1).
    pub share: f64,
    /// Larger is more important; shedding drops the smallest first. Default 0.
    #[serde(default)]
    pub priority: i32,
}

/// A retry policy: how many attempts and how long to wait between them.
/// Defaults are the AWS SDK's standard mode: 3 attempts, base 100 ms, cap 20 s, full jitter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Total attempts including the first. Default 3.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Backoff before retry n (n = 1, 2, …) is min(cap, base · 2ⁿ⁻¹) before jitter. Default "100ms".
    #[serde(default = "default_backoff_base")]
    pub base: Duration,
    /// Upper bound of the backoff. Default "20s".
    #[serde(default = "default_backoff_cap")]
    pub cap: Duration,
    /// Randomisation of the backoff: none | full | equal | decorrelated. Default full.
    #[serde(default)]
    pub jitter: Jitter,
    /// Wait at least the Retry-After the queue sends with a push-back. Default true.
    #[serde(default = "default_true")]
    pub honour_retry_after: bool,
    /// A client-wide retry budget. Default: none (only `max_attempts` limits retries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<RetryBudgetSpec>,
}

fn default_max_attempts() -> u32 {
    3
}
fn default_backoff_base() -> Duration {
    Duration::from_millis(100)
}
fn default_backoff_cap() -> Duration {
    Duration::from_secs(20)
}
fn default_true() -> bool {
    true
}

impl Default for RetrySpec {
    fn default() -> Self {
        RetrySpec {
            max_attempts: default_max_attempts(),
            base: default_backoff_base(),
            cap: default_backoff_cap(),
            jitter: Jitter::default(),
            honour_retry_after: true,
            budget: None,
        }
    }
}

/// Backoff randomisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Jitter {
    /// Exactly the exponential backoff: synchronised clients retry in lock-step.
    None,
    /// U(0, backoff).
    #[default]
    Full,
    /// backoff/2 + U(0, backoff/2).
    Equal,
    /// min(cap, U(base, 3 · previous sleep)).
    Decorrelated,
}

/// The queue between producers and consumers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Most messages that may wait (not counting those in service), or "unbounded" (default).
    #[serde(default)]
    pub capacity: Capacity,
    /// What happens to a send when the queue is full. Default reject.
    #[serde(default)]
    pub overflow: OverflowPolicy,
    /// With overflow = "block": how long a send waits for space before it fails. Default "5s".
    #[serde(default = "default_block_timeout")]
    pub block_timeout: Duration,
    /// Fraction of capacity (0–1) above which sends are pushed back with a Retry-After
    /// (HTTP 429/503 style). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_watermark: Option<f64>,
    /// The Retry-After sent with push-backs and rejections. Default "1s".
    #[serde(default = "default_retry_after")]
    pub retry_after: Duration,
    /// Which waiting message a free consumer takes: "fifo" (default, oldest first) or
    /// "priority" (highest class first, FIFO within a class).
    #[serde(default)]
    pub order: DequeueOrder,
    /// Move messages whose processing failed on every attempt to a dead-letter queue instead
    /// of counting them failed. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dead_letter_queue: bool,
}

/// An Amazon SQS queue (standard or FIFO) with the AWS defaults. Consumers are its workers:
/// each consumer slot is a worker running a receive → process → delete loop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqsSpec {
    /// "standard" (default) or "fifo".
    #[serde(default, rename = "type")]
    pub queue_type: SqsQueueType,
    /// How long a received message stays invisible to other receives. Default "30s"
    /// (0s–12h).
    #[serde(default = "default_visibility_timeout")]
    pub visibility_timeout: Duration,
    /// Redrive policy: a message received more than this many times moves to the
    /// dead-letter queue (1–1,000). Default: none (no dead-letter queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_receive_count: Option<u32>,
    /// Messages one ReceiveMessage call takes (`MaxNumberOfMessages`, 1–10). A worker
    /// processes its batch one message at a time; every message's visibility timeout starts
    /// at the receive. Default 1.
    #[serde(default = "default_receive_batch")]
    pub receive_batch: u32,
    /// Long polling (`WaitTimeSeconds`, 0s–20s): an idle worker's receive waits this long
    /// for a message before it returns empty. "0s" is short polling. Default "20s".
    #[serde(default = "default_wait_time")]
    pub wait_time: Duration,
    /// Messages that may be in flight (received, not deleted) at once; beyond it receives
    /// fail with OverLimit. Default (and most) 120,000 standard, 20,000 FIFO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight_limit: Option<u32>,
    /// How long a message is kept; older ones are deleted (counted expired). Default "4d"
    /// (60s–14d).
    #[serde(default = "default_retention")]
    pub retention: Duration,
    /// How long a new message stays invisible before its first receive (`DelaySeconds`,
    /// 0s–15m). Default "0s".
    #[serde(default = "default_delivery_delay")]
    pub delivery_delay: Duration,
    /// FIFO: messages are spread uniformly over this many message groups; a group delivers
    /// nothing while one of its messages is in flight. Default 1 (1–100,000).
    #[serde(default = "default_message_groups")]
    pub message_groups: u32,
    /// Share of SendMessage calls whose response is lost (0–1): the producer sends the same
    /// message again after `resend_after`, with the same deduplication id. A standard queue
    /// stores the copy (it is delivered twice); a FIFO queue drops it when it comes within
    /// the 5-minute deduplication interval. Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lost_send_responses: f64,
    /// How long a producer waits for a lost response before sending again. Default "1s".
    #[serde(default = "default_resend_after")]
    pub resend_after: Duration,
    /// Share of messages the upstream emits twice (0–1): an at-least-once source sends the
    /// same body again, as a new SendMessage call, `duplicate_event_after` later. A standard
    /// queue stores both; a FIFO queue drops the second within 5 minutes only with
    /// `content_based_deduplication` (otherwise each call carries its own deduplication id).
    /// Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicate_events: f64,
    /// How long after the first the upstream's second copy comes. Default "10s".
    #[serde(default = "default_duplicate_event_after")]
    pub duplicate_event_after: Duration,
    /// FIFO `ContentBasedDeduplication`: the deduplication id is the body's SHA-256, so two
    /// different sends of one body within 5 minutes are one message. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub content_based_deduplication: bool,
    /// The dead-letter queue's own `MessageRetentionPeriod` (60s–14d). A standard queue's
    /// message keeps its original enqueue time when redriven, so its DLQ retention counts
    /// from the first send; a FIFO queue's restarts at the move. Default "4d".
    #[serde(default = "default_retention")]
    pub dead_letter_retention: Duration,
    /// Workers call ChangeMessageVisibility while they work. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<SqsHeartbeatSpec>,
}

/// Standard or FIFO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SqsQueueType {
    /// At-least-once, best-effort order, no groups.
    #[default]
    Standard,
    /// Exactly-once processing within message groups, in order.
    Fifo,
}

/// A worker's visibility extension while it processes a message: every `every`, it sets the
/// message's visibility timeout to `extend_to` from the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqsHeartbeatSpec {
    /// Time between ChangeMessageVisibility calls (required).
    pub every: Duration,
    /// The visibility timeout each call sets, counted from the call (required).
    pub extend_to: Duration,
}

fn default_visibility_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_receive_batch() -> u32 {
    1
}
fn default_wait_time() -> Duration {
    Duration::from_secs(20)
}
fn default_retention() -> Duration {
    Duration::from_secs(4 * 86_400)
}
fn default_delivery_delay() -> Duration {
    Duration::from_secs(0)
}
fn default_resend_after() -> Duration {
    Duration::from_secs(1)
}
fn default_duplicate_event_after() -> Duration {
    Duration::from_secs(10)
}
fn default_message_groups() -> u32 {
    1
}

impl SqsSpec {
    /// The in-flight limit in force: the configured one or AWS's.
    pub fn in_flight_limit(&self) -> u32 {
        self.in_flight_limit.unwrap_or(match self.queue_type {
            SqsQueueType::Standard => 120_000,
            SqsQueueType::Fifo => 20_000,
        })
    }
}

fn default_block_timeout() -> Duration {
    Duration::from_secs(5)
}
fn default_retry_after() -> Duration {
    Duration::from_secs(1)
}

impl Default for QueueSpec {
    fn default() -> Self {
        QueueSpec {
            capacity: Capacity::Unbounded,
            overflow: OverflowPolicy::default(),
            block_timeout: default_block_timeout(),
            high_watermark: None,
            retry_after: default_retry_after(),
            order: DequeueOrder::default(),
            dead_letter_queue: false,
        }
    }
}

/// What a full queue does with a new message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowPolicy {
    /// Refuse the new message (the producer may retry).
    #[default]
    Reject,
    /// Accept the new message and discard the oldest waiting one.
    DropOldest,
    /// Hold the send until space frees or `block_timeout` passes (then it fails like a reject).
    Block,
    /// Discard the oldest message of the lowest priority class to make room; a new message
    /// that is itself of the lowest waiting priority is refused.
    ShedLowestPriority,
}

/// Which waiting message a free consumer takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DequeueOrder {
    /// Oldest first, whatever its class.
    #[default]
    Fifo,
    /// Highest priority class first; oldest first within a class.
    Priority,
}

/// The consumer pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    /// Number of consumers (required, ≥ 1).
    pub count: u32,
    /// Messages each consumer works on at once. Default 1.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Time to process one message (required).
    pub service_time: DistributionSpec,
    /// Probability that processing fails. Default 0.
    #[serde(default)]
    pub error_probability: f64,
    /// Redelivery of messages whose processing failed: attempts (deliveries), backoff before
    /// each redelivery, and an optional budget. Default: no redelivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySpec>,
    /// An orchestrator's liveness check that kills a consumer stuck on one message for longer
    /// than `timeout` (slow, not dead) and restarts it. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckSpec>,
    /// Consumers that thrash: each message a consumer works on at once (its busy handlers)
    /// beyond `above` makes every message it starts take `slowdown` longer (context
    /// switching, cache and lock contention), so more concurrency can mean less done.
    /// Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thrashing: Option<ThrashingSpec>,
}

/// How a consumer's service time grows with the messages it works on at once: a message
/// started while it works on `n` (this one included) takes
/// `1 + slowdown × max(0, n − above)^exponent` times its drawn time. With a linear curve
/// (exponent 1) more handlers still add throughput unless `above × slowdown > 1`; a
/// superlinear one (2) makes a big pool of handlers slower than a small one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrashingSpec {
    /// Messages a consumer holds at once without slowing down (≥ 1).
    pub above: u32,
    /// Extra service time per message held beyond `above`, as a fraction (0.1: 10% each).
    pub slowdown: f64,
    /// The curve's exponent (1–4). Default 1 (linear).
    #[serde(default = "default_thrashing_exponent")]
    pub exponent: f64,
}

fn default_thrashing_exponent() -> f64 {
    1.0
}

/// A liveness check on consumers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// A consumer working on one message longer than this is killed (required).
    pub timeout: Duration,
    /// A killed consumer is back after this long. Default "30s".
    #[serde(default = "default_restart_after")]
    pub restart_after: Duration,
}

fn default_restart_after() -> Duration {
    Duration::from_secs(30)
}

/// Scales the consumer pool on a metric, like Kubernetes' HPA: desired = ⌈current ×
/// metric / target⌉, within [min, max].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscalerSpec {
    /// What to scale on.
    pub metric: ScalingMetric,
    /// The metric's target for the whole pool: messages for `lag-messages`, seconds for
    /// `lag-seconds`, a fraction for `utilisation` (required).
    pub target: f64,
    /// Fewest consumers. Default 1.
    #[serde(default = "default_min_consumers")]
    pub min: u32,
    /// Most consumers (required).
    pub max: u32,
    /// How often the metric is checked. Default "30s".
    #[serde(default = "default_evaluation_period")]
    pub evaluation_period: Duration,
    /// Least time between two scaling actions. Default "2m".
    #[serde(default = "default_cooldown")]
    pub cooldown: Duration,
    /// Time from deciding to add a consumer until it takes messages. Default "30s".
    #[serde(default = "default_startup_delay")]
    pub startup_delay: Duration,
    /// How stale the metric is when the autoscaler sees it. Default "0s".
    #[serde(default)]
    pub metric_delay: Duration,
    /// Scale down only to the largest count wanted over this window (HPA's scale-down
    /// stabilization, against flapping). Default "5m".
    #[serde(default = "default_stabilization")]
    pub scale_down_stabilization: Duration,
}

fn default_stabilization() -> Duration {
    Duration::from_secs(300)
}

fn default_min_consumers() -> u32 {
    1
}
fn default_evaluation_period() -> Duration {
    Duration::from_secs(30)
}
fn default_cooldown() -> Duration {
    Duration::from_secs(120)
}
fn default_startup_delay() -> Duration {
    Duration::from_secs(30)
}

/// What an autoscaler scales on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScalingMetric {
    /// Messages waiting.
    LagMessages,
    /// Age of the oldest waiting message, seconds.
    LagSeconds,
    /// Busy fraction of consumer slots over the last evaluation period.
    Utilisation,
}

fn default_concurrency() -> u32 {
    1
}

/// A distribution of durations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DistributionSpec {
    /// Always `value`.
    Constant {
        /// The duration.
        value: Duration,
    },
    /// Exponential with the given mean (memoryless; M/M/c service).
    Exponential {
        /// Mean duration.
        mean: Duration,
    },
    /// Lognormal with the given mean and standard deviation: a long right tail.
    Lognormal {
        /// Mean duration.
        mean: Duration,
        /// Standard deviation.
        stddev: Duration,
    },
    /// Uniform between `min` and `max`.
    Uniform {
        /// Shortest.
        min: Duration,
        /// Longest.
        max: Duration,
    },
    /// Pareto (heavy tail) with minimum `min` and shape `shape` (mean finite if shape > 1).
    Pareto {
        /// Smallest value (the scale).
        min: Duration,
        /// Tail index α; smaller is heavier.
        shape: f64,
    },
    /// Drawn from measured values, each with an optional weight (default equal).
    Empirical {
        /// Observed durations.
        values: Vec<Duration>,
        /// Relative weights, one per value.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        weights: Vec<f64>,
    },
}

/// Metric sampling and alert settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// Spacing of the time series (the chart grid). Default "1s".
    #[serde(default = "default_sample_interval")]
    pub sample_interval: Duration,
    /// Consumer-lag alert threshold in time (age of the oldest waiting message). Default "2m".
    #[serde(default = "default_lag_alert")]
    pub lag_alert: Duration,
}

fn default_sample_interval() -> Duration {
    Duration::from_secs(1)
}
fn default_lag_alert() -> Duration {
    Duration::from_secs(120)
}

impl Default for MetricsSpec {
    fn default() -> Self {
        MetricsSpec {
            sample_interval: default_sample_interval(),
            lag_alert: default_lag_alert(),
        }
    }
}

/// Safety limits: a scenario that reaches one ends early with a `Truncated` outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSpec {
    /// Most events to process. Default 2,000,000,000.
    #[serde(default = "default_max_events")]
    pub max_events: u64,
    /// Most messages alive at once (waiting, in service, blocked or waiting to retry).
    /// Default 20,000,000 (about 250 MB of backlog).
    #[serde(default = "default_max_live_messages")]
    pub max_live_messages: u64,
    /// Most memory the run may hold, in MiB: waiting and in-flight messages, pending
    /// events, consumer slots and the time series, counted as the run goes. Default 1,024
    /// (the playground lowers it to what a browser tab can give).
    #[serde(default = "default_max_memory_mib")]
    pub max_memory_mib: u64,
    /// Most events at one simulated instant before the run is stopped as making no
    /// progress (a rate the clock cannot resolve, a zero-delay loop). Default 1,000,000.
    #[serde(default = "default_max_events_per_instant")]
    pub max_events_per_instant: u64,
}

fn default_max_memory_mib() -> u64 {
    1_024
}
fn default_max_events_per_instant() -> u64 {
    1_000_000
}

fn default_max_events() -> u64 {
    2_000_000_000
}
fn default_max_live_messages() -> u64 {
    20_000_000
}

impl Default for LimitsSpec {
    fn default() -> Self {
        LimitsSpec {
            max_events: default_max_events(),
            max_live_messages: default_max_live_messages(),
            max_memory_mib: default_max_memory_mib(),
            max_events_per_instant: default_max_events_per_instant(),
        }
    }
}

/// The dependency consumers call while processing each message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownstreamSpec {
    /// Name in summaries. Default "downstream".
    #[serde(default = "default_downstream_name")]
    pub name: String,
    /// Connections in the pool (required); a call waits for a free one.
    pub pool_size: u32,
    /// Latency of a call with the pool idle (required).
    pub latency: DistributionSpec,
    /// Latency added per connection in use (contention). Default "0s".
    #[serde(default)]
    pub latency_per_connection: Duration,
    /// The caller gives up after this long, counting the wait for a connection. The
    /// downstream keeps the connection until it finishes anyway. Default "5s".
    #[serde(default = "default_call_timeout")]
    pub timeout: Duration,
    /// Probability that a call fails. Default 0.
    #[serde(default)]
    pub error_probability: f64,
    /// A circuit breaker around the calls. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker: Option<BreakerSpec>,
}

fn default_downstream_name() -> String {
    "downstream".into()
}
fn default_call_timeout() -> Duration {
    Duration::from_secs(5)
}

/// Circuit-breaker settings. `style` picks the defaults (resilience4j's, or Hystrix-like);
/// any field given overrides it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// "resilience4j" (default: count window of 100 calls, minimum 100, 50%, open 60 s,
    /// 10 calls half-open) or "hystrix" (10 s window, 20 calls, 50%, open 5 s, 1 call).
    #[serde(default)]
    pub style: BreakerStyle,
    /// "count" (last N calls) or "time" (last N seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<BreakerWindow>,
    /// N: calls or seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_size: Option<u32>,
    /// Calls needed in the window before the rates are judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_calls: Option<u32>,
    /// Open at or above this failure percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_rate_threshold: Option<f64>,
    /// Open at or above this percentage of slow calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_call_rate_threshold: Option<f64>,
    /// A call longer than this is slow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_call_duration: Option<Duration>,
    /// How long the breaker stays open before letting trial calls through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_in_open: Option<Duration>,
    /// Trial calls let through half-open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_open_calls: Option<u32>,
}

/// Which defaults a breaker starts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BreakerStyle {
    /// resilience4j's defaults.
    #[default]
    Resilience4j,
    /// Hystrix-like defaults.
    Hystrix,
}

/// A breaker's sliding window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BreakerWindow {
    /// The last N calls.
    Count,
    /// The calls of the last N seconds.
    Time,
}

/// A token bucket at the queue's door.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimiterSpec {
    /// Sustained rate admitted (required).
    pub rate: Rate,
    /// Bucket size: the burst admitted at once. Default: one second's worth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
}

/// Priority load shedding: while the system is behind, refuse messages below a priority.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheddingSpec {
    /// Shed while the oldest waiting message is older than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_lag_over: Option<Duration>,
    /// Shed while more than this many messages wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_depth_over: Option<u64>,
    /// Messages with a priority below this are shed. Default 1.
    #[serde(default = "default_shed_below")]
    pub below_priority: i32,
}

fn default_shed_below() -> i32 {
    1
}

/// One scripted incident: what happens (`kind` and the fields that kind takes), when it
/// starts (`at`) and, for the lasting kinds, when it ends (`until`, default never). A field
/// that does not apply to the kind is an error, not silently ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", try_from = "FaultTable")]
pub enum FaultSpec {
    /// Every producer's rate × `multiplier`.
    Traffic {
        /// When it starts.
        at: Duration,
        /// When it ends (default: never).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Duration>,
        /// The factor (≥ 0).
        multiplier: f64,
    },
    /// Downstream latency × `multiplier`.
    DownstreamSlow {
        /// When it starts.
        at: Duration,
        /// When it ends (default: never).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Duration>,
        /// The factor (≥ 0).
        multiplier: f64,
    },
    /// Downstream calls fail with `probability`.
    DownstreamErrors {
        /// When it starts.
        at: Duration,
        /// When it ends (default: never).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Duration>,
        /// The probability a call fails (0–1).
        probability: f64,
    },
    /// Writes fail at once (every call, since consumers write).
    DownstreamReadOnly {
        /// When it starts.
        at: Duration,
        /// When it ends (default: never).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Duration>,
    },
    /// Calls fail at once: connection refused.
    DownstreamDown {
        /// When it starts.
        at: Duration,
        /// When it ends (default: never).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Duration>,
    },
    /// A `share` of new messages are poison.
    Poison {
        /// When it starts.
        at: Duration,
        /// When it ends (default: never).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<Duration>,
        /// The share of new messages that are poison (0–1).
        share: f64,
    },
    /// `count` consumers crash at `at` (an instant: no `until`); their messages go back to
    /// the broker; they restart after `restart_after` (default: never).
    ConsumerCrash {
        /// When they crash.
        at: Duration,
        /// How many consumers crash (≥ 1).
        count: u32,
        /// When the crashed consumers are back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restart_after: Option<Duration>,
    },
}

/// A `[[faults]]` table as written: every field any kind takes. Reading it flat and then
/// checking which fields its kind takes (instead of serde's internally tagged enum, which
/// buffers each table into an untyped tree first) keeps the playground's WebAssembly smaller
/// by one buffering deserializer per input format, and lets the errors say what the kind
/// needs in the user's terms.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultTable {
    kind: FaultKind,
    at: Option<Duration>,
    until: Option<Duration>,
    multiplier: Option<f64>,
    probability: Option<f64>,
    share: Option<f64>,
    count: Option<u32>,
    restart_after: Option<Duration>,
}

impl TryFrom<FaultTable> for FaultSpec {
    type Error = String;

    fn try_from(table: FaultTable) -> Result<Self, String> {
        let kind = table.kind.name();
        let mut extra: Vec<&str> = Vec::new();
        let mut missing: Vec<&str> = Vec::new();
        let mut takes = |name: &'static str, present: bool, wanted: bool| {
            if present && !wanted {
                extra.push(name);
            }
            if !present && wanted {
                missing.push(name);
            }
        };
        let k = table.kind;
        takes("at", table.at.is_some(), true);
        takes(
            "multiplier",
            table.multiplier.is_some(),
            matches!(k, FaultKind::Traffic | FaultKind::DownstreamSlow),
        );
        takes(
            "probability",
            table.probability.is_some(),
            k == FaultKind::DownstreamErrors,
        );
        takes("share", table.share.is_some(), k == FaultKind::Poison);
        takes(
            "count",
            table.count.is_some(),
            k == FaultKind::ConsumerCrash,
        );
        let instant = k == FaultKind::ConsumerCrash;
        if table.until.is_some() && instant {
            extra.push("until");
        }
        if table.restart_after.is_some() && !instant {
            extra.push("restart_after");
        }
        if let Some(field) = missing.first() {
            return Err(format!(
                "missing field `{field}` (a `{kind}` fault needs it)"
            ));
        }
        if let Some(field) = extra.first() {
            let fields = match k {
                FaultKind::Traffic | FaultKind::DownstreamSlow => "`at`, `until`, `multiplier`",
                FaultKind::DownstreamErrors => "`at`, `until`, `probability`",
                FaultKind::DownstreamReadOnly | FaultKind::DownstreamDown => "`at`, `until`",
                FaultKind::Poison => "`at`, `until`, `share`",
                FaultKind::ConsumerCrash => "`at`, `count`, `restart_after`: a crash is an instant",
            };
            return Err(format!(
                "a `{kind}` fault takes no `{field}` (it takes {fields})"
            ));
        }
        let (at, until) = (table.at.unwrap_or_default(), table.until);
        let number = |value: Option<f64>| value.unwrap_or_default();
        Ok(match k {
            FaultKind::Traffic => FaultSpec::Traffic {
                at,
                until,
                multiplier: number(table.multiplier),
            },
            FaultKind::DownstreamSlow => FaultSpec::DownstreamSlow {
                at,
                until,
                multiplier: number(table.multiplier),
            },
            FaultKind::DownstreamErrors => FaultSpec::DownstreamErrors {
                at,
                until,
                probability: number(table.probability),
            },
            FaultKind::DownstreamReadOnly => FaultSpec::DownstreamReadOnly { at, until },
            FaultKind::DownstreamDown => FaultSpec::DownstreamDown { at, until },
            FaultKind::Poison => FaultSpec::Poison {
                at,
                until,
                share: number(table.share),
            },
            FaultKind::ConsumerCrash => FaultSpec::ConsumerCrash {
                at,
                count: table.count.unwrap_or_default(),
                restart_after: table.restart_after,
            },
        })
    }
}

impl FaultSpec {
    /// Its kind.
    pub fn kind(&self) -> FaultKind {
        match self {
            FaultSpec::Traffic { .. } => FaultKind::Traffic,
            FaultSpec::DownstreamSlow { .. } => FaultKind::DownstreamSlow,
            FaultSpec::DownstreamErrors { .. } => FaultKind::DownstreamErrors,
            FaultSpec::DownstreamReadOnly { .. } => FaultKind::DownstreamReadOnly,
            FaultSpec::DownstreamDown { .. } => FaultKind::DownstreamDown,
            FaultSpec::Poison { .. } => FaultKind::Poison,
            FaultSpec::ConsumerCrash { .. } => FaultKind::ConsumerCrash,
        }
    }

    /// When it starts.
    pub fn at(&self) -> Duration {
        match *self {
            FaultSpec::Traffic { at, .. }
            | FaultSpec::DownstreamSlow { at, .. }
            | FaultSpec::DownstreamErrors { at, .. }
            | FaultSpec::DownstreamReadOnly { at, .. }
            | FaultSpec::DownstreamDown { at, .. }
            | FaultSpec::Poison { at, .. }
            | FaultSpec::ConsumerCrash { at, .. } => at,
        }
    }

    /// When it ends, if it lasts and ends.
    pub fn until(&self) -> Option<Duration> {
        match *self {
            FaultSpec::Traffic { until, .. }
            | FaultSpec::DownstreamSlow { until, .. }
            | FaultSpec::DownstreamErrors { until, .. }
            | FaultSpec::DownstreamReadOnly { until, .. }
            | FaultSpec::DownstreamDown { until, .. }
            | FaultSpec::Poison { until, .. } => until,
            FaultSpec::ConsumerCrash { .. } => None,
        }
    }
}

/// Kinds of incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Every producer's rate × `multiplier`.
    Traffic,
    /// Downstream latency × `multiplier`.
    DownstreamSlow,
    /// Downstream calls fail with `probability`.
    DownstreamErrors,
    /// Writes fail at once (every call, since consumers write).
    DownstreamReadOnly,
    /// Calls fail at once: connection refused.
    DownstreamDown,
    /// A `share` of new messages are poison.
    Poison,
    /// `count` consumers crash; their messages are delivered again; they restart after
    /// `restart_after`.
    ConsumerCrash,
}

impl FaultKind {
    /// The kebab-case name, as written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Traffic => "traffic",
            FaultKind::DownstreamSlow => "downstream-slow",
            FaultKind::DownstreamErrors => "downstream-errors",
            FaultKind::DownstreamReadOnly => "downstream-read-only",
            FaultKind::DownstreamDown => "downstream-down",
            FaultKind::Poison => "poison",
            FaultKind::ConsumerCrash => "consumer-crash",
        }
    }
}
