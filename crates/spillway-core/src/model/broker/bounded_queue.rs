//! A bounded queue with an overflow policy, a high watermark that pushes back on producers,
//! and one lane per priority class.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::time::{SimDuration, SimTime};
use crate::model::broker::message_buffer::MessageBuffer;
use crate::model::message::{Message, QueuedMessage};
use crate::scenario::{Capacity, DequeueOrder, OverflowPolicy, QueueSpec};

/// Why a send was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The queue was full.
    Full,
    /// The queue was above its high watermark and asked the producer to slow down.
    PushBack,
}

/// What happened to an offered message.
#[derive(Debug, PartialEq)]
pub(crate) enum Admission {
    /// In the queue.
    Accepted,
    /// In the queue; another message was discarded to make room (drop-oldest or shedding).
    AcceptedDisplacing(QueuedMessage),
    /// Not in the queue; the producer may retry after `retry_after`.
    Refused {
        reason: Refusal,
        retry_after: SimDuration,
    },
    /// Waiting for space until `deadline`; `ticket` identifies the wait.
    Blocked { ticket: u64, deadline: SimTime },
}

struct BlockedSend {
    ticket: u64,
    message: Message,
}

/// Depth at which a queue with `capacity` starts pushing back.
fn pushback_depth(capacity: usize, high_watermark: Option<f64>) -> usize {
    match high_watermark {
        Some(mark) if capacity != usize::MAX => ((capacity as f64 * mark).ceil() as usize).max(1),
        _ => usize::MAX,
    }
}

/// The queue.
pub(crate) struct BoundedQueue {
    lanes: Vec<MessageBuffer>,
    lane_priority: Vec<i32>,
    /// Lane indices, most important first.
    lanes_by_priority: Vec<usize>,
    len: usize,
    capacity: usize,
    /// Fraction of capacity where pushback starts (Retry-After), if set.
    high_watermark: Option<f64>,
    pushback_depth: usize,
    overflow: OverflowPolicy,
    order: DequeueOrder,
    retry_after: SimDuration,
    block_timeout: SimDuration,
    blocked: VecDeque<BlockedSend>,
    next_ticket: u64,
    /// Failed messages waiting out their redelivery backoff.
    redelivering: slab::Slab<Message>,
    /// Whether messages that are given up go to a dead-letter queue.
    pub dead_letter_queue: bool,
    /// Most messages ever waiting at once.
    max_len: usize,
    /// Production times of the waiting messages that did not enter the queue the instant
    /// they were produced (re-sent or redelivered), with their counts. Every other waiting
    /// message was produced when it was enqueued, so the lane fronts and this map together
    /// give the oldest production time exactly.
    out_of_order: BTreeMap<SimTime, u32>,
}

impl BoundedQueue {
    /// A queue with one lane per class; `class_priority[i]` is class i's priority.
    pub fn new(spec: &QueueSpec, class_priority: Vec<i32>) -> Self {
        let capacity = match spec.capacity {
            Capacity::Unbounded => usize::MAX,
            Capacity::Bounded(n) => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let pushback_depth = pushback_depth(capacity, spec.high_watermark);
        let mut lanes_by_priority: Vec<usize> = (0..class_priority.len()).collect();
        // Stable: equal priorities keep class order, so the choice is deterministic.
        lanes_by_priority.sort_by_key(|&lane| std::cmp::Reverse(class_priority[lane]));
        BoundedQueue {
            lanes: (0..class_priority.len())
                .map(|_| MessageBuffer::default())
                .collect(),
            lane_priority: class_priority,
            lanes_by_priority,
            len: 0,
            capacity,
            high_watermark: spec.high_watermark,
            pushback_depth,
            overflow: spec.overflow,
            order: spec.order,
            retry_after: spec.retry_after.sim(),
            block_timeout: spec.block_timeout.sim(),
            blocked: VecDeque::new(),
            next_ticket: 0,
            redelivering: slab::Slab::new(),
            dead_letter_queue: spec.dead_letter_queue,
            max_len: 0,
            out_of_order: BTreeMap::new(),
        }
    }

    /// Most messages ever waiting at once.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Failed messages waiting out their redelivery backoff.
    pub fn redelivering_len(&self) -> usize {
        self.redelivering.len()
    }

    /// Holds a failed message until its redelivery; returns its key.
    pub fn hold_for_redelivery(&mut self, message: Message) -> u32 {
        self.redelivering.insert(message) as u32
    }

    /// Puts the message held under `key` back in the queue.
    pub fn redeliver(&mut self, key: u32, now: SimTime) {
        let message = self.redelivering.remove(key as usize);
        self.requeue(message, now);
    }

    /// Production time of the oldest message waiting or awaiting redelivery.
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        let fronts = self
            .lanes
            .iter()
            .filter_map(|lane| lane.front())
            .map(|m| m.enqueued_at());
        let out_of_order = self.out_of_order.keys().next().copied();
        // Redeliveries are rare and few; a scan at sample time is cheap.
        let redelivering = self.redelivering.iter().map(|(_, m)| m.created_at);
        fronts.chain(out_of_order).chain(redelivering).min()
    }

    /// Waiting messages (the consumer lag in messages).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Capacity, or `None` when unbounded.
    pub fn capacity(&self) -> Option<u64> {
        (self.capacity != usize::MAX).then_some(self.capacity as u64)
    }

    /// Changes the capacity at once. Messages already waiting stay even above a smaller
    /// capacity (a broker does not delete accepted messages); new sends see the new limit.
    pub fn set_capacity(&mut self, capacity: u64) {
        self.capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        self.pushback_depth = pushback_depth(self.capacity, self.high_watermark);
    }

    /// The Retry-After the queue advertises.
    pub fn retry_after(&self) -> SimDuration {
        self.retry_after
    }

    /// Sends blocked waiting for space.
    pub fn blocked_len(&self) -> usize {
        self.blocked.len()
    }

    /// True when a message offered now may go straight to an idle consumer: nothing waits
    /// and no push-back applies. A queue without waiting room (capacity 0) hands over too.
    #[inline]
    pub fn hands_over(&self) -> bool {
        self.len == 0 && self.len < self.pushback_depth && self.blocked.is_empty()
    }

    /// Offers a message at `now`.
    pub fn offer(&mut self, message: Message, now: SimTime) -> Admission {
        if self.len >= self.pushback_depth {
            return Admission::Refused {
                reason: Refusal::PushBack,
                retry_after: self.retry_after,
            };
        }
        if self.len < self.capacity && self.blocked.is_empty() {
            self.push_offered(message, now);
            return Admission::Accepted;
        }
        match self.overflow {
            OverflowPolicy::Reject => Admission::Refused {
                reason: Refusal::Full,
                retry_after: self.retry_after,
            },
            OverflowPolicy::DropOldest => {
                let oldest = self.oldest_lane().map(|lane| self.pop_lane(lane));
                self.push_offered(message, now);
                match oldest {
                    Some(oldest) => Admission::AcceptedDisplacing(oldest),
                    None => Admission::Accepted,
                }
            }
            OverflowPolicy::ShedLowestPriority => {
                let incoming = self.lane_priority[usize::from(message.class)];
                let victim_lane = self
                    .lanes_by_priority
                    .iter()
                    .rev()
                    .copied()
                    .find(|&lane| !self.lanes[lane].is_empty())
                    .filter(|&lane| self.lane_priority[lane] < incoming);
                match victim_lane {
                    Some(lane) => {
                        let victim = self.pop_lane(lane);
                        self.push_offered(message, now);
                        Admission::AcceptedDisplacing(victim)
                    }
                    None => Admission::Refused {
                        reason: Refusal::Full,
                        retry_after: self.retry_after,
                    },
                }
            }
            OverflowPolicy::Block => {
                let ticket = self.next_ticket;
                self.next_ticket += 1;
                self.blocked.push_back(BlockedSend { ticket, message });
                Admission::Blocked {
                    ticket,
                    deadline: now + self.block_timeout,
                }
            }
        }
    }

    /// The next message for a free consumer, by the queue's order.
    #[inline]
    pub fn take(&mut self) -> Option<QueuedMessage> {
        if self.len == 0 {
            return None;
        }
        let lane = match (self.order, self.lanes.len()) {
            (_, 1) => 0,
            (DequeueOrder::Fifo, _) => self.oldest_lane()?,
            (DequeueOrder::Priority, _) => self
                .lanes_by_priority
                .iter()
                .copied()
                .find(|&lane| !self.lanes[lane].is_empty())?,
        };
        Some(self.pop_lane(lane))
    }

    /// Puts a message back for redelivery. It was admitted once already, so capacity and the
    /// watermark do not apply (as a broker keeps an unacknowledged message).
    pub fn requeue(&mut self, message: Message, now: SimTime) {
        self.push_any(QueuedMessage::enqueue(message, now));
    }

    /// Admits the longest-blocked send if there is room; returns it for accounting.
    pub fn admit_blocked(&mut self, now: SimTime) -> Option<Message> {
        if self.len >= self.capacity {
            return None;
        }
        let send = self.blocked.pop_front()?;
        self.push_any(QueuedMessage::enqueue(send.message, now));
        Some(send.message)
    }

    /// Ends the wait of blocked send `ticket` if it is still blocked (its timeout fired).
    pub fn expire_blocked(&mut self, ticket: u64) -> Option<Message> {
        // Every block has the same timeout, so waits expire in the order they began.
        if self.blocked.front()?.ticket == ticket {
            self.blocked.pop_front().map(|send| send.message)
        } else {
            None
        }
    }

    /// When the oldest waiting message entered the queue.
    pub fn oldest_enqueued_at(&self) -> Option<SimTime> {
        self.lanes
            .iter()
            .filter_map(|lane| lane.front())
            .map(|m| m.enqueued_at())
            .min()
    }

    /// Bytes held by waiting messages (for the memory benchmark).
    pub fn allocated_bytes(&self) -> usize {
        self.lanes.iter().map(MessageBuffer::allocated_bytes).sum()
    }

    /// Adds a message that entered the queue the instant it was produced.
    #[inline]
    fn push(&mut self, message: QueuedMessage) {
        let lane = if self.lanes.len() == 1 {
            0
        } else {
            usize::from(message.class)
        };
        self.lanes[lane].push_back(message);
        self.len += 1;
        self.max_len = self.max_len.max(self.len);
    }

    /// Adds a message offered now: a first send was produced this instant, a re-send earlier.
    #[inline]
    fn push_offered(&mut self, message: Message, now: SimTime) {
        let queued = QueuedMessage::enqueue(message, now);
        if message.created_at == now {
            self.push(queued);
        } else {
            self.push_any(queued);
        }
    }

    /// Adds a message that may have been produced before now (re-sent, blocked, redelivered).
    #[inline]
    fn push_any(&mut self, message: QueuedMessage) {
        if message.produced_earlier() {
            *self.out_of_order.entry(message.created_at()).or_insert(0) += 1;
        }
        self.push(message);
    }

    #[inline]
    fn pop_lane(&mut self, lane: usize) -> QueuedMessage {
        self.len -= 1;
        let message = self.lanes[lane]
            .pop_front()
            .expect("lane chosen because it is not empty");
        if !self.out_of_order.is_empty() && message.produced_earlier() {
            let created_at = message.created_at();
            if let Some(count) = self.out_of_order.get_mut(&created_at) {
                *count -= 1;
                if *count == 0 {
                    self.out_of_order.remove(&created_at);
                }
            }
        }
        message
    }

    /// The lane whose front message is oldest (ties: the lower class index).
    fn oldest_lane(&self) -> Option<usize> {
        self.lanes
            .iter()
            .enumerate()
            .filter_map(|(index, lane)| lane.front().map(|m| (m.enqueued_at(), index)))
            .min()
            .map(|(_, index)| index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Duration;

    fn queue(capacity: u64, overflow: OverflowPolicy, priorities: Vec<i32>) -> BoundedQueue {
        let spec = QueueSpec {
            capacity: Capacity::Bounded(capacity),
            overflow,
            ..QueueSpec::default()
        };
        BoundedQueue::new(&spec, priorities)
    }

    fn message(class: u8, t: u64) -> Message {
        Message::new(SimTime::from_nanos(t), class, false)
    }

    #[test]
    fn reject_refuses_when_full_and_keeps_fifo_order() {
        let mut q = queue(2, OverflowPolicy::Reject, vec![0]);
        assert_eq!(
            q.offer(message(0, 1), SimTime::from_nanos(1)),
            Admission::Accepted
        );
        assert_eq!(
            q.offer(message(0, 2), SimTime::from_nanos(2)),
            Admission::Accepted
        );
        assert!(matches!(
            q.offer(message(0, 3), SimTime::from_nanos(3)),
            Admission::Refused {
                reason: Refusal::Full,
                ..
            }
        ));
        assert_eq!(q.take().unwrap().enqueued_at(), SimTime::from_nanos(1));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn drop_oldest_discards_the_head() {
        let mut q = queue(2, OverflowPolicy::DropOldest, vec![0]);
        q.offer(message(0, 1), SimTime::from_nanos(1));
        q.offer(message(0, 2), SimTime::from_nanos(2));
        match q.offer(message(0, 3), SimTime::from_nanos(3)) {
            Admission::AcceptedDisplacing(dropped) => {
                assert_eq!(dropped.enqueued_at(), SimTime::from_nanos(1))
            }
            other => panic!("expected a drop, got {other:?}"),
        }
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn shedding_evicts_the_lowest_priority_and_refuses_the_lowest_itself() {
        // Class 0: payments (priority 10); class 1: analytics (priority 0).
        let mut q = queue(2, OverflowPolicy::ShedLowestPriority, vec![10, 0]);
        q.offer(message(1, 1), SimTime::from_nanos(1));
        q.offer(message(0, 2), SimTime::from_nanos(2));
        assert!(matches!(
            q.offer(message(1, 3), SimTime::from_nanos(3)),
            Admission::Refused { .. }
        ));
        match q.offer(message(0, 4), SimTime::from_nanos(4)) {
            Admission::AcceptedDisplacing(victim) => assert_eq!(victim.class, 1),
            other => panic!("expected shedding, got {other:?}"),
        }
        // Only payments are left; another payment cannot evict a payment.
        assert!(matches!(
            q.offer(message(0, 5), SimTime::from_nanos(5)),
            Admission::Refused { .. }
        ));
    }

    #[test]
    fn priority_order_serves_important_classes_first() {
        let spec = QueueSpec {
            order: DequeueOrder::Priority,
            ..QueueSpec::default()
        };
        let mut q = BoundedQueue::new(&spec, vec![0, 5]);
        q.offer(message(0, 1), SimTime::from_nanos(1));
        q.offer(message(1, 2), SimTime::from_nanos(2));
        assert_eq!(q.take().unwrap().class, 1);
        let mut fifo = BoundedQueue::new(&QueueSpec::default(), vec![0, 5]);
        fifo.offer(message(0, 1), SimTime::from_nanos(1));
        fifo.offer(message(1, 2), SimTime::from_nanos(2));
        assert_eq!(fifo.take().unwrap().class, 0);
    }

    #[test]
    fn high_watermark_pushes_back_before_the_queue_is_full() {
        let spec = QueueSpec {
            capacity: Capacity::Bounded(10),
            high_watermark: Some(0.7),
            retry_after: Duration::from_secs(3),
            ..QueueSpec::default()
        };
        let mut q = BoundedQueue::new(&spec, vec![0]);
        for t in 0..7 {
            assert_eq!(
                q.offer(message(0, t), SimTime::from_nanos(t)),
                Admission::Accepted
            );
        }
        assert_eq!(
            q.offer(message(0, 8), SimTime::from_nanos(8)),
            Admission::Refused {
                reason: Refusal::PushBack,
                retry_after: SimDuration::from_secs(3)
            }
        );
    }

    #[test]
    fn blocked_sends_are_admitted_in_order_or_expire() {
        let mut q = queue(1, OverflowPolicy::Block, vec![0]);
        q.offer(message(0, 0), SimTime::ZERO);
        let Admission::Blocked { ticket: first, .. } =
            q.offer(message(0, 1), SimTime::from_nanos(1))
        else {
            panic!()
        };
        let Admission::Blocked { ticket: second, .. } =
            q.offer(message(0, 2), SimTime::from_nanos(2))
        else {
            panic!()
        };
        assert!(
            q.admit_blocked(SimTime::from_nanos(3)).is_none(),
            "no room yet"
        );
        q.take();
        assert_eq!(
            q.admit_blocked(SimTime::from_nanos(4)).unwrap().created_at,
            SimTime::from_nanos(1)
        );
        assert!(q.expire_blocked(first).is_none(), "already admitted");
        assert_eq!(
            q.expire_blocked(second).unwrap().created_at,
            SimTime::from_nanos(2)
        );
        assert_eq!(q.blocked_len(), 0);
    }
}
