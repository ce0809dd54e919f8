//! Every event of a run, grouped by the model that handles it, and the one place where each
//! event's fingerprint identity is derived. Heap entries are 32 bytes (a 16-byte key and a
//! 16-byte event): fields are at most 4-byte aligned so that the nested tags pack.

use crate::model::broker::BrokerEvent;

/// A 64-bit id stored as two 32-bit halves, so events holding one stay 4-byte aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Id64([u32; 2]);

impl Id64 {
    #[inline]
    pub fn new(value: u64) -> Self {
        Id64([value as u32, (value >> 32) as u32])
    }

    #[inline]
    pub fn get(self) -> u64 {
        u64::from(self.0[1]) << 32 | u64::from(self.0[0])
    }
}

/// Something that happens at an instant. Each variant belongs to one model (the comment
/// names it); a broker's events nest under [`Event::Broker`], so a new broker adds its
/// events to [`BrokerEvent`] without touching this list. (Only the broker nests: every
/// nested level costs a tag decode on each event, measured at ~1% of a run.)
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// Producer: producer `producer` creates a message (ignored if the producer's rate
    /// changed since: `generation` is stale).
    Arrival { producer: u16, generation: u32 },
    /// Producer: a refused message is sent again; it waits in the producers' retry store
    /// under this key.
    SendRetry { retry: u32 },
    /// The broker's own timers.
    Broker(BrokerEvent),
    /// Consumer: the slot finishes its own work `work` on a message (then calls the
    /// downstream, if any); stale if the consumer was taken down since.
    ServiceDone { slot: u32, work: u32 },
    /// Consumer: the health check looks at `slot`: still on work `work`? Then it is stuck.
    HealthCheck { slot: u32, work: u32 },
    /// Consumer (an SQS worker): the slot still on work `work` extends its message's
    /// visibility (ChangeMessageVisibility) and schedules the next heartbeat.
    Heartbeat { slot: u32, work: u32 },
    /// Consumer: a consumer (restarted, or added by the autoscaler) starts taking messages.
    ConsumerUp { consumer: u32 },
    /// Downstream: call `call` finishes and frees its connection.
    DownstreamDone { slot: u32, call: Id64 },
    /// Downstream: the caller's timeout for call `call`.
    CallTimeout { slot: u32, call: Id64 },
    /// Autoscaler: it evaluates.
    Autoscale,
    /// Fault timeline: fault `index` starts or ends.
    Fault { index: u16, starting: bool },
    /// Producer: the scenario's `initial_backlog` is already waiting when the run starts.
    Backlog,
}

const _: () = assert!(
    std::mem::size_of::<Event>() == 16,
    "an event must stay 16 bytes"
);

/// Fingerprint kinds. The numbers are part of every golden fingerprint: never reuse or
/// renumber one; a new event takes the next free number.
pub(crate) mod kind {
    pub const ARRIVAL: u8 = 0;
    pub const SEND_RETRY: u8 = 1;
    pub const BLOCK_TIMEOUT: u8 = 2;
    pub const SERVICE_DONE: u8 = 3;
    pub const REDELIVER: u8 = 4;
    pub const DOWNSTREAM_DONE: u8 = 5;
    pub const CALL_TIMEOUT: u8 = 6;
    pub const FAULT: u8 = 7;
    pub const HEALTH_CHECK: u8 = 8;
    pub const CONSUMER_UP: u8 = 9;
    pub const AUTOSCALE: u8 = 10;
    pub const INTERVENE_CONSUMERS: u8 = 11;
    pub const INTERVENE_RATE: u8 = 12;
    pub const INTERVENE_CAPACITY: u8 = 13;
    pub const SQS_TIMER: u8 = 14;
    pub const SQS_HEARTBEAT: u8 = 15;
    pub const INTERVENE_VISIBILITY: u8 = 16;
    pub const SQS_RESEND: u8 = 17;
    pub const BACKLOG: u8 = 18;
    pub const SQS_POLL: u8 = 19;
    pub const SQS_DEAD_LETTER_EXPIRY: u8 = 20;
    pub const KAFKA_REBALANCE_DONE: u8 = 21;
    pub const KAFKA_POLL_DEADLINE: u8 = 22;
    pub const KAFKA_SESSION_EXPIRY: u8 = 23;
    pub const KAFKA_RESUME: u8 = 24;
    pub const KAFKA_RETENTION: u8 = 25;
    pub const INTERVENE_PARTITIONS: u8 = 26;
    pub const RABBIT_TICK: u8 = 27;
    pub const RABBIT_EXPIRE: u8 = 28;
    pub const RABBIT_MEMORY_CHECK: u8 = 29;
    pub const INTERVENE_PREFETCH: u8 = 30;
    pub const INTERVENE_WATERMARK: u8 = 31;
}

impl Event {
    /// (kind, detail) for the fingerprint.
    #[inline]
    pub fn identity(&self) -> (u8, u64) {
        let slot_work = |slot: u32, work: u32| u64::from(slot) | u64::from(work) << 32;
        match *self {
            Event::Arrival {
                producer,
                generation,
            } => (
                kind::ARRIVAL,
                u64::from(producer) | u64::from(generation) << 16,
            ),
            Event::SendRetry { retry } => (kind::SEND_RETRY, u64::from(retry)),
            Event::Broker(BrokerEvent::BlockTimeout { ticket }) => {
                (kind::BLOCK_TIMEOUT, ticket.get())
            }
            Event::Broker(BrokerEvent::Redeliver { key }) => (kind::REDELIVER, u64::from(key)),
            Event::Broker(BrokerEvent::SqsTimer { key, timer }) => {
                (kind::SQS_TIMER, u64::from(key) | u64::from(timer) << 32)
            }
            Event::Broker(BrokerEvent::SqsResend { key }) => (kind::SQS_RESEND, u64::from(key)),
            Event::Broker(BrokerEvent::SqsPoll) => (kind::SQS_POLL, 0),
            Event::Broker(BrokerEvent::SqsDeadLetterExpiry) => (kind::SQS_DEAD_LETTER_EXPIRY, 0),
            Event::Broker(BrokerEvent::KafkaRebalanceDone { round }) => {
                (kind::KAFKA_REBALANCE_DONE, u64::from(round))
            }
            Event::Broker(BrokerEvent::KafkaPollDeadline { member }) => {
                (kind::KAFKA_POLL_DEADLINE, u64::from(member))
            }
            Event::Broker(BrokerEvent::KafkaSessionExpiry { member }) => {
                (kind::KAFKA_SESSION_EXPIRY, u64::from(member))
            }
            Event::Broker(BrokerEvent::KafkaResume { partition, pause }) => (
                kind::KAFKA_RESUME,
                u64::from(partition) | u64::from(pause) << 32,
            ),
            Event::Broker(BrokerEvent::KafkaRetention) => (kind::KAFKA_RETENTION, 0),
            Event::Broker(BrokerEvent::RabbitTick) => (kind::RABBIT_TICK, 0),
            Event::Broker(BrokerEvent::RabbitExpire) => (kind::RABBIT_EXPIRE, 0),
            Event::Broker(BrokerEvent::RabbitMemoryCheck) => (kind::RABBIT_MEMORY_CHECK, 0),
            Event::Heartbeat { slot, work } => (kind::SQS_HEARTBEAT, slot_work(slot, work)),
            Event::ServiceDone { slot, work } => (kind::SERVICE_DONE, slot_work(slot, work)),
            Event::HealthCheck { slot, work } => (kind::HEALTH_CHECK, slot_work(slot, work)),
            Event::ConsumerUp { consumer } => (kind::CONSUMER_UP, u64::from(consumer)),
            Event::DownstreamDone { call, .. } => (kind::DOWNSTREAM_DONE, call.get()),
            Event::CallTimeout { call, .. } => (kind::CALL_TIMEOUT, call.get()),
            Event::Autoscale => (kind::AUTOSCALE, 0),
            Event::Fault { index, starting } => {
                (kind::FAULT, u64::from(index) << 1 | u64::from(starting))
            }
            Event::Backlog => (kind::BACKLOG, 0),
        }
    }

    /// Whether this event creates a message (only those can cross the live-message limit).
    #[inline]
    pub fn produces(&self) -> bool {
        matches!(self, Event::Arrival { .. } | Event::Backlog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_halves() {
        for value in [0, 1, u64::from(u32::MAX), u64::from(u32::MAX) + 1, u64::MAX] {
            assert_eq!(Id64::new(value).get(), value);
        }
    }
}
