//! What a consumer does with a message: its own work, then (if there is a downstream) a call
//! through the circuit breaker, waiting for a pooled connection, under a timeout. A timed-out
//! call frees the consumer but keeps its connection until the downstream finishes: timeouts
//! hold connections, waiting for connections adds latency, latency causes timeouts. The
//! attempt ends with an ack or a nack to the broker.

use crate::engine::time::SimDuration;
use crate::model::broker::Ack;
use crate::model::consumer::InService;
use crate::model::context::Context;
use crate::model::event::{Event, Id64};
use crate::model::system::System;

/// How a processing attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded,
    Failed,
    TimedOut,
}

impl System {
    /// The consumer's own work on the message in `slot` is done.
    pub(crate) fn work_done(&mut self, slot: u32, cx: &mut Context) {
        if self.consumers.work_failed(slot) {
            return self.complete(slot, Outcome::Failed, cx);
        }
        if self.downstream.is_none() {
            return self.complete(slot, Outcome::Succeeded, cx);
        }
        self.begin_call(slot, cx);
    }

    fn begin_call(&mut self, slot: u32, cx: &mut Context) {
        let now = cx.now;
        let downstream = self.downstream.as_mut().expect("checked by the caller");
        if let Some(breaker) = &mut downstream.breaker {
            if !breaker.try_call(now) {
                cx.metrics.counts.breaker_rejected += 1;
                return self.complete(slot, Outcome::Failed, cx);
            }
        }
        cx.metrics.counts.downstream_calls += 1;
        if downstream.refuses_calls() {
            cx.metrics.counts.call_errors += 1;
            if let Some(breaker) = &mut downstream.breaker {
                breaker.record(now, true, SimDuration::ZERO);
            }
            return self.complete(slot, Outcome::Failed, cx);
        }
        let call = self.next_call;
        self.next_call += 1;
        self.calls[slot as usize] = (call, now);
        let id = Id64::new(call);
        cx.schedule_in(downstream.timeout, Event::CallTimeout { slot, call: id });
        match downstream.acquire() {
            Some(latency) => cx.schedule_in(latency, Event::DownstreamDone { slot, call: id }),
            None => downstream.waiters.push_back((slot, call)),
        }
    }

    /// The downstream finished call `call` and frees its connection.
    pub(crate) fn downstream_done(&mut self, slot: u32, call: u64, cx: &mut Context) {
        let now = cx.now;
        let downstream = self.downstream.as_mut().expect("calls need a downstream");
        downstream.release();
        // The connection goes to the longest-waiting call that has not timed out yet.
        while let Some((waiting_slot, waiting_call)) = downstream.waiters.pop_front() {
            if self.calls[waiting_slot as usize].0 == waiting_call {
                let latency = downstream
                    .acquire()
                    .expect("a connection was just released");
                cx.schedule_in(
                    latency,
                    Event::DownstreamDone {
                        slot: waiting_slot,
                        call: Id64::new(waiting_call),
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
            cx.metrics.counts.call_errors += 1;
        }
        let outcome = if failed {
            Outcome::Failed
        } else {
            Outcome::Succeeded
        };
        self.complete(slot, outcome, cx);
    }

    /// The caller's timeout: if the call is still outstanding, give up on it.
    pub(crate) fn call_timeout(&mut self, slot: u32, call: u64, cx: &mut Context) {
        let (outstanding, started) = self.calls[slot as usize];
        if outstanding != call {
            return;
        }
        self.calls[slot as usize].0 = 0;
        cx.metrics.counts.call_timeouts += 1;
        if let Some(breaker) = self.downstream.as_mut().and_then(|d| d.breaker.as_mut()) {
            breaker.record(cx.now, true, cx.now - started);
        }
        self.complete(slot, Outcome::TimedOut, cx);
    }

    /// The attempt in `slot` is over: free the consumer, account for the work, ack or nack
    /// the message, and pull more.
    fn complete(&mut self, slot: u32, outcome: Outcome, cx: &mut Context) {
        let now = cx.now;
        let work = self.consumers.release(slot);
        cx.metrics
            .busy_slots_change(now, u64::from(self.consumers.in_service()));
        self.worker_idle(slot, now);
        let worked = u128::from((now - work.started_at).as_nanos());
        let consumer = self.consumers.consumer_of(slot);
        let ack = if outcome == Outcome::Succeeded {
            self.broker.delete(work.receipt, consumer, cx)
        } else {
            Ack::Done
        };
        if ack == Ack::Stale {
            // SQS: the visibility timed out and another worker received the message since;
            // the delete fails and this work is thrown away.
            cx.metrics.wasted_work_nanos += worked;
            cx.metrics.counts.failed_deletes += 1;
        } else if ack == Ack::Duplicate {
            // Kafka: processed before and not committed; this work was done twice.
            cx.metrics.wasted_work_nanos += worked;
        } else if outcome == Outcome::Succeeded {
            cx.metrics.useful_work_nanos += worked;
            if let Some(policy) = &mut self.consumers.retry {
                policy.record_success();
            }
            let class = usize::from(work.message.class);
            let latency = now - work.message.created_at();
            let metrics = &mut *cx.metrics;
            metrics.counts.completed += 1;
            metrics.classes[class].completed += 1;
            metrics.end_to_end.record(latency);
            metrics.interval_end_to_end.record(latency);
            if let Some(histogram) = metrics.class_end_to_end.get_mut(class) {
                histogram.record(latency);
            }
        } else {
            cx.metrics.wasted_work_nanos += worked;
            self.processing_failed(work, consumer, outcome == Outcome::TimedOut, cx);
        }
        self.pull(cx);
    }

    /// A processing attempt failed: the consumer's redelivery policy decides whether the
    /// broker delivers it again after a backoff or gives it up.
    fn processing_failed(
        &mut self,
        work: InService,
        consumer: u32,
        timed_out: bool,
        cx: &mut Context,
    ) {
        let message = work.message;
        cx.metrics.counts.processing_failures += 1;
        let deliveries_made = u32::from(message.deliveries()) + 1;
        let pool = &mut self.consumers;
        let delay = pool.retry.as_mut().and_then(|policy| {
            policy.next_delay(deliveries_made, 0.0, None, timed_out, &mut pool.redelivery)
        });
        let redeliver_after = delay.map(SimDuration::from_secs_f64);
        self.broker
            .nack(message, work.receipt, consumer, redeliver_after, cx);
    }
}
