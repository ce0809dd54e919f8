//! Brokers: what a message broker owns — admission (capacity, overflow, watermark
//! push-back), the waiting messages, deliveries, acknowledgements, redelivery and the
//! dead-letter queue, lag and its own terms of the conservation equation. Consumers *pull*:
//! they ask the broker for work, and ack or nack what they received; nothing reaches into a
//! broker's internals.
//!
//! A broker is an enum (static dispatch on the hot path). A new broker adds its spec to the
//! scenario schema, its module here, one variant of [`Broker`] and of [`BrokerEvent`] (with
//! its fingerprint kinds in `model/event.rs`), and its chart series.

pub(crate) mod bounded_queue;
pub(crate) mod message_buffer;

pub(crate) use bounded_queue::{Admission, BoundedQueue, Refusal};

use crate::engine::time::{SimDuration, SimTime};
use crate::model::context::Context;
use crate::model::event::{Event, Id64};
use crate::model::message::{Message, QueuedMessage};
use crate::scenario::QueueSpec;

/// The broker of a run.
pub(crate) enum Broker {
    /// A bounded queue with an overflow policy and push-back (RabbitMQ-like semantics
    /// without the node; the first broker).
    Bounded(BoundedQueue),
}

/// Timers the broker set itself.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BrokerEvent {
    /// A blocked send's timeout.
    BlockTimeout { ticket: Id64 },
    /// A negatively acknowledged message's backoff is over: it is deliverable again.
    Redeliver { key: u32 },
}

/// What a broker event leaves for the rest of the system to do.
pub(crate) enum BrokerOutcome {
    /// Nothing.
    Nothing,
    /// Messages became deliverable: idle consumers should pull.
    Deliverable,
    /// A blocked send gave up waiting: the producer decides whether to retry it.
    SendGaveUp(Message),
}

/// A broker's terms of the conservation equation: the messages it holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BrokerHolds {
    /// Waiting to be delivered.
    pub waiting: u64,
    /// Sends blocked waiting for room.
    pub blocked: u64,
    /// Negatively acknowledged, waiting out a redelivery backoff.
    pub redelivering: u64,
}

impl BrokerHolds {
    /// Every message held.
    pub fn total(&self) -> u64 {
        self.waiting + self.blocked + self.redelivering
    }
}

impl Broker {
    /// The broker a scenario asks for; `class_priority[i]` is priority class i's priority.
    pub fn new(spec: &QueueSpec, class_priority: Vec<i32>) -> Self {
        Broker::Bounded(BoundedQueue::new(spec, class_priority))
    }

    /// Offers a message produced (or re-sent) now. A blocked send's timeout is scheduled
    /// here; the caller accounts for the admission.
    #[inline]
    pub fn offer(&mut self, message: Message, cx: &mut Context) -> Admission {
        match self {
            Broker::Bounded(queue) => {
                let admission = queue.offer(message, cx.now);
                match &admission {
                    Admission::Accepted => note_depth(queue, cx),
                    Admission::AcceptedDisplacing(victim) => {
                        cx.metrics.left_queue(cx.now - victim.enqueued_at());
                    }
                    Admission::Blocked { ticket, deadline } => cx.events.schedule(
                        *deadline,
                        Event::Broker(BrokerEvent::BlockTimeout {
                            ticket: Id64::new(*ticket),
                        }),
                    ),
                    Admission::Refused { .. } => {}
                }
                admission
            }
        }
    }

    /// The fast path: when nothing waits and the broker would admit without push-back, a
    /// message offered while a consumer is idle is received at once (its wait is zero).
    #[inline]
    pub fn pass_through(&mut self, message: Message, now: SimTime) -> Option<QueuedMessage> {
        match self {
            Broker::Bounded(queue) => (queue.len() == 0 && queue.accepts_without_pushback())
                .then(|| QueuedMessage::enqueue(message, now)),
        }
    }

    /// A consumer asks for one message; the broker hands over the next one by its order.
    #[inline]
    pub fn receive(&mut self, cx: &mut Context) -> Option<QueuedMessage> {
        match self {
            Broker::Bounded(queue) => {
                let message = queue.take()?;
                let waited = cx.now - message.enqueued_at();
                cx.metrics.queue_wait.record(waited);
                cx.metrics.left_queue(waited);
                Some(message)
            }
        }
    }

    /// Room freed by a receive admits the longest-blocked send, if any; returned so its
    /// producer can count the send as accepted.
    #[inline]
    pub fn admit_blocked(&mut self, cx: &mut Context) -> Option<Message> {
        match self {
            Broker::Bounded(queue) => {
                let admitted = if queue.blocked_len() > 0 {
                    queue.admit_blocked(cx.now)
                } else {
                    None
                };
                cx.metrics.queue_length_change(cx.now, queue.len() as u64);
                admitted
            }
        }
    }

    /// The consumer finished the message: the broker forgets it. (The bounded queue handed
    /// it over whole, so there is nothing to delete.)
    #[inline]
    pub fn ack(&mut self, _message: &QueuedMessage, _cx: &mut Context) {
        match self {
            Broker::Bounded(_) => {}
        }
    }

    /// The consumer failed the message: deliver it again after `redeliver_after`, or, when
    /// the consumer gives up on it (`None`), dead-letter it (or count it failed without a
    /// dead-letter queue).
    pub fn nack(
        &mut self,
        message: QueuedMessage,
        redeliver_after: Option<SimDuration>,
        cx: &mut Context,
    ) {
        let class = usize::from(message.class);
        match self {
            Broker::Bounded(queue) => match redeliver_after {
                Some(delay) => {
                    cx.metrics.counts.redelivered += 1;
                    let key = queue.hold_for_redelivery(message.redelivery());
                    cx.schedule_in(delay, Event::Broker(BrokerEvent::Redeliver { key }));
                }
                None if queue.dead_letter_queue => {
                    cx.metrics.counts.dead_lettered += 1;
                    cx.metrics.classes[class].dead_lettered += 1;
                }
                None => {
                    cx.metrics.counts.failed += 1;
                    cx.metrics.classes[class].failed += 1;
                }
            },
        }
    }

    /// A consumer went down holding `message` without acknowledging it: the bounded queue
    /// takes it back at once, at the tail (the broker saw the connection drop).
    pub fn release(&mut self, message: QueuedMessage, cx: &mut Context) {
        match self {
            Broker::Bounded(queue) => {
                queue.requeue(message.redelivery(), cx.now);
                note_depth(queue, cx);
            }
        }
    }

    /// Handles one of the broker's own timers.
    pub fn handle(&mut self, event: BrokerEvent, cx: &mut Context) -> BrokerOutcome {
        match (self, event) {
            (Broker::Bounded(queue), BrokerEvent::BlockTimeout { ticket }) => {
                match queue.expire_blocked(ticket.get()) {
                    Some(message) => {
                        cx.metrics.counts.block_timeouts += 1;
                        BrokerOutcome::SendGaveUp(message)
                    }
                    None => BrokerOutcome::Nothing,
                }
            }
            (Broker::Bounded(queue), BrokerEvent::Redeliver { key }) => {
                queue.redeliver(key, cx.now);
                note_depth(queue, cx);
                BrokerOutcome::Deliverable
            }
        }
    }

    /// Messages waiting to be delivered (the consumer lag in messages).
    #[inline]
    pub fn waiting(&self) -> u64 {
        match self {
            Broker::Bounded(queue) => queue.len() as u64,
        }
    }

    /// Most messages ever waiting at once.
    pub fn max_waiting(&self) -> u64 {
        match self {
            Broker::Bounded(queue) => queue.max_len() as u64,
        }
    }

    /// The messages the broker holds, for the conservation equation.
    #[inline]
    pub fn holds(&self) -> BrokerHolds {
        match self {
            Broker::Bounded(queue) => BrokerHolds {
                waiting: queue.len() as u64,
                blocked: queue.blocked_len() as u64,
                redelivering: queue.redelivering_len() as u64,
            },
        }
    }

    /// When the oldest message the broker holds (waiting, or waiting to be redelivered) was
    /// produced: the broker's part of the consumer lag in seconds.
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        match self {
            Broker::Bounded(queue) => queue.oldest_created_at(),
        }
    }

    /// When the oldest waiting message entered the queue (load shedding's lag rule).
    #[inline]
    pub fn oldest_enqueued_at(&self) -> Option<SimTime> {
        match self {
            Broker::Bounded(queue) => queue.oldest_enqueued_at(),
        }
    }

    /// Capacity now, or `None` when unbounded.
    pub fn capacity(&self) -> Option<u64> {
        match self {
            Broker::Bounded(queue) => queue.capacity(),
        }
    }

    /// Changes the capacity (live knob); room that opens admits blocked sends, each returned
    /// through `admitted`.
    pub fn set_capacity(
        &mut self,
        capacity: u64,
        cx: &mut Context,
        mut admitted: impl FnMut(Message),
    ) {
        match self {
            Broker::Bounded(queue) => {
                queue.set_capacity(capacity);
                while queue.blocked_len() > 0 {
                    match queue.admit_blocked(cx.now) {
                        Some(message) => admitted(message),
                        None => break,
                    }
                }
                note_depth(queue, cx);
            }
        }
    }

    /// The Retry-After the broker advertises when it refuses.
    pub fn retry_after(&self) -> SimDuration {
        match self {
            Broker::Bounded(queue) => queue.retry_after(),
        }
    }

    /// Bytes held by the waiting messages (for the memory benchmark).
    pub fn allocated_bytes(&self) -> usize {
        match self {
            Broker::Bounded(queue) => queue.allocated_bytes(),
        }
    }
}

/// The queue's length changed: the length integral follows it.
#[inline]
fn note_depth(queue: &BoundedQueue, cx: &mut Context) {
    cx.metrics.queue_length_change(cx.now, queue.len() as u64);
}
