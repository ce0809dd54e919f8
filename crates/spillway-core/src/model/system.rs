//! The wiring of the models: producers → (rate limiter, shedding) → bounded queue → consumer
//! pool → downstream. Each event is handled here and in `call_path.rs` (consumer work and
//! downstream calls) and `fault_timeline.rs`; the engine (`simulation.rs`) only orders events
//! and enforces limits.

use crate::engine::event_queue::EventQueue;
use crate::engine::time::{SimDuration, SimTime};
use crate::metrics::Metrics;
use crate::model::autoscaler::Autoscaler;
use crate::model::broker::bounded_queue::{Admission, BoundedQueue, Refusal};
use crate::model::consumer::ConsumerPool;
use crate::model::downstream::Downstream;
use crate::model::message::{Message, QueuedMessage};
use crate::model::producer::Producer;
use crate::model::rate_limiter::TokenBucket;
use crate::scenario::Scenario;
use crate::scenario::{FaultSpec, HealthCheckSpec, SheddingSpec};

/// Something that happens at an instant.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// Producer `producer` creates a message (ignored if the producer's rate changed since:
    /// `generation` is stale).
    Arrival { producer: u16, generation: u32 },
    /// A refused message is sent again; it waits in `System::retrying` under this key (kept
    /// out of the event so that heap entries stay 32 bytes).
    SendRetry { retry: u32 },
    /// A message whose processing failed goes back to the queue; it waits in
    /// `System::redelivering` under this key.
    Redeliver { key: u32 },
    /// A blocked send's timeout.
    BlockTimeout { ticket: u64 },
    /// The consumer slot finishes its own work `work` on a message (then calls the
    /// downstream, if any); stale if the consumer was taken down since.
    ServiceDone { slot: u32, work: u32 },
    /// The health check looks at `slot`: still on work `work`? Then the consumer is stuck.
    HealthCheck { slot: u32, work: u32 },
    /// A consumer (restarted, or added by the autoscaler) starts taking messages.
    ConsumerUp { consumer: u32 },
    /// The autoscaler evaluates.
    Autoscale,
    /// The downstream finishes call `call` and frees its connection.
    DownstreamDone { slot: u32, call: u64 },
    /// The caller's timeout for call `call`.
    CallTimeout { slot: u32, call: u64 },
    /// Fault `index` starts or ends.
    Fault { index: u16, starting: bool },
}

impl Event {
    /// (kind, detail) for the fingerprint.
    #[inline]
    pub fn identity(&self) -> (u8, u64) {
        match *self {
            Event::Arrival {
                producer,
                generation,
            } => (0, u64::from(producer) | u64::from(generation) << 16),
            Event::SendRetry { retry } => (1, u64::from(retry)),
            Event::BlockTimeout { ticket } => (2, ticket),
            Event::ServiceDone { slot, work } => (3, u64::from(slot) | u64::from(work) << 32),
            Event::HealthCheck { slot, work } => (8, u64::from(slot) | u64::from(work) << 32),
            Event::ConsumerUp { consumer } => (9, u64::from(consumer)),
            Event::Autoscale => (10, 0),
            Event::Redeliver { key } => (4, u64::from(key)),
            Event::DownstreamDone { call, .. } => (5, call),
            Event::CallTimeout { call, .. } => (6, call),
            Event::Fault { index, starting } => (7, u64::from(index) << 1 | u64::from(starting)),
        }
    }
}

/// A priority class, global across producers.
pub(crate) struct Class {
    pub name: String,
    pub priority: i32,
    pub producer: u16,
}

/// All models of one run.
pub(crate) struct System {
    pub producers: Vec<Producer>,
    pub classes: Vec<Class>,
    pub queue: BoundedQueue,
    pub consumers: ConsumerPool,
    pub metrics: Metrics,
    /// Messages waiting to be re-sent, with the previous backoff sleep in microseconds.
    pub retrying: slab::Slab<(Message, u32)>,
    /// Failed messages waiting for their redelivery backoff.
    pub redelivering: slab::Slab<Message>,
    /// Whether exhausted messages go to a dead-letter queue.
    pub dead_letter_queue: bool,
    pub downstream: Option<Downstream>,
    /// Per consumer slot: the outstanding downstream call (id, start), id 0 when none.
    pub calls: Vec<(u64, SimTime)>,
    pub next_call: u64,
    pub rate_limiter: Option<TokenBucket>,
    pub shedding: Option<SheddingSpec>,
    pub faults: Vec<FaultSpec>,
    pub active_faults: Vec<bool>,
    /// Extra poison share from active `poison` faults.
    pub fault_poison_share: f64,
    pub health_check: Option<HealthCheckSpec>,
    pub autoscaler: Option<Autoscaler>,
    /// Product of the active traffic faults' multipliers.
    pub fault_traffic_multiplier: f64,
    /// The rate multiplier an operator set while the run was going (live knob).
    pub operator_traffic_multiplier: f64,
    /// Some producer has a retry budget (only then do accepted sends need recording).
    pub producer_budgets: bool,
}

impl System {
    /// Builds every model from a validated scenario and schedules the first arrivals.
    pub fn new(scenario: &Scenario, events: &mut EventQueue<Event>) -> Self {
        let mut classes = Vec::new();
        let mut producers = Vec::new();
        for (index, spec) in scenario.producers.iter().enumerate() {
            let name = if spec.name.is_empty() {
                format!("producer-{}", index + 1)
            } else {
                spec.name.clone()
            };
            let first_class = classes.len() as u8;
            if spec.classes.is_empty() {
                let class_name = if scenario.producers.len() == 1 {
                    "default".to_string()
                } else {
                    name.clone()
                };
                classes.push(Class {
                    name: class_name,
                    priority: 0,
                    producer: index as u16,
                });
            }
            for class in &spec.classes {
                classes.push(Class {
                    name: class.name.clone(),
                    priority: class.priority,
                    producer: index as u16,
                });
            }
            let class_ids = (first_class..classes.len() as u8).collect();
            producers.push(Producer::new(spec, name, class_ids, scenario.seed));
        }
        let queue = BoundedQueue::new(
            &scenario.queue,
            classes.iter().map(|c| c.priority).collect(),
        );
        let consumers = ConsumerPool::new(&scenario.consumers, scenario.seed);
        let metrics = Metrics::new(classes.len());
        let mut system = System {
            producers,
            classes,
            queue,
            consumers,
            metrics,
            retrying: slab::Slab::new(),
            redelivering: slab::Slab::new(),
            dead_letter_queue: scenario.queue.dead_letter_queue,
            downstream: scenario
                .downstream
                .as_ref()
                .map(|spec| Downstream::new(spec, scenario.seed)),
            calls: Vec::new(),
            next_call: 1,
            rate_limiter: scenario.rate_limiter.as_ref().map(TokenBucket::new),
            shedding: scenario.shedding.clone(),
            faults: scenario.faults.clone(),
            active_faults: vec![false; scenario.faults.len()],
            fault_poison_share: 0.0,
            health_check: scenario.consumers.health_check.clone(),
            autoscaler: scenario.autoscaler.as_ref().map(Autoscaler::new),
            fault_traffic_multiplier: 1.0,
            operator_traffic_multiplier: 1.0,
            producer_budgets: scenario
                .producers
                .iter()
                .any(|p| p.retry.as_ref().is_some_and(|r| r.budget.is_some())),
        };
        system.calls = vec![(0, SimTime::ZERO); system.consumers.total_slots() as usize];
        if let Some(autoscaler) = &system.autoscaler {
            events.schedule(
                SimTime::ZERO + autoscaler.spec.evaluation_period.sim(),
                Event::Autoscale,
            );
        }
        for (index, fault) in scenario.faults.iter().enumerate() {
            let index = index as u16;
            events.schedule(
                SimTime::ZERO + fault.at.sim(),
                Event::Fault {
                    index,
                    starting: true,
                },
            );
            if let Some(until) = fault.until {
                events.schedule(
                    SimTime::ZERO + until.sim(),
                    Event::Fault {
                        index,
                        starting: false,
                    },
                );
            }
        }
        for index in 0..system.producers.len() {
            if let Some(first) = system.producers[index].next_arrival(SimTime::ZERO) {
                events.schedule(
                    first,
                    Event::Arrival {
                        producer: index as u16,
                        generation: 0,
                    },
                );
            }
        }
        system
    }

    /// Handles one event at `now`.
    #[inline]
    pub fn handle(&mut self, event: Event, now: SimTime, events: &mut EventQueue<Event>) {
        match event {
            Event::Arrival {
                producer,
                generation,
            } => {
                if generation == self.producers[usize::from(producer)].generation {
                    self.arrival(producer, now, events);
                }
            }
            Event::SendRetry { retry } => {
                let (message, last_sleep_micros) = self.retrying.remove(retry as usize);
                self.metrics.waiting_to_retry -= 1;
                self.send(message, last_sleep_micros, now, events);
            }
            Event::BlockTimeout { ticket } => {
                if let Some(message) = self.queue.expire_blocked(ticket) {
                    self.metrics.counts.block_timeouts += 1;
                    self.retry_or_reject(message, 0, None, now, events);
                }
            }
            Event::ServiceDone { slot, work } => {
                if self.consumers.is_current(slot, work) {
                    self.work_done(slot, now, events);
                }
            }
            Event::HealthCheck { slot, work } => self.health_check(slot, work, now, events),
            Event::ConsumerUp { consumer } => {
                self.consumers.bring_up(consumer);
                self.metrics
                    .busy_slots_change(now, u64::from(self.consumers.in_service()));
                self.dispatch(now, events);
            }
            Event::Autoscale => self.autoscale(now, events),
            Event::DownstreamDone { slot, call } => self.downstream_done(slot, call, now, events),
            Event::CallTimeout { slot, call } => self.call_timeout(slot, call, now, events),
            Event::Fault { index, starting } => self.fault_changes(index, starting, now, events),
            Event::Redeliver { key } => {
                let message = self.redelivering.remove(key as usize);
                self.metrics.waiting_to_redeliver -= 1;
                self.queue.requeue(message, now);
                self.note_depth(now);
                self.dispatch(now, events);
            }
        }
    }

    fn arrival(&mut self, producer: u16, now: SimTime, events: &mut EventQueue<Event>) {
        let source = &mut self.producers[usize::from(producer)];
        if let Some(next) = source.next_arrival(now) {
            let generation = source.generation;
            events.schedule(
                next,
                Event::Arrival {
                    producer,
                    generation,
                },
            );
        }
        let class = source.pick_class();
        let poison = source.pick_poison(self.fault_poison_share);
        self.metrics.counts.produced += 1;
        self.metrics.classes[usize::from(class)].produced += 1;
        self.send(Message::new(now, class, poison), 0, now, events);
    }

    fn send(
        &mut self,
        mut message: Message,
        last_sleep_micros: u32,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        message.attempt = message.attempt.saturating_add(1);
        self.metrics.counts.send_attempts += 1;
        if let Some(limiter) = &mut self.rate_limiter {
            if let Err(wait) = limiter.try_take(now) {
                self.metrics.counts.rate_limited += 1;
                return self.retry_or_reject(message, last_sleep_micros, Some(wait), now, events);
            }
        }
        if self.shedding.is_some() && self.sheds(message.class, now) {
            self.metrics.counts.shed += 1;
            let retry_after = self.queue.retry_after();
            return self.retry_or_reject(
                message,
                last_sleep_micros,
                Some(retry_after),
                now,
                events,
            );
        }
        // An idle consumer and an empty queue: the message passes straight through (its wait
        // is zero), so skip storing and fetching it in the same instant.
        if self.queue.len() == 0
            && self.consumers.has_free_slot()
            && self.queue.accepts_without_pushback()
        {
            self.send_accepted(message.class);
            self.start(QueuedMessage::enqueue(message, now), now, events);
            return;
        }
        match self.queue.offer(message, now) {
            Admission::Accepted => {
                self.send_accepted(message.class);
                self.note_depth(now);
                self.dispatch(now, events);
            }
            Admission::AcceptedDisplacing(victim) => {
                self.send_accepted(message.class);
                self.metrics.counts.dropped += 1;
                self.metrics.classes[usize::from(victim.class)].dropped += 1;
                self.metrics.left_queue(now - victim.enqueued_at());
                self.dispatch(now, events);
            }
            Admission::Refused {
                reason,
                retry_after,
            } => {
                match reason {
                    Refusal::Full => self.metrics.counts.refused_full += 1,
                    Refusal::PushBack => self.metrics.counts.pushed_back += 1,
                }
                self.retry_or_reject(message, last_sleep_micros, Some(retry_after), now, events);
            }
            Admission::Blocked { ticket, deadline } => {
                self.metrics.counts.blocked += 1;
                events.schedule(deadline, Event::BlockTimeout { ticket });
            }
        }
    }

    /// Whether priority load shedding refuses a message of `class` now.
    fn sheds(&self, class: u8, now: SimTime) -> bool {
        let Some(shedding) = &self.shedding else {
            return false;
        };
        if self.classes[usize::from(class)].priority >= shedding.below_priority {
            return false;
        }
        let depth_over = shedding
            .when_depth_over
            .is_some_and(|limit| self.queue.len() as u64 > limit);
        let lag_over = shedding.when_lag_over.is_some_and(|limit| {
            self.queue
                .oldest_enqueued_at()
                .is_some_and(|oldest| now - oldest > limit.sim())
        });
        depth_over || lag_over
    }

    /// A send the queue took: counted, and it refills its producer's retry budget.
    #[inline]
    fn send_accepted(&mut self, class: u8) {
        self.metrics.counts.accepted += 1;
        if !self.producer_budgets {
            return;
        }
        let producer = usize::from(self.classes[usize::from(class)].producer);
        if let Some(policy) = &mut self.producers[producer].retry {
            policy.record_success();
        }
    }

    fn retry_or_reject(
        &mut self,
        message: Message,
        last_sleep_micros: u32,
        retry_after: Option<SimDuration>,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        let producer =
            &mut self.producers[usize::from(self.classes[usize::from(message.class)].producer)];
        let delay = producer.retry.as_mut().and_then(|policy| {
            let previous = f64::from(last_sleep_micros) / 1e6;
            policy.next_delay(
                u32::from(message.attempt),
                previous,
                retry_after,
                false,
                &mut producer.retries,
            )
        });
        match delay {
            Some(seconds) => {
                self.metrics.counts.retried += 1;
                self.metrics.waiting_to_retry += 1;
                let sleep = SimDuration::from_secs_f64(seconds);
                let last_sleep_micros = u32::try_from(sleep.as_nanos() / 1_000).unwrap_or(u32::MAX);
                let retry = self.retrying.insert((message, last_sleep_micros)) as u32;
                events.schedule(now + sleep, Event::SendRetry { retry });
            }
            None => {
                self.metrics.counts.rejected += 1;
                self.metrics.classes[usize::from(message.class)].rejected += 1;
            }
        }
    }

    /// Hands waiting messages to free consumers; space freed in the queue admits blocked sends.
    #[inline]
    pub(crate) fn dispatch(&mut self, now: SimTime, events: &mut EventQueue<Event>) {
        while self.consumers.has_free_slot() {
            let Some(message) = self.queue.take() else {
                break;
            };
            self.start(message, now, events);
            if self.queue.blocked_len() > 0 && self.queue.admit_blocked(now).is_some() {
                self.metrics.counts.accepted += 1;
            }
            self.metrics
                .queue_length_change(now, self.queue.len() as u64);
        }
    }

    #[inline]
    pub(crate) fn start(
        &mut self,
        message: QueuedMessage,
        now: SimTime,
        events: &mut EventQueue<Event>,
    ) {
        let waited = now - message.enqueued_at();
        self.metrics.queue_wait.record(waited);
        self.metrics.left_queue(waited);
        let (slot, service_time, work) = self.consumers.start(message, now);
        self.metrics
            .busy_slots_change(now, u64::from(self.consumers.in_service()));
        events.schedule(now + service_time, Event::ServiceDone { slot, work });
        if let Some(check) = &self.health_check {
            events.schedule(now + check.timeout.sim(), Event::HealthCheck { slot, work });
        }
    }

    #[inline]
    pub(crate) fn note_depth(&mut self, now: SimTime) {
        let depth = self.queue.len() as u64;
        self.metrics.queue_length_change(now, depth);
        if depth > self.metrics.max_queue_depth {
            self.metrics.max_queue_depth = depth;
        }
    }

    /// Messages alive: waiting, in service, blocked or waiting to retry.
    #[inline]
    pub fn live_messages(&self) -> u64 {
        self.queue.len() as u64
            + u64::from(self.consumers.in_service())
            + self.queue.blocked_len() as u64
            + self.metrics.waiting_to_retry
            + self.metrics.waiting_to_redeliver
    }

    /// Connections in use at the downstream, and the breaker's state level (0 closed, 0.5
    /// half-open, 1 open), for the chart series.
    pub fn downstream_gauges(&self, now: SimTime) -> (f64, f64) {
        match &self.downstream {
            Some(d) => (
                f64::from(d.in_use()),
                d.breaker.as_ref().map_or(0.0, |b| b.state(now).level()),
            ),
            None => (0.0, 0.0),
        }
    }

    /// Messages that left the system: completed, failed, rejected or dropped.
    #[inline]
    pub fn settled_messages(&self) -> u64 {
        let c = &self.metrics.counts;
        c.completed + c.failed + c.rejected + c.dropped + c.dead_lettered
    }
}
