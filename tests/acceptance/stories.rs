//! The presets tell the stories their descriptions promise, conservation holds with every
//! feature on, and run limits stop runaway scenarios.

use spillway_core::scenario::*;
use spillway_core::{LimitHit, Preset, RunOutcome, Simulation, Summary, TimeSeries};

fn run(name: &str) -> (Summary, TimeSeries) {
    let scenario = Preset::find(name).unwrap().scenario().unwrap();
    let mut simulation = Simulation::new(&scenario);
    simulation.run();
    (simulation.summary(), simulation.series().clone())
}

fn value_at(series: &TimeSeries, column: &str, seconds: f64) -> f64 {
    let index = series.time.iter().position(|t| *t >= seconds).unwrap();
    series.column(column).unwrap()[index]
}

#[test]
fn sustained_overload_grows_lag_linearly_then_rejects() {
    let (summary, series) = run("sustained-overload");
    // 20 in, 15 out: the backlog grows by ~5 msg/s until the 3,000-message queue is full.
    // It is a random walk, so test the least-squares slope over the filling phase.
    let points: Vec<(f64, f64)> = series
        .time
        .iter()
        .zip(&series.queue_depth)
        .filter(|(t, _)| (60.0..=540.0).contains(*t))
        .map(|(t, d)| (*t, *d))
        .collect();
    let n = points.len() as f64;
    let (mean_t, mean_d) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let covariance: f64 = points
        .iter()
        .map(|(t, d)| (t - mean_t) * (d - mean_d))
        .sum();
    let variance_t: f64 = points.iter().map(|(t, _)| (t - mean_t).powi(2)).sum();
    let variance_d: f64 = points.iter().map(|(_, d)| (d - mean_d).powi(2)).sum();
    let slope = covariance / variance_t;
    let r_squared = covariance * covariance / (variance_t * variance_d);
    assert!(
        (4.0..=6.0).contains(&slope),
        "lag grows {slope:.2} msg/s, expected ~5"
    );
    assert!(r_squared > 0.98, "growth is linear: R² = {r_squared:.3}");
    let rejected_before_full = series
        .time
        .iter()
        .zip(&series.rejected_per_second)
        .filter(|(t, r)| **t < 500.0 && **r > 0.0)
        .count();
    assert_eq!(
        rejected_before_full, 0,
        "nothing is rejected while there is room"
    );
    assert_eq!(
        value_at(&series, "queue_depth", 900.0),
        3000.0,
        "full by minute 15"
    );
    let late_rejects: f64 = series
        .time
        .iter()
        .zip(&series.rejected_per_second)
        .filter(|(t, _)| **t > 800.0)
        .map(|(_, r)| r)
        .sum::<f64>()
        / series.time.iter().filter(|t| **t > 800.0).count() as f64;
    assert!(
        (late_rejects - 5.0).abs() < 1.0,
        "once full, ~5 msg/s are rejected, got {late_rejects}"
    );
    assert!(summary.lag.max_seconds > 120.0);
    assert!(summary.conservation.holds);
    assert!(
        !summary.passed(),
        "its SLO assertions fail, so `spillway run` exits 1"
    );
}

#[test]
fn spike_is_absorbed_without_loss_and_drained() {
    let (summary, series) = run("spike-absorbed");
    assert_eq!(summary.lost, 0);
    assert!(
        summary.lag.max_messages > 1000,
        "the burst does build a backlog"
    );
    assert!(
        value_at(&series, "queue_depth", 420.0) < 50.0,
        "drained within two and a half minutes"
    );
    assert!(summary.passed());
}

#[test]
fn retrying_into_a_full_queue_multiplies_sends_but_creates_no_capacity() {
    let (storm, _) = run("backpressure-retry-storm");
    let sends_per_message = storm.counts.send_attempts as f64 / storm.counts.produced as f64;
    assert!(sends_per_message > 5.0, "{sends_per_message}");
    assert!(storm.counts.pushed_back > 10 * storm.counts.produced / 2);
    // Without any retries the same overload loses its excess (~25%) outright…
    let mut scenario = Preset::find("backpressure-retry-storm")
        .unwrap()
        .scenario()
        .unwrap();
    scenario.producers[0].retry = None;
    let mut plain = Simulation::new(&scenario);
    plain.run();
    let plain = plain.summary();
    let loss = |s: &Summary| s.lost as f64 / s.counts.produced as f64;
    assert!(
        (loss(&plain) - 0.25).abs() < 0.03,
        "no-retry loss {}",
        loss(&plain)
    );
    // …and the storm of retries wins back only a sliver of it: consumers were the limit.
    assert!(
        loss(&storm) > 0.8 * loss(&plain),
        "storm loss {} vs plain {}",
        loss(&storm),
        loss(&plain)
    );
    assert!((storm.throughput.out_per_second - plain.throughput.out_per_second).abs() < 0.5);
}

#[test]
fn shedding_protects_the_important_class() {
    let (summary, _) = run("priority-shedding");
    let payments = summary
        .classes
        .iter()
        .find(|c| c.name == "payments")
        .unwrap();
    let analytics = summary
        .classes
        .iter()
        .find(|c| c.name == "analytics")
        .unwrap();
    assert_eq!(payments.rejected + payments.dropped, 0);
    assert!(analytics.rejected + analytics.dropped > 1000);
    assert!(payments.p99_latency < 2.0 && analytics.p99_latency > 20.0);
}

fn everything_on() -> Scenario {
    let text = r#"
        name = "everything"
        duration = "30m"
        [[producers]]
        rate = "30/s"
        profile = { kind = "on-off", on = "2m", off = "1m", off_multiplier = 0.2 }
        classes = [ { name = "gold", share = 1, priority = 5 }, { name = "bronze", share = 3 } ]
        retry = { max_attempts = 4, jitter = "decorrelated" }
        [[producers]]
        rate = "10/s"
        arrivals = "constant"
        profile = { kind = "sine", period = "10m", amplitude = 0.9 }
        retry = { max_attempts = 3, jitter = "equal", honour_retry_after = false }
        [queue]
        capacity = 200
        overflow = "block"
        block_timeout = "2s"
        high_watermark = 0.9
        order = "priority"
        [consumers]
        count = 5
        concurrency = 2
        error_probability = 0.02
        service_time = { distribution = "lognormal", mean = "400ms", stddev = "300ms" }
    "#;
    Scenario::from_toml(text, "everything").unwrap()
}

#[test]
fn conservation_holds_with_every_feature_on() {
    // Debug builds also check conservation after every single event.
    for overflow in [
        OverflowPolicy::Block,
        OverflowPolicy::Reject,
        OverflowPolicy::DropOldest,
        OverflowPolicy::ShedLowestPriority,
    ] {
        let mut scenario = everything_on();
        scenario.queue.overflow = overflow;
        let mut simulation = Simulation::new(&scenario);
        simulation.run();
        let summary = simulation.summary();
        assert!(
            summary.conservation.holds,
            "{overflow:?}: {:?}",
            summary.conservation
        );
        assert!(
            summary.counts.retried > 0 && summary.counts.failed > 0,
            "{overflow:?} exercises retries and failures"
        );
    }
}

#[test]
fn a_runaway_backlog_is_truncated_not_out_of_memory() {
    let mut scenario = Preset::find("sustained-overload")
        .unwrap()
        .scenario()
        .unwrap();
    scenario.queue.capacity = Capacity::Unbounded;
    scenario.limits.max_live_messages = 500;
    let mut simulation = Simulation::new(&scenario);
    let outcome = simulation.run();
    assert!(
        matches!(
            outcome,
            RunOutcome::Truncated {
                limit: LimitHit::MaxLiveMessages(500),
                ..
            }
        ),
        "{outcome:?}"
    );
    let summary = simulation.summary();
    assert_eq!(summary.outcome, "truncated");
    assert!(summary.truncated_by.unwrap().contains("max_live_messages"));

    scenario.limits = LimitsSpec {
        max_events: 1000,
        ..LimitsSpec::default()
    };
    let mut simulation = Simulation::new(&scenario);
    assert!(matches!(
        simulation.run(),
        RunOutcome::Truncated {
            limit: LimitHit::MaxEvents(1000),
            ..
        }
    ));
    assert_eq!(simulation.events_processed(), 1000);
}
