//! A RabbitMQ queue on one node (RabbitMQ 3.11's rules and defaults): consumers subscribe
//! and the queue pushes messages to each up to its prefetch (`basic.qos`), round-robin
//! among those with room; a consumer acks, or nacks with or without requeue (requeue puts
//! the message back at the head). The node's memory (`node_memory.rs`) raises the alarm
//! that blocks every publisher; a classic queue pages messages to disk past the paging
//! threshold, and its one process (`queue_process.rs`) then spends its time on the disk,
//! delivering slower than the consumers could take. `x-max-length` with its overflow modes,
//! `x-message-ttl`, a dead-letter exchange and quorum queues' `x-delivery-limit` decide
//! what is lost and why. The disk monitor (`disk_monitor.rs`) raises the disk alarm, which
//! blocks publishers too; producers in confirm mode keep a bounded window of unconfirmed
//! publishes (`confirm_window.rs`), fire-and-forget ones lose what the queue refuses.
//!
//! Classic queue paging keeps the ready messages as three runs: in RAM at the head, paged
//! out, in RAM at the tail (published since). Like a v1 queue it keeps the head in RAM for
//! delivery and pages out from the tail side of the head and what is published while it
//! pages; a delivery that reaches the paged run reads each message back. Which message is
//! on disk changes what an operation costs, never the order.

pub(crate) mod confirm_window;
pub(crate) mod disk_monitor;
pub(crate) mod node_memory;
pub(crate) mod queue_process;
pub(crate) mod resource_alarm;

use std::collections::VecDeque;

use crate::engine::time::{SimDuration, SimTime};
use crate::model::broker::bounded_queue::{Admission, Refusal};
use crate::model::message::{Message, QueuedMessage};
use crate::scenario::{RabbitOverflow, RabbitQueueType, RabbitSpec};

use confirm_window::ConfirmWindows;
use disk_monitor::DiskMonitor;
use node_memory::NodeMemory;
use queue_process::QueueProcess;

/// Memory a quorum queue keeps per message (its index entry; bodies stay in the log on
/// disk): an estimate.
pub const QUORUM_BYTES_PER_MESSAGE: u64 = 64;

/// Why a message was dead-lettered (the `x-death` reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A consumer rejected it (nack or reject without requeue).
    Rejected,
    /// Its TTL passed while it was ready.
    Expired,
    /// The queue was at its length limit (drop-head, or reject-publish-dlx).
    Maxlen,
    /// Returned more than the quorum queue's delivery limit.
    DeliveryLimit,
}

/// A message that left the queue without an ack, for the conservation equation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gone {
    pub class: u8,
    pub reason: Reason,
    /// Republished to the dead-letter exchange (else discarded).
    pub dead_lettered: bool,
    /// How long it had waited in the queue, if it left from the queue (it leaves the
    /// length integral); `None` for a message a consumer was handling.
    pub waited: Option<SimDuration>,
}

/// Dead-lettered messages by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeadLetters {
    /// A consumer rejected them.
    pub rejected: u64,
    /// Their TTL passed.
    pub expired: u64,
    /// The queue was at its length limit.
    pub maxlen: u64,
    /// Returned more than the delivery limit.
    pub delivery_limit: u64,
}

/// The queue's counters, as the management UI names them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RabbitStats {
    /// Messages the queue accepted (publish).
    pub published: u64,
    /// Deliveries to consumers (deliver), redeliveries included.
    pub delivered: u64,
    /// Acknowledgements (ack).
    pub acked: u64,
    /// Messages returned to the head of the queue (nack/reject with requeue, or their
    /// consumer went away).
    pub requeued: u64,
    /// Dead-lettered, by reason (reject-publish-dlx copies included).
    pub dead_letters: DeadLetters,
    /// Publishes blocked by an alarm (memory or disk).
    pub blocked_publishes: u64,
    /// Publishes a producer held back because its confirm window was full.
    pub window_full: u64,
    /// Most publishes one producer had unconfirmed at once (with a confirm window).
    pub max_unconfirmed: u64,
    /// Fire-and-forget publishes the length limit refused: lost without their producer
    /// knowing.
    pub lost_unconfirmed: u64,
    /// reject-publish-dlx with confirms: copies dead-lettered of publishes refused while
    /// their producers kept the originals.
    pub dead_letter_copies: u64,
    /// Publishes refused by the length limit (reject-publish, reject-publish-dlx).
    pub rejected_publishes: u64,
    /// Messages paged out to disk, and read back in.
    pub paged_out: u64,
    pub paged_in: u64,
    pub max_ready: u64,
    pub max_unacked: u64,
    pub max_paged: u64,
    /// Most unacknowledged messages one consumer held.
    pub max_consumer_unacked: u64,
    /// Most publishes blocked at once.
    pub max_blocked: u64,
}

/// The queue and node at an instant, for samples and reports.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct RabbitGauges {
    /// Node memory used, bytes.
    pub memory_used: u64,
    /// Node memory used, as a share of the node's memory.
    pub memory_share: f64,
    /// The memory alarm is raised.
    pub alarm: bool,
    /// The disk alarm is raised.
    pub disk_alarm: bool,
    /// Free disk space, bytes.
    pub disk_free: u64,
    /// Share of the space free at the start that messages take, 0–1.
    pub disk_share: f64,
    /// messages_unacknowledged.
    pub unacked: u64,
    /// Ready messages paged out to disk.
    pub paged: u64,
    /// Deliveries so far.
    pub delivered: u64,
    /// The most and fewest unacknowledged messages a subscribed consumer holds.
    pub consumer_unacked_max: u64,
    pub consumer_unacked_min: u64,
}

/// A consumer's subscription.
#[derive(Default)]
struct Subscriber {
    active: bool,
    /// Delivered, not yet picked up by one of its handlers (the client's buffer).
    buffer: VecDeque<QueuedMessage>,
    /// Delivered and not acknowledged: the buffer and the messages being handled.
    unacked: u32,
}

struct BlockedPublish {
    ticket: u64,
    message: Message,
}

/// What the length limit does with a publish it refuses.
enum Refused {
    /// Nacked: the producer has it back.
    Nacked,
    /// Fire-and-forget: the producer thinks it sent it; the queue lost it.
    Lost,
}

/// The queue, its node and its subscribers.
pub(crate) struct RabbitQueue {
    ready: VecDeque<QueuedMessage>,
    /// Classic queues: ready messages in RAM at the head, and paged out after them.
    head_in_ram: u64,
    paged: u64,
    subscribers: Vec<Subscriber>,
    /// Active subscribers with prefetch room.
    with_credit: u32,
    cursor: usize,
    prefetch: u32,
    buffered: u64,
    unacked: u64,
    quorum: bool,
    memory: NodeMemory,
    disk: DiskMonitor,
    confirms: bool,
    windows: Option<ConfirmWindows>,
    process: QueueProcess,
    page_cost: SimDuration,
    quorum_cost: SimDuration,
    max_ready: Option<u64>,
    overflow: RabbitOverflow,
    ttl: Option<SimDuration>,
    dead_letter_exchange: bool,
    delivery_limit: Option<u32>,
    publish_timeout: SimDuration,
    monitor_interval: SimDuration,
    blocked: VecDeque<BlockedPublish>,
    next_ticket: u64,
    /// A TTL expiry wake-up is booked.
    pub expiry_pending: bool,
    /// The scenario's initial backlog is being put in: it is in the queue already, no
    /// producer's confirm window holds it back.
    pub loading_backlog: bool,
    /// Consumers sent messages since the system last looked.
    pub wake: Vec<u32>,
    /// Messages that left without an ack since the system last looked.
    pub gone: Vec<Gone>,
    pub stats: RabbitStats,
}

/// What a nack asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nack {
    /// `basic.nack(requeue = true)`: back to the head of the queue.
    Requeue,
    /// `basic.reject(requeue = false)`: dead-lettered, or discarded.
    Reject,
}

impl RabbitQueue {
    pub fn new(spec: &RabbitSpec, consumers: u32) -> Self {
        let quorum = spec.queue_type == RabbitQueueType::Quorum;
        let mut memory_spec = spec.clone();
        if quorum {
            memory_spec.message_size =
                crate::scenario::ByteSize(QUORUM_BYTES_PER_MESSAGE.min(spec.message_size.bytes()));
        }
        let by_bytes = spec
            .max_length_bytes
            .map(|bytes| bytes.bytes() / spec.message_size.bytes().max(1));
        let max_ready = match (spec.max_length, by_bytes) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut queue = RabbitQueue {
            ready: VecDeque::new(),
            head_in_ram: 0,
            paged: 0,
            subscribers: Vec::new(),
            with_credit: 0,
            cursor: 0,
            prefetch: spec.prefetch,
            buffered: 0,
            unacked: 0,
            quorum,
            memory: NodeMemory::new(&memory_spec),
            disk: DiskMonitor::new(spec),
            confirms: spec.publisher_confirms,
            windows: spec
                .max_unconfirmed
                .map(|max| ConfirmWindows::new(max, spec.confirm_latency.sim())),
            process: QueueProcess::default(),
            page_cost: spec.page_cost.sim(),
            quorum_cost: spec.quorum_cost.sim(),
            max_ready,
            overflow: spec.overflow,
            ttl: spec.message_ttl.map(|ttl| ttl.sim()),
            dead_letter_exchange: spec.dead_letter_exchange,
            delivery_limit: spec.delivery_limit,
            publish_timeout: spec.publish_timeout.sim(),
            monitor_interval: spec.memory_check_interval.sim(),
            blocked: VecDeque::new(),
            next_ticket: 0,
            expiry_pending: false,
            loading_backlog: false,
            wake: Vec::new(),
            gone: Vec::new(),
            stats: RabbitStats::default(),
        };
        for consumer in 0..consumers {
            queue.subscribe(consumer);
        }
        queue
    }

    /// Messages ready (waiting in the queue).
    #[inline]
    pub fn ready(&self) -> u64 {
        self.ready.len() as u64
    }

    /// Messages delivered and not acknowledged.
    #[inline]
    pub fn unacked(&self) -> u64 {
        self.unacked
    }

    /// Delivered messages consumers have not started (in their buffers).
    #[inline]
    pub fn buffered(&self) -> u64 {
        self.buffered
    }

    /// Ready messages paged out to disk.
    pub fn paged(&self) -> u64 {
        self.paged
    }

    /// Publishes blocked by the alarm, waiting.
    pub fn blocked(&self) -> u64 {
        self.blocked.len() as u64
    }

    /// Messages in RAM: what the memory monitor counts.
    #[inline]
    fn in_ram(&self) -> u64 {
        self.ready.len() as u64 - self.paged + self.unacked
    }

    /// Message bodies the node has on disk: a classic queue's paged-out messages, or every
    /// message a quorum queue holds (ready and unacknowledged: its log keeps them until
    /// acked).
    #[inline]
    fn on_disk(&self) -> u64 {
        if self.quorum {
            self.ready.len() as u64 + self.unacked
        } else {
            self.paged
        }
    }

    /// Free disk space now, bytes.
    pub fn disk_free(&self) -> u64 {
        self.disk.free(self.on_disk())
    }

    /// `disk_free_limit`, bytes.
    pub fn disk_free_limit(&self) -> u64 {
        self.disk.limit()
    }

    /// Least free disk space the monitor saw.
    pub fn min_disk_free(&self) -> u64 {
        self.disk.min_free
    }

    /// Disk alarms raised so far, and the seconds they lasted up to `now`.
    pub fn disk_alarms(&self, now: SimTime) -> (u64, f64) {
        (self.disk.alarm.count, self.disk.alarm.seconds(now))
    }

    /// An alarm (memory or disk) blocks publishers.
    #[inline]
    fn publishers_blocked(&self) -> bool {
        self.memory.alarm.raised || self.disk.alarm.raised
    }

    /// Producers hear of the producer each priority class belongs to (for their confirm
    /// windows).
    pub fn set_publishers(&mut self, producer_of_class: Vec<u16>) {
        if let Some(windows) = &mut self.windows {
            windows.set_publishers(producer_of_class);
        }
    }

    /// Memory the node uses now.
    pub fn memory_used(&self) -> u64 {
        self.memory.used(self.in_ram())
    }

    /// The watermark, in bytes.
    pub fn watermark(&self) -> u64 {
        self.memory.watermark()
    }

    /// The memory alarm is raised.
    pub fn alarm(&self) -> bool {
        self.memory.alarm.raised
    }

    /// Alarms raised so far, and the seconds they lasted up to `now`.
    pub fn alarms(&self, now: SimTime) -> (u64, f64) {
        (self.memory.alarm.count, self.memory.alarm.seconds(now))
    }

    /// Most memory used.
    pub fn peak_memory(&self) -> u64 {
        self.memory.peak
    }

    /// Seconds the queue process spent on the disk.
    pub fn disk_seconds(&self) -> f64 {
        self.process.busy_seconds()
    }

    /// Unacknowledged messages per consumer (the hoarding chart).
    pub fn unacked_per_consumer(&self) -> impl Iterator<Item = u32> + '_ {
        self.subscribers.iter().map(|s| s.unacked)
    }

    /// The gauges now.
    pub fn gauges(&self) -> RabbitGauges {
        let active = self
            .subscribers
            .iter()
            .filter(|s| s.active)
            .map(|s| u64::from(s.unacked));
        let (min, max) = active.fold((u64::MAX, 0), |(lo, hi), u| (lo.min(u), hi.max(u)));
        RabbitGauges {
            memory_used: self.memory_used(),
            memory_share: self.memory_used() as f64 / self.memory.node().max(1) as f64,
            alarm: self.alarm(),
            disk_alarm: self.disk.alarm.raised,
            disk_free: self.disk_free(),
            disk_share: self.disk.used_share(self.on_disk()),
            unacked: self.unacked,
            paged: self.paged(),
            delivered: self.stats.delivered,
            consumer_unacked_max: max,
            consumer_unacked_min: if min == u64::MAX { 0 } else { min },
        }
    }

    #[inline]
    fn has_credit(&self, s: &Subscriber) -> bool {
        s.active && (self.prefetch == 0 || s.unacked < self.prefetch)
    }

    /// Applies a change of consumer `c`'s unacked count, keeping the credit count.
    #[inline]
    fn set_unacked(&mut self, c: usize, unacked: u32) {
        let before = self.has_credit(&self.subscribers[c]);
        let old = self.subscribers[c].unacked;
        self.subscribers[c].unacked = unacked;
        self.unacked = self.unacked + u64::from(unacked) - u64::from(old);
        let after = self.has_credit(&self.subscribers[c]);
        match (before, after) {
            (false, true) => self.with_credit += 1,
            (true, false) => self.with_credit -= 1,
            _ => {}
        }
        self.stats.max_consumer_unacked = self.stats.max_consumer_unacked.max(u64::from(unacked));
        self.stats.max_unacked = self.stats.max_unacked.max(self.unacked);
    }

    /// What the node holds changed: the memory peak follows.
    #[inline]
    fn check_memory(&mut self) {
        let in_ram = self.in_ram();
        self.memory.observe(in_ram);
    }

    /// The memory and disk monitors' periodic look (every `memory_check_interval`): each
    /// raises or clears its alarm. Returns true when the disk alarm cleared (paging may go
    /// on: the queue process needs a pump).
    pub fn memory_check(&mut self, now: SimTime) -> bool {
        let in_ram = self.in_ram();
        self.memory.check(in_ram, now);
        let on_disk = self.on_disk();
        let disk_alarm = self.disk.alarm.raised;
        self.disk.check(on_disk, now);
        disk_alarm && !self.disk.alarm.raised
    }

    /// The consumers' prefetch from now on: credit is counted again.
    pub fn set_prefetch(&mut self, prefetch: u32) {
        self.prefetch = prefetch;
        self.with_credit = self
            .subscribers
            .iter()
            .filter(|s| self.has_credit(s))
            .count() as u32;
    }

    /// The memory watermark from now on, a fraction of node memory.
    pub fn set_watermark(&mut self, fraction: f64) {
        self.memory.set_watermark(fraction);
    }

    /// How often the memory monitor looks.
    pub fn monitor_interval(&self) -> SimDuration {
        self.monitor_interval
    }

    /// Consumer `consumer` subscribes (`basic.consume`).
    pub fn subscribe(&mut self, consumer: u32) {
        let c = consumer as usize;
        if self.subscribers.len() <= c {
            self.subscribers.resize_with(c + 1, Subscriber::default);
        }
        if self.subscribers[c].active {
            return;
        }
        self.subscribers[c].active = true;
        if self.has_credit(&self.subscribers[c]) {
            self.with_credit += 1;
        }
    }

    /// Consumer `consumer` goes away (its channel closed, or it cancelled): what it had in
    /// its buffer goes back to the head of the queue, in order. Messages it is handling are
    /// returned by [`release`](Self::release) (a crash) or acked as they finish (a cancel).
    pub fn unsubscribe(&mut self, consumer: u32, now: SimTime) {
        let Some(s) = self.subscribers.get(consumer as usize) else {
            return;
        };
        if !s.active {
            return;
        }
        let c = consumer as usize;
        if self.has_credit(&self.subscribers[c]) {
            self.with_credit -= 1;
        }
        self.subscribers[c].active = false;
        let buffer = std::mem::take(&mut self.subscribers[c].buffer);
        self.buffered -= buffer.len() as u64;
        let unacked = self.subscribers[c].unacked - buffer.len() as u32;
        self.set_unacked(c, unacked);
        // Delivered but never started: still in the queue as far as its wait goes.
        for message in buffer.into_iter().rev() {
            self.requeue_at_head(message, now);
        }
        self.check_memory();
    }

    /// A message consumer `consumer` was handling when it went away: back to the head.
    pub fn release(&mut self, consumer: u32, message: QueuedMessage, now: SimTime) {
        let c = consumer as usize;
        let unacked = self.subscribers[c].unacked.saturating_sub(1);
        self.set_unacked(c, unacked);
        self.requeue_at_head(Self::reentered(message, now), now);
        self.check_memory();
    }

    /// A message a consumer was handling, entering the queue again now (it left the queue
    /// when its handling started). Its TTL counts from here.
    fn reentered(message: QueuedMessage, now: SimTime) -> QueuedMessage {
        QueuedMessage::enqueue(message.redelivery(), now).with_deliveries(message.deliveries())
    }

    /// Back to the head (returned: its delivery count grows) — unless a quorum queue's
    /// delivery limit is passed: then it is dead-lettered. At the length limit, drop-head
    /// drops from the head again.
    fn requeue_at_head(&mut self, message: QueuedMessage, now: SimTime) {
        let returned = u32::from(message.deliveries()) + 1;
        if self.delivery_limit.is_some_and(|limit| returned > limit) {
            let waited = now.saturating_since(message.enqueued_at());
            return self.dead_from(message, Reason::DeliveryLimit, Some(waited));
        }
        self.stats.requeued += 1;
        let message = message.with_deliveries(message.deliveries().saturating_add(1));
        if self.head_in_ram > 0 || self.paged > 0 {
            self.head_in_ram += 1;
        }
        self.ready.push_front(message);
        self.stats.max_ready = self.stats.max_ready.max(self.ready.len() as u64);
        self.enforce_length(now);
    }

    /// Drop-head: while more are ready than the limit, the oldest go.
    fn enforce_length(&mut self, now: SimTime) {
        let Some(max) = self.max_ready else {
            return;
        };
        if self.overflow != RabbitOverflow::DropHead {
            return;
        }
        while self.ready.len() as u64 > max {
            let head = self.pop_head().expect("over the limit: not empty");
            self.dead(head, Reason::Maxlen, now);
        }
    }

    /// A publish. A producer whose confirm window is full holds it back; blocked while an
    /// alarm is raised (it waits up to the publish timeout); at the length limit the
    /// overflow mode decides.
    pub fn publish(&mut self, message: Message, now: SimTime) -> Admission {
        if let Some(windows) = self.windows.as_mut().filter(|_| !self.loading_backlog) {
            if let Err(retry_after) = windows.open(message.class, now) {
                self.stats.window_full += 1;
                return Admission::Refused {
                    reason: Refusal::PushBack,
                    retry_after: retry_after.max(SimDuration::from_millis(1)),
                };
            }
        }
        if self.publishers_blocked() {
            let ticket = self.next_ticket;
            self.next_ticket += 1;
            if let Some(windows) = &mut self.windows {
                windows.blocked(message.class, 1);
                self.stats.max_unconfirmed =
                    self.stats.max_unconfirmed.max(windows.most_unconfirmed());
            }
            self.blocked.push_back(BlockedPublish { ticket, message });
            self.stats.blocked_publishes += 1;
            self.stats.max_blocked = self.stats.max_blocked.max(self.blocked.len() as u64);
            return Admission::Blocked {
                ticket,
                deadline: now + self.publish_timeout,
            };
        }
        if self
            .max_ready
            .is_some_and(|max| self.ready.len() as u64 >= max)
        {
            match self.overflow {
                RabbitOverflow::DropHead => {
                    if let Some(head) = self.pop_head() {
                        self.dead(head, Reason::Maxlen, now);
                    }
                }
                RabbitOverflow::RejectPublish | RabbitOverflow::RejectPublishDlx => {
                    return match self.refuse(message) {
                        Refused::Nacked => Admission::Refused {
                            reason: Refusal::Full,
                            retry_after: SimDuration::from_secs(1),
                        },
                        // The producer thinks it sent it.
                        Refused::Lost => Admission::Accepted,
                    };
                }
            }
        }
        if let Some(windows) = self.windows.as_mut().filter(|_| !self.loading_backlog) {
            windows.accepted(message.class, now);
            self.stats.max_unconfirmed = self.stats.max_unconfirmed.max(windows.most_unconfirmed());
        }
        self.stats.published += 1;
        self.ready.push_back(QueuedMessage::enqueue(message, now));
        self.stats.max_ready = self.stats.max_ready.max(self.ready.len() as u64);
        self.check_memory();
        Admission::Accepted
    }

    /// The length limit refuses a publish (reject-publish, reject-publish-dlx): a confirming
    /// producer is nacked — with reject-publish-dlx a copy goes to the dead-letter exchange,
    /// the original stays the producer's to retry or drop; a fire-and-forget one is never
    /// told, and the message is dropped (or, with reject-publish-dlx, only dead-lettered).
    fn refuse(&mut self, message: Message) -> Refused {
        self.stats.rejected_publishes += 1;
        let to_dlx = self.overflow == RabbitOverflow::RejectPublishDlx;
        if to_dlx {
            self.stats.dead_letters.maxlen += 1;
        }
        if self.confirms {
            self.stats.dead_letter_copies += u64::from(to_dlx);
            return Refused::Nacked;
        }
        self.stats.lost_unconfirmed += 1;
        self.gone.push(Gone {
            class: message.class,
            reason: Reason::Maxlen,
            dead_lettered: to_dlx,
            waited: None,
        });
        Refused::Lost
    }

    /// The next blocked publish, once the alarms are cleared (it is published again).
    pub fn unblocked(&mut self) -> Option<Message> {
        if self.publishers_blocked() {
            return None;
        }
        let message = self.blocked.pop_front()?.message;
        if let Some(windows) = &mut self.windows {
            windows.blocked(message.class, -1);
        }
        Some(message)
    }

    /// Blocked publish `ticket` timed out at its producer (if still blocked).
    pub fn expire_blocked(&mut self, ticket: u64) -> Option<Message> {
        // Tickets are issued in order and the timeout is the same for all: the one timing
        // out is nearly always the first.
        let at = match self.blocked.front() {
            Some(b) if b.ticket == ticket => 0,
            _ => self
                .blocked
                .binary_search_by_key(&ticket, |b| b.ticket)
                .ok()?,
        };
        let message = self.blocked.remove(at)?.message;
        if let Some(windows) = &mut self.windows {
            windows.blocked(message.class, -1);
        }
        Some(message)
    }

    /// Takes the head of the ready queue (with what reading it costs: a paged message is
    /// read back from disk).
    fn pop_head_costed(&mut self) -> Option<(QueuedMessage, SimDuration)> {
        let paged = self.head_in_ram == 0 && self.paged > 0;
        let message = self.pop_head()?;
        let cost = if self.quorum {
            self.quorum_cost
        } else if paged {
            self.stats.paged_in += 1;
            self.page_cost
        } else {
            SimDuration::ZERO
        };
        Some((message, cost))
    }

    fn pop_head(&mut self) -> Option<QueuedMessage> {
        let message = self.ready.pop_front()?;
        if self.head_in_ram > 0 {
            self.head_in_ram -= 1;
        } else if self.paged > 0 {
            self.paged -= 1;
        }
        Some(message)
    }

    /// A message leaves for good without an ack: to the dead-letter exchange, or discarded.
    fn dead(&mut self, message: QueuedMessage, reason: Reason, now: SimTime) {
        let from_queue = matches!(reason, Reason::Expired | Reason::Maxlen);
        self.dead_from(
            message,
            reason,
            from_queue.then(|| now.saturating_since(message.enqueued_at())),
        );
    }

    fn dead_from(&mut self, message: QueuedMessage, reason: Reason, waited: Option<SimDuration>) {
        if self.dead_letter_exchange {
            let d = &mut self.stats.dead_letters;
            match reason {
                Reason::Rejected => d.rejected += 1,
                Reason::Expired => d.expired += 1,
                Reason::Maxlen => d.maxlen += 1,
                Reason::DeliveryLimit => d.delivery_limit += 1,
            }
        }
        self.gone.push(Gone {
            class: message.class,
            reason,
            dead_lettered: self.dead_letter_exchange,
            waited,
        });
    }

    /// The next active consumer with prefetch room, round-robin.
    fn next_with_credit(&mut self) -> usize {
        let n = self.subscribers.len();
        loop {
            let c = self.cursor;
            self.cursor = if c + 1 == n { 0 } else { c + 1 };
            if self.has_credit(&self.subscribers[c]) {
                return c;
            }
        }
    }

    /// Expires the ready messages at the head whose TTL has passed.
    fn expire_heads(&mut self, now: SimTime) {
        let Some(ttl) = self.ttl else {
            return;
        };
        while self
            .ready
            .front()
            .is_some_and(|m| m.enqueued_at() + ttl <= now)
        {
            let message = self.pop_head().expect("a head");
            self.dead(message, Reason::Expired, now);
        }
    }

    /// When the head of the queue expires, if a TTL is set.
    pub fn next_expiry(&self) -> Option<SimTime> {
        let ttl = self.ttl?;
        self.ready.front().map(|m| m.enqueued_at() + ttl)
    }

    /// The queue process works while it is free at `now`: it delivers to consumers with
    /// room, else pages out while memory is over the paging threshold. Returns when it
    /// must wake up again, if it stopped busy with work left.
    pub fn pump(&mut self, now: SimTime) -> Option<SimTime> {
        // Delivering and paging never add to what the node holds in RAM: the memory peak
        // is looked at where messages arrive (publish, requeue), not here.
        self.expire_heads(now);
        loop {
            let deliverable = !self.ready.is_empty() && self.with_credit > 0;
            // While the disk alarm is raised nothing more is paged out ("prevent
            // memory-based messages from being paged to disk").
            let pageable = !deliverable
                && !self.quorum
                && !self.disk.alarm.raised
                && self.ready.len() as u64 > self.paged
                && self.memory.over_paging(self.in_ram());
            if !deliverable && !pageable {
                return None;
            }
            if !self.process.free(now) {
                return Some(self.process.busy_until());
            }
            if deliverable {
                let (message, cost) = self.pop_head_costed().expect("ready is not empty");
                let c = self.next_with_credit();
                self.subscribers[c].buffer.push_back(message);
                self.buffered += 1;
                let unacked = self.subscribers[c].unacked + 1;
                self.set_unacked(c, unacked);
                self.stats.delivered += 1;
                self.wake.push(c as u32);
                self.process.run(now, cost);
            } else {
                // Page out a RAM message next to the paged run, keeping the head in RAM:
                // the first newer one (what was published while paging), else the newest
                // of the head. When paging starts, every message is the head.
                if self.head_in_ram == 0 && self.paged == 0 {
                    self.head_in_ram = self.ready.len() as u64;
                }
                if self.ready.len() as u64 == self.head_in_ram + self.paged {
                    self.head_in_ram -= 1;
                }
                self.paged += 1;
                self.stats.paged_out += 1;
                self.stats.max_paged = self.stats.max_paged.max(self.paged);
                self.process.run(now, self.page_cost);
            }
        }
    }

    /// A handler of consumer `consumer` picks up its next delivered message.
    #[inline]
    pub fn take(&mut self, consumer: u32) -> Option<QueuedMessage> {
        let message = self
            .subscribers
            .get_mut(consumer as usize)?
            .buffer
            .pop_front()?;
        self.buffered -= 1;
        Some(message)
    }

    /// `basic.ack` from `consumer` (memory use only falls: no new peak to look at).
    #[inline]
    pub fn ack(&mut self, consumer: u32) {
        let c = consumer as usize;
        // Its handler is free for the next message it was sent.
        self.wake.push(consumer);
        self.stats.acked += 1;
        let unacked = self.subscribers[c].unacked.saturating_sub(1);
        self.set_unacked(c, unacked);
    }

    /// `basic.nack` / `basic.reject` from `consumer`. A requeued message goes back to the
    /// head — unless a quorum queue's delivery limit is reached: then it is dead-lettered.
    pub fn nack(&mut self, consumer: u32, message: QueuedMessage, nack: Nack, now: SimTime) {
        let c = consumer as usize;
        self.wake.push(consumer);
        let unacked = self.subscribers[c].unacked.saturating_sub(1);
        self.set_unacked(c, unacked);
        match nack {
            // The delivery limit is requeue_at_head's to check, as for every return.
            Nack::Requeue => self.requeue_at_head(Self::reentered(message, now), now),
            Nack::Reject => self.dead_from(message, Reason::Rejected, None),
        }
        self.check_memory();
    }

    /// The process's booked wake-up came.
    pub fn tick(&mut self, now: SimTime) -> Option<SimTime> {
        self.process.tick_at = None;
        self.pump(now)
    }

    /// A wake-up at `at` is needed: returns it if none is booked yet.
    pub fn book_tick(&mut self, at: SimTime) -> Option<SimTime> {
        if self.process.tick_at.is_some() {
            return None;
        }
        self.process.tick_at = Some(at);
        Some(at)
    }

    /// When the oldest message held (ready or in a consumer's buffer) was produced.
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        let buffered = self
            .subscribers
            .iter()
            .filter_map(|s| s.buffer.front())
            .map(QueuedMessage::created_at);
        self.ready
            .front()
            .map(QueuedMessage::created_at)
            .into_iter()
            .chain(buffered)
            .min()
    }

    /// When the head of the ready queue was enqueued.
    pub fn oldest_enqueued_at(&self) -> Option<SimTime> {
        self.ready.front().map(QueuedMessage::enqueued_at)
    }

    /// Bytes the queue's buffers hold.
    pub fn allocated_bytes(&self) -> usize {
        let message = std::mem::size_of::<QueuedMessage>();
        self.ready.capacity() * message
            + self
                .subscribers
                .iter()
                .map(|s| s.buffer.capacity() * message)
                .sum::<usize>()
            + self.blocked.capacity() * std::mem::size_of::<BlockedPublish>()
            + self
                .windows
                .as_ref()
                .map_or(0, ConfirmWindows::allocated_bytes)
    }
}

#[cfg(test)]
mod tests;
