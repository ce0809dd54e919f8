//! The run loop: advances simulated time event by event, hands each event to the models,
//! enforces run limits and reports a typed outcome. Sampling and the report live in
//! `metrics/`; the models in `model/`.

use std::fmt;

use crate::engine::event_queue::EventQueue;
use crate::engine::fingerprint::Fingerprint;
use crate::engine::time::SimTime;
use crate::metrics::Metrics;
use crate::metrics::assertion::Assertion;
use crate::metrics::report::{self, RunState};
use crate::metrics::sampler::Sampler;
use crate::metrics::series::TimeSeries;
use crate::metrics::summary::*;
use crate::model::context::Context;
use crate::model::event::Event;
use crate::model::intervention::{
    Change, Intervention, InterventionError, SkipReason, SkippedChange,
};
use crate::model::system::System;
use crate::scenario::{Scenario, ScenarioErrors};

/// Limits that end a runaway scenario early instead of exhausting memory or time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// Most events to process.
    pub max_events: u64,
    /// Most simulated time; the scenario's duration.
    pub max_time: SimTime,
    /// Most messages alive at once.
    pub max_live_messages: u64,
    /// Most bytes the run may hold.
    pub max_memory_bytes: u64,
    /// Most events at one instant.
    pub max_events_per_instant: u64,
}

/// How often (in events) the memory budget and the progress guard are checked.
const GUARD_EVERY: u64 = 4_096;

/// Which limit ended a run early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    /// `limits.max_events` events were processed.
    MaxEvents(u64),
    /// More than `limits.max_live_messages` messages were alive at once.
    MaxLiveMessages(u64),
    /// The run held more than `limits.max_memory_mib`.
    MemoryBudget {
        /// What it held, bytes.
        held_bytes: u64,
        /// The budget, MiB.
        budget_mib: u64,
    },
    /// More than `limits.max_events_per_instant` events happened without the clock moving.
    NoProgress {
        /// Events at that instant.
        events: u64,
    },
    /// The user stopped the run (Ctrl-C in the CLI): see [`Simulation::interrupt`].
    Interrupted,
}

/// What applying one planned change costs against a slice's event budget.
const CHANGE_COST_IN_EVENTS: u64 = 1_000;

/// Refuses, before it starts, a run whose producers alone send more messages than the default
/// `limits.max_events` allows (each message is at least one event): it could only end
/// truncated, after minutes of work — say so now (a rate typed a thousand times too high).
/// A scenario that sets its own `max_events` asked for a partial run and gets one.
fn check_event_budget(scenario: &Scenario, system: &System) -> Result<(), ScenarioErrors> {
    if scenario.limits.max_events != crate::scenario::LimitsSpec::default().max_events {
        return Ok(());
    }
    let end = SimTime::ZERO + scenario.duration.sim();
    let rate: f64 = system.producers().iter().map(|p| p.mean_rate(end)).sum();
    let messages = rate * scenario.duration.as_secs_f64();
    if messages <= scenario.limits.max_events as f64 {
        return Ok(());
    }
    Err(ScenarioErrors(vec![crate::ScenarioError {
        origin: "scenario".into(),
        location: None,
        path: "limits.max_events".into(),
        message: format!(
            "the producers send about {} messages in {} ({:.0} msg/s on average), each at \
             least one event: more than limits.max_events ({}), so the run could never finish; \
             shorten duration or lower the rate (or set limits.max_events to run part of it)",
            count(messages as u64),
            scenario.duration,
            rate,
            count(scenario.limits.max_events)
        ),
    }]))
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitHit::MaxEvents(n) => write!(f, "limits.max_events ({}) reached", count(*n)),
            LimitHit::MemoryBudget {
                held_bytes,
                budget_mib,
            } => write!(
                f,
                "limits.max_memory_mib ({budget_mib} MiB) exceeded: the run held {} MiB \
                 (a backlog, pending events or samples growing without bound; shorten the \
                 run, lengthen metrics.sample_interval or fix the overload)",
                held_bytes / (1 << 20)
            ),
            LimitHit::NoProgress { events } => write!(
                f,
                "limits.max_events_per_instant ({}) reached: simulated time stopped \
                 advancing (a rate too high for nanosecond time, or a zero-delay loop such as \
                 a restart_after of 0s with a health check that kills at once)",
                count(*events)
            ),
            LimitHit::Interrupted => write!(
                f,
                "interrupted (Ctrl-C): the summary covers the run up to there"
            ),
            LimitHit::MaxLiveMessages(n) => {
                write!(
                    f,
                    "limits.max_live_messages ({}) exceeded: the backlog is growing without bound",
                    count(*n)
                )
            }
        }
    }
}

/// 20000000 → "20,000,000".
fn count(n: u64) -> String {
    crate::metrics::registry::MetricUnit::Count.format(n as f64)
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Reached the scenario's duration.
    Completed {
        /// The end time.
        at: SimTime,
    },
    /// Nothing was left to happen (producers stopped and every message settled).
    Drained {
        /// Time of the last event.
        at: SimTime,
    },
    /// A run limit ended the run early.
    Truncated {
        /// When it stopped.
        at: SimTime,
        /// Which limit.
        limit: LimitHit,
    },
}

impl RunOutcome {
    /// "completed", "drained" or "truncated".
    pub fn label(&self) -> &'static str {
        match self.kind() {
            OutcomeKind::Running => "running",
            OutcomeKind::Completed => "completed",
            OutcomeKind::Drained => "drained",
            OutcomeKind::Truncated => "truncated",
        }
    }

    /// Which way the run ended, without its details.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            RunOutcome::Completed { .. } => OutcomeKind::Completed,
            RunOutcome::Drained { .. } => OutcomeKind::Drained,
            RunOutcome::Truncated { .. } => OutcomeKind::Truncated,
        }
    }
}

/// How a run stands or ended, as the summary reports it (`"completed"` in JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeKind {
    /// Still going.
    Running,
    /// Reached the scenario's duration.
    Completed,
    /// Nothing was left to happen.
    Drained,
    /// A run limit ended it early (see `truncated_by`).
    Truncated,
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self {
            OutcomeKind::Running => "running",
            OutcomeKind::Completed => "completed",
            OutcomeKind::Drained => "drained",
            OutcomeKind::Truncated => "truncated",
        };
        f.write_str(label)
    }
}

/// Whether a run can go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// More to do.
    Running,
    /// Finished; further calls do nothing.
    Finished(RunOutcome),
}

/// One run of a scenario.
pub struct Simulation {
    scenario: Scenario,
    now: SimTime,
    events: EventQueue<Event>,
    system: System,
    metrics: Metrics,
    sampler: Sampler,
    /// The scenario's `[[assert]]` checks, parsed once.
    assertions: Vec<Assertion>,
    limits: RunLimits,
    events_processed: u64,
    fingerprint: Fingerprint,
    outcome: Option<RunOutcome>,
    /// Live changes applied so far, in time order.
    applied: Vec<Change>,
    /// Changes still to apply at their times, latest first (popped from the back).
    planned: Vec<Change>,
    /// The guards' next check (in events processed), the instant it last saw and how many
    /// events it has counted at that instant.
    next_guard_at: u64,
    guard_instant: SimTime,
    events_at_instant: u64,
}

impl Simulation {
    /// Prepares a run. The scenario is checked first, exactly as a file is (a scenario read
    /// with [`Scenario::from_toml`] or edited with [`Scenario::with_overrides`] passes), so a
    /// run never starts from values no file could hold.
    pub fn new(scenario: &Scenario) -> Result<Self, ScenarioErrors> {
        scenario.validate()?;
        let mut events = EventQueue::default();
        let system = System::new(scenario, &mut events);
        check_event_budget(scenario, &system)?;
        let class_count = system.classes().len();
        let limits = RunLimits {
            max_events: scenario.limits.max_events,
            max_time: SimTime::ZERO + scenario.duration.sim(),
            max_live_messages: scenario.limits.max_live_messages,
            max_memory_bytes: scenario.limits.max_memory_mib.saturating_mul(1 << 20),
            max_events_per_instant: scenario.limits.max_events_per_instant,
        };
        let mut simulation = Simulation {
            scenario: scenario.clone(),
            now: SimTime::ZERO,
            events,
            system,
            metrics: Metrics::new(class_count),
            sampler: Sampler::new(
                scenario.metrics.sample_interval.sim(),
                scenario.metrics.lag_alert.sim(),
            ),
            assertions: scenario
                .assertions
                .iter()
                .filter_map(|table| Assertion::from_table(table).ok())
                .collect(),
            limits,
            events_processed: 0,
            fingerprint: Fingerprint::default(),
            outcome: None,
            applied: Vec::new(),
            planned: Vec::new(),
            next_guard_at: GUARD_EVERY,
            guard_instant: SimTime::ZERO,
            events_at_instant: 0,
        };
        simulation.take_samples_through(SimTime::ZERO);
        Ok(simulation)
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The scenario's end time.
    pub fn end_time(&self) -> SimTime {
        self.limits.max_time
    }

    /// Events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// How the run ended, once it has.
    pub fn outcome(&self) -> Option<RunOutcome> {
        self.outcome
    }

    /// The time series so far.
    pub fn series(&self) -> &TimeSeries {
        self.sampler.series()
    }

    /// Hash of the event log so far (16 hex digits).
    pub fn fingerprint(&self) -> String {
        self.fingerprint.hex()
    }

    /// Applies a live change at the current simulated time (see [`Intervention`]). It is
    /// recorded in the event-log fingerprint, so replaying the same interventions at the same
    /// times reproduces the run. A finished run takes no more changes.
    pub fn intervene(&mut self, intervention: Intervention) -> Result<(), InterventionError> {
        self.check(intervention)?;
        // Events already due at this instant run first, exactly as in a replay that runs up
        // to this time and then applies the change.
        let now = self.now;
        self.run_segment(now, u64::MAX);
        self.apply(intervention)?;
        // A live change overrides whatever a replayed plan still had in store.
        self.planned.clear();
        Ok(())
    }

    /// Plans changes to apply at their recorded times (a playground export or share link):
    /// replaying the plan reproduces the run it was recorded from, fingerprint included.
    /// Changes that cannot apply (out of range, or before the current time) are returned,
    /// not applied.
    pub fn plan_changes(&mut self, changes: &[Change]) -> Vec<SkippedChange> {
        let mut skipped = Vec::new();
        let mut plan = Vec::new();
        for (index, change) in changes.iter().enumerate() {
            let reason = if change.at_nanos < self.now.as_nanos() {
                Some(SkipReason::InThePast)
            } else if change.at_nanos > self.limits.max_time.as_nanos() {
                Some(SkipReason::AfterTheEnd)
            } else {
                self.check(change.change).err().map(SkipReason::Refused)
            };
            match reason {
                Some(reason) => skipped.push(SkippedChange {
                    index,
                    change: *change,
                    reason,
                }),
                None => plan.push(*change),
            }
        }
        plan.extend(self.planned.iter().copied());
        plan.sort_by_key(|change| std::cmp::Reverse(change.at_nanos));
        self.planned = plan;
        skipped
    }

    /// Live changes applied so far, in time order.
    pub fn changes(&self) -> &[Change] {
        &self.applied
    }

    /// Changes still to apply at their times, in time order.
    pub fn planned_changes(&self) -> Vec<Change> {
        self.planned.iter().rev().copied().collect()
    }

    /// Every change of this run, applied and still planned, in time order.
    pub fn change_log(&self) -> Vec<Change> {
        let mut log = self.applied.clone();
        log.extend(self.planned.iter().rev().copied());
        log
    }

    /// Whether `intervention` could apply now.
    fn check(&self, intervention: Intervention) -> Result<(), InterventionError> {
        intervention.validate()?;
        if let Intervention::Consumers(count) = intervention {
            let slots = u64::from(count) * u64::from(self.scenario.consumers.concurrency);
            if slots > crate::model::intervention::MAX_CONSUMER_SLOTS {
                return Err(InterventionError::TooManySlots {
                    consumers: count,
                    concurrency: self.scenario.consumers.concurrency,
                });
            }
        }
        let sqs = self.scenario.sqs.is_some();
        match intervention {
            Intervention::VisibilityTimeout(_) if !sqs => {
                return Err(InterventionError::NotForThisBroker {
                    knob: "visibility timeout",
                    needs: "an SQS queue ([sqs])",
                });
            }
            Intervention::QueueCapacity(_) if sqs => {
                return Err(InterventionError::NotForThisBroker {
                    knob: "queue capacity",
                    needs: "a bounded queue ([queue]); SQS has no capacity",
                });
            }
            Intervention::Partitions(_) if self.scenario.kafka.is_none() => {
                return Err(InterventionError::NotForThisBroker {
                    knob: "partitions",
                    needs: "a Kafka topic ([kafka])",
                });
            }
            Intervention::Partitions(n) if n < self.partitions_now() => {
                return Err(InterventionError::OutOfRange {
                    knob: "partitions",
                    range: format!(
                        "at least the {} the topic has (Kafka cannot remove partitions)",
                        self.partitions_now()
                    ),
                    value: n.to_string(),
                });
            }
            Intervention::Prefetch(_) | Intervention::Watermark(_)
                if self.scenario.rabbitmq.is_none() =>
            {
                return Err(InterventionError::NotForThisBroker {
                    knob: if matches!(intervention, Intervention::Prefetch(_)) {
                        "prefetch"
                    } else {
                        "memory watermark"
                    },
                    needs: "a RabbitMQ queue ([rabbitmq])",
                });
            }
            Intervention::QueueCapacity(_) if self.scenario.rabbitmq.is_some() => {
                return Err(InterventionError::NotForThisBroker {
                    knob: "queue capacity",
                    needs: "a bounded queue ([queue]); bound a RabbitMQ queue with rabbitmq.max_length",
                });
            }
            Intervention::QueueCapacity(_) if self.scenario.kafka.is_some() => {
                return Err(InterventionError::NotForThisBroker {
                    knob: "queue capacity",
                    needs: "a bounded queue ([queue]); a Kafka topic keeps records until retention deletes them",
                });
            }
            _ => {}
        }
        if self.outcome.is_some() {
            return Err(InterventionError::Finished);
        }
        Ok(())
    }

    /// Kafka: the topic's partitions now (0 for other brokers).
    pub fn partitions_now(&self) -> u32 {
        self.system
            .broker()
            .kafka()
            .map_or(0, |topic| topic.partitions().len() as u32)
    }

    /// Applies a checked intervention at the current time and records it.
    fn apply(&mut self, intervention: Intervention) -> Result<(), InterventionError> {
        self.check(intervention)?;
        let (kind, detail) = intervention.identity();
        self.fingerprint.record(self.now.as_nanos(), kind, detail);
        let mut cx = Context {
            now: self.now,
            events: &mut self.events,
            metrics: &mut self.metrics,
        };
        self.system.intervene(intervention, &mut cx);
        debug_assert!(
            self.conservation().holds,
            "conservation broken by {intervention:?}"
        );
        self.applied.push(Change {
            at_nanos: self.now.as_nanos(),
            change: intervention,
        });
        Ok(())
    }

    /// Queue capacity now, or `None` when unbounded.
    pub fn queue_capacity(&self) -> Option<u64> {
        self.system.broker().capacity()
    }

    /// Consumers taking or about to take messages (active and starting).
    pub fn consumers_running(&self) -> u32 {
        self.system
            .gauges(&self.metrics, self.now)
            .consumers_running
    }

    /// Processes the next event, if the run is not over.
    pub fn step(&mut self) -> RunStatus {
        let next = self.events.next_time().unwrap_or(self.limits.max_time);
        self.run_until(next)
    }

    /// Runs to the end of the scenario.
    pub fn run(&mut self) -> RunOutcome {
        match self.run_until(self.limits.max_time) {
            RunStatus::Finished(outcome) => outcome,
            RunStatus::Running => unreachable!("running to the end time always finishes"),
        }
    }

    /// Ends the run here, as truncated by [`LimitHit::Interrupted`], so that its summary so
    /// far can be reported: how a user stops a run that would take too long. Does nothing to
    /// a run that has already ended.
    pub fn interrupt(&mut self) {
        if self.outcome.is_none() {
            self.outcome = Some(RunOutcome::Truncated {
                at: self.now(),
                limit: LimitHit::Interrupted,
            });
        }
    }

    /// Processes every event up to and including `target` (capped at the scenario's end).
    pub fn run_until(&mut self, target: SimTime) -> RunStatus {
        self.run_slice(target, u64::MAX)
    }

    /// Like [`run_until`](Self::run_until), but stops after `max_events` events, with the
    /// clock at the last one, so a caller with a time budget (a browser frame) can yield.
    /// However a run is sliced, it processes and samples exactly the same events, and
    /// planned changes apply at their times, after every event due by then.
    pub fn run_slice(&mut self, target: SimTime, max_events: u64) -> RunStatus {
        let mut left = max_events;
        loop {
            let next_change = self.planned.last().map(|c| SimTime::from_nanos(c.at_nanos));
            let slice_end = next_change.map_or(target, |at| at.min(target));
            let before = self.events_processed;
            let status = self.run_segment(slice_end, left);
            let done = self.events_processed - before;
            if let RunStatus::Finished(_) = status {
                return status;
            }
            // Fewer events than allowed: everything due by `slice_end` has been processed.
            if done >= left {
                return status;
            }
            left -= done;
            if next_change != Some(slice_end) {
                return status;
            }
            let change = self.planned.pop().expect("a planned change is due");
            // Checked when planned; only a finished run could refuse it now.
            let _ = self.apply(change.change);
            // A change is work too (resizing the pool touches every slot): it spends the
            // slice's budget, so a link holding thousands of changes cannot stall a frame.
            left = left.saturating_sub(CHANGE_COST_IN_EVENTS);
            if left == 0 {
                return RunStatus::Running;
            }
        }
    }

    /// Processes events up to `target` or `max_events`, whichever comes first.
    fn run_segment(&mut self, target: SimTime, max_events: u64) -> RunStatus {
        if let Some(outcome) = self.outcome {
            return RunStatus::Finished(outcome);
        }
        if max_events == 0 {
            return RunStatus::Running;
        }
        // The clock never goes back, whatever the caller asks for.
        let horizon = target.max(self.now).min(self.limits.max_time);
        // One comparison per event serves the run's event limit, this slice's budget and the
        // periodic guards.
        let slice_stop = self
            .events_processed
            .saturating_add(max_events)
            .min(self.limits.max_events);
        let mut stop_at = slice_stop.min(self.next_guard_at);
        // One context for the whole segment: the models reach the event list and the
        // metrics through it on every event.
        let mut cx = Context {
            now: self.now,
            events: &mut self.events,
            metrics: &mut self.metrics,
        };
        let mut truncated = None;
        while let Some((time, event)) = cx.events.pop_due(horizon) {
            if time >= self.sampler.next_at() {
                let gauges = self.system.gauges(cx.metrics, time);
                self.sampler.record_through(
                    time,
                    cx.metrics,
                    &gauges,
                    self.system.partition_lags(),
                );
            }
            cx.now = time;
            let (kind, detail) = event.identity();
            self.fingerprint.record(time.as_nanos(), kind, detail);
            self.system.handle(event, &mut cx);
            self.events_processed += 1;
            debug_assert!(
                report::conservation(&self.system, cx.metrics).holds,
                "conservation broken after {event:?} at {time}"
            );
            // Only an arrival creates a message, so only an arrival can cross the live limit.
            let produced = event.produces();
            if produced || self.events_processed >= stop_at {
                if self.events_processed >= self.limits.max_events {
                    truncated = Some(LimitHit::MaxEvents(self.limits.max_events));
                } else if produced
                    && self.system.live_messages(cx.metrics) > self.limits.max_live_messages
                {
                    truncated = Some(LimitHit::MaxLiveMessages(self.limits.max_live_messages));
                }
                if self.events_processed >= self.next_guard_at {
                    self.next_guard_at += GUARD_EVERY;
                    stop_at = slice_stop.min(self.next_guard_at);
                    truncated = truncated.or_else(|| {
                        guard(
                            &self.limits,
                            &mut self.guard_instant,
                            &mut self.events_at_instant,
                            time,
                            || {
                                self.system.memory_bytes(cx.metrics)
                                    + cx.events.allocated_bytes() as u64
                                    + self.sampler.series().allocated_bytes() as u64
                            },
                        )
                    });
                }
                if truncated.is_some() || self.events_processed >= slice_stop {
                    break;
                }
            }
        }
        self.now = cx.now;
        if let Some(limit) = truncated {
            return self.finish(RunOutcome::Truncated {
                at: self.now,
                limit,
            });
        }
        if self.events_processed >= slice_stop {
            return RunStatus::Running;
        }
        // Arrivals paused by an operator may resume, so an idle run only drains when nobody
        // turned the traffic off.
        if self.events.len() == 0 && !self.system.traffic_paused() && self.planned.is_empty() {
            return self.finish(RunOutcome::Drained { at: self.now });
        }
        self.now = horizon;
        self.take_samples_through(horizon);
        if horizon == self.limits.max_time {
            return self.finish(RunOutcome::Completed { at: horizon });
        }
        RunStatus::Running
    }

    fn finish(&mut self, outcome: RunOutcome) -> RunStatus {
        self.outcome = Some(outcome);
        RunStatus::Finished(outcome)
    }

    /// Records every grid point at or before `time`, with the state as it is now.
    fn take_samples_through(&mut self, time: SimTime) {
        let gauges = self.system.gauges(&self.metrics, time);
        self.sampler.record_through(
            time,
            &mut self.metrics,
            &gauges,
            self.system.partition_lags(),
        );
    }

    /// Where every produced message is now.
    pub fn conservation(&self) -> Conservation {
        report::conservation(&self.system, &self.metrics)
    }

    /// The summary of the run so far (complete once the run has finished).
    #[inline]
    pub fn summary(&self) -> Summary {
        report::summary(&RunState {
            scenario: &self.scenario,
            system: &self.system,
            metrics: &self.metrics,
            sampler: &self.sampler,
            assertions: &self.assertions,
            now: self.now,
            end: self.limits.max_time,
            events: self.events_processed,
            fingerprint: self.fingerprint.hex(),
            outcome: self.outcome,
        })
    }

    /// Raw queue observations for validation against queueing theory.
    pub fn queue_statistics(&self) -> QueueStatistics {
        let metrics = &self.metrics;
        QueueStatistics {
            accepted: metrics.counts.accepted,
            refused: metrics.counts.refused_full + metrics.counts.pushed_back,
            offered: metrics.counts.send_attempts,
            total_queue_seconds: metrics.queue_time_total as f64 / 1e9,
            waits_recorded: metrics.queue_wait.count(),
            total_wait_seconds: metrics.queue_wait.total_seconds(),
            queue_time_nanos: metrics.queue_time_total,
            queue_length_integral_nanos: metrics.queue_length_integral(self.now),
            in_service_integral_seconds: metrics.busy_slot_seconds(self.now),
            elapsed_seconds: self.now.as_secs_f64(),
        }
    }

    /// Bytes held by the waiting messages (for the memory benchmark).
    pub fn backlog_bytes(&self) -> usize {
        self.system.broker().allocated_bytes()
    }

    /// Messages waiting in the queue now.
    pub fn queue_depth(&self) -> u64 {
        self.system.broker().waiting()
    }
}

/// The periodic guards: the progress guard (events at one instant) and the memory budget.
fn guard(
    limits: &RunLimits,
    instant: &mut SimTime,
    events_at_instant: &mut u64,
    now: SimTime,
    memory_bytes: impl FnOnce() -> u64,
) -> Option<LimitHit> {
    if now == *instant {
        *events_at_instant += GUARD_EVERY;
        if *events_at_instant >= limits.max_events_per_instant {
            return Some(LimitHit::NoProgress {
                events: limits.max_events_per_instant,
            });
        }
    } else {
        *instant = now;
        *events_at_instant = 0;
    }
    let held_bytes = memory_bytes();
    (held_bytes > limits.max_memory_bytes).then_some(LimitHit::MemoryBudget {
        held_bytes,
        budget_mib: limits.max_memory_bytes >> 20,
    })
}

/// Raw queue observations, for checks against closed forms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueStatistics {
    /// Sends accepted.
    pub accepted: u64,
    /// Sends refused (full or pushed back).
    pub refused: u64,
    /// Sends offered.
    pub offered: u64,
    /// Σ time in queue over messages that left it, seconds.
    pub total_queue_seconds: f64,
    /// Messages whose wait was recorded (reached a consumer).
    pub waits_recorded: u64,
    /// Σ wait of those, seconds.
    pub total_wait_seconds: f64,
    /// Σ time in queue of every message that left it (served, dropped or shed), nanoseconds.
    pub queue_time_nanos: u128,
    /// ∫ queue length dt, message-nanoseconds (measured independently of the waits).
    pub queue_length_integral_nanos: u128,
    /// ∫ messages in service dt (busy consumer slots), message-seconds (measured over time,
    /// independently of any message's service time).
    pub in_service_integral_seconds: f64,
    /// Simulated time so far, seconds.
    pub elapsed_seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RunLimits {
        RunLimits {
            max_events: u64::MAX,
            max_time: SimTime::MAX,
            max_live_messages: u64::MAX,
            max_memory_bytes: 1 << 20,
            max_events_per_instant: 10 * GUARD_EVERY,
        }
    }

    #[test]
    fn planned_changes_spend_the_slice_budget_and_change_nothing_else() {
        // A link can hold thousands of changes due at one instant: a frame's slice applies
        // only as many as its budget pays for, and the run is the same however it is sliced.
        let scenario = crate::Preset::find("steady").unwrap().scenario().unwrap();
        let flips: Vec<Change> = (0..3_000)
            .map(|i| Change {
                at_nanos: 1_000_000_000,
                change: Intervention::Consumers(if i % 2 == 0 { 400 } else { 4 }),
            })
            .collect();
        let mut sliced = Simulation::new(&scenario).unwrap();
        assert!(sliced.plan_changes(&flips).is_empty());
        let target = SimTime::from_nanos(2_000_000_000);
        let budget = 20_000;
        let before = sliced.planned_changes().len();
        assert_eq!(sliced.run_slice(target, budget), RunStatus::Running);
        let applied = before - sliced.planned_changes().len();
        assert!(
            applied as u64 <= budget / CHANGE_COST_IN_EVENTS,
            "{applied} changes in one slice"
        );
        while sliced.run_slice(SimTime::MAX, budget) == RunStatus::Running {}
        let mut whole = Simulation::new(&scenario).unwrap();
        whole.plan_changes(&flips);
        whole.run();
        assert_eq!(sliced.fingerprint(), whole.fingerprint());
    }

    #[test]
    fn the_progress_guard_stops_a_clock_that_does_not_move_and_forgives_one_that_does() {
        // Validation refuses the inputs that used to stall the clock (rates beyond what
        // nanosecond time resolves, zero-delay restarts), so the guard is checked directly.
        let limits = limits();
        let (mut instant, mut count) = (SimTime::ZERO, 0);
        let at = SimTime::from_nanos(5);
        assert_eq!(guard(&limits, &mut instant, &mut count, at, || 0), None);
        for _ in 0..9 {
            assert_eq!(guard(&limits, &mut instant, &mut count, at, || 0), None);
        }
        assert_eq!(
            guard(&limits, &mut instant, &mut count, at, || 0),
            Some(LimitHit::NoProgress {
                events: 10 * GUARD_EVERY
            })
        );
        // Time moving on resets the count.
        let (mut instant, mut count) = (SimTime::ZERO, 0);
        for step in 1..100 {
            let now = SimTime::from_nanos(step / 5);
            assert_eq!(guard(&limits, &mut instant, &mut count, now, || 0), None);
        }
    }

    #[test]
    fn the_memory_budget_is_checked_against_what_the_run_holds() {
        let limits = limits();
        let (mut instant, mut count) = (SimTime::ZERO, 0);
        let at = SimTime::from_nanos(1);
        assert_eq!(
            guard(&limits, &mut instant, &mut count, at, || 1 << 20),
            None
        );
        assert_eq!(
            guard(
                &limits,
                &mut instant,
                &mut count,
                SimTime::from_nanos(2),
                || (1 << 20) + 1
            ),
            Some(LimitHit::MemoryBudget {
                held_bytes: (1 << 20) + 1,
                budget_mib: 1
            })
        );
    }
}
