//! The consumer pool: `count` consumers, each working on up to `concurrency` messages.

use crate::distribution::DurationDistribution;
use crate::message::QueuedMessage;
use crate::random::RandomStream;
use crate::retry::RetryPolicy;
use crate::scenario::ConsumerSpec;
use crate::time::{SimDuration, SimTime};

/// A message being processed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InService {
    pub message: QueuedMessage,
    pub started_at: SimTime,
}

/// The consumers and what each is working on.
pub(crate) struct ConsumerPool {
    service_time: DurationDistribution,
    error_probability: f64,
    concurrency: u32,
    /// One entry per (consumer, concurrency slot); slot / concurrency is the consumer.
    slots: Vec<Option<InService>>,
    /// Free slots, used as a stack so the choice is deterministic.
    free: Vec<u32>,
    in_flight_per_consumer: Vec<u32>,
    busy_consumers: u32,
    busy_slots: u32,
    service: RandomStream,
    outcomes: RandomStream,
    /// Redelivery of failed messages, if configured.
    pub retry: Option<RetryPolicy>,
    pub redelivery: RandomStream,
}

impl ConsumerPool {
    pub fn new(spec: &ConsumerSpec, seed: u64) -> Self {
        let slot_count = spec.count * spec.concurrency;
        ConsumerPool {
            service_time: DurationDistribution::from_spec(&spec.service_time),
            error_probability: spec.error_probability,
            concurrency: spec.concurrency,
            slots: vec![None; slot_count as usize],
            // Reversed so consumer 0's first slot is used first.
            free: (0..slot_count).rev().collect(),
            in_flight_per_consumer: vec![0; spec.count as usize],
            busy_consumers: 0,
            busy_slots: 0,
            service: RandomStream::for_component(seed, "consumers:service"),
            outcomes: RandomStream::for_component(seed, "consumers:outcomes"),
            retry: spec.retry.as_ref().map(RetryPolicy::from_spec),
            redelivery: RandomStream::for_component(seed, "consumers:redelivery"),
        }
    }

    /// True when some consumer can take a message now.
    #[inline]
    pub fn has_free_slot(&self) -> bool {
        !self.free.is_empty()
    }

    /// Starts `message` on a free slot; returns the slot and how long the work takes.
    /// Call only when [`has_free_slot`](Self::has_free_slot).
    #[inline]
    pub fn start(&mut self, message: QueuedMessage, now: SimTime) -> (u32, SimDuration) {
        let slot = self.free.pop().expect("caller checked for a free slot");
        self.slots[slot as usize] = Some(InService {
            message,
            started_at: now,
        });
        self.busy_slots += 1;
        let consumer = (slot / self.concurrency) as usize;
        if self.in_flight_per_consumer[consumer] == 0 {
            self.busy_consumers += 1;
        }
        self.in_flight_per_consumer[consumer] += 1;
        (slot, self.service_time.sample(&mut self.service))
    }

    /// Whether the consumer's own work on the message in `slot` failed (a poison message, or
    /// the configured error probability).
    #[inline]
    pub fn work_failed(&mut self, slot: u32) -> bool {
        let work = self.slots[slot as usize]
            .as_ref()
            .expect("a completion for an idle slot");
        work.message.is_poison() || self.outcomes.chance(self.error_probability)
    }

    /// Frees `slot`, returning what it was working on.
    #[inline]
    pub fn release(&mut self, slot: u32) -> InService {
        let work = self.slots[slot as usize]
            .take()
            .expect("a completion for an idle slot");
        self.free.push(slot);
        self.busy_slots -= 1;
        let consumer = (slot / self.concurrency) as usize;
        self.in_flight_per_consumer[consumer] -= 1;
        if self.in_flight_per_consumer[consumer] == 0 {
            self.busy_consumers -= 1;
        }
        work
    }

    /// Messages in service.
    #[inline]
    pub fn in_service(&self) -> u32 {
        self.busy_slots
    }

    /// Consumers working on at least one message.
    pub fn busy_consumers(&self) -> u32 {
        self.busy_consumers
    }

    /// Total slots (consumers × concurrency).
    pub fn slot_count(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Mean service time in seconds, if finite.
    pub fn mean_service_seconds(&self) -> Option<f64> {
        self.service_time.mean()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::scenario::{DistributionSpec, Duration};

    #[test]
    fn slots_track_busy_consumers_with_concurrency() {
        let spec = ConsumerSpec {
            count: 2,
            concurrency: 2,
            service_time: DistributionSpec::Constant {
                value: Duration::from_millis(10),
            },
            error_probability: 0.0,
            retry: None,
        };
        let mut pool = ConsumerPool::new(&spec, 1);
        let message = QueuedMessage::enqueue(Message::new(SimTime::ZERO, 0, false), SimTime::ZERO);
        let (a, took) = pool.start(message, SimTime::ZERO);
        assert_eq!(took, SimDuration::from_millis(10));
        let (b, _) = pool.start(message, SimTime::ZERO);
        assert_eq!(
            (pool.in_service(), pool.busy_consumers()),
            (2, 1),
            "the first consumer takes two"
        );
        let (c, _) = pool.start(message, SimTime::ZERO);
        assert_eq!(pool.busy_consumers(), 2);
        pool.start(message, SimTime::ZERO);
        assert!(!pool.has_free_slot());
        for slot in [a, b, c] {
            assert!(!pool.work_failed(slot));
            pool.release(slot);
        }
        assert_eq!((pool.in_service(), pool.busy_consumers()), (1, 1));
    }
}
