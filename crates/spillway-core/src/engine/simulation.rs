//! The engine: advances simulated time event by event, samples metrics on a fixed grid,
//! enforces run limits, and reports a typed outcome.

use std::fmt;

use crate::engine::event_queue::EventQueue;
use crate::engine::fingerprint::Fingerprint;
use crate::engine::time::{SimDuration, SimTime};
use crate::metrics::assertion::Assertion;
use crate::metrics::series::{SeriesRow, TimeSeries};
use crate::metrics::summary::*;
use crate::model::intervention::Intervention;
use crate::model::system::{Event, System};
use crate::scenario::Scenario;

/// Limits that end a runaway scenario early instead of exhausting memory or time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// Most events to process.
    pub max_events: u64,
    /// Most simulated time; the scenario's duration.
    pub max_time: SimTime,
    /// Most messages alive at once.
    pub max_live_messages: u64,
}

/// Which limit ended a run early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    /// `limits.max_events` events were processed.
    MaxEvents(u64),
    /// More than `limits.max_live_messages` messages were alive at once.
    MaxLiveMessages(u64),
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitHit::MaxEvents(n) => write!(f, "limits.max_events ({n}) reached"),
            LimitHit::MaxLiveMessages(n) => {
                write!(
                    f,
                    "limits.max_live_messages ({n}) exceeded: the backlog is growing without bound"
                )
            }
        }
    }
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
        match self {
            RunOutcome::Completed { .. } => "completed",
            RunOutcome::Drained { .. } => "drained",
            RunOutcome::Truncated { .. } => "truncated",
        }
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
    limits: RunLimits,
    events_processed: u64,
    fingerprint: Fingerprint,
    outcome: Option<RunOutcome>,
    sample_interval: SimDuration,
    next_sample_at: SimTime,
    series: TimeSeries,
    previous_sample: SampleBase,
    lag_alert: SimDuration,
    seconds_over_alert: f64,
    max_lag_seconds_sampled: f64,
}

/// Counters at the previous sample, for interval rates.
#[derive(Default, Clone, Copy)]
struct SampleBase {
    produced: u64,
    accepted: u64,
    completed: u64,
    failed: u64,
    rejected: u64,
    retried: u64,
    dropped: u64,
    redelivered: u64,
    busy_slot_seconds: f64,
}

impl Simulation {
    /// Prepares a run of a validated scenario (see [`Scenario::from_toml`]).
    pub fn new(scenario: &Scenario) -> Self {
        let mut events = EventQueue::default();
        let system = System::new(scenario, &mut events);
        let limits = RunLimits {
            max_events: scenario.limits.max_events,
            max_time: SimTime::ZERO + scenario.duration.sim(),
            max_live_messages: scenario.limits.max_live_messages,
        };
        let mut simulation = Simulation {
            scenario: scenario.clone(),
            now: SimTime::ZERO,
            events,
            system,
            limits,
            events_processed: 0,
            fingerprint: Fingerprint::default(),
            outcome: None,
            sample_interval: scenario.metrics.sample_interval.sim(),
            next_sample_at: SimTime::ZERO,
            series: TimeSeries {
                interval_seconds: scenario.metrics.sample_interval.as_secs_f64(),
                ..TimeSeries::default()
            },
            previous_sample: SampleBase::default(),
            lag_alert: scenario.metrics.lag_alert.sim(),
            seconds_over_alert: 0.0,
            max_lag_seconds_sampled: 0.0,
        };
        simulation.take_samples_through(SimTime::ZERO);
        simulation
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
        &self.series
    }

    /// Hash of the event log so far (16 hex digits).
    pub fn fingerprint(&self) -> String {
        self.fingerprint.hex()
    }

    /// Applies a live change at the current simulated time (see [`Intervention`]). It is
    /// recorded in the event-log fingerprint, so replaying the same interventions at the same
    /// times reproduces the run. A finished run takes no more changes.
    pub fn intervene(&mut self, intervention: Intervention) -> Result<(), String> {
        intervention.validate()?;
        if let Intervention::Consumers(count) = intervention {
            let slots = u64::from(count) * u64::from(self.scenario.consumers.concurrency);
            if slots > 10_000_000 {
                return Err(format!(
                    "consumers: {count} × concurrency {} is over 10,000,000 slots",
                    self.scenario.consumers.concurrency
                ));
            }
        }
        if self.outcome.is_some() {
            return Err("the run has finished; reset it to change the knobs".to_string());
        }
        let (kind, detail) = intervention.identity();
        self.fingerprint.record(self.now.as_nanos(), kind, detail);
        self.system
            .intervene(intervention, self.now, &mut self.events);
        debug_assert!(
            self.conservation().holds,
            "conservation broken by {intervention:?}"
        );
        Ok(())
    }

    /// Queue capacity now, or `None` when unbounded.
    pub fn queue_capacity(&self) -> Option<u64> {
        self.system.queue.capacity()
    }

    /// Consumers taking or about to take messages (active and starting).
    pub fn consumers_running(&self) -> u32 {
        use crate::model::consumer::ConsumerStatus::{Active, Starting};
        self.system.consumers.count(Active) + self.system.consumers.count(Starting)
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

    /// Processes every event up to and including `target` (capped at the scenario's end).
    pub fn run_until(&mut self, target: SimTime) -> RunStatus {
        self.run_slice(target, u64::MAX)
    }

    /// Like [`run_until`](Self::run_until), but stops after `max_events` events, with the
    /// clock at the last one, so a caller with a time budget (a browser frame) can yield.
    /// However a run is sliced, it processes and samples exactly the same events.
    pub fn run_slice(&mut self, target: SimTime, max_events: u64) -> RunStatus {
        if let Some(outcome) = self.outcome {
            return RunStatus::Finished(outcome);
        }
        if max_events == 0 {
            return RunStatus::Running;
        }
        // The clock never goes back, whatever the caller asks for.
        let horizon = target.max(self.now).min(self.limits.max_time);
        // One comparison per event serves both the run's event limit and this slice's budget.
        let stop_at = self
            .events_processed
            .saturating_add(max_events)
            .min(self.limits.max_events);
        while let Some((time, event)) = self.events.pop_due(horizon) {
            if time >= self.next_sample_at {
                self.take_samples_through(time);
            }
            self.now = time;
            let (kind, detail) = event.identity();
            self.fingerprint.record(time.as_nanos(), kind, detail);
            self.system.handle(event, time, &mut self.events);
            self.events_processed += 1;
            debug_assert!(
                self.conservation().holds,
                "conservation broken after {event:?} at {time}"
            );
            // Only an arrival creates a message, so only an arrival can cross the live limit.
            let produced = matches!(event, Event::Arrival { .. });
            if produced || self.events_processed >= stop_at {
                if let Some(limit) = self.limit_hit(produced) {
                    return self.finish(RunOutcome::Truncated { at: time, limit });
                }
                if self.events_processed >= stop_at {
                    return RunStatus::Running;
                }
            }
        }
        // Arrivals paused by an operator may resume, so an idle run only drains when nobody
        // turned the traffic off.
        if self.events.len() == 0 && self.system.operator_traffic_multiplier != 0.0 {
            return self.finish(RunOutcome::Drained { at: self.now });
        }
        self.now = horizon;
        self.take_samples_through(horizon);
        if horizon == self.limits.max_time {
            return self.finish(RunOutcome::Completed { at: horizon });
        }
        RunStatus::Running
    }

    #[inline]
    fn limit_hit(&self, produced: bool) -> Option<LimitHit> {
        if self.events_processed >= self.limits.max_events {
            Some(LimitHit::MaxEvents(self.limits.max_events))
        } else if produced && self.system.live_messages() > self.limits.max_live_messages {
            Some(LimitHit::MaxLiveMessages(self.limits.max_live_messages))
        } else {
            None
        }
    }

    fn finish(&mut self, outcome: RunOutcome) -> RunStatus {
        self.outcome = Some(outcome);
        RunStatus::Finished(outcome)
    }

    /// Records every grid point at or before `time`, with the state as it is now.
    fn take_samples_through(&mut self, time: SimTime) {
        while self.next_sample_at <= time {
            let at = self.next_sample_at;
            self.record_sample(at);
            self.next_sample_at = at + self.sample_interval;
        }
    }

    fn record_sample(&mut self, at: SimTime) {
        let system = &mut self.system;
        let counts = system.metrics.counts;
        let base = self.previous_sample;
        let interval = if self.series.is_empty() {
            0.0
        } else {
            self.sample_interval.as_secs_f64()
        };
        let rate = |now: u64, before: u64| {
            if interval > 0.0 {
                (now - before) as f64 / interval
            } else {
                0.0
            }
        };
        let busy_slot_seconds = system.metrics.busy_slot_seconds(at);
        let slots = f64::from(system.consumers.slot_count());
        let lag_seconds = system
            .queue
            .oldest_enqueued_at()
            .map_or(0.0, |oldest| (at - oldest).as_secs_f64());
        if lag_seconds > self.lag_alert.as_secs_f64() {
            self.seconds_over_alert += interval;
        }
        self.max_lag_seconds_sampled = self.max_lag_seconds_sampled.max(lag_seconds);
        let downstream_gauges = system.downstream_gauges(at);
        let faults_active = system.faults_active() as f64;
        let latency = &mut system.metrics.interval_end_to_end;
        self.series.push(SeriesRow {
            time: at.as_secs_f64(),
            queue_depth: system.queue.len() as f64,
            lag_seconds,
            in_service: f64::from(system.consumers.in_service()),
            consumers_busy: f64::from(system.consumers.busy_consumers()),
            consumers_active: f64::from(
                system
                    .consumers
                    .count(crate::model::consumer::ConsumerStatus::Active),
            ),
            utilisation: if interval > 0.0 {
                (busy_slot_seconds - base.busy_slot_seconds) / (slots * interval)
            } else {
                0.0
            },
            blocked: system.queue.blocked_len() as f64,
            waiting_to_retry: system.metrics.waiting_to_retry as f64,
            produced_per_second: rate(counts.produced, base.produced),
            accepted_per_second: rate(counts.accepted, base.accepted),
            completed_per_second: rate(counts.completed, base.completed),
            failed_per_second: rate(counts.failed, base.failed),
            rejected_per_second: rate(counts.rejected, base.rejected),
            retried_per_second: rate(counts.retried, base.retried),
            dropped_per_second: rate(counts.dropped, base.dropped),
            redelivered_per_second: rate(counts.redelivered, base.redelivered),
            waiting_to_redeliver: system.metrics.waiting_to_redeliver as f64,
            dead_letter_depth: counts.dead_lettered as f64,
            downstream_in_use: downstream_gauges.0,
            breaker_state: downstream_gauges.1,
            faults_active,
            latency_p50: latency.quantile_seconds(0.5),
            latency_p99: latency.quantile_seconds(0.99),
        });
        latency.reset();
        self.previous_sample = SampleBase {
            produced: counts.produced,
            accepted: counts.accepted,
            completed: counts.completed,
            failed: counts.failed,
            rejected: counts.rejected,
            retried: counts.retried,
            dropped: counts.dropped,
            redelivered: counts.redelivered,
            busy_slot_seconds,
        };
    }

    /// Where every produced message is now.
    pub fn conservation(&self) -> Conservation {
        let system = &self.system;
        let produced = system.metrics.counts.produced;
        let accounted = system.settled_messages() + system.live_messages();
        Conservation {
            holds: produced == accounted,
            produced,
            accounted,
            queued: system.queue.len() as u64,
            in_service: u64::from(system.consumers.in_service()),
            blocked: system.queue.blocked_len() as u64,
            waiting_to_retry: system.metrics.waiting_to_retry,
            dead_lettered: system.metrics.counts.dead_lettered,
            waiting_to_redeliver: system.metrics.waiting_to_redeliver,
        }
    }

    /// The summary of the run so far (complete once the run has finished).
    pub fn summary(&self) -> Summary {
        let system = &self.system;
        let metrics = &system.metrics;
        let elapsed = self.now.as_secs_f64();
        let per_second = |count: u64| {
            if elapsed > 0.0 {
                count as f64 / elapsed
            } else {
                0.0
            }
        };
        let offered = system
            .producers
            .iter()
            .map(|p| p.mean_rate(self.limits.max_time))
            .sum::<f64>();
        // The bottleneck: consumer slots (own work plus a call at low contention) or the
        // downstream pool at its best.
        let call_seconds = system
            .downstream
            .as_ref()
            .map_or(Some(0.0), |d| d.mean_latency_seconds(1));
        let consumer_capacity = match (system.consumers.mean_service_seconds(), call_seconds) {
            (Some(work), Some(call)) if work + call > 0.0 => {
                f64::from(system.consumers.slot_count()) / (work + call)
            }
            _ => 0.0,
        };
        let capacity = match &system.downstream {
            Some(downstream) => consumer_capacity.min(downstream.capacity_per_second()),
            None => consumer_capacity,
        };
        let final_lag_seconds = system
            .queue
            .oldest_enqueued_at()
            .map_or(0.0, |oldest| (self.now - oldest).as_secs_f64());
        let percentiles = |h: &crate::metrics::LatencyHistogram| Percentiles {
            count: h.count(),
            mean: h.mean_seconds(),
            p50: h.quantile_seconds(0.5),
            p90: h.quantile_seconds(0.9),
            p99: h.quantile_seconds(0.99),
            p999: h.quantile_seconds(0.999),
            max: h.max_seconds(),
        };
        let classes = system
            .classes
            .iter()
            .enumerate()
            .map(|(index, class)| {
                let counts = metrics.classes[index];
                let p99 = match metrics.class_end_to_end.get(index) {
                    Some(histogram) => histogram.quantile_seconds(0.99),
                    None => metrics.end_to_end.quantile_seconds(0.99),
                };
                ClassSummary {
                    name: class.name.clone(),
                    priority: class.priority,
                    produced: counts.produced,
                    completed: counts.completed,
                    failed: counts.failed,
                    rejected: counts.rejected,
                    dropped: counts.dropped,
                    dead_lettered: counts.dead_lettered,
                    p99_latency: p99,
                }
            })
            .collect();
        let (outcome, truncated_by) = match self.outcome {
            Some(RunOutcome::Truncated { limit, .. }) => {
                ("truncated".to_string(), Some(limit.to_string()))
            }
            Some(outcome) => (outcome.label().to_string(), None),
            None => ("running".to_string(), None),
        };
        let mut summary = Summary {
            scenario: self.scenario.name.clone(),
            seed: self.scenario.seed,
            outcome,
            truncated_by,
            simulated_seconds: elapsed,
            events: self.events_processed,
            fingerprint: self.fingerprint.hex(),
            capacity: CapacitySummary {
                offered_per_second: offered,
                capacity_per_second: capacity,
                offered_load: if capacity > 0.0 {
                    offered / capacity
                } else {
                    f64::INFINITY
                },
            },
            lag: LagSummary {
                max_messages: metrics.max_queue_depth,
                max_seconds: metrics
                    .max_queue_age
                    .as_secs_f64()
                    .max(final_lag_seconds)
                    .max(self.max_lag_seconds_sampled),
                final_messages: system.queue.len() as u64,
                final_seconds: final_lag_seconds,
                alert_seconds: self.lag_alert.as_secs_f64(),
                seconds_over_alert: self.seconds_over_alert,
            },
            latency: percentiles(&metrics.end_to_end),
            queue_wait: percentiles(&metrics.queue_wait),
            counts: metrics.counts,
            lost: metrics.lost(),
            conservation: self.conservation(),
            throughput: Throughput {
                in_per_second: per_second(metrics.counts.accepted),
                out_per_second: per_second(metrics.counts.completed),
            },
            utilisation: if elapsed > 0.0 {
                metrics.busy_slot_seconds(self.now)
                    / (f64::from(system.consumers.slot_count()) * elapsed)
            } else {
                0.0
            },
            work: {
                let useful = metrics.useful_work_nanos as f64 / 1e9;
                let wasted = metrics.wasted_work_nanos as f64 / 1e9;
                WorkSummary {
                    goodput_per_second: per_second(metrics.counts.completed),
                    attempts_per_second: per_second(
                        metrics.counts.completed + metrics.counts.processing_failures,
                    ),
                    useful_seconds: useful,
                    wasted_seconds: wasted,
                    wasted_ratio: if useful + wasted > 0.0 {
                        wasted / (useful + wasted)
                    } else {
                        0.0
                    },
                }
            },
            downstream: system.downstream.as_ref().map(|d| DownstreamSummary {
                name: d.name.clone(),
                calls: metrics.counts.downstream_calls,
                timeouts: metrics.counts.call_timeouts,
                errors: metrics.counts.call_errors,
                breaker_rejected: metrics.counts.breaker_rejected,
                breaker_opened: d.breaker.as_ref().map_or(0, |b| b.opened),
                max_connections_in_use: d.max_in_use,
            }),
            faults: self
                .scenario
                .faults
                .iter()
                .map(|f| FaultWindow {
                    kind: f.kind.name().to_string(),
                    start_seconds: f.at.as_secs_f64(),
                    end_seconds: f.until.map(|u| u.as_secs_f64()),
                })
                .collect(),
            classes,
            assertions: Vec::new(),
        };
        summary.assertions = self
            .scenario
            .assertions
            .iter()
            .filter_map(|table| Assertion::from_table(table).ok())
            .map(|assertion| AssertionResult {
                check: assertion.to_string(),
                actual: assertion.actual(&summary),
                passed: assertion.holds(&summary),
            })
            .collect();
        summary
    }

    /// Raw queue observations for validation against queueing theory.
    pub fn queue_statistics(&self) -> QueueStatistics {
        let metrics = &self.system.metrics;
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
        self.system.queue.allocated_bytes()
    }

    /// Messages waiting in the queue now.
    pub fn queue_depth(&self) -> u64 {
        self.system.queue.len() as u64
    }
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
