//! The wiring of the models: producers → (rate limiter, shedding) → broker → consumers →
//! downstream. Events are routed to the model that owns them; what crosses models (a send
//! reaching the broker, a consumer pulling, an attempt ending) is decided here. Consumer
//! work and downstream calls live in `call_path.rs`, consumers coming and going in
//! `consumer_lifecycle.rs`, faults in `fault_timeline.rs`, live changes in
//! `intervention.rs`. The engine only orders events and enforces limits; the reports read
//! the models through [`Gauges`].

use crate::engine::event_queue::EventQueue;
use crate::engine::time::{SimDuration, SimTime};
use crate::metrics::Metrics;
use crate::model::autoscaler::Autoscaler;
use std::collections::VecDeque;

use crate::model::broker::{Admission, Broker, BrokerHolds, BrokerOutcome, Delivery, Refusal};
use crate::model::consumer::{ConsumerPool, ConsumerStatus};
use crate::model::context::Context;
use crate::model::downstream::Downstream;
use crate::model::event::Event;
use crate::model::message::Message;
use crate::model::producer::Producer;
use crate::model::rate_limiter::TokenBucket;
use crate::scenario::Scenario;
use crate::scenario::{FaultSpec, HealthCheckSpec, SheddingSpec};

/// A priority class, global across producers.
pub(crate) struct Class {
    pub name: String,
    pub priority: i32,
    pub producer: u16,
}

/// All models of one run.
pub(crate) struct System {
    /// Messages already waiting when the run starts (`initial_backlog`).
    initial_backlog: u64,
    pub(super) producers: Vec<Producer>,
    pub(super) classes: Vec<Class>,
    pub(super) broker: Broker,
    pub(super) consumers: ConsumerPool,
    /// Messages waiting to be re-sent, with the previous backoff sleep in microseconds.
    pub(super) retrying: slab::Slab<(Message, u32)>,
    pub(super) downstream: Option<Downstream>,
    /// Per consumer slot: the outstanding downstream call (id, start), id 0 when none.
    pub(super) calls: Vec<(u64, SimTime)>,
    pub(super) next_call: u64,
    pub(super) rate_limiter: Option<TokenBucket>,
    pub(super) shedding: Option<SheddingSpec>,
    pub(super) faults: Vec<FaultSpec>,
    pub(super) active_faults: Vec<bool>,
    /// Extra poison share from active `poison` faults.
    pub(super) fault_poison_share: f64,
    pub(super) health_check: Option<HealthCheckSpec>,
    pub(super) autoscaler: Option<Autoscaler>,
    /// Product of the active traffic faults' multipliers.
    pub(super) fault_traffic_multiplier: f64,
    /// The rate multiplier an operator set while the run was going (live knob).
    pub(super) operator_traffic_multiplier: f64,
    /// Some producer has a retry budget (only then do accepted sends need recording).
    pub(super) producer_budgets: bool,
    /// SQS workers: see [`SqsWorkers`].
    pub(super) sqs_workers: Option<SqsWorkers>,
    /// The broker is a Kafka topic: consumers are group members running a poll loop.
    pub(super) kafka: bool,
    /// Consumers to look at in the Kafka poll loop (kept to reuse its allocation).
    pub(super) kafka_wake: Vec<u32>,
    /// The broker is a RabbitMQ queue: it pushes to consumers, whose handlers take from
    /// what they were sent.
    pub(super) rabbit: bool,
}

/// What SQS workers (the consumer slots, when the broker is SQS) keep beyond the pool: the
/// batch each worker received and works through one message at a time, when each idle worker last had work (its
/// empty receives follow from that), and the heartbeat policy.
pub(crate) struct SqsWorkers {
    /// Per worker (consumer slot): messages received in its last batch, not started yet.
    pub batches: Vec<VecDeque<Delivery>>,
    /// Per slot: when it last became idle.
    pub idle_since: Vec<SimTime>,
    /// How long one empty receive takes: the long-polling wait, or a round trip when
    /// short polling.
    pub empty_receive_takes: SimDuration,
    /// Empty receives of workers that found work since.
    pub empty_receives: u64,
    /// (every, extend_to): ChangeMessageVisibility while working.
    pub heartbeat: Option<(SimDuration, SimDuration)>,
}

impl SqsWorkers {
    /// The empty receives a worker idle since `since` made up to `now`.
    fn empty_receives_between(&self, since: SimTime, now: SimTime) -> u64 {
        now.saturating_since(since).as_nanos() / self.empty_receive_takes.as_nanos().max(1)
    }
}

/// The models' state at an instant, as reports and charts see it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Gauges {
    /// What the broker holds.
    pub broker: BrokerHolds,
    /// The consumer lag in messages: what waits (Kafka: Σ log-end − committed, which also
    /// counts records processed and not yet committed).
    pub lag_messages: u64,
    /// Kafka: the group is rebalancing.
    pub rebalancing: bool,
    /// Kafka: the largest partition lag.
    pub worst_partition_lag: u64,
    /// Kafka: records processed again so far.
    pub duplicates: u64,
    /// Messages being processed by consumers.
    pub in_service: u64,
    /// Messages waiting at producers to be re-sent.
    pub waiting_to_retry: u64,
    /// When the oldest unfinished message (held by the broker or a consumer) was produced.
    pub oldest_unfinished_created_at: Option<SimTime>,
    /// Consumers working on at least one message.
    pub consumers_busy: u32,
    /// Consumers taking messages.
    pub consumers_active: u32,
    /// Consumers taking or about to take messages (active and starting).
    pub consumers_running: u32,
    /// Slots of active consumers.
    pub consumer_slots: u32,
    /// Downstream connections in use.
    pub downstream_in_use: u32,
    /// The breaker's level: 0 closed, 0.5 half-open, 1 open.
    pub breaker_level: f64,
    /// Faults active now.
    pub faults_active: usize,
    /// SQS: messages received so far.
    pub receives: u64,
    /// SQS: the send time ApproximateAgeOfOldestMessage reports.
    pub age_metric_sent_at: Option<SimTime>,
    /// RabbitMQ: the node's memory, the alarm, unacked and paged messages.
    pub rabbit: crate::model::broker::rabbitmq::RabbitGauges,
}

impl System {
    /// Builds every model from a validated scenario and schedules the first events.
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
        let mut broker = Broker::new(
            &scenario.queue,
            scenario.sqs.as_ref(),
            scenario
                .kafka
                .as_ref()
                .map(|kafka| (kafka, scenario.consumers.count)),
            scenario
                .rabbitmq
                .as_ref()
                .map(|rabbitmq| (rabbitmq, scenario.consumers.count)),
            classes.iter().map(|c| c.priority).collect(),
            scenario.seed,
        );
        if let Some(queue) = broker.rabbit_mut() {
            queue.set_publishers(classes.iter().map(|c| c.producer).collect());
        }
        let sqs_workers = scenario.sqs.as_ref().map(|sqs| SqsWorkers {
            batches: Vec::new(),
            idle_since: Vec::new(),
            empty_receive_takes: if sqs.wait_time.sim() > SimDuration::ZERO {
                sqs.wait_time.sim()
            } else {
                crate::model::broker::sqs::SHORT_POLL_ROUND_TRIP
            },
            empty_receives: 0,
            heartbeat: sqs
                .heartbeat
                .as_ref()
                .map(|h| (h.every.sim(), h.extend_to.sim())),
        });
        let consumers = ConsumerPool::new(&scenario.consumers, scenario.seed);
        let mut system = System {
            initial_backlog: 0,
            producers,
            classes,
            broker,
            consumers,
            retrying: slab::Slab::new(),
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
            sqs_workers,
            kafka: scenario.kafka.is_some(),
            kafka_wake: Vec::new(),
            rabbit: scenario.rabbitmq.is_some(),
        };
        system.calls = vec![(0, SimTime::ZERO); system.consumers.total_slots() as usize];
        system.initial_backlog = scenario.initial_backlog;
        if scenario.initial_backlog > 0 {
            // First of all the start's events, so the backlog is there before anything else.
            events.schedule(SimTime::ZERO, Event::Backlog);
        }
        if let Some(topic) = system.broker.kafka() {
            if topic.retention_matters(scenario.duration.sim()) {
                events.schedule(
                    SimTime::ZERO + crate::model::broker::kafka::RETENTION_CHECK,
                    Event::Broker(crate::model::broker::BrokerEvent::KafkaRetention),
                );
            }
        }
        if let Some(queue) = system.broker.rabbit() {
            events.schedule(
                SimTime::ZERO + queue.monitor_interval(),
                Event::Broker(crate::model::broker::BrokerEvent::RabbitMemoryCheck),
            );
        }
        if let Some(autoscaler) = &system.autoscaler {
            events.schedule(
                SimTime::ZERO + autoscaler.spec.evaluation_period.sim(),
                Event::Autoscale,
            );
        }
        for (index, fault) in scenario.faults.iter().enumerate() {
            let index = index as u16;
            events.schedule(
                SimTime::ZERO + fault.at().sim(),
                Event::Fault {
                    index,
                    starting: true,
                },
            );
            if let Some(until) = fault.until() {
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

    /// Routes one event to the model that owns it.
    #[inline]
    pub fn handle(&mut self, event: Event, cx: &mut Context) {
        match event {
            Event::Arrival {
                producer,
                generation,
            } => {
                if generation == self.producers[usize::from(producer)].generation {
                    self.arrival(producer, cx);
                }
            }
            Event::SendRetry { retry } => {
                let (message, last_sleep_micros) = self.retrying.remove(retry as usize);
                cx.metrics.waiting_to_retry -= 1;
                self.send(message, last_sleep_micros, cx);
            }
            Event::Broker(event) => match self.broker.handle(event, cx) {
                BrokerOutcome::Nothing => {}
                BrokerOutcome::Deliverable => self.pull(cx),
                BrokerOutcome::SendGaveUp(message) => self.retry_or_reject(message, 0, None, cx),
            },
            Event::ServiceDone { slot, work } => {
                if self.consumers.is_current(slot, work) {
                    self.work_done(slot, cx);
                }
            }
            Event::HealthCheck { slot, work } => self.health_check(slot, work, cx),
            Event::Heartbeat { slot, work } => self.heartbeat(slot, work, cx),
            Event::ConsumerUp { consumer } => {
                self.consumers.bring_up(consumer);
                self.broker.member_up(consumer, cx);
                for slot in self.consumers.slots_of(consumer) {
                    self.worker_idle(slot, cx.now);
                }
                cx.metrics
                    .busy_slots_change(cx.now, u64::from(self.consumers.in_service()));
                self.pull(cx);
            }
            Event::DownstreamDone { slot, call } => self.downstream_done(slot, call.get(), cx),
            Event::CallTimeout { slot, call } => self.call_timeout(slot, call.get(), cx),
            Event::Autoscale => self.autoscale(cx),
            Event::Fault { index, starting } => self.fault_changes(index, starting, cx),
            Event::Backlog => self.backlog(cx),
        }
    }

    /// Puts the scenario's initial backlog in the queue: messages of the first producer's
    /// first class, produced and accepted at the start (no rate limiter or shedding: they
    /// are already in the queue), then as many as the consumers can take start at once.
    fn backlog(&mut self, cx: &mut Context) {
        // Already in the queue: no RabbitMQ producer's confirm window holds them back.
        if let Some(queue) = self.broker.rabbit_mut() {
            queue.loading_backlog = true;
        }
        for _ in 0..self.initial_backlog {
            cx.metrics.counts.produced += 1;
            cx.metrics.classes[0].produced += 1;
            cx.metrics.counts.send_attempts += 1;
            let mut message = Message::new(cx.now, 0, false);
            message.attempt = 1;
            self.admit(message, 0, cx);
        }
        if let Some(queue) = self.broker.rabbit_mut() {
            queue.loading_backlog = false;
        }
    }

    fn arrival(&mut self, producer: u16, cx: &mut Context) {
        let source = &mut self.producers[usize::from(producer)];
        if let Some(next) = source.next_arrival(cx.now) {
            let generation = source.generation;
            cx.events.schedule(
                next,
                Event::Arrival {
                    producer,
                    generation,
                },
            );
        }
        let class = source.pick_class();
        let poison = source.pick_poison(self.fault_poison_share);
        cx.metrics.counts.produced += 1;
        cx.metrics.classes[usize::from(class)].produced += 1;
        self.send(Message::new(cx.now, class, poison), 0, cx);
    }

    fn send(&mut self, mut message: Message, last_sleep_micros: u32, cx: &mut Context) {
        message.attempt = message.attempt.saturating_add(1);
        cx.metrics.counts.send_attempts += 1;
        if let Some(limiter) = &mut self.rate_limiter {
            if let Err(wait) = limiter.try_take(cx.now) {
                cx.metrics.counts.rate_limited += 1;
                return self.retry_or_reject(message, last_sleep_micros, Some(wait), cx);
            }
        }
        if self.shedding.is_some() && self.sheds(message.class, cx.now) {
            cx.metrics.counts.shed += 1;
            let retry_after = self.broker.retry_after();
            return self.retry_or_reject(message, last_sleep_micros, Some(retry_after), cx);
        }
        if self.consumers.has_free_slot() {
            if let Some(delivery) = self.broker.pass_through(message, cx.now) {
                self.send_accepted(message.class, cx);
                cx.metrics.queue_wait.record(SimDuration::ZERO);
                cx.metrics.left_queue(SimDuration::ZERO);
                let receipt = Default::default();
                self.start(
                    Delivery {
                        message: delivery,
                        receipt,
                    },
                    cx,
                );
                return;
            }
        }
        self.admit(message, last_sleep_micros, cx);
    }

    /// The broker's answer to a send, acted on: accepted (and pulled), displacing, refused
    /// (retry or reject) or blocked.
    fn admit(&mut self, message: Message, last_sleep_micros: u32, cx: &mut Context) {
        if self.offer(message, last_sleep_micros, cx) {
            self.pull(cx);
        }
    }

    /// Offers a send to the broker and accounts for its answer; true when it was accepted
    /// (the caller pulls, unless it is pulling already).
    fn offer(&mut self, message: Message, last_sleep_micros: u32, cx: &mut Context) -> bool {
        match self.broker.offer(message, cx) {
            Admission::Accepted => {
                self.send_accepted(message.class, cx);
                true
            }
            Admission::AcceptedDisplacing(victim) => {
                self.send_accepted(message.class, cx);
                cx.metrics.counts.dropped += 1;
                cx.metrics.classes[usize::from(victim.class)].dropped += 1;
                true
            }
            Admission::Refused {
                reason,
                retry_after,
            } => {
                match reason {
                    Refusal::Full => cx.metrics.counts.refused_full += 1,
                    Refusal::PushBack => cx.metrics.counts.pushed_back += 1,
                }
                self.retry_or_reject(message, last_sleep_micros, Some(retry_after), cx);
                false
            }
            Admission::Blocked { .. } => {
                cx.metrics.counts.blocked += 1;
                false
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
            .is_some_and(|limit| self.broker.waiting() > limit);
        let lag_over = shedding.when_lag_over.is_some_and(|limit| {
            self.broker
                .oldest_enqueued_at()
                .is_some_and(|oldest| now - oldest > limit.sim())
        });
        depth_over || lag_over
    }

    /// A send the broker took: counted, and it refills its producer's retry budget.
    #[inline]
    pub(super) fn send_accepted(&mut self, class: u8, cx: &mut Context) {
        cx.metrics.counts.accepted += 1;
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
        cx: &mut Context,
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
                cx.metrics.counts.retried += 1;
                cx.metrics.waiting_to_retry += 1;
                let sleep = SimDuration::from_secs_f64(seconds);
                let last_sleep_micros = u32::try_from(sleep.as_nanos() / 1_000).unwrap_or(u32::MAX);
                let retry = self.retrying.insert((message, last_sleep_micros)) as u32;
                cx.schedule_in(sleep, Event::SendRetry { retry });
            }
            None => {
                cx.metrics.counts.rejected += 1;
                cx.metrics.classes[usize::from(message.class)].rejected += 1;
            }
        }
    }

    /// Idle consumers pull from the broker until they are all busy or nothing is left; each
    /// message received frees room that may admit a blocked send.
    #[inline]
    pub(super) fn pull(&mut self, cx: &mut Context) {
        if self.sqs_workers.is_some() {
            return self.pull_sqs(cx);
        }
        if self.kafka {
            return self.pull_kafka(cx);
        }
        if self.rabbit {
            return self.pull_rabbit(cx);
        }
        while self.consumers.has_free_slot() {
            let Some(delivery) = self.broker.receive(cx) else {
                break;
            };
            self.start(delivery, cx);
            if let Some(admitted) = self.broker.admit_blocked(cx) {
                self.send_accepted(admitted.class, cx);
            }
        }
    }

    /// SQS workers: an idle worker takes the next message of its consumer's last batch, or
    /// makes a receive (one ReceiveMessage for a batch). Its empty receives while it was
    /// idle are counted when it finds work. (Kept out of line: `pull` is on every bounded
    /// queue event's path and must stay small.)
    #[inline(never)]
    fn pull_sqs(&mut self, cx: &mut Context) {
        while let Some(slot) = self.consumers.next_free_slot() {
            let worker = slot as usize;
            let workers = self.sqs_workers.as_mut().expect("checked by pull");
            if workers.batches.len() <= worker {
                workers.batches.resize_with(worker + 1, VecDeque::new);
            }
            if workers.batches[worker].is_empty()
                && self.broker.receive_into(
                    &mut workers.batches[worker],
                    self.consumers.free_slots().len() as u32,
                    cx,
                ) == 0
            {
                break;
            }
            let delivery = workers.batches[worker]
                .pop_front()
                .expect("a batch was just received");
            if let Some(&since) = workers.idle_since.get(slot as usize) {
                workers.empty_receives += workers.empty_receives_between(since, cx.now);
            }
            self.start(delivery, cx);
        }
    }

    /// Kafka members: each consumer the topic woke (a record for its partition, its record
    /// done, a rebalance landed) that is idle takes its next record — from its batch, or by
    /// polling. (Out of line, like the SQS loop.)
    #[inline(never)]
    fn pull_kafka(&mut self, cx: &mut Context) {
        // The common case of an append: only its partition's owner is woken, and it is busy
        // (it polls when it finishes). Nothing to do, nothing to schedule.
        let topic = self.broker.kafka_mut().expect("a Kafka run");
        if let [only] = topic.group.wake[..] {
            if !topic.group.wake_all
                && topic.group.timers.is_empty()
                && !self.consumers.is_free(only)
            {
                topic.group.wake.clear();
                return;
            }
        }
        let mut wake = std::mem::take(&mut self.kafka_wake);
        loop {
            let topic = self.broker.kafka_mut().expect("a Kafka run");
            // `wake` is empty here (drained below): trade buffers instead of copying.
            std::mem::swap(&mut wake, &mut topic.group.wake);
            if std::mem::take(&mut topic.group.wake_all) {
                wake.extend_from_slice(self.consumers.free_slots());
            }
            if wake.is_empty() {
                break;
            }
            for consumer in wake.drain(..) {
                // Concurrency is 1: the slot is the consumer.
                if !self.consumers.is_free(consumer) {
                    continue;
                }
                let topic = self.broker.kafka_mut().expect("a Kafka run");
                let Some(fetched) = topic.next(consumer, cx.now) else {
                    continue;
                };
                let factor = if topic.is_slow(fetched.partition, fetched.offset) {
                    topic.slow_factor
                } else {
                    1.0
                };
                let receipt = crate::model::broker::Receipt {
                    key: fetched.partition,
                    handle: fetched.offset as u32,
                };
                let waited = cx.now.saturating_since(fetched.record.enqueued_at());
                if fetched.record.deliveries() == 0
                    && fetched.offset >= topic.partitions()[fetched.partition as usize].processed
                {
                    cx.metrics.queue_wait.record(waited);
                    cx.metrics.left_queue(waited);
                }
                let (service_time, work) =
                    self.consumers
                        .start_in(consumer, fetched.record, receipt, cx.now, factor);
                cx.metrics
                    .busy_slots_change(cx.now, u64::from(self.consumers.in_service()));
                cx.schedule_in(
                    service_time,
                    Event::ServiceDone {
                        slot: consumer,
                        work,
                    },
                );
            }
        }
        self.kafka_wake = wake;
        let topic = self.broker.kafka_mut().expect("a Kafka run");
        crate::model::broker::schedule_group_timers(topic, cx);
    }

    /// RabbitMQ consumers: each consumer the queue sent messages to (or whose handler came
    /// free) starts them on its idle handlers; then, if the memory alarm cleared, blocked
    /// publishers go on. (Out of line, like the SQS loop.)
    #[inline(never)]
    fn pull_rabbit(&mut self, cx: &mut Context) {
        let mut wake = std::mem::take(&mut self.kafka_wake);
        loop {
            let queue = self.broker.rabbit_mut().expect("a RabbitMQ run");
            // `wake` is empty here (drained below): trade buffers instead of copying.
            std::mem::swap(&mut wake, &mut queue.wake);
            if wake.is_empty() {
                // The alarm cleared: the blocked publishes go on, longest-blocked first, all
                // at once (the alarm is looked at again only at the next memory check).
                let Some(message) = queue.unblocked() else {
                    break;
                };
                // Offered again (not `admit`: that pulls, and this runs inside the pull).
                self.offer(message, 0, cx);
                continue;
            }
            for consumer in wake.drain(..) {
                for slot in self.consumers.slots_of(consumer) {
                    if !self.consumers.is_free(slot) {
                        continue;
                    }
                    let queue = self.broker.rabbit_mut().expect("a RabbitMQ run");
                    let Some(message) = queue.take(consumer) else {
                        break;
                    };
                    let waiting = queue.ready() + queue.buffered();
                    cx.metrics.queue_length_change(cx.now, waiting);
                    let waited = cx.now.saturating_since(message.enqueued_at());
                    if message.deliveries() == 0 {
                        cx.metrics.queue_wait.record(waited);
                    }
                    cx.metrics.left_queue(waited);
                    self.start_on(slot, message, cx);
                }
            }
        }
        self.kafka_wake = wake;
    }

    /// Starts `message` on the idle handler `slot` (RabbitMQ: the consumer's own).
    fn start_on(
        &mut self,
        slot: u32,
        message: crate::model::message::QueuedMessage,
        cx: &mut Context,
    ) {
        let (service_time, work) =
            self.consumers
                .start_in(slot, message, Default::default(), cx.now, 1.0);
        cx.metrics
            .busy_slots_change(cx.now, u64::from(self.consumers.in_service()));
        cx.schedule_in(service_time, Event::ServiceDone { slot, work });
        if let Some(check) = &self.health_check {
            cx.schedule_in(check.timeout.sim(), Event::HealthCheck { slot, work });
        }
    }

    /// A worker became idle at `now` (its work ended, or its consumer came up).
    pub(super) fn worker_idle(&mut self, slot: u32, now: SimTime) {
        if let Some(workers) = &mut self.sqs_workers {
            let slot = slot as usize;
            if workers.idle_since.len() <= slot {
                workers.idle_since.resize(slot + 1, SimTime::ZERO);
            }
            workers.idle_since[slot] = now;
        }
    }

    /// NumberOfEmptyReceives so far, the idle workers' included.
    pub fn empty_receives(&self, now: SimTime) -> u64 {
        let Some(workers) = &self.sqs_workers else {
            return 0;
        };
        let idle: u64 = self
            .consumers
            .free_slots()
            .iter()
            .map(|&slot| {
                let since = workers
                    .idle_since
                    .get(slot as usize)
                    .copied()
                    .unwrap_or(SimTime::ZERO);
                workers.empty_receives_between(since, now)
            })
            .sum();
        workers.empty_receives + idle
    }

    /// An SQS worker's heartbeat: still on the message? Extend its visibility and that of
    /// the rest of its batch, and beat again later.
    fn heartbeat(&mut self, slot: u32, work: u32, cx: &mut Context) {
        if !self.consumers.is_current(slot, work) {
            return;
        }
        let Some((every, extend_to)) = self.sqs_workers.as_ref().and_then(|w| w.heartbeat) else {
            return;
        };
        let receipt = self
            .consumers
            .work_in(slot)
            .expect("the slot is current")
            .receipt;
        self.broker.change_visibility(receipt, extend_to, cx);
        // The messages of its batch that it has not started are its too: it extends them
        // as well (ChangeMessageVisibilityBatch), or they would reappear while it works.
        let workers = self.sqs_workers.as_mut().expect("heartbeats are SQS's");
        if let Some(batch) = workers.batches.get(slot as usize) {
            for delivery in batch {
                self.broker
                    .change_visibility(delivery.receipt, extend_to, cx);
            }
        }
        cx.schedule_in(every, Event::Heartbeat { slot, work });
    }

    /// A consumer's received-but-not-started batches are dropped (it went down or
    /// retired): the messages stay in flight until their visibility times out.
    pub(super) fn drop_batch(&mut self, consumer: u32) {
        let slots = self.consumers.slots_of(consumer);
        if let Some(workers) = &mut self.sqs_workers {
            for slot in slots {
                if let Some(batch) = workers.batches.get_mut(slot as usize) {
                    batch.clear();
                }
            }
        }
    }

    /// A consumer starts on a message it received.
    #[inline]
    fn start(&mut self, delivery: Delivery, cx: &mut Context) {
        let (slot, service_time, work) =
            self.consumers
                .start(delivery.message, delivery.receipt, cx.now);
        cx.metrics
            .busy_slots_change(cx.now, u64::from(self.consumers.in_service()));
        cx.schedule_in(service_time, Event::ServiceDone { slot, work });
        if let Some(check) = &self.health_check {
            cx.schedule_in(check.timeout.sim(), Event::HealthCheck { slot, work });
        }
        if let Some((every, _)) = self.sqs_workers.as_ref().and_then(|w| w.heartbeat) {
            cx.schedule_in(every, Event::Heartbeat { slot, work });
        }
    }

    /// Messages alive: held by the broker, in service, or waiting to be re-sent.
    #[inline]
    pub fn live_messages(&self, metrics: &Metrics) -> u64 {
        let in_service = if self.broker.keeps_deliveries() {
            0 // copies of messages the broker counts in flight
        } else {
            u64::from(self.consumers.in_service())
        };
        self.broker.held() + in_service + metrics.waiting_to_retry
    }

    /// Bytes the models hold that grow with the load (messages held anywhere, consumer
    /// slots, calls), for the memory budget. An estimate from counts and element sizes.
    pub fn memory_bytes(&self, metrics: &Metrics) -> u64 {
        let holds = self.broker.holds();
        let message = std::mem::size_of::<Message>() as u64 + 8;
        self.broker.allocated_bytes() as u64
            + (holds.blocked + holds.redelivering + metrics.waiting_to_retry) * message
            + u64::from(self.consumers.total_slots()) * 48
            + self.calls.len() as u64 * 16
    }

    /// The models' state at `now`, for samples and reports.
    pub fn gauges(&self, metrics: &Metrics, now: SimTime) -> Gauges {
        let (downstream_in_use, breaker_level) = match &self.downstream {
            Some(d) => (
                d.in_use(),
                d.breaker.as_ref().map_or(0.0, |b| b.state(now).level()),
            ),
            None => (0, 0.0),
        };
        let oldest_unfinished_created_at = match (
            self.broker.oldest_created_at(),
            self.consumers.oldest_created_at(),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let kafka = self.broker.kafka();
        Gauges {
            broker: self.broker.holds(),
            lag_messages: self.broker.waiting(),
            rebalancing: kafka.is_some_and(|k| k.group.rebalancing()),
            worst_partition_lag: kafka.map_or(0, |k| k.worst_partition().1),
            duplicates: kafka.map_or(0, |k| k.stats.duplicates),
            in_service: u64::from(self.consumers.in_service()),
            waiting_to_retry: metrics.waiting_to_retry,
            oldest_unfinished_created_at,
            consumers_busy: self.consumers.busy_consumers(),
            consumers_active: self.consumers.count(ConsumerStatus::Active),
            consumers_running: self.consumers.count(ConsumerStatus::Active)
                + self.consumers.count(ConsumerStatus::Starting),
            consumer_slots: self.consumers.slot_count(),
            downstream_in_use,
            breaker_level,
            faults_active: self.active_faults.iter().filter(|on| **on).count(),
            receives: self.broker.sqs().map_or(0, |q| q.stats.receives),
            age_metric_sent_at: self.broker.sqs().and_then(|q| q.age_metric_sent_at()),
            rabbit: self.broker.rabbit().map(|q| q.gauges()).unwrap_or_default(),
        }
    }

    /// Kafka: each partition's lag now, lazily (an empty iterator for other brokers).
    pub fn partition_lags(&self) -> impl Iterator<Item = u64> + Clone + '_ {
        self.broker
            .kafka()
            .into_iter()
            .flat_map(|topic| topic.partitions().iter().map(|log| log.lag()))
    }

    /// The broker, read-only (capacity, memory, lag).
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// The consumer pool, read-only (service time, slots).
    pub fn consumers(&self) -> &ConsumerPool {
        &self.consumers
    }

    /// The downstream, if any, read-only.
    pub fn downstream(&self) -> Option<&Downstream> {
        self.downstream.as_ref()
    }

    /// The producers, read-only (designed rates).
    pub fn producers(&self) -> &[Producer] {
        &self.producers
    }

    /// The priority classes.
    pub fn classes(&self) -> &[Class] {
        &self.classes
    }

    /// Whether an operator turned the traffic off (an idle run then does not drain).
    pub fn traffic_paused(&self) -> bool {
        self.operator_traffic_multiplier == 0.0
    }
}

impl Gauges {
    /// Age of the oldest unfinished message at `now`, seconds (consumer lag in time).
    pub fn lag_seconds(&self, now: SimTime) -> f64 {
        self.oldest_unfinished_created_at
            .map_or(0.0, |oldest| now.saturating_since(oldest).as_secs_f64())
    }
}
