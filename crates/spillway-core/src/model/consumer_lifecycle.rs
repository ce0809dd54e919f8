//! Consumers coming and going: crashes, the health check that kills slow consumers (the
//! orchestrator making things worse), restarts, and the autoscaler.

use crate::engine::event_queue::EventQueue;
use crate::engine::time::SimTime;
use crate::model::system::{Event, System};
use crate::scenario::ScalingMetric;

impl System {
    /// Takes `consumer` down at once: its messages go back to the queue to be delivered again
    /// (the broker never got an acknowledgement); its downstream calls are abandoned (their
    /// connections stay held until the downstream finishes).
    pub(crate) fn consumer_down(
        &mut self,
        consumer: u32,
        now: SimTime,
        _events: &mut EventQueue<Event>,
    ) {
        for (slot, work) in self.consumers.take_down(consumer) {
            self.calls[slot as usize].0 = 0;
            self.metrics.wasted_work_nanos += u128::from((now - work.started_at).as_nanos());
            self.metrics.counts.interrupted += 1;
            self.queue.requeue(work.message.redelivery(), now);
        }
        self.metrics
            .busy_slots_change(now, u64::from(self.consumers.in_service()));
        self.metrics
            .queue_length_change(now, self.queue.len() as u64);
    }

    /// The health check on `slot`: if it is still on the same message, kill its consumer.
    pub(crate) fn health_check(
        &mut self,
        slot: u32,
        work: u32,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        if !self.consumers.is_current(slot, work) {
            return;
        }
        let Some(check) = &self.health_check else {
            return;
        };
        let restart_after = check.restart_after.sim();
        let consumer = self.consumers.consumer_of(slot);
        self.metrics.counts.health_check_kills += 1;
        self.consumer_down(consumer, now, events);
        events.schedule(now + restart_after, Event::ConsumerUp { consumer });
        self.dispatch(now, events);
    }

    /// The autoscaler's periodic evaluation.
    pub(crate) fn autoscale(&mut self, now: SimTime, events: &mut EventQueue<Event>) {
        let Some(autoscaler) = &mut self.autoscaler else {
            return;
        };
        let period = autoscaler.spec.evaluation_period.sim();
        events.schedule(now + period, Event::Autoscale);
        let value = match autoscaler.spec.metric {
            ScalingMetric::LagMessages => self.queue.len() as f64,
            ScalingMetric::LagSeconds => self
                .queue
                .oldest_enqueued_at()
                .map_or(0.0, |oldest| (now - oldest).as_secs_f64()),
            ScalingMetric::Utilisation => {
                let busy = self.metrics.busy_slot_seconds(now);
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
        use crate::model::consumer::ConsumerStatus::{Active, Starting};
        let current = self.consumers.count(Active) + self.consumers.count(Starting);
        let Some(desired) = autoscaler.decide(now, current, seen) else {
            return;
        };
        let startup = autoscaler.spec.startup_delay.sim();
        if desired > current {
            for _ in current..desired {
                let consumer = self.consumers.add_consumer();
                self.metrics.counts.scaled_up += 1;
                events.schedule(now + startup, Event::ConsumerUp { consumer });
            }
            self.calls
                .resize(self.consumers.total_slots() as usize, (0, SimTime::ZERO));
        } else {
            for _ in desired..current {
                if self.consumers.retire_one().is_some() {
                    self.metrics.counts.scaled_down += 1;
                }
            }
        }
    }
}
