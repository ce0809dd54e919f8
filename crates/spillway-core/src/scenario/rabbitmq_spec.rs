//! The `[rabbitmq]` table: one RabbitMQ queue on one node, with the defaults of RabbitMQ
//! 3.11 — the last release whose classic queues (v1, not lazy) keep messages in memory and
//! page them to disk under memory pressure, the behaviour the memory alarm and paging
//! stories are about. Later releases made classic queues lazy (3.12) and v2 (3.13), and
//! raised the default watermark to 0.6 (4.0); set the keys to model them.

use serde::{Deserialize, Serialize};

use super::units::{ByteSize, Duration};

/// A RabbitMQ queue as the broker instead of `[queue]`. Consumers subscribe with
/// `basic.consume`: the queue pushes messages to each consumer up to its prefetch, and each
/// consumer's `concurrency` handlers work through what it was sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RabbitSpec {
    /// "classic" (default: messages in memory, paged to disk under memory pressure) or
    /// "quorum" (a Raft log on disk: every message costs `quorum_cost`, nothing pages).
    #[serde(default, rename = "type")]
    pub queue_type: RabbitQueueType,
    /// `basic.qos` prefetch count: unacknowledged messages a consumer may hold. 0 (the
    /// default) is unlimited — the queue pushes everything it has.
    #[serde(default)]
    pub prefetch: u32,
    /// Memory the node may use (the machine's RAM: `vm_memory_high_watermark.relative` is a
    /// fraction of it). Default "2GiB".
    #[serde(default = "default_node_memory")]
    pub node_memory: ByteSize,
    /// Memory the node uses with no messages (connections, channels, code, tables).
    /// Default "150MiB".
    #[serde(default = "default_base_memory")]
    pub base_memory: ByteSize,
    /// Memory one message takes while the node holds it in RAM (body, properties and
    /// queue index entry). Default "4KiB".
    #[serde(default = "default_message_size")]
    pub message_size: ByteSize,
    /// `vm_memory_high_watermark.relative`: above this fraction of `node_memory` the memory
    /// alarm blocks every publishing connection until usage falls below it (consumers go on).
    /// Default 0.4.
    #[serde(default = "default_high_watermark")]
    pub high_watermark: f64,
    /// How often the node's memory monitor (`vm_memory_monitor`) looks at its memory use;
    /// the alarm is raised or cleared only then (use can overshoot the watermark in
    /// between). Default "1s".
    #[serde(default = "default_memory_check_interval")]
    pub memory_check_interval: Duration,
    /// `vm_memory_high_watermark_paging_ratio`: a classic queue starts paging messages to
    /// disk at this fraction of the watermark. Above 1, it never pages. Default 0.5.
    #[serde(default = "default_paging_ratio")]
    pub paging_ratio: f64,
    /// Time the queue process spends writing one message to disk, or reading one back, while
    /// paging (it is one Erlang process: deliveries wait meanwhile). Default "500us".
    #[serde(default = "default_page_cost")]
    pub page_cost: Duration,
    /// Quorum queues: time the queue spends on each message (Raft log append, replication,
    /// fsync), at delivery. Default "100us" (about 10,000 messages/s a queue).
    #[serde(default = "default_quorum_cost")]
    pub quorum_cost: Duration,
    /// `x-max-length`: ready messages the queue keeps at most. Default: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// `x-max-length-bytes`: bytes of ready message bodies the queue keeps at most
    /// (`message_size` each). Default: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length_bytes: Option<ByteSize>,
    /// `x-overflow`: what a full queue does. Default "drop-head".
    #[serde(default)]
    pub overflow: RabbitOverflow,
    /// `x-message-ttl`: a message still ready this long after it was published expires (at
    /// the head of the queue). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_ttl: Option<Duration>,
    /// `x-dead-letter-exchange` is set: rejected, expired, dropped and over-delivered
    /// messages are republished to it instead of discarded. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dead_letter_exchange: bool,
    /// Quorum queues' `x-delivery-limit`: a message returned more than this many times is
    /// dead-lettered (or dropped). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_limit: Option<u32>,
    /// How long a publisher blocked by an alarm waits before its publish times out at the
    /// producer (the client's own timeout; RabbitMQ itself blocks forever). Default "30s".
    #[serde(default = "default_publish_timeout")]
    pub publish_timeout: Duration,
    /// Disk space free on the node's data directory when the run starts. Message bodies the
    /// node writes take from it: a classic queue's paged-out messages, a quorum queue's log
    /// of every message it holds (`message_size` each). Default "20GiB".
    #[serde(default = "default_disk_free")]
    pub disk_free: ByteSize,
    /// `disk_free_limit.absolute` (at most `disk_free`): below this much free disk space the
    /// disk alarm blocks
    /// every publishing connection, as the memory alarm does. Default "50MB" (RabbitMQ's).
    #[serde(default = "default_disk_free_limit")]
    pub disk_free_limit: ByteSize,
    /// Producers publish in confirm mode (`confirm.select`): a publish refused by the length
    /// limit is nacked and the producer retries or gives up as its retry policy says. false
    /// is fire-and-forget: a refused publish is lost without the producer knowing (dropped,
    /// or dead-lettered with `reject-publish-dlx`). Default true.
    #[serde(default = "default_publisher_confirms")]
    pub publisher_confirms: bool,
    /// Publishes a producer keeps unconfirmed at most (its confirm window): blocked by an
    /// alarm, or accepted less than `confirm_latency` ago. With the window full the producer
    /// does not publish — the send is pushed back to its retry policy at once. Needs
    /// `publisher_confirms`. Default: no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unconfirmed: Option<u32>,
    /// Time from accepting a publish to its confirm reaching the producer (persisting it,
    /// or a quorum queue's commit). Needs `max_unconfirmed`: only a window waits for
    /// confirms. Default "0s": confirmed on arrival.
    #[serde(default, skip_serializing_if = "Duration::is_zero")]
    pub confirm_latency: Duration,
}

/// The kind of queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RabbitQueueType {
    /// Classic queue (v1): messages in memory, paged to disk under memory pressure.
    #[default]
    Classic,
    /// Quorum queue: a replicated log on disk.
    Quorum,
}

/// `x-overflow`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RabbitOverflow {
    /// The oldest ready message is dropped (dead-lettered with reason `maxlen`).
    #[default]
    DropHead,
    /// The publish is rejected (a `basic.nack` to a confirming publisher).
    RejectPublish,
    /// The publish is rejected and the message dead-lettered (reason `maxlen`).
    RejectPublishDlx,
}

fn default_node_memory() -> ByteSize {
    ByteSize::mib(2048)
}
fn default_base_memory() -> ByteSize {
    ByteSize::mib(150)
}
fn default_message_size() -> ByteSize {
    ByteSize::kib(4)
}
fn default_high_watermark() -> f64 {
    0.4
}
fn default_memory_check_interval() -> Duration {
    Duration::from_secs(1)
}
fn default_paging_ratio() -> f64 {
    0.5
}
fn default_page_cost() -> Duration {
    Duration(crate::engine::time::SimDuration::from_micros(500))
}
fn default_quorum_cost() -> Duration {
    Duration(crate::engine::time::SimDuration::from_micros(100))
}
fn default_publish_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_disk_free() -> ByteSize {
    ByteSize::mib(20 * 1024)
}
fn default_disk_free_limit() -> ByteSize {
    ByteSize(50_000_000)
}
fn default_publisher_confirms() -> bool {
    true
}

impl Default for RabbitSpec {
    fn default() -> Self {
        RabbitSpec {
            queue_type: RabbitQueueType::default(),
            prefetch: 0,
            node_memory: default_node_memory(),
            base_memory: default_base_memory(),
            message_size: default_message_size(),
            high_watermark: default_high_watermark(),
            memory_check_interval: default_memory_check_interval(),
            paging_ratio: default_paging_ratio(),
            page_cost: default_page_cost(),
            quorum_cost: default_quorum_cost(),
            max_length: None,
            max_length_bytes: None,
            overflow: RabbitOverflow::default(),
            message_ttl: None,
            dead_letter_exchange: false,
            delivery_limit: None,
            publish_timeout: default_publish_timeout(),
            disk_free: default_disk_free(),
            disk_free_limit: default_disk_free_limit(),
            publisher_confirms: default_publisher_confirms(),
            max_unconfirmed: None,
            confirm_latency: Duration::default(),
        }
    }
}
