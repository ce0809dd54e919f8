//! The consumer pool: consumers, each working on up to `concurrency` messages, that can crash,
//! be killed by a health check, restart, and be added or retired by an autoscaler.

use crate::engine::random::RandomStream;
use crate::engine::time::{SimDuration, SimTime};
use crate::model::broker::Receipt;
use crate::model::distribution::DurationDistribution;
use crate::model::message::QueuedMessage;
use crate::model::retry::RetryPolicy;
use crate::scenario::ConsumerSpec;

/// A message being processed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InService {
    pub message: QueuedMessage,
    /// The broker's receipt for it (SQS: the receipt handle a delete needs).
    pub receipt: Receipt,
    pub started_at: SimTime,
    /// Identifies this piece of work: events for older work in the same slot are stale.
    pub work: u32,
}

/// Where a consumer is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConsumerStatus {
    /// Taking messages.
    Active,
    /// Added, not ready yet (start-up delay).
    Starting,
    /// Crashed or killed: takes nothing until it restarts.
    Down,
    /// Finishing its messages before it stops (scale-down).
    Retiring,
    /// Scaled down: its place may be reused by a new consumer.
    Retired,
}

/// The consumers and what each is working on.
pub(crate) struct ConsumerPool {
    service_time: DurationDistribution,
    error_probability: f64,
    concurrency: u32,
    /// One entry per (consumer, concurrency slot); slot / concurrency is the consumer.
    slots: Vec<Option<InService>>,
    /// Free slots of active consumers, used as a stack so the choice is deterministic.
    free: Vec<u32>,
    in_flight_per_consumer: Vec<u32>,
    status: Vec<ConsumerStatus>,
    /// How many consumers are in each status (indexed by `ConsumerStatus as usize`), kept
    /// with `status` by `set_status` so that sampling never scans the pool.
    status_counts: [u32; 5],
    /// Consumers in the Retired state, lowest first (their places are reused).
    retired: std::collections::BTreeSet<u32>,
    busy_consumers: u32,
    busy_slots: u32,
    next_work: u32,
    service: RandomStream,
    outcomes: RandomStream,
    /// Redelivery of failed messages, if configured.
    pub retry: Option<RetryPolicy>,
    pub redelivery: RandomStream,
    /// (above, slowdown, exponent): consumers that thrash under concurrent work.
    thrashing: Option<(u32, f64, f64)>,
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
            status: vec![ConsumerStatus::Active; spec.count as usize],
            status_counts: [spec.count, 0, 0, 0, 0],
            retired: std::collections::BTreeSet::new(),
            busy_consumers: 0,
            busy_slots: 0,
            next_work: 0,
            service: RandomStream::for_component(seed, "consumers:service"),
            outcomes: RandomStream::for_component(seed, "consumers:outcomes"),
            retry: spec.retry.as_ref().map(RetryPolicy::from_spec),
            redelivery: RandomStream::for_component(seed, "consumers:redelivery"),
            thrashing: spec.thrashing.map(|t| (t.above, t.slowdown, t.exponent)),
        }
    }

    /// True when some consumer can take a message now.
    #[inline]
    pub fn has_free_slot(&self) -> bool {
        !self.free.is_empty()
    }

    /// Starts `message` on a free slot; returns the slot, how long the work takes, and the
    /// work's id. Call only when [`has_free_slot`](Self::has_free_slot).
    #[inline]
    pub fn start(
        &mut self,
        message: QueuedMessage,
        receipt: Receipt,
        now: SimTime,
    ) -> (u32, SimDuration, u32) {
        let slot = self.free.pop().expect("caller checked for a free slot");
        self.occupy(slot, message, receipt, now)
    }

    /// Puts `message` on `slot`, which the caller took off the free stack.
    #[inline]
    fn occupy(
        &mut self,
        slot: u32,
        message: QueuedMessage,
        receipt: Receipt,
        now: SimTime,
    ) -> (u32, SimDuration, u32) {
        let work = self.next_work;
        self.next_work = self.next_work.wrapping_add(1);
        self.slots[slot as usize] = Some(InService {
            message,
            receipt,
            started_at: now,
            work,
        });
        self.busy_slots += 1;
        let consumer = self.consumer_of(slot) as usize;
        if self.in_flight_per_consumer[consumer] == 0 {
            self.busy_consumers += 1;
        }
        self.in_flight_per_consumer[consumer] += 1;
        let service_time = self.service_time.sample(&mut self.service);
        let Some((above, slowdown, exponent)) = self.thrashing else {
            return (slot, service_time, work);
        };
        // Thrashing: the messages worked on beyond `above`, this one included, slow it
        // (libm's `pow`, so every platform computes alike).
        let over = self.in_flight_per_consumer[consumer].saturating_sub(above);
        let factor = 1.0 + slowdown * libm::pow(f64::from(over), exponent);
        (
            slot,
            SimDuration::from_secs_f64(service_time.as_secs_f64() * factor),
            work,
        )
    }

    /// Whether `slot` can take a message now (its consumer is active and it is idle).
    #[inline]
    pub fn is_free(&self, slot: u32) -> bool {
        let consumer = self.consumer_of(slot) as usize;
        self.slots.get(slot as usize).is_some_and(Option::is_none)
            && self.status.get(consumer) == Some(&ConsumerStatus::Active)
    }

    /// Starts `message` on the free slot `slot` (a Kafka member's own), taking
    /// `service_factor` times its usual time; returns how long the work takes and its id.
    pub fn start_in(
        &mut self,
        slot: u32,
        message: QueuedMessage,
        receipt: Receipt,
        now: SimTime,
        service_factor: f64,
    ) -> (SimDuration, u32) {
        let at = self
            .free
            .iter()
            .rposition(|&s| s == slot)
            .expect("caller checked the slot is free");
        self.free.remove(at);
        let (started, service_time, work) = self.occupy(slot, message, receipt, now);
        debug_assert_eq!(started, slot);
        let service_time = if service_factor == 1.0 {
            service_time
        } else {
            SimDuration::from_secs_f64(service_time.as_secs_f64() * service_factor)
        };
        (service_time, work)
    }

    /// The slot the next [`start`](Self::start) uses, if any.
    #[inline]
    pub fn next_free_slot(&self) -> Option<u32> {
        self.free.last().copied()
    }

    /// The free slots of active consumers (idle workers).
    pub fn free_slots(&self) -> &[u32] {
        &self.free
    }

    /// What `slot` works on, if anything.
    pub fn work_in(&self, slot: u32) -> Option<&InService> {
        self.slots[slot as usize].as_ref()
    }

    /// True while `slot` is still doing piece of work `work`.
    #[inline]
    pub fn is_current(&self, slot: u32, work: u32) -> bool {
        self.slots[slot as usize].is_some_and(|w| w.work == work)
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
        self.busy_slots -= 1;
        let consumer = self.consumer_of(slot) as usize;
        self.in_flight_per_consumer[consumer] -= 1;
        if self.in_flight_per_consumer[consumer] == 0 {
            self.busy_consumers -= 1;
        }
        match self.status[consumer] {
            ConsumerStatus::Active => self.free.push(slot),
            ConsumerStatus::Retiring if self.in_flight_per_consumer[consumer] == 0 => {
                self.set_status(consumer, ConsumerStatus::Retired);
            }
            _ => {}
        }
        work
    }

    /// Stops `consumer` at once (a crash or a kill): returns the messages it was working on,
    /// for the broker to deliver again, with their slots, and whether the consumer should
    /// restart. A consumer that was retiring (scale-down) stays retired: restarting it would
    /// undo the scale-down.
    pub fn take_down(&mut self, consumer: u32) -> (Vec<(u32, InService)>, bool) {
        let slots = self.slots_of(consumer);
        self.free.retain(|slot| !slots.contains(slot));
        let retiring = self.status[consumer as usize] == ConsumerStatus::Retiring;
        self.set_status(
            consumer as usize,
            if retiring {
                ConsumerStatus::Retired
            } else {
                ConsumerStatus::Down
            },
        );
        let mut interrupted = Vec::new();
        for slot in slots {
            if let Some(work) = self.slots[slot as usize].take() {
                self.busy_slots -= 1;
                interrupted.push((slot, work));
            }
        }
        if self.in_flight_per_consumer[consumer as usize] > 0 {
            self.busy_consumers -= 1;
        }
        self.in_flight_per_consumer[consumer as usize] = 0;
        (interrupted, !retiring)
    }

    /// When the oldest message in service was produced.
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        if self.busy_slots == 0 {
            return None;
        }
        self.slots
            .iter()
            .flatten()
            .map(|work| work.message.created_at())
            .min()
    }

    /// `consumer` (down or starting) starts taking messages.
    pub fn bring_up(&mut self, consumer: u32) {
        if self.status[consumer as usize] == ConsumerStatus::Active {
            return;
        }
        self.set_status(consumer as usize, ConsumerStatus::Active);
        // Reversed so the consumer's first slot is used first.
        let slots = self.slots_of(consumer);
        self.free.extend(
            slots
                .rev()
                .filter(|slot| self.slots[*slot as usize].is_none()),
        );
    }

    /// Adds a consumer in the Starting state (reusing a retired one's place); returns it.
    pub fn add_consumer(&mut self) -> u32 {
        // The lowest retired place, as a scan would find it, without the scan: scaling up by
        // thousands stays linear.
        let reusable = self.retired.first().map(|&c| c as usize);
        let consumer = match reusable {
            Some(index) => index,
            None => {
                self.status.push(ConsumerStatus::Retired);
                self.retired.insert(self.status.len() as u32 - 1);
                self.status_counts[ConsumerStatus::Retired as usize] += 1;
                self.in_flight_per_consumer.push(0);
                self.slots.extend((0..self.concurrency).map(|_| None));
                self.status.len() - 1
            }
        };
        self.set_status(consumer, ConsumerStatus::Starting);
        consumer as u32
    }

    /// Retires the newest active consumer: it takes nothing more and stops when idle.
    #[cfg(test)]
    pub fn retire_one(&mut self) -> Option<u32> {
        self.retire_newest(1).pop()
    }

    /// Retires the `count` newest active consumers (newest first), with one pass over the
    /// free slots for all of them: scaling 10,000 consumers down to 1 costs one pass, not
    /// 10,000.
    pub fn retire_newest(&mut self, count: u32) -> Vec<u32> {
        let mut retired = Vec::new();
        let mut below = self.status.len();
        while retired.len() < count as usize {
            let Some(consumer) = self.status[..below]
                .iter()
                .rposition(|s| *s == ConsumerStatus::Active)
            else {
                break;
            };
            below = consumer;
            self.set_status(
                consumer,
                if self.in_flight_per_consumer[consumer] == 0 {
                    ConsumerStatus::Retired
                } else {
                    ConsumerStatus::Retiring
                },
            );
            retired.push(consumer as u32);
        }
        if let Some(&oldest) = retired.last() {
            // The retired consumers are the only ones at or above `oldest` that left Active.
            let concurrency = self.concurrency;
            let status = &self.status;
            self.free.retain(|slot| {
                let consumer = slot / concurrency;
                consumer < oldest || status[consumer as usize] == ConsumerStatus::Active
            });
        }
        retired
    }

    /// The `count` newest active consumers (crash victims).
    pub fn newest_active(&self, count: u32) -> Vec<u32> {
        (0..self.status.len() as u32)
            .rev()
            .filter(|c| self.status[*c as usize] == ConsumerStatus::Active)
            .take(count as usize)
            .collect()
    }

    /// The consumer a slot belongs to.
    #[inline]
    pub fn consumer_of(&self, slot: u32) -> u32 {
        // One slot per consumer is the common case (and Kafka's only one): no division.
        if self.concurrency == 1 {
            slot
        } else {
            slot / self.concurrency
        }
    }

    /// The slots of `consumer`.
    pub fn slots_of(&self, consumer: u32) -> std::ops::Range<u32> {
        consumer * self.concurrency..(consumer + 1) * self.concurrency
    }

    /// Consumers in a state.
    pub fn count(&self, status: ConsumerStatus) -> u32 {
        self.status_counts[status as usize]
    }

    fn set_status(&mut self, consumer: usize, status: ConsumerStatus) {
        let was = self.status[consumer];
        self.status_counts[was as usize] -= 1;
        self.status_counts[status as usize] += 1;
        self.status[consumer] = status;
        if was == ConsumerStatus::Retired {
            self.retired.remove(&(consumer as u32));
        }
        if status == ConsumerStatus::Retired {
            self.retired.insert(consumer as u32);
        }
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

    /// Slots of active consumers (for utilisation and capacity).
    pub fn slot_count(&self) -> u32 {
        self.count(ConsumerStatus::Active) * self.concurrency
    }

    /// Every slot ever created, whatever its consumer's state.
    pub fn total_slots(&self) -> u32 {
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
    use crate::model::message::Message;
    use crate::scenario::{DistributionSpec, Duration};

    fn pool(count: u32, concurrency: u32) -> ConsumerPool {
        let spec = ConsumerSpec {
            count,
            concurrency,
            service_time: DistributionSpec::Constant {
                value: Duration::from_millis(10),
            },
            error_probability: 0.0,
            retry: None,
            health_check: None,
            thrashing: None,
        };
        ConsumerPool::new(&spec, 1)
    }

    fn message() -> QueuedMessage {
        QueuedMessage::enqueue(Message::new(SimTime::ZERO, 0, false), SimTime::ZERO)
    }

    /// The kept counts against a scan of every consumer, for each status.
    fn assert_counts_match(pool: &ConsumerPool) {
        use ConsumerStatus::*;
        for status in [Active, Starting, Down, Retiring, Retired] {
            let scanned = pool.status.iter().filter(|s| **s == status).count() as u32;
            assert_eq!(pool.count(status), scanned, "{status:?}");
        }
    }

    #[test]
    fn retiring_many_at_once_leaves_the_pool_as_retiring_one_by_one_does() {
        let spec = |count| ConsumerSpec {
            count,
            concurrency: 3,
            service_time: DistributionSpec::Constant {
                value: Duration::from_secs(1),
            },
            error_probability: 0.0,
            retry: None,
            health_check: None,
            thrashing: None,
        };
        let busy = |pool: &mut ConsumerPool| {
            for t in 0..7 {
                let message = QueuedMessage::enqueue(
                    Message::new(SimTime::from_nanos(t), 0, false),
                    SimTime::ZERO,
                );
                pool.start(message, Receipt::default(), SimTime::ZERO);
            }
        };
        let (mut one, mut many) = (
            ConsumerPool::new(&spec(8), 1),
            ConsumerPool::new(&spec(8), 1),
        );
        busy(&mut one);
        busy(&mut many);
        let singly: Vec<u32> = (0..5).filter_map(|_| one.retire_one()).collect();
        assert_eq!(many.retire_newest(5), singly);
        assert_eq!(one.free, many.free);
        assert_eq!(one.status, many.status);
        assert_eq!(many.count(ConsumerStatus::Active), 3);
        // Asking for more than there are retires every active consumer, no more.
        assert_eq!(many.retire_newest(10).len(), 3);
        assert!(many.free.is_empty());
    }

    #[test]
    fn status_counts_follow_every_change_without_a_scan() {
        let mut pool = pool(3, 1);
        assert_counts_match(&pool);
        let (slot, _, _) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        let busy = pool.consumer_of(slot);
        pool.take_down(busy);
        assert_counts_match(&pool);
        assert_eq!(pool.count(ConsumerStatus::Down), 1);
        pool.bring_up(busy);
        assert_counts_match(&pool);
        let added = pool.add_consumer();
        assert_counts_match(&pool);
        assert_eq!(pool.count(ConsumerStatus::Starting), 1);
        pool.bring_up(added);
        while pool.retire_one().is_some() {
            assert_counts_match(&pool);
        }
        assert_counts_match(&pool);
        // A retired place is reused by the next consumer added.
        let reused = pool.add_consumer();
        assert!(reused < 4);
        assert_counts_match(&pool);
        assert_eq!(
            pool.oldest_created_at(),
            None,
            "an idle pool holds no message"
        );
    }

    #[test]
    fn slots_track_busy_consumers_with_concurrency() {
        let mut pool = pool(2, 2);
        let (a, took, _) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        assert_eq!(took, SimDuration::from_millis(10));
        let (b, _, _) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        assert_eq!(
            (pool.in_service(), pool.busy_consumers()),
            (2, 1),
            "the first consumer takes two"
        );
        let (c, _, _) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        assert_eq!(pool.busy_consumers(), 2);
        pool.start(message(), Receipt::default(), SimTime::ZERO);
        assert!(!pool.has_free_slot());
        for slot in [a, b, c] {
            assert!(!pool.work_failed(slot));
            pool.release(slot);
        }
        assert_eq!((pool.in_service(), pool.busy_consumers()), (1, 1));
    }

    #[test]
    fn a_crashed_consumer_gives_its_messages_back_and_takes_nothing_until_restarted() {
        let mut pool = pool(2, 2);
        let (first, _, work) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        pool.start(message(), Receipt::default(), SimTime::ZERO);
        let (interrupted, restart) = pool.take_down(0);
        assert_eq!(interrupted.len(), 2);
        assert!(restart, "a crashed active consumer restarts");
        assert!(
            !pool.is_current(first, work),
            "events for the interrupted work are stale"
        );
        assert_eq!(
            (pool.in_service(), pool.busy_consumers(), pool.slot_count()),
            (0, 0, 2)
        );
        // Only consumer 1's two slots are free.
        assert!(
            pool.start(message(), Receipt::default(), SimTime::ZERO).0 >= 2
                && pool.start(message(), Receipt::default(), SimTime::ZERO).0 >= 2
        );
        assert!(!pool.has_free_slot());
        pool.bring_up(0);
        assert!(pool.has_free_slot());
    }

    #[test]
    fn scaling_adds_starting_consumers_and_retires_the_newest_when_idle() {
        let mut pool = pool(1, 1);
        let added = pool.add_consumer();
        assert_eq!((added, pool.count(ConsumerStatus::Starting)), (1, 1));
        pool.bring_up(added);
        assert_eq!(pool.slot_count(), 2);
        let (first, _, _) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        let (second, _, _) = pool.start(message(), Receipt::default(), SimTime::ZERO);
        let mut used = [first, second];
        used.sort_unstable();
        assert_eq!(used, [0, 1], "both consumers are busy");
        assert_eq!(pool.retire_one(), Some(1));
        assert_eq!(
            pool.count(ConsumerStatus::Retiring),
            1,
            "busy: finishes first"
        );
        pool.release(1);
        assert_eq!(pool.count(ConsumerStatus::Retired), 1);
        pool.release(0);
        assert_eq!(pool.slot_count(), 1);
        assert_eq!(pool.oldest_created_at(), None);
        assert_eq!(
            pool.add_consumer(),
            1,
            "a retired consumer's place is reused"
        );
        pool.take_down(0);
        assert_eq!(
            pool.add_consumer(),
            2,
            "a crashed consumer waiting to restart is not"
        );
    }

    #[test]
    fn a_retiring_consumer_killed_by_the_health_check_stays_retired() {
        // Regression: a kill during a scale-down restarted the consumer as active, undoing
        // the scale-down.
        let mut pool = pool(2, 1);
        pool.start(message(), Receipt::default(), SimTime::ZERO);
        pool.start(message(), Receipt::default(), SimTime::ZERO);
        assert_eq!(pool.retire_one(), Some(1));
        assert_eq!(pool.count(ConsumerStatus::Retiring), 1);
        let (interrupted, restart) = pool.take_down(1);
        assert_eq!(interrupted.len(), 1);
        assert!(!restart);
        assert_eq!(pool.count(ConsumerStatus::Retired), 1);
        pool.bring_up(0);
        assert_eq!(
            pool.slot_count(),
            1,
            "only the consumer that was not retired is active"
        );
    }
}
