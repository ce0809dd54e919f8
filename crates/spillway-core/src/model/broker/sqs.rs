//! An Amazon SQS queue, standard or FIFO, with the rules of the SQS developer guide:
//! a receive makes a message invisible for the visibility timeout and hands out a receipt
//! handle; only a delete with the latest receipt handle removes the message; a message not
//! deleted in time becomes visible again with its receive count one higher; a redrive policy
//! moves a message received more than `maxReceiveCount` times to the dead-letter queue; a
//! worker may change a message's visibility while it works (counted from the call, at most
//! 12 h after the receive); at most 120,000 messages (20,000 FIFO) are in flight; messages
//! older than the retention period are deleted; new messages can be delayed. FIFO queues
//! deliver each message group in order and nothing of a group while one of its messages is
//! in flight.
//!
//! Nothing here is scripted: the churn of the "visibility trap" (messages received again
//! while an earlier worker still processes them, deletes that fail, work thrown away)
//! follows from these rules when processing takes longer than the visibility timeout.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::engine::random::RandomStream;
use crate::engine::time::{SimDuration, SimTime};
use crate::model::message::{Message, QueuedMessage};
use crate::scenario::{SqsQueueType, SqsSpec};

/// ChangeMessageVisibility may not extend a message beyond this long after its receive.
pub(crate) const MAX_VISIBILITY: SimDuration = SimDuration::from_secs(12 * 3_600);

/// FIFO queues drop a message sent again with the same deduplication id within this long.
pub(crate) const DEDUPLICATION_INTERVAL: SimDuration = SimDuration::from_secs(5 * 60);

/// A short-polling worker's empty receive takes one request round trip: this long.
pub(crate) const SHORT_POLL_ROUND_TRIP: SimDuration = SimDuration::from_millis(20);

/// Short polling asks a weighted random subset of SQS's servers: Spillway's assumption is that
/// a receive sees each visible message with this probability (AWS does not publish the
/// share). It makes the developer guide's statements hold: below about 1,000 messages a
/// receive of 10 most likely returns fewer, and with a handful it most likely returns none.
pub(crate) const SHORT_POLL_SAMPLED_SHARE: f64 = 0.01;

/// From this many visible messages on, a short poll fills any batch (the chance it sees
/// fewer than 10 of them is below 1e-9): no sampling needed.
const SHORT_POLL_FULL_VIEW: u64 = 5_000;

/// A message received this many times or more and not deleted is moved to the back of a
/// standard queue, and ApproximateAgeOfOldestMessage skips it (CloudWatch documents both).
pub(crate) const AGE_METRIC_SKIPS_RECEIVES: u16 = 3;

/// Identifies one receive of one message: the message's key and the receive's handle. A
/// delete or visibility change with an older handle than the latest receive fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Receipt {
    pub key: u32,
    pub handle: u32,
}

/// Where a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting out the delivery delay.
    Delayed,
    /// Can be received.
    Visible,
    /// Received; invisible until its visibility timeout.
    InFlight,
}

/// One message in the queue.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// The message as sent (its enqueue time is the send time).
    message: QueuedMessage,
    /// Unique per message: references in the queues check it (keys are reused).
    stamp: u32,
    /// The latest receive's handle.
    handle: u32,
    /// The pending timer (delay end or visibility timeout); older timers are stale.
    timer: u32,
    /// ApproximateReceiveCount.
    receive_count: u16,
    state: State,
    /// The last receive ended in a processing failure (the next one is a retry, not a
    /// duplicate delivery).
    failed: bool,
    /// FIFO message group.
    group: u32,
    /// When the message entered its current state (for an in-flight message: its receive).
    since: SimTime,
}

/// A reference to a message from one of the queues' orders; stale once the message left.
#[derive(Clone, Copy, Debug)]
struct Ref {
    key: u32,
    stamp: u32,
}

/// A FIFO message group.
#[derive(Clone, Debug, Default)]
struct Group {
    /// Visible messages, in order.
    visible: VecDeque<Ref>,
    /// Messages of the group in flight: while any is, the group delivers nothing.
    in_flight: u32,
    /// The group is in the ready list.
    ready: bool,
}

/// What SQS counts, under CloudWatch's names where CloudWatch has one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SqsStats {
    /// NumberOfMessagesReceived.
    pub receives: u64,
    /// NumberOfMessagesDeleted.
    pub deletes: u64,
    /// Receives of a message whose previous receive did not end in a failure: another
    /// worker received it while (or after) the previous one processed it.
    pub duplicate_deliveries: u64,
    /// Visibility timeouts that expired: the message became visible again.
    pub visibility_expirations: u64,
    /// ChangeMessageVisibility calls that took effect.
    pub visibility_changes: u64,
    /// ChangeMessageVisibility calls refused (beyond 12 h, or the message not in flight).
    pub visibility_changes_refused: u64,
    /// Receives that failed with OverLimit (too many messages in flight).
    pub over_limit: u64,
    /// Messages deleted by the retention period.
    pub expired: u64,
    /// SendMessage calls whose response was lost, so the producer sent again.
    pub lost_send_responses: u64,
    /// Copies stored by such re-sends (standard queues, or FIFO beyond the deduplication
    /// interval): the message is in the queue twice.
    pub duplicate_sends: u64,
    /// Re-sends a FIFO queue dropped as duplicates (within the 5-minute interval).
    pub deduplicated: u64,
    /// Second copies the upstream emitted (`duplicate_events`), stored or not.
    pub duplicate_events: u64,
    /// Short-polling receives that came back empty while messages were visible (the
    /// sampled servers held none of them).
    pub false_empty_receives: u64,
    /// Messages the dead-letter queue's retention period deleted.
    pub dead_letter_expired: u64,
    /// Receives per message, for messages that left the queue: index i is i receives, the
    /// last bucket 10 or more.
    pub receives_per_message: [u64; 11],
}

/// Messages the queue holds, by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SqsDepths {
    /// ApproximateNumberOfMessagesVisible.
    pub visible: u64,
    /// ApproximateNumberOfMessagesNotVisible (in flight).
    pub not_visible: u64,
    /// ApproximateNumberOfMessagesDelayed.
    pub delayed: u64,
}

/// What a receive found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// A message, with its receipt and when its visibility times out.
    Message {
        message: QueuedMessage,
        receipt: Receipt,
        visible_again_at: SimTime,
        /// How long it had been visible (its wait in the queue for this receive).
        waited: SimDuration,
    },
    /// Nothing visible (or, FIFO, nothing in a group that can deliver).
    Empty,
    /// Too many messages in flight: the receive failed.
    OverLimit,
}

/// A message that left the queue without being deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Departure {
    /// Moved to the dead-letter queue by the redrive policy.
    DeadLettered { class: u8 },
    /// Deleted by the retention period.
    Expired { class: u8 },
}

/// A send to come again: the message, when it was first sent (its deduplication interval
/// starts there), and whether it carries the first send's deduplication id (an SDK retry of
/// a lost response does; an upstream's second emission is a new call).
#[derive(Clone, Copy, Debug)]
struct Resend {
    message: Message,
    first_sent: SimTime,
    same_id: bool,
}

/// The queue.
pub(crate) struct SqsQueue {
    fifo: bool,
    visibility_timeout: SimDuration,
    max_receive_count: Option<u16>,
    /// Messages one ReceiveMessage takes.
    pub receive_batch: u32,
    in_flight_limit: u64,
    retention: SimDuration,
    delivery_delay: SimDuration,
    lost_send_responses: f64,
    resend_after: SimDuration,
    resend_stream: RandomStream,
    duplicate_events: f64,
    duplicate_event_after: SimDuration,
    duplicate_stream: RandomStream,
    content_based_deduplication: bool,
    /// Sends to come again (lost responses, the upstream's duplicates).
    resends: slab::Slab<Resend>,
    /// Short polling (wait time 0): a receive samples the servers, see
    /// [`SHORT_POLL_SAMPLED_SHARE`].
    short_poll: bool,
    short_poll_stream: RandomStream,
    /// A re-poll after a false empty receive is scheduled (one at a time).
    pub poll_pending: bool,
    dead_letter_retention: SimDuration,
    /// When each message in the dead-letter queue expires, earliest first.
    dead_letters: BinaryHeap<Reverse<SimTime>>,
    /// The pending dead-letter expiry timer's time, and one the caller must schedule.
    dead_letter_timer: Option<SimTime>,
    dead_letter_timer_due: Option<SimTime>,
    /// Every message, by key.
    entries: slab::Slab<Entry>,
    /// Standard queue: visible messages, in the order they became visible.
    visible: VecDeque<Ref>,
    /// FIFO queue: the message groups, and the groups that can deliver, round robin.
    groups: Vec<Group>,
    ready: VecDeque<u32>,
    group_stream: RandomStream,
    /// Every message in send order (stale references are dropped at the front): retention
    /// and the age of the oldest message.
    order: VecDeque<Ref>,
    next_stamp: u32,
    next_handle: u32,
    depths: SqsDepths,
    max_visible: u64,
    max_not_visible: u64,
    /// The counts.
    pub stats: SqsStats,
}

impl SqsQueue {
    /// A queue from a validated spec.
    pub fn new(spec: &SqsSpec, seed: u64) -> Self {
        let fifo = spec.queue_type == SqsQueueType::Fifo;
        let group_count = if fifo {
            spec.message_groups as usize
        } else {
            0
        };
        SqsQueue {
            fifo,
            visibility_timeout: spec.visibility_timeout.sim(),
            max_receive_count: spec.max_receive_count.map(|m| m.min(1_000) as u16),
            receive_batch: spec.receive_batch.clamp(1, 10),
            in_flight_limit: u64::from(spec.in_flight_limit()),
            retention: spec.retention.sim(),
            delivery_delay: spec.delivery_delay.sim(),
            lost_send_responses: spec.lost_send_responses,
            resend_after: spec.resend_after.sim(),
            resend_stream: RandomStream::for_component(seed, "sqs:resends"),
            duplicate_events: spec.duplicate_events,
            duplicate_event_after: spec.duplicate_event_after.sim(),
            duplicate_stream: RandomStream::for_component(seed, "sqs:duplicate-events"),
            content_based_deduplication: spec.content_based_deduplication,
            resends: slab::Slab::new(),
            short_poll: spec.wait_time.sim() == SimDuration::ZERO,
            short_poll_stream: RandomStream::for_component(seed, "sqs:short-poll"),
            poll_pending: false,
            dead_letter_retention: spec.dead_letter_retention.sim(),
            dead_letters: BinaryHeap::new(),
            dead_letter_timer: None,
            dead_letter_timer_due: None,
            entries: slab::Slab::new(),
            visible: VecDeque::new(),
            groups: vec![Group::default(); group_count],
            ready: VecDeque::new(),
            group_stream: RandomStream::for_component(seed, "sqs:groups"),
            order: VecDeque::new(),
            next_stamp: 0,
            next_handle: 0,
            depths: SqsDepths::default(),
            max_visible: 0,
            max_not_visible: 0,
            stats: SqsStats::default(),
        }
    }

    /// SendMessage: the message is stored (SQS has no capacity limit). Returns when a timer
    /// must fire for it (the end of its delivery delay), with the timer's id.
    pub fn send(&mut self, message: Message, now: SimTime) -> Option<(u32, u32, SimTime)> {
        let stamp = self.next_stamp;
        self.next_stamp = self.next_stamp.wrapping_add(1);
        let group = if self.groups.len() > 1 {
            let pick = self.group_stream.uniform() * self.groups.len() as f64;
            (pick as u32).min(self.groups.len() as u32 - 1)
        } else {
            0
        };
        let delayed = self.delivery_delay > SimDuration::ZERO;
        let timer = self.new_handle();
        let key = self.entries.insert(Entry {
            message: QueuedMessage::enqueue(message, now),
            stamp,
            handle: 0,
            timer,
            receive_count: 0,
            state: if delayed {
                State::Delayed
            } else {
                State::Visible
            },
            failed: false,
            group,
            since: now,
        }) as u32;
        self.order.push_back(Ref { key, stamp });
        if delayed {
            self.depths.delayed += 1;
            Some((key, timer, now + self.delivery_delay))
        } else {
            self.push_visible(key, false);
            None
        }
    }

    /// Whether the response to a send just made is lost: then the producer sends it again
    /// after `resend_after`; returns the pending re-send's key and when it happens.
    pub fn lose_response(&mut self, message: Message, now: SimTime) -> Option<(u32, SimTime)> {
        if self.lost_send_responses == 0.0 || !self.resend_stream.chance(self.lost_send_responses) {
            return None;
        }
        self.stats.lost_send_responses += 1;
        let key = self.resends.insert(Resend {
            message,
            first_sent: now,
            same_id: true,
        }) as u32;
        Some((key, now + self.resend_after))
    }

    /// Whether the upstream emits the message just sent a second time: then the same body
    /// comes as a new send after `duplicate_event_after`; returns its key and when.
    pub fn duplicate_event(&mut self, message: Message, now: SimTime) -> Option<(u32, SimTime)> {
        if self.duplicate_events == 0.0 || !self.duplicate_stream.chance(self.duplicate_events) {
            return None;
        }
        self.stats.duplicate_events += 1;
        let key = self.resends.insert(Resend {
            message,
            first_sent: now,
            same_id: false,
        }) as u32;
        Some((key, now + self.duplicate_event_after))
    }

    /// The send comes again: a FIFO queue drops it within the deduplication interval of the
    /// first send when it carries the same deduplication id (an SDK retry, or any send of
    /// the same body with content-based deduplication); otherwise the copy is stored like a
    /// new message. Returns whether a copy was stored, and its delay timer if it has one.
    pub fn resend(&mut self, key: u32, now: SimTime) -> (bool, Option<(u32, u32, SimTime)>) {
        let Resend {
            message,
            first_sent,
            same_id,
        } = self.resends.remove(key as usize);
        if self.fifo
            && (same_id || self.content_based_deduplication)
            && now.saturating_since(first_sent) < DEDUPLICATION_INTERVAL
        {
            self.stats.deduplicated += 1;
            return (false, None);
        }
        self.stats.duplicate_sends += 1;
        (true, self.send(message, now))
    }

    fn new_handle(&mut self) -> u32 {
        self.next_handle = self.next_handle.wrapping_add(1);
        self.next_handle
    }

    /// Makes the (already `Visible`) message `key` receivable: at the back of a standard
    /// queue; in a FIFO queue back in its group, at the head when it returns (order holds).
    fn push_visible(&mut self, key: u32, returning: bool) {
        let entry = &self.entries[key as usize];
        let reference = Ref {
            key,
            stamp: entry.stamp,
        };
        self.depths.visible += 1;
        self.max_visible = self.max_visible.max(self.depths.visible);
        if !self.fifo {
            // Best-effort order: oldest first, so a message whose visibility timed out is
            // delivered again before everything sent after it, unless it has been received
            // three times or more: SQS then moves it to the back of the queue (CloudWatch's
            // metrics page documents this).
            if returning && entry.receive_count < AGE_METRIC_SKIPS_RECEIVES {
                self.visible.push_front(reference);
            } else {
                self.visible.push_back(reference);
            }
            return;
        }
        let group_index = entry.group;
        let group = &mut self.groups[group_index as usize];
        if returning {
            group.visible.push_front(reference);
        } else {
            group.visible.push_back(reference);
        }
        if group.in_flight == 0 && !group.ready {
            group.ready = true;
            self.ready.push_back(group_index);
        }
    }

    fn is_current(&self, reference: Ref) -> bool {
        self.entries
            .get(reference.key as usize)
            .is_some_and(|e| e.stamp == reference.stamp)
    }

    /// The next visible message in receive order, taken off its order (FIFO: from the next
    /// group that can deliver; `same_group` continues a batch in the group it started).
    fn next_visible(&mut self, same_group: Option<u32>) -> Option<u32> {
        if !self.fifo {
            while let Some(reference) = self.visible.pop_front() {
                if self.is_current(reference)
                    && self.entries[reference.key as usize].state == State::Visible
                {
                    return Some(reference.key);
                }
            }
            return None;
        }
        if let Some(group_index) = same_group {
            return self.pop_group(group_index);
        }
        while let Some(group_index) = self.ready.pop_front() {
            self.groups[group_index as usize].ready = false;
            if self.groups[group_index as usize].in_flight > 0 {
                continue;
            }
            if let Some(key) = self.pop_group(group_index) {
                return Some(key);
            }
        }
        None
    }

    fn pop_group(&mut self, group_index: u32) -> Option<u32> {
        while let Some(reference) = self.groups[group_index as usize].visible.pop_front() {
            if self.is_current(reference)
                && self.entries[reference.key as usize].state == State::Visible
            {
                return Some(reference.key);
            }
        }
        None
    }

    /// ReceiveMessage for one message (a batch is several calls within one request, see
    /// [`receive_batch`](Self::receive_batch)). Messages past retention are deleted and
    /// messages past `maxReceiveCount` moved to the dead-letter queue on the way, each
    /// reported through `departed`.
    pub fn receive(
        &mut self,
        now: SimTime,
        same_group: Option<u32>,
        departed: &mut impl FnMut(Departure, SimDuration),
    ) -> Received {
        if self.depths.not_visible >= self.in_flight_limit {
            self.stats.over_limit += 1;
            return Received::OverLimit;
        }
        loop {
            let Some(key) = self.next_visible(same_group) else {
                return Received::Empty;
            };
            let entry = self.entries[key as usize];
            let waited = now.saturating_since(entry.since);
            if self.expired(&entry, now) {
                self.depths.visible -= 1;
                self.leave(key);
                self.stats.expired += 1;
                departed(
                    Departure::Expired {
                        class: entry.message.class,
                    },
                    waited,
                );
                continue;
            }
            if self
                .max_receive_count
                .is_some_and(|most| entry.receive_count >= most)
            {
                self.depths.visible -= 1;
                self.leave(key);
                self.dead_letter(&entry, now);
                departed(
                    Departure::DeadLettered {
                        class: entry.message.class,
                    },
                    waited,
                );
                continue;
            }
            let handle = self.new_handle();
            let entry = &mut self.entries[key as usize];
            if entry.receive_count > 0 && !entry.failed {
                self.stats.duplicate_deliveries += 1;
            }
            entry.receive_count = entry.receive_count.saturating_add(1);
            entry.failed = false;
            entry.state = State::InFlight;
            entry.since = now;
            entry.handle = handle;
            entry.timer = handle;
            let message = entry.message.with_deliveries(entry.receive_count - 1);
            let group = entry.group;
            self.depths.visible -= 1;
            self.depths.not_visible += 1;
            self.max_not_visible = self.max_not_visible.max(self.depths.not_visible);
            self.stats.receives += 1;
            if self.fifo {
                self.groups[group as usize].in_flight += 1;
            }
            return Received::Message {
                message,
                receipt: Receipt { key, handle },
                visible_again_at: now + self.visibility_timeout,
                waited,
            };
        }
    }

    /// How many messages this receive can return, at most `batch`: all of them when long
    /// polling; when short polling, those on the servers it sampled (0: a false empty
    /// receive, counted).
    pub fn receivable(&mut self, batch: u32) -> u32 {
        let visible = self.depths.visible;
        if !self.short_poll || visible == 0 || visible >= SHORT_POLL_FULL_VIEW {
            return batch;
        }
        // min(batch, Binomial(visible, share)) by inversion over its first `batch` values.
        let (n, p) = (visible as f64, SHORT_POLL_SAMPLED_SHARE);
        let mut probability = (1.0 - p).powf(n);
        let mut below = probability;
        let u = self.short_poll_stream.uniform();
        let mut seen = 0;
        while seen < batch && u >= below {
            probability *= (n - f64::from(seen)) / f64::from(seen + 1) * p / (1.0 - p);
            seen += 1;
            below += probability;
        }
        if seen == 0 {
            self.stats.false_empty_receives += 1;
        }
        seen
    }

    /// Whether a receive can come back empty while messages are visible (short polling).
    pub fn short_polling(&self) -> bool {
        self.short_poll
    }

    /// A message moves to the dead-letter queue: it expires there `dead_letter_retention`
    /// after its original send (standard: the enqueue timestamp is kept) or after the move
    /// (FIFO: it is reset).
    fn dead_letter(&mut self, entry: &Entry, now: SimTime) {
        let from = if self.fifo {
            now
        } else {
            entry.message.enqueued_at()
        };
        let expires = from + self.dead_letter_retention;
        self.dead_letters.push(Reverse(expires));
        // Already past it (a standard queue's old message): deleted at once, not in the past.
        let due = expires.max(now);
        if self.dead_letter_timer.is_none_or(|pending| due < pending) {
            self.dead_letter_timer = Some(due);
            self.dead_letter_timer_due = Some(due);
        }
    }

    /// A dead-letter expiry timer the caller must schedule, if one became due.
    pub fn take_dead_letter_timer(&mut self) -> Option<SimTime> {
        self.dead_letter_timer_due.take()
    }

    /// The dead-letter expiry timer fired: messages past the DLQ's retention are deleted.
    /// Returns how many, and the next timer to schedule.
    pub fn expire_dead_letters(&mut self, now: SimTime) -> (u64, Option<SimTime>) {
        if self.dead_letter_timer.is_some_and(|pending| pending > now) {
            return (0, None); // a stale timer: an earlier one replaced it
        }
        let mut expired = 0;
        while self.dead_letters.peek().is_some_and(|e| e.0 <= now) {
            self.dead_letters.pop();
            expired += 1;
        }
        self.stats.dead_letter_expired += expired;
        self.dead_letter_timer = self.dead_letters.peek().map(|e| e.0);
        (expired, self.dead_letter_timer)
    }

    /// Messages in the dead-letter queue now.
    pub fn dead_letter_depth(&self) -> u64 {
        self.dead_letters.len() as u64
    }

    /// The FIFO group of a receipt's message (a batch continues in it).
    pub fn group_of(&self, receipt: Receipt) -> Option<u32> {
        self.fifo
            .then(|| self.entries.get(receipt.key as usize).map(|e| e.group))
            .flatten()
    }

    fn expired(&self, entry: &Entry, now: SimTime) -> bool {
        now.saturating_since(entry.message.enqueued_at()) >= self.retention
    }

    /// The message leaves the queue (deleted, dead-lettered or expired): its receive count
    /// goes into the histogram; references to it go stale.
    fn leave(&mut self, key: u32) {
        let entry = self.entries.remove(key as usize);
        let bucket = usize::from(entry.receive_count).min(10);
        self.stats.receives_per_message[bucket] += 1;
        if self.fifo && entry.state == State::InFlight {
            self.release_group(entry.group);
        }
        self.drop_stale_front();
    }

    /// One in-flight message of `group` is no longer in flight.
    fn release_group(&mut self, group_index: u32) {
        let group = &mut self.groups[group_index as usize];
        group.in_flight -= 1;
        if group.in_flight == 0 && !group.visible.is_empty() && !group.ready {
            group.ready = true;
            self.ready.push_back(group_index);
        }
    }

    fn drop_stale_front(&mut self) {
        while let Some(front) = self.order.front() {
            if self.is_current(*front) {
                break;
            }
            self.order.pop_front();
        }
    }

    /// DeleteMessage: succeeds only with the latest receipt handle. Returns whether the
    /// message was deleted, and how long it had been visible if it was (a message whose
    /// visibility expired but that nobody received since can still be deleted).
    pub fn delete(&mut self, receipt: Receipt, now: SimTime) -> Option<Option<SimDuration>> {
        let valid = self
            .entries
            .get(receipt.key as usize)
            .is_some_and(|e| e.handle == receipt.handle && e.state != State::Delayed);
        if !valid {
            return None;
        }
        let entry = self.entries[receipt.key as usize];
        let visible_for = if entry.state == State::InFlight {
            self.depths.not_visible -= 1;
            None
        } else {
            self.depths.visible -= 1;
            Some(now.saturating_since(entry.since))
        };
        self.stats.deletes += 1;
        self.leave(receipt.key);
        Some(visible_for)
    }

    /// ChangeMessageVisibility: the message becomes visible `timeout` after now, if the
    /// receipt is the latest, the message is in flight, and now + timeout is within 12 h of
    /// the receive. Returns the timer to schedule.
    pub fn change_visibility(
        &mut self,
        receipt: Receipt,
        timeout: SimDuration,
        now: SimTime,
    ) -> Option<(u32, SimTime)> {
        let allowed = self.entries.get(receipt.key as usize).is_some_and(|e| {
            e.handle == receipt.handle
                && e.state == State::InFlight
                && now.saturating_since(e.since) + timeout <= MAX_VISIBILITY
        });
        if !allowed {
            self.stats.visibility_changes_refused += 1;
            return None;
        }
        let timer = self.new_handle();
        self.entries[receipt.key as usize].timer = timer;
        self.stats.visibility_changes += 1;
        Some((timer, now + timeout))
    }

    /// The worker holding `receipt` failed the message: the next receive is a retry, not a
    /// duplicate.
    pub fn mark_failed(&mut self, receipt: Receipt) {
        if let Some(entry) = self.entries.get_mut(receipt.key as usize) {
            if entry.handle == receipt.handle {
                entry.failed = true;
            }
        }
    }

    /// A timer fired: a delay ended or a visibility timeout expired (unless the message was
    /// deleted or its visibility changed since). Returns whether a message became visible;
    /// a message past retention is deleted instead and reported through `departed`.
    pub fn timer(
        &mut self,
        key: u32,
        timer: u32,
        now: SimTime,
        departed: &mut impl FnMut(Departure, SimDuration),
    ) -> bool {
        let Some(entry) = self.entries.get(key as usize).copied() else {
            return false;
        };
        if entry.timer != timer || entry.state == State::Visible {
            return false;
        }
        match entry.state {
            State::Delayed => self.depths.delayed -= 1,
            State::InFlight => {
                self.depths.not_visible -= 1;
                self.stats.visibility_expirations += 1;
            }
            State::Visible => unreachable!("checked above"),
        }
        if self.expired(&entry, now) {
            self.stats.expired += 1;
            self.leave(key);
            departed(
                Departure::Expired {
                    class: entry.message.class,
                },
                SimDuration::ZERO,
            );
            return false;
        }
        let returning = entry.state == State::InFlight;
        let entry = &mut self.entries[key as usize];
        entry.state = State::Visible;
        entry.since = now;
        let group = entry.group;
        if self.fifo && returning {
            self.release_group(group);
        }
        self.push_visible(key, returning);
        true
    }

    /// Messages by state.
    pub fn depths(&self) -> SqsDepths {
        self.depths
    }

    /// Most messages ever in flight at once.
    pub fn max_not_visible(&self) -> u64 {
        self.max_not_visible
    }

    /// Whether it is a FIFO queue.
    pub fn is_fifo(&self) -> bool {
        self.fifo
    }

    /// The visibility timeout.
    pub fn visibility_timeout(&self) -> SimDuration {
        self.visibility_timeout
    }

    /// Changes the default visibility timeout (a live knob); messages in flight keep theirs.
    pub fn set_visibility_timeout(&mut self, timeout: SimDuration) {
        self.visibility_timeout = timeout.min(MAX_VISIBILITY);
    }

    /// Most messages ever visible at once.
    pub fn max_visible(&self) -> u64 {
        self.max_visible
    }

    /// When the oldest message in the queue (any state) was sent.
    pub fn oldest_sent_at(&self) -> Option<SimTime> {
        let front = self.order.front()?;
        Some(self.entries[front.key as usize].message.enqueued_at())
    }

    /// When the oldest message was produced (the queue's part of the lag in seconds).
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        let front = self.order.front()?;
        Some(self.entries[front.key as usize].message.created_at())
    }

    /// ApproximateAgeOfOldestMessage's message: the oldest one received fewer than three
    /// times (CloudWatch's documented quirk: a message received three times or more is not
    /// what the metric reports, so a poison message that keeps coming back hides from it).
    /// Looks at most 16,384 messages from the oldest on, then reports the oldest.
    pub fn age_metric_sent_at(&self) -> Option<SimTime> {
        self.order
            .iter()
            .take(16_384)
            .filter_map(|r| {
                self.entries
                    .get(r.key as usize)
                    .filter(|e| e.stamp == r.stamp)
            })
            .find(|e| e.receive_count < AGE_METRIC_SKIPS_RECEIVES)
            .map(|e| e.message.enqueued_at())
            .or_else(|| self.oldest_sent_at())
    }

    /// FIFO: how many message groups have messages waiting behind one in flight (stalled),
    /// and the most messages waiting in one group, with that group's index.
    pub fn group_backlogs(&self) -> (u32, u64, u32) {
        let mut stalled = 0;
        let (mut most, mut worst) = (0, 0);
        for (index, group) in self.groups.iter().enumerate() {
            let waiting = group.visible.len() as u64;
            if waiting > 0 && group.in_flight > 0 {
                stalled += 1;
            }
            if waiting > most {
                (most, worst) = (waiting, index as u32);
            }
        }
        (stalled, most, worst)
    }

    /// Bytes held, for the memory budget.
    pub fn allocated_bytes(&self) -> usize {
        self.entries.capacity() * (std::mem::size_of::<Entry>() + 8)
            + (self.visible.capacity() + self.order.capacity()) * std::mem::size_of::<Ref>()
            + self
                .groups
                .iter()
                .map(|g| g.visible.capacity() * std::mem::size_of::<Ref>())
                .sum::<usize>()
            + self.groups.capacity() * std::mem::size_of::<Group>()
            + self.resends.capacity() * (std::mem::size_of::<Resend>() + 8)
            + self.dead_letters.capacity() * std::mem::size_of::<SimTime>()
    }
}

#[cfg(test)]
mod tests {
    //! The conformance tests: each rule of `docs/sqs-conformance.md`, against the queue alone.
    use super::*;
    use crate::scenario::Duration;

    fn spec() -> SqsSpec {
        SqsSpec {
            queue_type: SqsQueueType::Standard,
            visibility_timeout: Duration::from_secs(30),
            max_receive_count: None,
            receive_batch: 1,
            wait_time: Duration::from_secs(20),
            in_flight_limit: None,
            retention: Duration::from_secs(4 * 86_400),
            delivery_delay: Duration::from_secs(0),
            message_groups: 1,
            lost_send_responses: 0.0,
            resend_after: Duration::from_secs(1),
            duplicate_events: 0.0,
            duplicate_event_after: Duration::from_secs(10),
            content_based_deduplication: false,
            dead_letter_retention: Duration::from_secs(4 * 86_400),
            heartbeat: None,
        }
    }

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    fn message(class: u8, created: SimTime) -> Message {
        Message::new(created, class, false)
    }

    /// Receives one message, expecting one; returns its receipt and its timer's time.
    fn receive(queue: &mut SqsQueue, now: SimTime) -> (QueuedMessage, Receipt, SimTime) {
        match queue.receive(now, None, &mut |d, _| panic!("unexpected {d:?}")) {
            Received::Message {
                message,
                receipt,
                visible_again_at,
                ..
            } => (message, receipt, visible_again_at),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    fn nothing_departs(_: Departure, _: SimDuration) {
        panic!("nothing should leave the queue here");
    }

    #[test]
    fn a_received_message_reappears_exactly_at_receive_time_plus_the_visibility_timeout() {
        let mut queue = SqsQueue::new(&spec(), 1);
        queue.send(message(0, at(0)), at(0));
        let (first, receipt, visible_at) = receive(&mut queue, at(5));
        assert_eq!(visible_at, at(35));
        assert_eq!(first.deliveries(), 0, "ApproximateReceiveCount 1");
        assert_eq!(
            queue.depths(),
            SqsDepths {
                visible: 0,
                not_visible: 1,
                delayed: 0
            }
        );
        assert!(matches!(
            queue.receive(at(34), None, &mut nothing_departs),
            Received::Empty
        ));
        assert!(queue.timer(receipt.key, receipt.handle, at(35), &mut nothing_departs));
        assert_eq!(queue.depths().visible, 1);
        let (again, second, _) = receive(&mut queue, at(35));
        assert_eq!(again.deliveries(), 1, "ApproximateReceiveCount 2");
        assert_ne!(
            receipt.handle, second.handle,
            "each receive has its own handle"
        );
        assert_eq!(queue.stats.duplicate_deliveries, 1);
        assert_eq!(queue.stats.visibility_expirations, 1);
    }

    #[test]
    fn only_the_latest_receipt_handle_deletes() {
        let mut queue = SqsQueue::new(&spec(), 1);
        queue.send(message(0, at(0)), at(0));
        let (_, old, _) = receive(&mut queue, at(0));
        assert!(queue.timer(old.key, old.handle, at(30), &mut nothing_departs));
        let (_, latest, _) = receive(&mut queue, at(31));
        assert_eq!(
            queue.delete(old, at(40)),
            None,
            "the first worker's delete fails"
        );
        assert_eq!(queue.delete(latest, at(41)), Some(None));
        assert_eq!(queue.depths(), SqsDepths::default());
        assert_eq!(queue.stats.deletes, 1);
        assert_eq!(queue.stats.receives_per_message[2], 1);
    }

    #[test]
    fn a_message_whose_visibility_expired_can_be_deleted_until_someone_receives_it() {
        let mut queue = SqsQueue::new(&spec(), 1);
        queue.send(message(0, at(0)), at(0));
        let (_, receipt, _) = receive(&mut queue, at(0));
        assert!(queue.timer(receipt.key, receipt.handle, at(30), &mut nothing_departs));
        assert_eq!(queue.depths().visible, 1);
        assert_eq!(
            queue.delete(receipt, at(32)),
            Some(Some(SimDuration::from_secs(2))),
            "deleted after 2 s visible"
        );
        assert!(matches!(
            queue.receive(at(33), None, &mut nothing_departs),
            Received::Empty
        ));
    }

    #[test]
    fn change_visibility_counts_from_the_call_and_stops_at_12_hours_after_the_receive() {
        let mut queue = SqsQueue::new(&spec(), 1);
        queue.send(message(0, at(0)), at(0));
        let (_, receipt, first_timer) = receive(&mut queue, at(100));
        let (timer, until) = queue
            .change_visibility(receipt, SimDuration::from_secs(60), at(120))
            .expect("in flight, within 12 h");
        assert_eq!(until, at(180), "60 s from the call, not from the receive");
        // The timer of the receive is stale now.
        assert!(!queue.timer(
            receipt.key,
            receipt.handle,
            first_timer,
            &mut nothing_departs
        ));
        assert_eq!(queue.depths().not_visible, 1);
        // Up to 12 h after the receive is allowed; one second more is refused.
        let twelve_hours = 12 * 3_600;
        assert!(
            queue
                .change_visibility(receipt, SimDuration::from_secs(twelve_hours - 100), at(200))
                .is_some()
        );
        assert!(
            queue
                .change_visibility(receipt, SimDuration::from_secs(twelve_hours - 99), at(200))
                .is_none()
        );
        assert_eq!(queue.stats.visibility_changes_refused, 1);
        assert!(queue.timer(
            receipt.key,
            timer + 1,
            at(100 + twelve_hours),
            &mut nothing_departs
        ));
        // Not in flight any more: a change is refused (MessageNotInflight).
        assert!(
            queue
                .change_visibility(receipt, SimDuration::from_secs(10), at(100 + twelve_hours))
                .is_none()
        );
    }

    #[test]
    fn redrive_moves_a_message_exactly_when_its_receive_count_would_exceed_max_receive_count() {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                max_receive_count: Some(3),
                ..spec()
            },
            1,
        );
        queue.send(message(0, at(0)), at(0));
        for receive_number in 1..=3u64 {
            let now = at(30 * (receive_number - 1));
            let (copy, receipt, visible_at) = receive(&mut queue, now);
            assert_eq!(u64::from(copy.deliveries()) + 1, receive_number);
            assert!(queue.timer(
                receipt.key,
                receipt.handle,
                visible_at,
                &mut nothing_departs
            ));
        }
        let mut departed = Vec::new();
        let got = queue.receive(at(90), None, &mut |d, _| departed.push(d));
        assert_eq!(got, Received::Empty);
        assert_eq!(departed, vec![Departure::DeadLettered { class: 0 }]);
        assert_eq!(queue.stats.receives_per_message[3], 1);
        assert_eq!(queue.depths(), SqsDepths::default());
    }

    #[test]
    fn over_limit_only_beyond_the_in_flight_limit() {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                in_flight_limit: Some(2),
                ..spec()
            },
            1,
        );
        for _ in 0..3 {
            queue.send(message(0, at(0)), at(0));
        }
        let (_, first, _) = receive(&mut queue, at(1));
        receive(&mut queue, at(1));
        assert_eq!(
            queue.receive(at(1), None, &mut nothing_departs),
            Received::OverLimit
        );
        assert_eq!(queue.stats.over_limit, 1);
        assert!(queue.delete(first, at(2)).is_some());
        receive(&mut queue, at(2));
        assert_eq!(queue.stats.over_limit, 1);
    }

    #[test]
    fn messages_past_retention_are_deleted_and_counted_expired() {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                retention: Duration::from_secs(60),
                ..spec()
            },
            1,
        );
        queue.send(message(0, at(0)), at(0));
        queue.send(message(0, at(30)), at(30));
        let mut departed = Vec::new();
        let got = queue.receive(at(60), None, &mut |d, _| departed.push(d));
        assert!(matches!(got, Received::Message { .. }), "the younger one");
        assert_eq!(departed, vec![Departure::Expired { class: 0 }]);
        assert_eq!(queue.stats.expired, 1);
        // An in-flight message past retention is deleted when its visibility ends.
        let Received::Message { receipt, .. } = got else {
            unreachable!()
        };
        let mut departed = Vec::new();
        assert!(
            !queue.timer(receipt.key, receipt.handle, at(90), &mut |d, _| departed
                .push(d))
        );
        assert_eq!(departed, vec![Departure::Expired { class: 0 }]);
        assert_eq!(queue.depths(), SqsDepths::default());
    }

    #[test]
    fn a_delayed_message_is_not_received_before_its_delay_ends() {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                delivery_delay: Duration::from_secs(10),
                ..spec()
            },
            1,
        );
        let (key, timer, when) = queue.send(message(0, at(0)), at(0)).expect("a delay timer");
        assert_eq!(when, at(10));
        assert_eq!(queue.depths().delayed, 1);
        assert_eq!(
            queue.receive(at(9), None, &mut nothing_departs),
            Received::Empty
        );
        assert!(queue.timer(key, timer, at(10), &mut nothing_departs));
        receive(&mut queue, at(10));
    }

    fn fifo(groups: u32) -> SqsQueue {
        SqsQueue::new(
            &SqsSpec {
                queue_type: SqsQueueType::Fifo,
                message_groups: groups,
                ..spec()
            },
            1,
        )
    }

    #[test]
    fn fifo_never_delivers_a_message_of_a_group_with_one_in_flight() {
        let mut queue = fifo(1);
        for second in 0..3 {
            queue.send(message(0, at(second)), at(second));
        }
        let (first, receipt, visible_at) = receive(&mut queue, at(5));
        assert_eq!(first.enqueued_at(), at(0));
        assert_eq!(
            queue.receive(at(5), None, &mut nothing_departs),
            Received::Empty
        );
        // Its visibility ends: it is first again (order within the group holds).
        assert!(queue.timer(
            receipt.key,
            receipt.handle,
            visible_at,
            &mut nothing_departs
        ));
        let (again, receipt, _) = receive(&mut queue, visible_at);
        assert_eq!(again.enqueued_at(), at(0));
        assert_eq!(
            queue.receive(visible_at, None, &mut nothing_departs),
            Received::Empty
        );
        assert!(queue.delete(receipt, visible_at).is_some());
        let (second, _, _) = receive(&mut queue, visible_at);
        assert_eq!(second.enqueued_at(), at(1));
    }

    #[test]
    fn fifo_groups_flow_independently_and_a_batch_may_take_several_of_one_group() {
        let mut queue = fifo(4);
        for second in 0..200 {
            queue.send(message(0, at(second)), at(second));
        }
        let mut groups_in_flight = std::collections::BTreeSet::new();
        // One receive per group: each from a different group.
        for _ in 0..4 {
            let (_, receipt, _) = receive(&mut queue, at(300));
            assert!(groups_in_flight.insert(queue.group_of(receipt).unwrap()));
        }
        assert_eq!(
            queue.receive(at(300), None, &mut nothing_departs),
            Received::Empty
        );
        // Within one batch, the group it started in goes on delivering in order.
        let group = *groups_in_flight.iter().next().unwrap();
        let Received::Message { message, .. } =
            queue.receive(at(300), Some(group), &mut nothing_departs)
        else {
            panic!("a batch continues in its group");
        };
        assert!(message.enqueued_at() <= at(200));
    }

    #[test]
    fn a_message_received_three_times_goes_to_the_back_and_the_age_metric_skips_it() {
        let mut queue = SqsQueue::new(&spec(), 1);
        queue.send(message(0, at(0)), at(0)); // will be received 3 times
        queue.send(message(0, at(10)), at(10));
        let mut now = at(20);
        for receives in 1..=3 {
            let (copy, receipt, visible_at) = receive(&mut queue, now);
            assert_eq!(
                copy.enqueued_at(),
                at(0),
                "oldest first while received < 3 times"
            );
            assert_eq!(u32::from(copy.deliveries()) + 1, receives);
            assert!(queue.timer(
                receipt.key,
                receipt.handle,
                visible_at,
                &mut nothing_departs
            ));
            now = visible_at;
        }
        // Received 3 times and back: behind the younger message now.
        assert_eq!(queue.oldest_sent_at(), Some(at(0)));
        assert_eq!(
            queue.age_metric_sent_at(),
            Some(at(10)),
            "the metric skips it"
        );
        let (next, _, _) = receive(&mut queue, now);
        assert_eq!(next.enqueued_at(), at(10));
    }

    fn queue_type(fifo: bool) -> SqsQueueType {
        if fifo {
            SqsQueueType::Fifo
        } else {
            SqsQueueType::Standard
        }
    }

    /// Sends one message at 0 to a queue of `spec`, whose `copy` (a lost response's re-send
    /// or the upstream's second emission) must come `after` seconds later; sends that copy.
    /// Returns the queue and whether it stored the copy.
    fn send_and_copy(
        spec: &SqsSpec,
        copy: fn(&mut SqsQueue, Message, SimTime) -> Option<(u32, SimTime)>,
        after: u64,
    ) -> (SqsQueue, bool) {
        let mut queue = SqsQueue::new(spec, 1);
        let original = message(0, at(0));
        queue.send(original, at(0));
        let (key, when) = copy(&mut queue, original, at(0)).expect("every send comes again");
        assert_eq!(when, at(after));
        let (copy_stored, _) = queue.resend(key, when);
        (queue, copy_stored)
    }

    #[test]
    fn fifo_drops_a_resend_within_five_minutes_and_standard_stores_it_twice() {
        for (fifo, resend_after, stored) in
            [(true, 299, false), (true, 300, true), (false, 1, true)]
        {
            let spec = SqsSpec {
                queue_type: queue_type(fifo),
                lost_send_responses: 1.0,
                resend_after: Duration::from_secs(resend_after),
                ..spec()
            };
            let (queue, copy_stored) = send_and_copy(&spec, SqsQueue::lose_response, resend_after);
            assert_eq!(
                copy_stored, stored,
                "fifo {fifo}, resent after {resend_after} s"
            );
            assert_eq!(queue.depths().visible, if stored { 2 } else { 1 });
            assert_eq!(queue.stats.deduplicated, u64::from(!stored));
            assert_eq!(queue.stats.duplicate_sends, u64::from(stored));
        }
    }

    #[test]
    fn content_based_deduplication_drops_the_upstreams_second_copy_only_on_fifo_with_it_on() {
        // (type, content-based, copy after s): stored?
        for (fifo, content_based, after, stored) in [
            (true, true, 299, false),
            (true, true, 300, true),
            (true, false, 10, true),
            (false, false, 10, true),
        ] {
            let spec = SqsSpec {
                queue_type: queue_type(fifo),
                content_based_deduplication: content_based,
                duplicate_events: 1.0,
                duplicate_event_after: Duration::from_secs(after),
                ..spec()
            };
            let (queue, copy_stored) = send_and_copy(&spec, SqsQueue::duplicate_event, after);
            let case = format!("fifo {fifo}, content-based {content_based}, after {after} s");
            assert_eq!(copy_stored, stored, "{case}");
            assert_eq!(queue.depths().visible, if stored { 2 } else { 1 }, "{case}");
            assert_eq!(queue.stats.duplicate_events, 1, "{case}");
            assert_eq!(queue.stats.deduplicated, u64::from(!stored), "{case}");
        }
    }

    /// Sends `count` messages at time 0 to a short-polling queue and makes `receives`
    /// receive calls of up to 10: how many returned nothing, and how many messages came.
    fn short_polls(count: u32, receives: u32) -> (u32, u64) {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                wait_time: Duration::from_secs(0),
                receive_batch: 10,
                ..spec()
            },
            7,
        );
        for _ in 0..count {
            queue.send(message(0, at(0)), at(0));
        }
        let (mut empty, mut seen) = (0, 0);
        for _ in 0..receives {
            let n = queue.receivable(10);
            empty += u32::from(n == 0);
            seen += u64::from(n);
        }
        assert_eq!(queue.stats.false_empty_receives, u64::from(empty));
        (empty, seen)
    }

    #[test]
    fn short_polling_misses_messages_in_a_small_queue_and_long_polling_never_does() {
        // One message: a short poll sees it with probability 1/100.
        let (empty, _) = short_polls(1, 10_000);
        assert!(
            (9_850..=9_950).contains(&empty),
            "{empty} of 10,000 empty with one message"
        );
        // A few hundred: most receives return something (0.99^300 ≈ 5% nothing), but fewer
        // than the 10 asked for.
        let (empty, seen) = short_polls(300, 10_000);
        assert!(
            (350..650).contains(&empty),
            "{empty} empty with 300 messages"
        );
        let mean = seen as f64 / 10_000.0;
        assert!(
            (2.8..3.2).contains(&mean),
            "mean {mean} messages per receive (300 × 1%)"
        );
        // From 1,000 on a receive of 10 about fills; at 5,000 it always does.
        let (_, seen) = short_polls(1_000, 10_000);
        assert!(
            seen > 80_000,
            "{seen} messages in 10,000 receives with 1,000 waiting"
        );
        assert_eq!(short_polls(5_000, 1_000), (0, 10_000));
        // Long polling looks at every server.
        let mut queue = SqsQueue::new(&spec(), 7);
        queue.send(message(0, at(0)), at(0));
        assert!((0..1_000).all(|_| queue.receivable(10) == 10));
        assert_eq!(queue.stats.false_empty_receives, 0);
    }

    /// A message sent at 0, received at 0, 30 s and 60 s and never deleted, is redriven at
    /// 90 s: when does the dead-letter queue's own retention (120 s) delete it?
    fn dead_letter_expiry(fifo: bool) -> SimTime {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                queue_type: queue_type(fifo),
                max_receive_count: Some(3),
                dead_letter_retention: Duration::from_secs(120),
                ..spec()
            },
            1,
        );
        queue.send(message(0, at(0)), at(0));
        for receive_number in 0..3 {
            let (_, receipt, visible_at) = receive(&mut queue, at(30 * receive_number));
            queue.timer(
                receipt.key,
                receipt.handle,
                visible_at,
                &mut nothing_departs,
            );
        }
        let got = queue.receive(at(90), None, &mut |_, _| {});
        assert_eq!(got, Received::Empty);
        assert_eq!(queue.dead_letter_depth(), 1);
        let expires = queue.take_dead_letter_timer().expect("a timer for the DLQ");
        let just_before = SimTime::from_nanos(expires.as_nanos() - 1);
        assert_eq!(queue.expire_dead_letters(just_before), (0, None));
        assert_eq!(queue.dead_letter_depth(), 1);
        assert_eq!(queue.expire_dead_letters(expires), (1, None));
        assert_eq!(queue.dead_letter_depth(), 0);
        assert_eq!(queue.stats.dead_letter_expired, 1);
        expires
    }

    #[test]
    fn dead_letter_retention_counts_from_the_first_send_on_standard_and_from_the_move_on_fifo() {
        // Standard keeps the enqueue timestamp: 0 + 120 s, only 30 s after the move.
        assert_eq!(dead_letter_expiry(false), at(120));
        // FIFO resets it: 90 + 120 s.
        assert_eq!(dead_letter_expiry(true), at(210));
    }

    #[test]
    fn an_earlier_dead_letter_expiry_replaces_the_pending_timer() {
        let mut queue = SqsQueue::new(
            &SqsSpec {
                max_receive_count: Some(1),
                dead_letter_retention: Duration::from_secs(600),
                ..spec()
            },
            1,
        );
        // A sent at 0, B at 10; each received once. B comes back first and is redriven at
        // 50 (expiring at 10 + 600); A, still held, comes back later and is redriven at 70,
        // but expires first (0 + 600): its timer replaces B's.
        queue.send(message(0, at(0)), at(0));
        let (_, a, _) = receive(&mut queue, at(0));
        queue.send(message(0, at(10)), at(10));
        let (_, b, _) = receive(&mut queue, at(10));
        assert!(queue.timer(b.key, b.handle, at(40), &mut nothing_departs));
        assert_eq!(queue.receive(at(50), None, &mut |_, _| {}), Received::Empty);
        assert_eq!(queue.take_dead_letter_timer(), Some(at(610)));
        assert!(queue.timer(a.key, a.handle, at(60), &mut nothing_departs));
        assert_eq!(queue.receive(at(70), None, &mut |_, _| {}), Received::Empty);
        assert_eq!(queue.take_dead_letter_timer(), Some(at(600)));
        assert_eq!(queue.dead_letter_depth(), 2);
        // The timer at 600 deletes A and asks for one at B's time, which deletes B.
        assert_eq!(queue.expire_dead_letters(at(600)), (1, Some(at(610))));
        assert_eq!(queue.expire_dead_letters(at(610)), (1, None));
        assert_eq!(queue.dead_letter_depth(), 0);
    }
}
