//! Consumers coming and going: crashes, the health check that kills slow consumers (the
//! orchestrator making things worse), restarts, and the autoscaler.

use crate::model::context::Context;
use crate::model::event::Event;
use crate::model::system::System;
use crate::scenario::ScalingMetric;

impl System {
    /// Takes `consumer` down at once: the broker gets back the messages it held unacknowledged
    /// (how soon they are delivered again is the broker's rule); its downstream calls are
    /// abandoned (their connections stay held until the downstream finishes). Returns whether
    /// the consumer should restart: one that was being retired stays retired.
    pub(crate) fn consumer_down(&mut self, consumer: u32, cx: &mut Context) -> bool {
        let (mut interrupted, restart) = self.consumers.take_down(consumer);
        self.drop_batch(consumer);
        self.broker.member_down(consumer, cx);
        if self.rabbit {
            // Each goes back to the head: newest first, so the oldest ends up first.
            interrupted.sort_by_key(|(_, work)| std::cmp::Reverse(work.started_at));
        }
        for (slot, work) in interrupted {
            self.calls[slot as usize].0 = 0;
            cx.metrics.wasted_work_nanos += u128::from((cx.now - work.started_at).as_nanos());
            cx.metrics.counts.interrupted += 1;
            self.broker.release(work.message, consumer, cx);
        }
        self.broker.redeliver_returned(cx);
        cx.metrics
            .busy_slots_change(cx.now, u64::from(self.consumers.in_service()));
        restart
    }

    /// The health check on `slot`: if it is still on the same message, kill its consumer.
    pub(crate) fn health_check(&mut self, slot: u32, work: u32, cx: &mut Context) {
        if !self.consumers.is_current(slot, work) {
            return;
        }
        let Some(check) = &self.health_check else {
            return;
        };
        let restart_after = check.restart_after.sim();
        let consumer = self.consumers.consumer_of(slot);
        cx.metrics.counts.health_check_kills += 1;
        if self.consumer_down(consumer, cx) {
            cx.schedule_in(restart_after, Event::ConsumerUp { consumer });
        }
        self.pull(cx);
    }

    /// The autoscaler's periodic evaluation.
    pub(crate) fn autoscale(&mut self, cx: &mut Context) {
        let now = cx.now;
        let gauges = self.gauges(cx.metrics, now);
        let Some(autoscaler) = &mut self.autoscaler else {
            return;
        };
        let period = autoscaler.spec.evaluation_period.sim();
        cx.schedule_in(period, Event::Autoscale);
        let value = match autoscaler.spec.metric {
            ScalingMetric::LagMessages => gauges.lag_messages as f64,
            ScalingMetric::LagSeconds => gauges.lag_seconds(now),
            ScalingMetric::Utilisation => {
                let busy = cx.metrics.busy_slot_seconds(now);
                let slots = f64::from(self.consumers.slot_count().max(1));
                let utilisation =
                    (busy - autoscaler.busy_slot_seconds_before) / (slots * period.as_secs_f64());
                autoscaler.busy_slot_seconds_before = busy;
                utilisation
            }
        };
        let Some(seen) = autoscaler.observe(now, value) else {
            return;
        };
        let current = gauges.consumers_running;
        let Some(desired) = autoscaler.decide(now, current, seen) else {
            return;
        };
        let startup = autoscaler.spec.startup_delay.sim();
        if desired > current {
            for _ in current..desired {
                let consumer = self.consumers.add_consumer();
                cx.metrics.counts.scaled_up += 1;
                cx.schedule_in(startup, Event::ConsumerUp { consumer });
            }
            self.calls.resize(
                self.consumers.total_slots() as usize,
                (0, crate::engine::time::SimTime::ZERO),
            );
        } else {
            for consumer in self.consumers.retire_newest(current - desired) {
                cx.metrics.counts.scaled_down += 1;
                self.drop_batch(consumer);
                self.broker.member_leaves(consumer, cx);
            }
            self.pull(cx);
        }
    }
}
