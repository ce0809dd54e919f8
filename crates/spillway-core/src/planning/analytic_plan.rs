//! The analytic answer: for a consumer count, what queueing theory predicts (Erlang C and B,
//! M/M/c/K, Pollaczek–Khinchine, Allen–Cunneen), and the fewest consumers that meet an SLO.

use serde::Serialize;

use crate::analytic::{allen_cunneen_mean_wait, erlang_c, mmc_mean_wait, mmc_wait_quantile, mmck};
use crate::metrics::assertion::Assertion;
use crate::planning::workload::Workload;

/// Waiting rooms larger than this are treated as unbounded (the difference is below the
/// formulas' precision for any stable load, and the exact distribution would be huge).
const LARGEST_EXACT_WAITING_ROOM: u64 = 200_000;

/// What the closed forms predict for one consumer count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnalyticPoint {
    /// Consumers.
    pub consumers: u32,
    /// Which model gave the numbers, e.g. "M/M/c (Erlang C)".
    pub model: &'static str,
    /// Busy share of the slots: λ(1 − blocking)·E[S] / slots.
    pub utilisation: f64,
    /// Share of accepted messages that wait at all.
    pub wait_probability: f64,
    /// Mean wait in the queue, seconds (+∞ when the queue cannot keep up).
    pub mean_wait: f64,
    /// 99th percentile of the wait in the queue, seconds.
    pub p99_wait: f64,
    /// Share of messages refused because the waiting room is full.
    pub blocking: f64,
    /// Mean number waiting (Little's law: λ_accepted × mean wait).
    pub mean_waiting: f64,
}

impl AnalyticPoint {
    /// The prediction for `consumers` consumers.
    pub fn at(workload: &Workload, consumers: u32) -> Self {
        let slots = consumers.saturating_mul(workload.concurrency).max(1);
        let lambda = workload.arrival_rate;
        let mu = workload.service_rate();
        let variability =
            (workload.arrival_scv + workload.service_scv.unwrap_or(f64::INFINITY)) / 2.0;
        let markovian = workload.arrival_scv == 1.0
            && workload.service_scv.is_some_and(|c| (c - 1.0).abs() < 1e-9);
        let finite = workload
            .waiting_room
            .filter(|&room| room <= LARGEST_EXACT_WAITING_ROOM);
        let (model, wait_probability, mean_wait, p99_wait, blocking) = match finite {
            Some(room) => {
                let q = mmck(lambda, mu, slots, room as u32, 0.99);
                let model = match (room, markovian) {
                    (0, true) => "M/M/c/c (Erlang B)",
                    (0, false) => "M/G/c/c (Erlang B, insensitive to the service law)",
                    (_, true) => "M/M/c/K",
                    (_, false) => "M/M/c/K (approximate: not Poisson/exponential)",
                };
                // Erlang B does not depend on the service distribution; waits do.
                let scale = if markovian { 1.0 } else { variability };
                (
                    model,
                    q.wait_probability,
                    q.mean_wait * scale,
                    q.wait_quantile * scale,
                    q.blocking,
                )
            }
            None => {
                let a = lambda / mu;
                let stable = a < f64::from(slots);
                let wait_probability = if stable { erlang_c(slots, a) } else { 1.0 };
                if markovian {
                    (
                        "M/M/c (Erlang C)",
                        wait_probability,
                        mmc_mean_wait(lambda, mu, slots),
                        mmc_wait_quantile(lambda, mu, slots, 0.99),
                        0.0,
                    )
                } else {
                    let model = if slots == 1 && workload.arrival_scv == 1.0 {
                        "M/G/1 (Pollaczek–Khinchine)"
                    } else {
                        "G/G/c (Allen–Cunneen)"
                    };
                    let mean_wait = match workload.service_scv {
                        Some(scv) => {
                            allen_cunneen_mean_wait(lambda, mu, slots, workload.arrival_scv, scv)
                        }
                        None => f64::INFINITY,
                    };
                    // The M/M/c tail scaled like the mean: an approximation, flagged as such.
                    let p99 = mmc_wait_quantile(lambda, mu, slots, 0.99) * variability;
                    (
                        model,
                        wait_probability,
                        mean_wait,
                        if stable { p99 } else { f64::INFINITY },
                        0.0,
                    )
                }
            }
        };
        let accepted = lambda * (1.0 - blocking);
        let utilisation = (accepted / mu / f64::from(slots)).min(1.0);
        AnalyticPoint {
            consumers,
            model,
            utilisation,
            wait_probability,
            mean_wait,
            p99_wait,
            blocking,
            mean_waiting: if mean_wait.is_finite() {
                accepted * mean_wait
            } else {
                f64::INFINITY
            },
        }
    }

    /// The predicted value of a summary metric, if a closed form gives it.
    pub fn metric(&self, workload: &Workload, name: &str) -> Option<f64> {
        match name {
            "p99_queue_wait" => Some(self.p99_wait),
            "mean_queue_wait" => Some(self.mean_wait),
            "mean_latency" => Some(self.mean_wait + workload.mean_service),
            "utilisation" => Some(self.utilisation),
            "catch_up_seconds" => Some(workload.drain_seconds(self.consumers)),
            "blocking_ratio" => Some(self.blocking),
            "loss_ratio" if !workload.caveats.contains(&super::Caveat::Retries) => {
                Some(self.blocking)
            }
            "offered_load" => Some(
                workload.offered_erlangs()
                    / f64::from(self.consumers.saturating_mul(workload.concurrency).max(1)),
            ),
            _ => None,
        }
    }

    /// True when the prediction meets every SLO that has a closed form.
    pub fn meets(&self, workload: &Workload, slos: &[Assertion]) -> bool {
        slos.iter().all(|slo| {
            self.metric(workload, slo.metric().name)
                .is_none_or(|value| slo.holds_for(value))
        })
    }
}

/// The analytic minimum: the fewest consumers (up to `most`) whose prediction meets every
/// SLO with a closed form, or `None` when none of the SLOs has one or no count up to `most`
/// meets them.
pub fn analytic_minimum(
    workload: &Workload,
    slos: &[Assertion],
    most: u32,
) -> Option<AnalyticPoint> {
    let probe = AnalyticPoint::at(workload, 1);
    if !slos
        .iter()
        .any(|slo| probe.metric(workload, slo.metric().name).is_some())
    {
        return None;
    }
    // A queue that cannot keep up never meets a wait SLO; a loss system may meet a blocking
    // one below that, so start low only when there is a waiting room to overflow.
    let start = if workload.waiting_room.is_some() {
        1
    } else {
        workload.consumers_to_keep_up()
    };
    (start..=most)
        .map(|consumers| AnalyticPoint::at(workload, consumers))
        .find(|point| point.meets(workload, slos))
}

/// The SLOs without a closed form (answered by simulation only).
pub fn simulated_only<'a>(workload: &Workload, slos: &'a [Assertion]) -> Vec<&'a Assertion> {
    let probe = AnalyticPoint::at(workload, 1);
    slos.iter()
        .filter(|slo| probe.metric(workload, slo.metric().name).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DistributionSpec, Duration};

    fn exponential(mean: Duration) -> DistributionSpec {
        DistributionSpec::Exponential { mean }
    }

    fn slo(metric: &str, condition: &str) -> Assertion {
        Assertion::parse(metric, condition).unwrap()
    }

    #[test]
    fn textbook_cases_through_the_planner() {
        // Erlang C: λ = 0.2/s, 240 s mean service, 55 servers.
        let w = Workload::poisson(0.2, &exponential(Duration::from_secs(240)), None);
        let p = AnalyticPoint::at(&w, 55);
        assert_eq!(p.model, "M/M/c (Erlang C)");
        assert!(
            (p.wait_probability - 0.2387).abs() < 5e-5,
            "{}",
            p.wait_probability
        );
        assert!((p.mean_wait - 8.18).abs() < 5e-3, "{}", p.mean_wait);
        // Erlang B: 25 Erlangs on 30 servers, no waiting room.
        let w = Workload::poisson(25.0, &exponential(Duration::from_secs(1)), Some(0));
        let p = AnalyticPoint::at(&w, 30);
        assert_eq!(p.model, "M/M/c/c (Erlang B)");
        assert!((p.blocking - 0.0526).abs() < 5e-5, "{}", p.blocking);
        // The article: 2,000 msg/s at 100 msg/s per consumer is at least 20 consumers' work;
        // 20 run at 100% and never drain, so 21 is the fewest that keep up.
        let w = Workload::poisson(2000.0, &exponential(Duration::from_millis(10)), None);
        assert_eq!(w.consumers_of_work(), 20);
        assert_eq!(w.consumers_to_keep_up(), 21);
        assert!(AnalyticPoint::at(&w, 20).mean_wait.is_infinite());
    }

    #[test]
    fn the_analytic_minimum_is_the_first_count_meeting_every_slo() {
        let w = Workload::poisson(2000.0, &exponential(Duration::from_millis(10)), None);
        let slos = [slo("p99_queue_wait", "< 2s")];
        let min = analytic_minimum(&w, &slos, 10_000).unwrap();
        assert!(AnalyticPoint::at(&w, min.consumers).p99_wait < 2.0);
        assert!(AnalyticPoint::at(&w, min.consumers - 1).p99_wait >= 2.0);
        // Utilisation ≤ 70%: 20 / 0.7 = 28.6, so 29.
        let min = analytic_minimum(&w, &[slo("utilisation", "<= 70%")], 10_000).unwrap();
        assert_eq!(min.consumers, 29);
        // Blocking < 0.1% in a loss system: the Erlang B inverse.
        let loss = Workload::poisson(25.0, &exponential(Duration::from_secs(1)), Some(0));
        let min = analytic_minimum(&loss, &[slo("blocking_ratio", "< 0.1%")], 10_000).unwrap();
        assert!(crate::analytic::erlang_b(min.consumers, 25.0) < 0.001);
        assert!(crate::analytic::erlang_b(min.consumers - 1, 25.0) >= 0.001);
        // No closed form for lag: simulation only.
        let lag = [slo("max_lag_seconds", "< 2m")];
        assert!(analytic_minimum(&w, &lag, 10_000).is_none());
        assert_eq!(simulated_only(&w, &lag).len(), 1);
    }

    #[test]
    fn variability_raises_the_approximate_wait() {
        let constant = DistributionSpec::Constant {
            value: Duration::from_millis(10),
        };
        let heavy = DistributionSpec::Lognormal {
            mean: Duration::from_millis(10),
            stddev: Duration::from_millis(30),
        };
        let at = |service: &DistributionSpec| {
            AnalyticPoint::at(&Workload::poisson(2000.0, service, None), 22).mean_wait
        };
        let mm = at(&exponential(Duration::from_millis(10)));
        assert!((at(&constant) - mm / 2.0).abs() < 1e-12);
        assert!((at(&heavy) - mm * 5.0).abs() < 1e-9); // (1 + 9) / 2
        assert!(
            Workload::poisson(2000.0, &heavy, None)
                .caveats
                .contains(&super::super::Caveat::HeavyTail)
        );
    }
}
