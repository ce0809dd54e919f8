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
pub(crate) mod kafka;
pub(crate) mod message_buffer;
pub(crate) mod rabbitmq;
pub(crate) mod sqs;

pub(crate) use bounded_queue::{Admission, BoundedQueue, Refusal};
use sqs::{Departure, Received};
pub(crate) use sqs::{Receipt, SqsQueue};

use std::collections::VecDeque;

use crate::engine::time::{SimDuration, SimTime};
use crate::model::context::Context;
use crate::model::event::{Event, Id64};
use crate::model::message::{Message, QueuedMessage};
use crate::scenario::{QueueSpec, SqsSpec};
use kafka::{Failure, Finished, GroupTimer, KafkaTopic};
use rabbitmq::{Nack, RabbitQueue};

/// The broker of a run.
// One per run, built once and never moved: the variants' sizes do not matter, and boxing one
// would put an indirection on every event's path.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Broker {
    /// A bounded queue with an overflow policy and push-back (RabbitMQ-like semantics
    /// without the node; the first broker).
    Bounded(BoundedQueue),
    /// An Amazon SQS queue: visibility timeouts, receive counts, redrive, FIFO groups.
    Sqs(SqsQueue),
    /// A Kafka topic and its consumer group: partitions, offsets, rebalances.
    Kafka(KafkaTopic),
    /// A RabbitMQ queue on one node: prefetch, the memory alarm, paging, dead-lettering.
    Rabbit(RabbitQueue),
}

/// What a delete (an ack) came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ack {
    /// The message is done.
    Done,
    /// SQS: the receipt is stale (another worker received the message since): the work is
    /// thrown away.
    Stale,
    /// Kafka: the record had been processed before (redone after a rebalance): a
    /// duplicate.
    Duplicate,
}

/// A message a consumer received, with the broker's receipt for it (SQS's receipt handle;
/// unused by the bounded queue, which hands messages over whole).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Delivery {
    pub message: QueuedMessage,
    pub receipt: Receipt,
}

/// Timers the broker set itself.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BrokerEvent {
    /// A blocked send's timeout.
    BlockTimeout { ticket: Id64 },
    /// A negatively acknowledged message's backoff is over: it is deliverable again.
    Redeliver { key: u32 },
    /// SQS: a message's delivery delay or visibility timeout ends (stale if `timer` is not
    /// the message's latest).
    SqsTimer { key: u32, timer: u32 },
    /// SQS: a producer whose send response was lost sends the message again (or the
    /// upstream emits its second copy).
    SqsResend { key: u32 },
    /// SQS, short polling: idle workers poll again after a receive that came back empty
    /// while messages were visible.
    SqsPoll,
    /// SQS: messages in the dead-letter queue reach its retention period.
    SqsDeadLetterExpiry,
    /// Kafka: the rebalance round `round` completes (stale if a newer one started).
    KafkaRebalanceDone { round: u32 },
    /// Kafka: member `member`'s batch may have outlasted `max.poll.interval`.
    KafkaPollDeadline { member: u32 },
    /// Kafka: crashed member `member`'s session times out.
    KafkaSessionExpiry { member: u32 },
    /// Kafka: a failed record's backoff is over; its partition resumes.
    KafkaResume { partition: u32, pause: u32 },
    /// Kafka: the broker deletes records past retention.
    KafkaRetention,
    /// RabbitMQ: the queue process is free again (it was busy on the disk).
    RabbitTick,
    /// RabbitMQ: the head of the queue reaches its TTL.
    RabbitExpire,
    /// RabbitMQ: the memory monitor looks at the node's memory (raises or clears the alarm).
    RabbitMemoryCheck,
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
    /// SQS: received and not deleted (ApproximateNumberOfMessagesNotVisible).
    pub in_flight: u64,
    /// SQS: waiting out the delivery delay.
    pub delayed: u64,
}

impl BrokerHolds {
    /// Every message held.
    pub fn total(&self) -> u64 {
        self.waiting + self.blocked + self.redelivering + self.in_flight + self.delayed
    }
}

impl Broker {
    /// The broker a scenario asks for; `class_priority[i]` is priority class i's priority.
    pub fn new(
        spec: &QueueSpec,
        sqs: Option<&SqsSpec>,
        kafka: Option<(&crate::scenario::KafkaSpec, u32)>,
        rabbitmq: Option<(&crate::scenario::RabbitSpec, u32)>,
        class_priority: Vec<i32>,
        seed: u64,
    ) -> Self {
        if let Some((rabbitmq, consumers)) = rabbitmq {
            return Broker::Rabbit(RabbitQueue::new(rabbitmq, consumers));
        }
        match (sqs, kafka) {
            (Some(sqs), _) => Broker::Sqs(SqsQueue::new(sqs, seed)),
            (None, Some((kafka, consumers))) => {
                Broker::Kafka(KafkaTopic::new(kafka, consumers, seed))
            }
            (None, None) => Broker::Bounded(BoundedQueue::new(spec, class_priority)),
        }
    }

    /// Whether the broker keeps the messages consumers work on (SQS: a received message
    /// stays in the queue, invisible, until deleted), so that consumers hold copies and the
    /// conservation equation counts the broker's in-flight messages instead.
    #[inline]
    pub fn keeps_deliveries(&self) -> bool {
        matches!(self, Broker::Sqs(_) | Broker::Kafka(_))
    }

    /// The SQS queue, if that is the broker (its counters for the report).
    pub fn sqs(&self) -> Option<&SqsQueue> {
        match self {
            Broker::Sqs(queue) => Some(queue),
            _ => None,
        }
    }

    /// The Kafka topic, if that is the broker.
    pub fn kafka(&self) -> Option<&KafkaTopic> {
        match self {
            Broker::Kafka(topic) => Some(topic),
            _ => None,
        }
    }

    /// The RabbitMQ queue, if that is the broker.
    pub fn rabbit(&self) -> Option<&RabbitQueue> {
        match self {
            Broker::Rabbit(queue) => Some(queue),
            _ => None,
        }
    }

    /// The RabbitMQ queue, if that is the broker (its consumers' handlers take from it).
    pub fn rabbit_mut(&mut self) -> Option<&mut RabbitQueue> {
        match self {
            Broker::Rabbit(queue) => Some(queue),
            _ => None,
        }
    }

    /// The Kafka topic, if that is the broker (the members' poll loop drives it).
    pub fn kafka_mut(&mut self) -> Option<&mut KafkaTopic> {
        match self {
            Broker::Kafka(topic) => Some(topic),
            _ => None,
        }
    }

    /// A consumer came up (added or restarted): a Kafka member joins, or a static member
    /// returns.
    pub fn member_up(&mut self, consumer: u32, cx: &mut Context) {
        match self {
            Broker::Kafka(topic) => {
                topic.member_up(consumer, cx.now);
                schedule_group_timers(topic, cx);
            }
            Broker::Rabbit(queue) => {
                queue.subscribe(consumer);
                rabbit_pump(queue, cx);
            }
            _ => {}
        }
    }

    /// A consumer crashed or was killed (Kafka: it stays in the group until its session
    /// times out).
    pub fn member_down(&mut self, consumer: u32, cx: &mut Context) {
        match self {
            Broker::Kafka(topic) => {
                topic.member_down(consumer, cx.now);
                schedule_group_timers(topic, cx);
            }
            // Its buffer goes back to the head; delivery waits for the messages it was
            // handling (`release`), then `redeliver_returned`.
            Broker::Rabbit(queue) => queue.unsubscribe(consumer, cx.now),
            _ => {}
        }
    }

    /// A crashed consumer's messages are all back: the broker may deliver them again.
    pub fn redeliver_returned(&mut self, cx: &mut Context) {
        if let Broker::Rabbit(queue) = self {
            rabbit_pump(queue, cx);
        }
    }

    /// A consumer is scaled in (Kafka: it commits and leaves the group at once).
    pub fn member_leaves(&mut self, consumer: u32, cx: &mut Context) {
        match self {
            Broker::Kafka(topic) => {
                topic.member_leaves(consumer, cx.now);
                schedule_group_timers(topic, cx);
                note_kafka_lag(topic, cx);
            }
            // basic.cancel: its buffered deliveries go back; what it handles it still acks.
            Broker::Rabbit(queue) => {
                queue.unsubscribe(consumer, cx.now);
                rabbit_pump(queue, cx);
            }
            _ => {}
        }
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
            Broker::Sqs(queue) => sqs_send(queue, message, cx),
            Broker::Kafka(topic) => kafka_append(topic, message, cx),
            Broker::Rabbit(queue) => rabbit_publish(queue, message, cx),
        }
    }

    /// The fast path: when nothing waits and the broker would admit without push-back, a
    /// message offered while a consumer is idle is received at once (its wait is zero).
    #[inline]
    pub fn pass_through(&mut self, message: Message, now: SimTime) -> Option<QueuedMessage> {
        match self {
            Broker::Bounded(queue) => queue
                .hands_over()
                .then(|| QueuedMessage::enqueue(message, now)),
            // A receive must leave the message in flight: no shortcut. RabbitMQ pushes
            // through its queue process.
            Broker::Sqs(_) | Broker::Kafka(_) | Broker::Rabbit(_) => None,
        }
    }

    /// A consumer asks for one message; the broker hands over the next one by its order.
    #[inline(always)]
    pub fn receive(&mut self, cx: &mut Context) -> Option<Delivery> {
        match self {
            Broker::Bounded(queue) => {
                let message = queue.take()?;
                let waited = cx.now - message.enqueued_at();
                cx.metrics.queue_wait.record(waited);
                cx.metrics.left_queue(waited);
                Some(Delivery {
                    message,
                    receipt: Receipt::default(),
                })
            }
            Broker::Sqs(queue) => sqs_receive(queue, None, cx),
            // Members poll their own partitions (the system's Kafka poll loop); RabbitMQ
            // pushes to its consumers.
            Broker::Kafka(_) | Broker::Rabbit(_) => None,
        }
    }

    /// One ReceiveMessage of up to the broker's batch size, into `into` (FIFO: a batch
    /// continues in the message group it started in). Returns how many were received. A
    /// short poll that sampled none of the visible messages returns 0 and schedules the
    /// next poll of the `idle_workers` (spread over one round trip).
    pub fn receive_into(
        &mut self,
        into: &mut VecDeque<Delivery>,
        idle_workers: u32,
        cx: &mut Context,
    ) -> u32 {
        let Broker::Sqs(queue) = self else {
            return match self.receive(cx) {
                Some(delivery) => {
                    into.push_back(delivery);
                    1
                }
                None => 0,
            };
        };
        let batch = if queue.short_polling() {
            let batch = queue.receivable(queue.receive_batch);
            if batch == 0 {
                if !queue.poll_pending {
                    queue.poll_pending = true;
                    let every =
                        sqs::SHORT_POLL_ROUND_TRIP.as_nanos() / u64::from(idle_workers.max(1));
                    cx.events.schedule(
                        cx.now + SimDuration::from_nanos(every.max(1)),
                        Event::Broker(BrokerEvent::SqsPoll),
                    );
                }
                return 0;
            }
            batch
        } else {
            queue.receive_batch
        };
        let mut received = 0;
        let mut group = None;
        while received < batch {
            let Some(delivery) = sqs_receive(queue, group, cx) else {
                break;
            };
            group = queue.group_of(delivery.receipt);
            into.push_back(delivery);
            received += 1;
        }
        if received < batch && group.is_some() {
            // The group ran out: a FIFO batch fills up from other groups.
            while received < batch {
                let Some(delivery) = sqs_receive(queue, None, cx) else {
                    break;
                };
                into.push_back(delivery);
                received += 1;
            }
        }
        received
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
            // RabbitMQ's blocked publishers go on when the alarm clears (the system asks).
            Broker::Sqs(_) | Broker::Kafka(_) | Broker::Rabbit(_) => None,
        }
    }

    /// The consumer finished the message and deletes it (acks it). The bounded queue handed
    /// the message over whole, so there is nothing to delete; an SQS delete fails when the
    /// receipt is not the latest (the visibility timeout expired and another worker received
    /// the message since): the work is thrown away; a Kafka record processed before is a
    /// duplicate.
    #[inline]
    pub fn delete(&mut self, receipt: Receipt, consumer: u32, cx: &mut Context) -> Ack {
        match self {
            Broker::Bounded(_) => Ack::Done,
            Broker::Sqs(queue) => match queue.delete(receipt, cx.now) {
                None => Ack::Stale,
                Some(visible_for) => {
                    if let Some(waited) = visible_for {
                        cx.metrics.left_queue(waited);
                        note_sqs_depth(queue, cx);
                    }
                    Ack::Done
                }
            },
            Broker::Rabbit(queue) => {
                queue.ack(consumer);
                rabbit_pump(queue, cx);
                Ack::Done
            }
            Broker::Kafka(topic) => {
                let offset = topic.offset_of(receipt.key, receipt.handle);
                let finished = topic.finished(consumer, receipt.key, offset);
                note_kafka_lag(topic, cx);
                match finished {
                    Finished::First => Ack::Done,
                    Finished::Duplicate => Ack::Duplicate,
                }
            }
        }
    }

    /// ChangeMessageVisibility (a worker's heartbeat): the message stays invisible for
    /// `timeout` from now. False when refused.
    pub fn change_visibility(
        &mut self,
        receipt: Receipt,
        timeout: SimDuration,
        cx: &mut Context,
    ) -> bool {
        let Broker::Sqs(queue) = self else {
            return false;
        };
        match queue.change_visibility(receipt, timeout, cx.now) {
            Some((timer, at)) => {
                let key = receipt.key;
                cx.events
                    .schedule(at, Event::Broker(BrokerEvent::SqsTimer { key, timer }));
                true
            }
            None => false,
        }
    }

    /// The consumer failed the message: deliver it again after `redeliver_after`, or, when
    /// the consumer gives up on it (`None`), dead-letter it (or count it failed without a
    /// dead-letter queue).
    pub fn nack(
        &mut self,
        message: QueuedMessage,
        receipt: Receipt,
        consumer: u32,
        redeliver_after: Option<SimDuration>,
        cx: &mut Context,
    ) {
        let class = usize::from(message.class);
        match self {
            // A Kafka member's error policy decides, not the consumer's redelivery policy.
            Broker::Kafka(topic) => {
                let offset = topic.offset_of(receipt.key, receipt.handle);
                match topic.failed(consumer, receipt.key, offset, message) {
                    Failure::Retry { partition, pause } => {
                        cx.metrics.counts.redelivered += 1;
                        cx.schedule_in(
                            topic.retry_backoff,
                            Event::Broker(BrokerEvent::KafkaResume { partition, pause }),
                        );
                    }
                    Failure::DeadLettered { first: true } => {
                        cx.metrics.counts.dead_lettered += 1;
                        cx.metrics.classes[class].dead_lettered += 1;
                    }
                    Failure::Skipped { first: true } => {
                        cx.metrics.counts.failed += 1;
                        cx.metrics.classes[class].failed += 1;
                    }
                    Failure::DeadLettered { first: false }
                    | Failure::Skipped { first: false }
                    | Failure::Dropped => {}
                }
                note_kafka_lag(topic, cx);
            }
            // An SQS worker does not delete a message it failed: it comes back when its
            // visibility times out, or sooner if the worker sets a backoff with
            // ChangeMessageVisibility. The redrive policy, not the worker, dead-letters it.
            Broker::Sqs(queue) => {
                queue.mark_failed(receipt);
                if let Some(delay) = redeliver_after {
                    if let Some((timer, at)) = queue.change_visibility(receipt, delay, cx.now) {
                        cx.metrics.counts.redelivered += 1;
                        let key = receipt.key;
                        cx.events
                            .schedule(at, Event::Broker(BrokerEvent::SqsTimer { key, timer }));
                    }
                }
            }
            // nack with requeue (the consumer would try again: RabbitMQ has no delayed
            // requeue, the message goes back to the head at once), or reject.
            Broker::Rabbit(queue) => {
                let nack = if redeliver_after.is_some() {
                    cx.metrics.counts.redelivered += 1;
                    Nack::Requeue
                } else {
                    Nack::Reject
                };
                queue.nack(consumer, message, nack, cx.now);
                rabbit_pump(queue, cx);
            }
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
    pub fn release(&mut self, message: QueuedMessage, consumer: u32, cx: &mut Context) {
        match self {
            Broker::Bounded(queue) => {
                queue.requeue(message.redelivery(), cx.now);
                note_depth(queue, cx);
            }
            // Its channel closed: unacknowledged messages go back to the head.
            Broker::Rabbit(queue) => queue.release(consumer, message, cx.now),
            // SQS does not see a worker go away: the message stays in flight until its
            // visibility times out. A Kafka member's records are its partitions' (see
            // `member_down`).
            Broker::Sqs(_) | Broker::Kafka(_) => {}
        }
    }

    /// Handles one of the broker's own timers.
    pub fn handle(&mut self, event: BrokerEvent, cx: &mut Context) -> BrokerOutcome {
        match (self, event) {
            (Broker::Bounded(queue), BrokerEvent::BlockTimeout { ticket }) => {
                gave_up(queue.expire_blocked(ticket.get()), cx)
            }
            (Broker::Bounded(queue), BrokerEvent::Redeliver { key }) => {
                queue.redeliver(key, cx.now);
                note_depth(queue, cx);
                BrokerOutcome::Deliverable
            }
            (Broker::Sqs(queue), BrokerEvent::SqsTimer { key, timer }) => {
                let metrics = &mut *cx.metrics;
                let visible = queue.timer(key, timer, cx.now, &mut |d, waited| {
                    departed(metrics, d, waited)
                });
                note_sqs_depth(queue, cx);
                deliverable_if(visible)
            }
            (Broker::Sqs(queue), BrokerEvent::SqsResend { key }) => {
                let (stored, delay) = queue.resend(key, cx.now);
                if stored {
                    cx.metrics.counts.duplicate_sends += 1;
                }
                schedule_sqs_timer(delay, cx);
                note_sqs_depth(queue, cx);
                deliverable_if(stored)
            }
            (Broker::Sqs(queue), BrokerEvent::SqsPoll) => {
                queue.poll_pending = false;
                BrokerOutcome::Deliverable
            }
            (Broker::Sqs(queue), BrokerEvent::SqsDeadLetterExpiry) => {
                let (expired, next) = queue.expire_dead_letters(cx.now);
                cx.metrics.counts.dead_letter_expired += expired;
                if let Some(at) = next {
                    cx.events
                        .schedule(at, Event::Broker(BrokerEvent::SqsDeadLetterExpiry));
                }
                BrokerOutcome::Nothing
            }
            (Broker::Kafka(topic), event) => kafka_timer(topic, event, cx),
            (Broker::Rabbit(queue), BrokerEvent::BlockTimeout { ticket }) => {
                gave_up(queue.expire_blocked(ticket.get()), cx)
            }
            (Broker::Rabbit(queue), BrokerEvent::RabbitTick) => {
                let next = queue.tick(cx.now);
                rabbit_after(queue, next, cx);
                BrokerOutcome::Deliverable
            }
            (Broker::Rabbit(queue), BrokerEvent::RabbitMemoryCheck) => {
                if queue.memory_check(cx.now) {
                    // The disk alarm cleared: paging held back by it may start.
                    rabbit_pump(queue, cx);
                }
                cx.schedule_in(
                    queue.monitor_interval(),
                    Event::Broker(BrokerEvent::RabbitMemoryCheck),
                );
                // A cleared alarm lets blocked publishers go on (the system asks).
                BrokerOutcome::Deliverable
            }
            (Broker::Rabbit(queue), BrokerEvent::RabbitExpire) => {
                queue.expiry_pending = false;
                rabbit_pump(queue, cx);
                BrokerOutcome::Deliverable
            }
            (Broker::Sqs(_), _) | (Broker::Bounded(_), _) | (Broker::Rabbit(_), _) => {
                unreachable!("a timer of another broker")
            }
        }
    }

    /// Messages waiting to be delivered (the consumer lag in messages).
    #[inline]
    pub fn waiting(&self) -> u64 {
        match self {
            Broker::Bounded(queue) => queue.len() as u64,
            Broker::Sqs(queue) => queue.depths().visible,
            // Kafka's consumer lag: Σ log-end − committed.
            Broker::Kafka(topic) => topic.lag(),
            // messages_ready, what queue.declare reports (and lag-based autoscalers see).
            Broker::Rabbit(queue) => queue.ready(),
        }
    }

    /// Most messages ever waiting at once.
    pub fn max_waiting(&self) -> u64 {
        match self {
            Broker::Bounded(queue) => queue.max_len() as u64,
            Broker::Sqs(queue) => queue.max_visible(),
            Broker::Kafka(topic) => topic.max_lag(),
            Broker::Rabbit(queue) => queue.stats.max_ready,
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
                ..BrokerHolds::default()
            },
            Broker::Sqs(queue) => {
                let depths = queue.depths();
                BrokerHolds {
                    waiting: depths.visible,
                    in_flight: depths.not_visible,
                    delayed: depths.delayed,
                    ..BrokerHolds::default()
                }
            }
            Broker::Kafka(topic) => {
                let (unfetched, in_flight) = topic.holds();
                BrokerHolds {
                    waiting: unfetched,
                    in_flight,
                    ..BrokerHolds::default()
                }
            }
            // Delivered messages not yet started are in flight (in the consumers'
            // buffers); those being handled are the consumers'.
            Broker::Rabbit(queue) => BrokerHolds {
                waiting: queue.ready(),
                blocked: queue.blocked(),
                in_flight: queue.buffered(),
                ..BrokerHolds::default()
            },
        }
    }

    /// Every message the broker holds ([`holds`](Self::holds)`().total()`), fast: asked at
    /// every arrival.
    #[inline]
    pub fn held(&self) -> u64 {
        match self {
            Broker::Kafka(topic) => topic.unprocessed(),
            _ => self.holds().total(),
        }
    }

    /// When the oldest message the broker holds (waiting, or waiting to be redelivered) was
    /// produced: the broker's part of the consumer lag in seconds.
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        match self {
            Broker::Bounded(queue) => queue.oldest_created_at(),
            Broker::Sqs(queue) => queue.oldest_created_at(),
            Broker::Kafka(topic) => topic.oldest_created_at(),
            Broker::Rabbit(queue) => queue.oldest_created_at(),
        }
    }

    /// When the oldest waiting message entered the queue (load shedding's lag rule).
    #[inline]
    pub fn oldest_enqueued_at(&self) -> Option<SimTime> {
        match self {
            Broker::Bounded(queue) => queue.oldest_enqueued_at(),
            Broker::Sqs(queue) => queue.oldest_sent_at(),
            Broker::Kafka(topic) => topic.oldest_created_at(),
            Broker::Rabbit(queue) => queue.oldest_enqueued_at(),
        }
    }

    /// Capacity now, or `None` when unbounded.
    pub fn capacity(&self) -> Option<u64> {
        match self {
            Broker::Bounded(queue) => queue.capacity(),
            Broker::Sqs(_) | Broker::Kafka(_) | Broker::Rabbit(_) => None,
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
            // SQS, Kafka and RabbitMQ have no capacity (the live knob is not offered).
            Broker::Sqs(_) | Broker::Kafka(_) | Broker::Rabbit(_) => {}
        }
    }

    /// SQS: the visibility timeout of receives from now on (a live knob; other brokers have
    /// none, and the simulation refuses the knob for them).
    pub fn set_visibility_timeout(&mut self, timeout: SimDuration) {
        if let Broker::Sqs(queue) = self {
            queue.set_visibility_timeout(timeout);
        }
    }

    /// RabbitMQ: the consumers' prefetch from now on (a live knob).
    pub fn set_prefetch(&mut self, prefetch: u32, cx: &mut Context) {
        if let Broker::Rabbit(queue) = self {
            queue.set_prefetch(prefetch);
            rabbit_pump(queue, cx);
        }
    }

    /// RabbitMQ: the memory high watermark from now on, a fraction of node memory.
    pub fn set_watermark(&mut self, fraction: f64, cx: &mut Context) {
        if let Broker::Rabbit(queue) = self {
            queue.set_watermark(fraction);
            rabbit_pump(queue, cx);
        }
    }

    /// The Retry-After the broker advertises when it refuses.
    pub fn retry_after(&self) -> SimDuration {
        match self {
            Broker::Bounded(queue) => queue.retry_after(),
            Broker::Sqs(_) | Broker::Kafka(_) | Broker::Rabbit(_) => SimDuration::from_secs(1),
        }
    }

    /// Bytes held by the waiting messages (for the memory benchmark).
    pub fn allocated_bytes(&self) -> usize {
        match self {
            Broker::Bounded(queue) => queue.allocated_bytes(),
            Broker::Sqs(queue) => queue.allocated_bytes(),
            Broker::Kafka(topic) => topic.allocated_bytes(),
            Broker::Rabbit(queue) => queue.allocated_bytes(),
        }
    }
}

/// A publish to the RabbitMQ queue: blocked by the alarm (its producer-side timeout is
/// scheduled), refused by the length limit, or queued and pushed on to consumers.
#[inline]
fn rabbit_publish(queue: &mut RabbitQueue, message: Message, cx: &mut Context) -> Admission {
    let admission = queue.publish(message, cx.now);
    if let Admission::Blocked { ticket, deadline } = admission {
        cx.events.schedule(
            deadline,
            Event::Broker(BrokerEvent::BlockTimeout {
                ticket: Id64::new(ticket),
            }),
        );
    } else {
        rabbit_pump(queue, cx);
    }
    admission
}

/// The RabbitMQ queue process works now; what it left for later is booked.
#[inline]
fn rabbit_pump(queue: &mut RabbitQueue, cx: &mut Context) {
    let next = queue.pump(cx.now);
    rabbit_after(queue, next, cx);
}

/// After the RabbitMQ queue changed: messages that left without an ack are counted, the
/// process's wake-up and the head's TTL expiry are booked, the length integral follows.
#[inline]
fn rabbit_after(queue: &mut RabbitQueue, next: Option<SimTime>, cx: &mut Context) {
    if let Some(at) = next.and_then(|at| queue.book_tick(at)) {
        cx.events
            .schedule(at, Event::Broker(BrokerEvent::RabbitTick));
    }
    if !queue.expiry_pending {
        if let Some(at) = queue.next_expiry() {
            queue.expiry_pending = true;
            cx.events
                .schedule(at.max(cx.now), Event::Broker(BrokerEvent::RabbitExpire));
        }
    }
    for gone in queue.gone.drain(..) {
        let class = usize::from(gone.class);
        if let Some(waited) = gone.waited {
            cx.metrics.left_queue(waited);
        }
        let counts = &mut cx.metrics.counts;
        let per_class = &mut cx.metrics.classes[class];
        if gone.dead_lettered {
            counts.dead_lettered += 1;
            per_class.dead_lettered += 1;
        } else {
            match gone.reason {
                rabbitmq::Reason::Expired => {
                    counts.expired += 1;
                    per_class.expired += 1;
                }
                rabbitmq::Reason::Maxlen => {
                    counts.dropped += 1;
                    per_class.dropped += 1;
                }
                rabbitmq::Reason::Rejected | rabbitmq::Reason::DeliveryLimit => {
                    counts.failed += 1;
                    per_class.failed += 1;
                }
            }
        }
    }
    cx.metrics
        .queue_length_change(cx.now, queue.ready() + queue.buffered());
}

/// A blocked send's timeout: if it was still blocked, its producer gives up waiting.
fn gave_up(message: Option<Message>, cx: &mut Context) -> BrokerOutcome {
    match message {
        Some(message) => {
            cx.metrics.counts.block_timeouts += 1;
            BrokerOutcome::SendGaveUp(message)
        }
        None => BrokerOutcome::Nothing,
    }
}

/// The SQS queue's visible count may have changed: the length integral follows it.
#[inline]
fn note_sqs_depth(queue: &SqsQueue, cx: &mut Context) {
    cx.metrics
        .queue_length_change(cx.now, queue.depths().visible);
}

/// An SQS timer (delay end or visibility timeout) the queue asked for, if any.
#[inline]
fn schedule_sqs_timer(timer: Option<(u32, u32, SimTime)>, cx: &mut Context) {
    if let Some((key, timer, at)) = timer {
        cx.events
            .schedule(at, Event::Broker(BrokerEvent::SqsTimer { key, timer }));
    }
}

/// `Deliverable` when messages became receivable, else `Nothing`.
#[inline]
fn deliverable_if(receivable: bool) -> BrokerOutcome {
    if receivable {
        BrokerOutcome::Deliverable
    } else {
        BrokerOutcome::Nothing
    }
}

/// The queue's length changed: the length integral follows it.
#[inline]
fn note_depth(queue: &BoundedQueue, cx: &mut Context) {
    cx.metrics.queue_length_change(cx.now, queue.len() as u64);
}

/// One SQS receive: metrics for what it found, the visibility timer for a message. (Out of
/// line, so that the bounded queue's `receive` stays small enough to inline.)
#[inline(never)]
fn sqs_receive(queue: &mut SqsQueue, group: Option<u32>, cx: &mut Context) -> Option<Delivery> {
    let metrics = &mut *cx.metrics;
    let received = queue.receive(cx.now, group, &mut |d, waited| departed(metrics, d, waited));
    if let Some(at) = queue.take_dead_letter_timer() {
        cx.events
            .schedule(at, Event::Broker(BrokerEvent::SqsDeadLetterExpiry));
    }
    match received {
        Received::Message {
            message,
            receipt,
            visible_again_at,
            waited,
        } => {
            cx.metrics.queue_wait.record(waited);
            cx.metrics.left_queue(waited);
            note_sqs_depth(queue, cx);
            let (key, timer) = (receipt.key, receipt.handle);
            cx.events.schedule(
                visible_again_at,
                Event::Broker(BrokerEvent::SqsTimer { key, timer }),
            );
            Some(Delivery { message, receipt })
        }
        Received::Empty | Received::OverLimit => {
            note_sqs_depth(queue, cx);
            None
        }
    }
}

/// An SQS message left without a delete: counted where the conservation equation sees it.
fn departed(metrics: &mut crate::metrics::Metrics, departure: Departure, waited: SimDuration) {
    metrics.left_queue(waited);
    match departure {
        Departure::DeadLettered { class } => {
            metrics.counts.dead_lettered += 1;
            metrics.classes[usize::from(class)].dead_lettered += 1;
        }
        Departure::Expired { class } => {
            metrics.counts.expired += 1;
            metrics.classes[usize::from(class)].expired += 1;
        }
    }
}

/// SendMessage to an SQS queue: its delay timer and, if the response is lost, the re-send.
/// (Out of line, so that the bounded queue's `offer` stays small.)
#[inline(never)]
fn sqs_send(queue: &mut SqsQueue, message: Message, cx: &mut Context) -> Admission {
    let delay = queue.send(message, cx.now);
    schedule_sqs_timer(delay, cx);
    if let Some((key, at)) = queue.lose_response(message, cx.now) {
        cx.events
            .schedule(at, Event::Broker(BrokerEvent::SqsResend { key }));
    }
    if let Some((key, at)) = queue.duplicate_event(message, cx.now) {
        cx.events
            .schedule(at, Event::Broker(BrokerEvent::SqsResend { key }));
    }
    note_sqs_depth(queue, cx);
    Admission::Accepted
}

/// The timers the consumer group asked for, as events.
#[inline]
pub(crate) fn schedule_group_timers(topic: &mut KafkaTopic, cx: &mut Context) {
    for (at, timer) in topic.group.timers.drain(..) {
        let event = match timer {
            GroupTimer::RebalanceDone { round } => BrokerEvent::KafkaRebalanceDone { round },
            GroupTimer::PollDeadline { member } => BrokerEvent::KafkaPollDeadline { member },
            GroupTimer::SessionExpiry { member } => BrokerEvent::KafkaSessionExpiry { member },
        };
        cx.events.schedule(at, Event::Broker(event));
    }
}

/// The topic's lag may have changed: the length integral follows it.
#[inline]
fn note_kafka_lag(topic: &mut KafkaTopic, cx: &mut Context) {
    let lag = topic.lag_now();
    cx.metrics.queue_length_change(cx.now, lag);
}

/// A producer's record appended to its partition; the partition's owner may be idle.
#[inline]
fn kafka_append(topic: &mut KafkaTopic, message: Message, cx: &mut Context) -> Admission {
    let metrics = &mut *cx.metrics;
    topic.append(message, cx.now, &mut |class| {
        lost_to_retention(metrics, class)
    });
    if let Some(owner) = topic.owner_consumer(topic.last_appended) {
        topic.group.wake.push(owner);
    }
    note_kafka_lag(topic, cx);
    Admission::Accepted
}

/// One of the Kafka topic's timers.
fn kafka_timer(topic: &mut KafkaTopic, event: BrokerEvent, cx: &mut Context) -> BrokerOutcome {
    let timer = match event {
        BrokerEvent::KafkaRebalanceDone { round } => GroupTimer::RebalanceDone { round },
        BrokerEvent::KafkaPollDeadline { member } => GroupTimer::PollDeadline { member },
        BrokerEvent::KafkaSessionExpiry { member } => GroupTimer::SessionExpiry { member },
        BrokerEvent::KafkaResume { partition, pause } => {
            topic.resume(partition, pause);
            return BrokerOutcome::Deliverable;
        }
        BrokerEvent::KafkaRetention => {
            let metrics = &mut *cx.metrics;
            topic.enforce_retention(cx.now, &mut |class| lost_to_retention(metrics, class));
            cx.schedule_in(
                kafka::RETENTION_CHECK,
                Event::Broker(BrokerEvent::KafkaRetention),
            );
            note_kafka_lag(topic, cx);
            return BrokerOutcome::Deliverable;
        }
        _ => unreachable!("a timer of another broker"),
    };
    topic.group_timer(timer, cx.now);
    schedule_group_timers(topic, cx);
    note_kafka_lag(topic, cx);
    BrokerOutcome::Deliverable
}

/// A record retention deleted before it was processed: expired, as the conservation
/// equation counts it.
fn lost_to_retention(metrics: &mut crate::metrics::Metrics, class: u8) {
    metrics.counts.expired += 1;
    metrics.classes[usize::from(class)].expired += 1;
}
