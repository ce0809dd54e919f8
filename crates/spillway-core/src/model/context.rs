//! What a model may touch while it handles an event: the clock, the future event list and
//! the run's metrics. Models own their state and their random streams; nothing else.

use crate::engine::event_queue::EventQueue;
use crate::engine::time::SimTime;
use crate::metrics::Metrics;
use crate::model::event::Event;

/// The handle a model gets for one event.
pub(crate) struct Context<'a> {
    /// The current simulated time.
    pub now: SimTime,
    /// Where follow-up events are scheduled.
    pub events: &'a mut EventQueue<Event>,
    /// Counters, gauges and histograms.
    pub metrics: &'a mut Metrics,
}

impl Context<'_> {
    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: crate::engine::time::SimDuration, event: Event) {
        self.events.schedule(self.now + delay, event);
    }
}
