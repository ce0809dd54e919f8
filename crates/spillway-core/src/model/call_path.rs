//! What a consumer does with a message: its own work, then (if there is a downstream) a call
//! through the circuit breaker, waiting for a pooled connection, under a timeout. A timed-out
//! call frees the consumer but keeps its connection until the downstream finishes: timeouts
//! hold connections, waiting for connections adds latency, latency causes timeouts.

use crate::engine::event_queue::EventQueue;
use crate::engine::time::{SimDuration, SimTime};
use crate::model::message::QueuedMessage;
use crate::model::system::{Event, System};

/// How a processing attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded,
    Failed,
    TimedOut,
}

impl System {
    /// The consumer's own work on the message in `slot` is done.
    pub(crate) fn work_done(&mut self, slot: u32, now: SimTime, events: &mut EventQueue<Event>) {
        if self.consumers.work_failed(slot) {
            return self.complete(slot, Outcome::Failed, now, events);
        }
        if self.downstream.is_none() {
            return self.complete(slot, Outcome::Succeeded, now, events);
        }
        self.begin_call(slot, now, events);
    }

    fn begin_call(&mut self, slot: u32, now: SimTime, events: &mut EventQueue<Event>) {
        let downstream = self.downstream.as_mut().expect("checked by the caller");
        if let Some(breaker) = &mut downstream.breaker {
            if !breaker.try_call(now) {
                self.metrics.counts.breaker_rejected += 1;
                return self.complete(slot, Outcome::Failed, now, events);
            }
        }
        self.metrics.counts.downstream_calls += 1;
        if downstream.refuses_calls() {
            self.metrics.counts.call_errors += 1;
            if let Some(breaker) = &mut downstream.breaker {
                breaker.record(now, true, SimDuration::ZERO);
            }
            return self.complete(slot, Outcome::Failed, now, events);
        }
        let call = self.next_call;
        self.next_call += 1;
        self.calls[slot as usize] = (call, now);
        events.schedule(now + downstream.timeout, Event::CallTimeout { slot, call });
        match downstream.acquire() {
            Some(latency) => events.schedule(now + latency, Event::DownstreamDone { slot, call }),
            None => downstream.waiters.push_back((slot, call)),
        }
    }

    /// The downstream finished call `call` and frees its connection.
    pub(crate) fn downstream_done(
        &mut self,
        slot: u32,
        call: u64,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        let downstream = self.downstream.as_mut().expect("calls need a downstream");
        downstream.release();
        // The connection goes to the longest-waiting call that has not timed out yet.
        while let Some((waiting_slot, waiting_call)) = downstream.waiters.pop_front() {
            if self.calls[waiting_slot as usize].0 == waiting_call {
                let latency = downstream
                    .acquire()
                    .expect("a connection was just released");
                events.schedule(
                    now + latency,
                    Event::DownstreamDone {
                        slot: waiting_slot,
                        call: waiting_call,
                    },
                );
                break;
            }
        }
        let (outstanding, started) = self.calls[slot as usize];
        if outstanding != call {
            return; // the caller timed out long ago; the downstream only now lets go
        }
        self.calls[slot as usize].0 = 0;
        let failed = downstream.call_fails();
        if let Some(breaker) = &mut downstream.breaker {
            breaker.record(now, failed, now - started);
        }
        if failed {
            self.metrics.counts.call_errors += 1;
        }
        let outcome = if failed {
            Outcome::Failed
        } else {
            Outcome::Succeeded
        };
        self.complete(slot, outcome, now, events);
    }

    /// The caller's timeout: if the call is still outstanding, give up on it.
    pub(crate) fn call_timeout(
        &mut self,
        slot: u32,
        call: u64,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        let (outstanding, started) = self.calls[slot as usize];
        if outstanding != call {
            return;
        }
        self.calls[slot as usize].0 = 0;
        self.metrics.counts.call_timeouts += 1;
        if let Some(breaker) = self.downstream.as_mut().and_then(|d| d.breaker.as_mut()) {
            breaker.record(now, true, now - started);
        }
        self.complete(slot, Outcome::TimedOut, now, events);
    }

    /// The attempt in `slot` is over: free the consumer, account for the work, and on failure
    /// redeliver or give the message up.
    fn complete(
        &mut self,
        slot: u32,
        outcome: Outcome,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        let work = self.consumers.release(slot);
        self.metrics
            .busy_slots_change(now, u64::from(self.consumers.in_service()));
        let worked = u128::from((now - work.started_at).as_nanos());
        if outcome == Outcome::Succeeded {
            self.metrics.useful_work_nanos += worked;
            if let Some(policy) = &mut self.consumers.retry {
                policy.record_success();
            }
            let class = usize::from(work.message.class);
            let latency = now - work.message.created_at();
            self.metrics.counts.completed += 1;
            self.metrics.classes[class].completed += 1;
            self.metrics.end_to_end.record(latency);
            self.metrics.interval_end_to_end.record(latency);
            if let Some(histogram) = self.metrics.class_end_to_end.get_mut(class) {
                histogram.record(latency);
            }
        } else {
            self.metrics.wasted_work_nanos += worked;
            self.processing_failed(work.message, outcome == Outcome::TimedOut, now, events);
        }
        self.dispatch(now, events);
    }

    /// A processing attempt failed: redeliver after a backoff, or give up (dead-letter queue
    /// or failed).
    fn processing_failed(
        &mut self,
        message: QueuedMessage,
        timed_out: bool,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        self.metrics.counts.processing_failures += 1;
        let deliveries_made = u32::from(message.deliveries()) + 1;
        let pool = &mut self.consumers;
        let delay = pool.retry.as_mut().and_then(|policy| {
            policy.next_delay(deliveries_made, 0.0, None, timed_out, &mut pool.redelivery)
        });
        let class = usize::from(message.class);
        match delay {
            Some(seconds) => {
                self.metrics.counts.redelivered += 1;
                self.metrics.waiting_to_redeliver += 1;
                let key = self.redelivering.insert(message.redelivery()) as u32;
                events.schedule(
                    now + SimDuration::from_secs_f64(seconds),
                    Event::Redeliver { key },
                );
            }
            None if self.dead_letter_queue => {
                self.metrics.counts.dead_lettered += 1;
                self.metrics.classes[class].dead_lettered += 1;
            }
            None => {
                self.metrics.counts.failed += 1;
                self.metrics.classes[class].failed += 1;
            }
        }
    }
}
