//! Messages as the models carry them. A waiting message costs 12 bytes: a 10M-message backlog
//! must fit in well under 16 bytes per message.

use crate::engine::time::{SimDuration, SimTime};

/// A message before it is in the queue: produced, maybe waiting to retry or blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Message {
    /// When the producer created it (end-to-end latency starts here).
    pub created_at: SimTime,
    /// Index of its priority class.
    pub class: u8,
    /// Send attempts made so far (0 before the first).
    pub attempt: u8,
    /// Deliveries to consumers so far (0 until first processed), at most [`MAX_DELIVERIES`].
    pub deliveries: u16,
    /// Always fails processing (a poison message).
    pub poison: bool,
}

/// Most deliveries a message records (SQS allows a `maxReceiveCount` of 1,000).
pub(crate) const MAX_DELIVERIES: u16 = (1 << 15) - 1;

/// Latest enqueue time a waiting message can hold: 2^56 ns, about 834 days.
pub(crate) const MAX_ENQUEUE_NANOS: u64 = (1 << 56) - 1;

impl Message {
    /// A new message created at `now`.
    pub fn new(created_at: SimTime, class: u8, poison: bool) -> Self {
        Message {
            created_at,
            class,
            attempt: 0,
            deliveries: 0,
            poison,
        }
    }
}

/// A message waiting in a queue. `enqueued_at` is exact (queue wait is measured from it); the
/// time between creation and enqueueing is kept as a compact float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct QueuedMessage {
    // Two halves instead of a u64 keep the alignment at 4 and the size at 12 bytes. The high
    // half holds bits 32–55 of the enqueue time and, in its top byte, the high bits of the
    // delivery count.
    enqueued_low: u32,
    enqueued_high_and_deliveries: u32,
    before_queue: CompactDuration,
    pub class: u8,
    /// The low 7 bits of the delivery count and the poison flag (high bit): send attempts no
    /// longer matter once a message is in the queue.
    deliveries_and_poison: u8,
}

const POISON: u8 = 0x80;

const _: () = assert!(std::mem::size_of::<QueuedMessage>() == 12);

impl QueuedMessage {
    /// `message` entering the queue at `now` (at most [`MAX_ENQUEUE_NANOS`]; scenario
    /// durations are validated well below it).
    #[inline]
    pub fn enqueue(message: Message, now: SimTime) -> Self {
        let nanos = now.as_nanos().min(MAX_ENQUEUE_NANOS);
        if message.deliveries == 0 && message.created_at == now {
            // The common case, a message enqueued the instant it was produced: nothing to
            // encode but the time.
            return QueuedMessage {
                enqueued_low: nanos as u32,
                enqueued_high_and_deliveries: (nanos >> 32) as u32,
                before_queue: CompactDuration(0),
                class: message.class,
                deliveries_and_poison: if message.poison { POISON } else { 0 },
            };
        }
        let deliveries = message.deliveries.min(MAX_DELIVERIES);
        QueuedMessage {
            enqueued_low: nanos as u32,
            enqueued_high_and_deliveries: (nanos >> 32) as u32 | u32::from(deliveries >> 7) << 24,
            before_queue: CompactDuration::encode(now.saturating_since(message.created_at)),
            class: message.class,
            deliveries_and_poison: (deliveries & 0x7f) as u8
                | if message.poison { POISON } else { 0 },
        }
    }

    /// Deliveries to consumers before this one.
    #[inline]
    pub fn deliveries(&self) -> u16 {
        (self.enqueued_high_and_deliveries >> 24) as u16 * 128
            + u16::from(self.deliveries_and_poison & !POISON)
    }

    /// Always fails processing.
    #[inline]
    pub fn is_poison(&self) -> bool {
        self.deliveries_and_poison & POISON != 0
    }

    /// Whether it was produced before it entered the queue (re-sent, blocked or redelivered).
    #[inline]
    pub fn produced_earlier(&self) -> bool {
        self.before_queue.0 != 0 || self.deliveries() > 0
    }

    /// The same message with `deliveries` earlier deliveries (an SQS receive count less one).
    #[inline]
    pub fn with_deliveries(self, deliveries: u16) -> Self {
        let deliveries = deliveries.min(MAX_DELIVERIES);
        QueuedMessage {
            enqueued_high_and_deliveries: self.enqueued_high_and_deliveries & 0x00ff_ffff
                | u32::from(deliveries >> 7) << 24,
            deliveries_and_poison: (deliveries & 0x7f) as u8
                | (self.deliveries_and_poison & POISON),
            ..self
        }
    }

    /// Back to the pre-queue form, for a redelivery.
    pub fn redelivery(&self) -> Message {
        Message {
            created_at: self.created_at(),
            class: self.class,
            attempt: 0,
            deliveries: self.deliveries().saturating_add(1).min(MAX_DELIVERIES),
            poison: self.is_poison(),
        }
    }

    /// When it entered the queue.
    #[inline]
    pub fn enqueued_at(&self) -> SimTime {
        let high = u64::from(self.enqueued_high_and_deliveries & 0x00ff_ffff);
        SimTime::from_nanos(high << 32 | u64::from(self.enqueued_low))
    }

    /// When it was created (exact if it was enqueued at once; within 0.025% of the time it
    /// spent before the queue otherwise).
    #[inline]
    pub fn created_at(&self) -> SimTime {
        SimTime::from_nanos(
            self.enqueued_at()
                .as_nanos()
                .saturating_sub(self.before_queue.decode().as_nanos()),
        )
    }
}

/// A duration in 16 bits: below 2048 µs exact to the microsecond; above that 12 significant
/// bits and a 5-bit binary exponent (relative error < 0.025%, range ~50 days, then saturating).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct CompactDuration(u16);

impl CompactDuration {
    const MANTISSA_BITS: u32 = 11;

    fn encode(duration: SimDuration) -> Self {
        // Round to the nearest microsecond.
        let micros = (duration.as_nanos() + 500) / 1_000;
        if micros < 1 << Self::MANTISSA_BITS {
            return CompactDuration(micros as u16);
        }
        // Keep the leading one (implicit) and the 11 bits below it.
        let shift = 64 - micros.leading_zeros() - (Self::MANTISSA_BITS + 1);
        let exponent = shift + 1;
        if exponent >= 32 {
            return CompactDuration(u16::MAX);
        }
        let mantissa = (micros >> shift) as u16 & ((1 << Self::MANTISSA_BITS) - 1);
        CompactDuration((exponent as u16) << Self::MANTISSA_BITS | mantissa)
    }

    fn decode(self) -> SimDuration {
        let exponent = u32::from(self.0 >> Self::MANTISSA_BITS);
        let mantissa = u64::from(self.0 & ((1 << Self::MANTISSA_BITS) - 1));
        let micros = match exponent {
            0 => mantissa,
            // Restore the implicit leading one and centre the value in its bucket.
            1 => mantissa | 1 << Self::MANTISSA_BITS,
            _ => ((mantissa | 1 << Self::MANTISSA_BITS) << (exponent - 1)) + (1 << (exponent - 2)),
        };
        SimDuration::from_micros(micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn compact_duration_is_within_a_fortieth_of_a_percent(micros in 0u64..(1u64 << 42)) {
            let duration = SimDuration::from_micros(micros);
            let decoded = CompactDuration::encode(duration).decode().as_nanos() as f64 / 1_000.0;
            let error = (decoded - micros as f64).abs();
            prop_assert!(error <= (micros as f64 * 0.00025).max(0.5), "{micros} µs decoded as {decoded}");
        }

        #[test]
        fn queued_message_keeps_enqueue_time_exactly(enqueued in 0u64..MAX_ENQUEUE_NANOS / 2, waited in 0u64..10_000_000_000u64, deliveries in 0u16..=MAX_DELIVERIES) {
            let created_at = SimTime::from_nanos(enqueued);
            let now = created_at + SimDuration::from_nanos(waited);
            let queued = QueuedMessage::enqueue(Message { created_at, class: 3, attempt: 2, deliveries, poison: true }, now);
            prop_assert_eq!(queued.enqueued_at(), now);
            prop_assert_eq!((queued.class, queued.deliveries(), queued.is_poison()), (3, deliveries, true));
            let error = queued.created_at().as_nanos().abs_diff(created_at.as_nanos());
            prop_assert!(error as f64 <= (waited as f64 * 0.00025).max(500.0));
        }
    }

    #[test]
    fn a_message_enqueued_at_once_keeps_its_creation_time_exactly() {
        let now = SimTime::from_nanos(123_456_789);
        let queued = QueuedMessage::enqueue(Message::new(now, 0, false), now);
        assert_eq!(queued.created_at(), now);
        let again = QueuedMessage::enqueue(queued.redelivery(), now);
        assert_eq!((again.deliveries(), again.is_poison()), (1, false));
    }

    #[test]
    fn a_message_counts_a_thousand_deliveries_and_more() {
        // Regression: the count was 7 bits and stopped at 127, below SQS's maxReceiveCount
        // range (1–1,000), so a policy allowing more attempts never gave up.
        let mut message = Message::new(SimTime::ZERO, 0, true);
        for expected in 1..=1_200u16 {
            let queued = QueuedMessage::enqueue(
                message,
                SimTime::ZERO + SimDuration::from_secs(u64::from(expected)),
            );
            message = queued.redelivery();
            assert_eq!(message.deliveries, expected);
            assert!(message.poison);
        }
        let queued = QueuedMessage::enqueue(message, SimTime::from_nanos(MAX_ENQUEUE_NANOS));
        assert_eq!(queued.enqueued_at().as_nanos(), MAX_ENQUEUE_NANOS);
        assert_eq!(queued.deliveries(), 1_200);
    }
}
