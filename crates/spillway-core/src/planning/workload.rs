//! The planner's view of a scenario: the numbers the closed forms need (arrival rate, service
//! time and their variability, servers, waiting room) and every reason those closed forms
//! may not describe the scenario.

use std::fmt;

use serde::Serialize;

use crate::engine::simulation::Simulation;
use crate::scenario::{ArrivalPattern, Capacity, DistributionSpec, RateProfileSpec, Scenario};

/// What the closed forms see of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workload {
    /// Mean offered rate, msg/s (the producers' designed rate over the run).
    pub arrival_rate: f64,
    /// Squared coefficient of variation of inter-arrival times (1 for Poisson, 0 for a
    /// metronome).
    pub arrival_scv: f64,
    /// Mean time a consumer slot spends per message, seconds (its own work, plus the
    /// downstream call at low contention).
    pub mean_service: f64,
    /// Squared coefficient of variation of the service time; `None` when the variance is
    /// infinite (a Pareto tail with shape ≤ 2).
    pub service_scv: Option<f64>,
    /// Slots per consumer (`consumers.concurrency`).
    pub concurrency: u32,
    /// Waiting room: `None` for an unbounded queue.
    pub waiting_room: Option<u64>,
    /// Messages already waiting at the start (to drain on top of the arrivals).
    #[serde(skip_serializing_if = "is_zero")]
    pub initial_backlog: u64,
    /// Why the closed forms may be wrong for this scenario, most serious first.
    pub caveats: Vec<Caveat>,
}

/// A reason the analytic answer may be unsafe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Caveat {
    /// The rate changes over time (bursts, schedules, a diurnal curve, traffic faults): the
    /// closed forms see only the mean rate.
    BurstyArrivals,
    /// Service times with a heavy tail (c² > 1, or infinite variance).
    HeavyTail,
    /// Failed work is retried (producer or consumer retries): the real load exceeds the
    /// offered rate.
    Retries,
    /// A downstream dependency (its pool, latency, timeouts, breaker) sits in the service time.
    Downstream,
    /// Scripted faults, crashes or health checks change capacity during the run.
    Faults,
    /// The consumer count changes during the run.
    Autoscaler,
    /// An SQS broker: visibility timeouts and receives are not in the closed forms.
    Sqs,
    /// A rate limiter or load shedding refuses work before the queue.
    AdmissionControl,
    /// Priority order between message classes.
    Priorities,
}

impl fmt::Display for Caveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Caveat::BurstyArrivals => {
                "the arrival rate varies over time; the closed forms see only its mean, so \
                 bursts build backlogs they do not predict"
            }
            Caveat::HeavyTail => {
                "service times have a heavy tail (c² > 1); Erlang C assumes exponential \
                 service and understates waits"
            }
            Caveat::Retries => {
                "failed work is retried, so consumers see more than the offered rate"
            }
            Caveat::Downstream => {
                "each message calls a downstream pool whose contention, timeouts and \
                 breaker are not in the closed forms"
            }
            Caveat::Faults => "faults, crashes or health checks take capacity away during the run",
            Caveat::Autoscaler => "an autoscaler changes the consumer count during the run",
            Caveat::Sqs => {
                "an SQS queue: visibility timeouts, redeliveries and receives are not in the \
                 closed forms"
            }
            Caveat::AdmissionControl => "a rate limiter or load shedding refuses work first",
            Caveat::Priorities => "message classes are served by priority, not in arrival order",
        })
    }
}

impl Workload {
    /// Time for `consumers` to work off the initial backlog while the arrivals go on (the
    /// fluid drain time backlog / (capacity − arrival rate)): 0 without a backlog, infinite
    /// when the pool cannot keep up.
    pub fn drain_seconds(&self, consumers: u32) -> f64 {
        if self.initial_backlog == 0 {
            return 0.0;
        }
        let capacity =
            f64::from(consumers) * f64::from(self.concurrency) / self.mean_service.max(1e-12);
        let spare = capacity - self.arrival_rate;
        if spare > 0.0 {
            self.initial_backlog as f64 / spare
        } else {
            f64::INFINITY
        }
    }

    /// A plain queue: Poisson arrivals at `arrival_rate`, `service` per message, one slot per
    /// consumer, `waiting_room` places.
    pub fn poisson(
        arrival_rate: f64,
        service: &DistributionSpec,
        waiting_room: Option<u64>,
    ) -> Self {
        let mut workload = Workload {
            arrival_rate,
            arrival_scv: 1.0,
            mean_service: service_mean(service),
            service_scv: service_scv(service),
            concurrency: 1,
            waiting_room,
            initial_backlog: 0,
            caveats: Vec::new(),
        };
        workload.note_tail();
        workload
    }

    /// What the closed forms see of `scenario`, and what they miss.
    pub fn from_scenario(scenario: &Scenario) -> Result<Self, crate::ScenarioErrors> {
        let load = Simulation::new(scenario)?.summary().capacity;
        let consumers = &scenario.consumers;
        let slots = f64::from(consumers.count) * f64::from(consumers.concurrency);
        let mean_service = if load.capacity_per_second > 0.0 {
            slots / load.capacity_per_second
        } else {
            service_mean(&consumers.service_time)
        };
        let rates: Vec<(f64, f64)> = scenario
            .producers
            .iter()
            .map(|p| {
                let scv = match p.arrivals {
                    ArrivalPattern::Poisson => 1.0,
                    ArrivalPattern::Constant => 0.0,
                };
                (p.rate.0, scv)
            })
            .collect();
        let total: f64 = rates.iter().map(|(rate, _)| rate).sum();
        // A superposition of streams: the rate-weighted c² (Whitt's asymptotic method).
        let arrival_scv = if total > 0.0 {
            rates.iter().map(|(rate, scv)| rate * scv).sum::<f64>() / total
        } else {
            1.0
        };
        let mut caveats = Vec::new();
        let varies = scenario
            .producers
            .iter()
            .any(|p| !matches!(p.profile, RateProfileSpec::Steady) || p.stop_at.is_some())
            || scenario
                .faults
                .iter()
                .any(|f| matches!(f, crate::scenario::FaultSpec::Traffic { .. }));
        if varies {
            caveats.push(Caveat::BurstyArrivals);
        }
        let retries = scenario
            .producers
            .iter()
            .any(|p| p.retry.is_some() || p.poison_share > 0.0)
            || consumers.retry.is_some()
            || consumers.error_probability > 0.0;
        if retries {
            caveats.push(Caveat::Retries);
        }
        if scenario.downstream.is_some() {
            caveats.push(Caveat::Downstream);
        }
        if scenario.sqs.is_some() {
            caveats.push(Caveat::Sqs);
        }
        if scenario
            .faults
            .iter()
            .any(|f| !matches!(f, crate::scenario::FaultSpec::Traffic { .. }))
            || consumers.health_check.is_some()
        {
            caveats.push(Caveat::Faults);
        }
        if scenario.autoscaler.is_some() {
            caveats.push(Caveat::Autoscaler);
        }
        if scenario.rate_limiter.is_some() || scenario.shedding.is_some() {
            caveats.push(Caveat::AdmissionControl);
        }
        let classes = scenario.producers.iter().flat_map(|p| &p.classes);
        let priorities: std::collections::BTreeSet<i32> = classes.map(|c| c.priority).collect();
        if priorities.len() > 1 && scenario.queue.order == crate::scenario::DequeueOrder::Priority {
            caveats.push(Caveat::Priorities);
        }
        let mut workload = Workload {
            arrival_rate: load.offered_per_second,
            arrival_scv,
            mean_service,
            service_scv: service_scv(&consumers.service_time),
            concurrency: consumers.concurrency,
            waiting_room: match (&scenario.sqs, scenario.queue.capacity) {
                (Some(_), _) | (None, Capacity::Unbounded) => None,
                (None, Capacity::Bounded(n)) => Some(n),
            },
            initial_backlog: scenario.initial_backlog,
            caveats,
        };
        workload.note_tail();
        Ok(workload)
    }

    /// Service rate of one slot, msg/s.
    pub fn service_rate(&self) -> f64 {
        1.0 / self.mean_service
    }

    /// Offered load in Erlangs: λ × E[S], the number of busy slots the load needs.
    pub fn offered_erlangs(&self) -> f64 {
        self.arrival_rate * self.mean_service
    }

    /// The consumers' worth of work the load brings: λ·E[S] / concurrency, rounded up (the
    /// "at least" of back-of-the-envelope sizing: at exactly this many, they are 100% busy).
    pub fn consumers_of_work(&self) -> u32 {
        let needed = self.offered_erlangs() / f64::from(self.concurrency);
        // Round up, but not past a whole number that floating point missed by a hair.
        (libm::ceil(needed - 1e-9) as u32).max(1)
    }

    /// The fewest consumers that keep up with the mean rate at all (utilisation < 100%).
    pub fn consumers_to_keep_up(&self) -> u32 {
        let needed = self.offered_erlangs() / f64::from(self.concurrency);
        (libm::floor(needed) as u32).saturating_add(1).max(1)
    }

    /// True when no caveat applies and arrivals are Poisson and service exponential: the
    /// closed forms are exact (M/M/c, M/M/c/K).
    pub fn is_markovian(&self) -> bool {
        self.caveats.is_empty()
            && self.arrival_scv == 1.0
            && self.service_scv.is_some_and(|c| (c - 1.0).abs() < 1e-9)
    }

    fn note_tail(&mut self) {
        if self.service_scv.is_none_or(|c| c > 1.0 + 1e-9) {
            // Most serious after bursts: keep the order stable.
            let at = usize::from(self.caveats.first() == Some(&Caveat::BurstyArrivals));
            self.caveats.insert(at, Caveat::HeavyTail);
        }
    }
}

/// E[S] in seconds.
pub fn service_mean(service: &DistributionSpec) -> f64 {
    match service {
        DistributionSpec::Constant { value } => value.as_secs_f64(),
        DistributionSpec::Exponential { mean } | DistributionSpec::Lognormal { mean, .. } => {
            mean.as_secs_f64()
        }
        DistributionSpec::Uniform { min, max } => (min.as_secs_f64() + max.as_secs_f64()) / 2.0,
        DistributionSpec::Pareto { min, shape } => {
            if *shape > 1.0 {
                shape * min.as_secs_f64() / (shape - 1.0)
            } else {
                f64::INFINITY
            }
        }
        DistributionSpec::Empirical { values, weights } => weighted(values, weights).0,
    }
}

/// Var[S] / E[S]², or `None` when the variance is infinite.
pub fn service_scv(service: &DistributionSpec) -> Option<f64> {
    match service {
        DistributionSpec::Constant { .. } => Some(0.0),
        DistributionSpec::Exponential { .. } => Some(1.0),
        DistributionSpec::Lognormal { mean, stddev } => {
            let ratio = stddev.as_secs_f64() / mean.as_secs_f64();
            Some(ratio * ratio)
        }
        DistributionSpec::Uniform { min, max } => {
            let (a, b) = (min.as_secs_f64(), max.as_secs_f64());
            let mean = (a + b) / 2.0;
            Some((b - a) * (b - a) / 12.0 / (mean * mean))
        }
        DistributionSpec::Pareto { shape, .. } => {
            (*shape > 2.0).then(|| 1.0 / (shape * (shape - 2.0)))
        }
        DistributionSpec::Empirical { values, weights } => {
            let (mean, second) = weighted(values, weights);
            Some((second - mean * mean).max(0.0) / (mean * mean))
        }
    }
}

/// Weighted E[S] and E[S²] of measured values.
fn weighted(values: &[crate::scenario::Duration], weights: &[f64]) -> (f64, f64) {
    let weight = |i: usize| weights.get(i).copied().unwrap_or(1.0);
    let total: f64 = (0..values.len()).map(weight).sum();
    let (mut first, mut second) = (0.0, 0.0);
    for (i, v) in values.iter().enumerate() {
        let s = v.as_secs_f64();
        first += weight(i) * s;
        second += weight(i) * s * s;
    }
    (first / total, second / total)
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}
