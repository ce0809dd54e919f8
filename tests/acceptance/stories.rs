//! The presets tell the stories their descriptions promise, conservation holds with every
//! feature on, and run limits stop runaway scenarios.

use spillway_acceptance::{preset, run_scenario};
use spillway_core::scenario::*;
use spillway_core::{LimitHit, Preset, RunOutcome, Simulation, Summary, TimeSeries};

fn run(name: &str) -> (Summary, TimeSeries) {
    run_scenario(&preset(name))
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
    let mut plain = Simulation::new(&scenario).expect("a valid scenario");
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
        poison_share = 0.01
        arrivals = "constant"
        profile = { kind = "sine", period = "10m", amplitude = 0.9 }
        retry = { max_attempts = 3, jitter = "equal", honour_retry_after = false }
        [queue]
        capacity = 200
        overflow = "block"
        block_timeout = "2s"
        high_watermark = 0.9
        order = "priority"
        dead_letter_queue = true
        [consumers]
        count = 5
        concurrency = 2
        error_probability = 0.02
        retry = { max_attempts = 3, base = "50ms", budget = { kind = "grpc" } }
        health_check = { timeout = "5s", restart_after = "20s" }
        service_time = { distribution = "lognormal", mean = "400ms", stddev = "300ms" }
        [autoscaler]
        metric = "utilisation"
        target = 0.6
        min = 5
        max = 12
        evaluation_period = "20s"
        cooldown = "40s"
        startup_delay = "15s"
        metric_delay = "20s"
        [downstream]
        pool_size = 6
        latency = { distribution = "exponential", mean = "100ms" }
        latency_per_connection = "20ms"
        timeout = "400ms"
        error_probability = 0.01
        breaker = { style = "hystrix" }
        [rate_limiter]
        rate = "35/s"
        [shedding]
        when_depth_over = 150
        below_priority = 1
        [[faults]]
        kind = "downstream-slow"
        multiplier = 5
        at = "5m"
        until = "8m"
        [[faults]]
        kind = "traffic"
        multiplier = 2
        at = "10m"
        until = "12m"
        [[faults]]
        kind = "poison"
        share = 0.05
        at = "15m"
        until = "16m"
        [[faults]]
        kind = "downstream-down"
        at = "20m"
        until = "21m"
        [[faults]]
        kind = "consumer-crash"
        count = 3
        restart_after = "1m"
        at = "24m"
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
        let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        let summary = simulation.summary();
        assert!(
            summary.conservation.holds,
            "{overflow:?}: {:?}",
            summary.conservation
        );
        let c = summary.counts;
        assert!(
            c.retried > 0 && c.redelivered > 0,
            "{overflow:?} exercises both kinds of retry"
        );
        assert!(
            c.dead_lettered > 0 && c.processing_failures > c.dead_lettered,
            "{overflow:?} exercises the DLQ"
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
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
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
    assert_eq!(summary.outcome, spillway_core::OutcomeKind::Truncated);
    assert!(summary.truncated_by.unwrap().contains("max_live_messages"));

    scenario.limits = LimitsSpec {
        max_events: 1000,
        ..LimitsSpec::default()
    };
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    assert!(matches!(
        simulation.run(),
        RunOutcome::Truncated {
            limit: LimitHit::MaxEvents(1000),
            ..
        }
    ));
    assert_eq!(simulation.events_processed(), 1000);
}

#[test]
fn poison_messages_are_retried_then_dead_lettered_and_waste_work() {
    let (summary, series) = run("poison-messages");
    let c = summary.counts;
    // 2% of messages are poison; each fails 10 times, then goes to the DLQ.
    let expected = 0.02 * c.produced as f64;
    assert!(
        (c.dead_lettered as f64 / expected - 1.0).abs() < 0.15,
        "{} dead-lettered, ~{expected} expected",
        c.dead_lettered
    );
    assert_eq!(c.failed, 0, "with a DLQ nothing fails for good");
    let settled_poison_attempts = 10 * c.dead_lettered;
    assert!(c.processing_failures >= settled_poison_attempts);
    assert!(
        c.processing_failures - settled_poison_attempts
            <= 10 * (summary.conservation.waiting_to_redeliver + 20)
    );
    assert!(
        (0.1..0.25).contains(&summary.work.wasted_ratio),
        "wasted {}",
        summary.work.wasted_ratio
    );
    assert!(summary.work.attempts_per_second > summary.work.goodput_per_second * 1.15);
    assert_eq!(
        *series.dead_letter_depth.last().unwrap(),
        c.dead_lettered as f64
    );
    assert!(summary.conservation.holds);
}

/// Every processing attempt fails; producers stop at 5 minutes so the run drains.
fn always_failing(retry: &str) -> Summary {
    let text = format!(
        r#"
        duration = "1h"
        [[producers]]
        rate = "5/s"
        stop_at = "5m"
        [queue]
        dead_letter_queue = true
        [consumers]
        count = 4
        error_probability = 1.0
        service_time = {{ distribution = "exponential", mean = "50ms" }}
        {retry}
        "#
    );
    let scenario = Scenario::from_toml(&text, "always-failing").unwrap();
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    assert!(matches!(simulation.run(), RunOutcome::Drained { .. }));
    simulation.summary()
}

#[test]
fn with_every_attempt_failing_work_is_one_plus_retries_times_the_base() {
    for retries in [0u64, 1, 3, 7] {
        let retry = if retries == 0 {
            String::new()
        } else {
            format!(
                "retry = {{ max_attempts = {}, base = \"100ms\", cap = \"2s\" }}",
                retries + 1
            )
        };
        let summary = always_failing(&retry);
        let c = summary.counts;
        assert_eq!(c.dead_lettered, c.produced, "{retries} retries");
        assert_eq!(
            c.processing_failures,
            (1 + retries) * c.produced,
            "{retries} retries"
        );
        assert_eq!(c.redelivered, retries * c.produced);
        assert_eq!(summary.work.wasted_ratio, 1.0);
    }
}

#[test]
fn retry_budgets_cap_the_amplification_when_everything_fails() {
    let unlimited = always_failing(r#"retry = { max_attempts = 4, base = "100ms" }"#);
    assert_eq!(unlimited.counts.redelivered, 3 * unlimited.counts.produced);
    // AWS standard: 500 tokens at 5 a retry, and no success ever refunds any: 100 retries.
    let aws = always_failing(
        r#"retry = { max_attempts = 4, base = "100ms", budget = { kind = "aws-standard" } }"#,
    );
    assert_eq!(aws.counts.redelivered, 100);
    assert_eq!(aws.counts.processing_failures, aws.counts.produced + 100);
    // gRPC throttling: 10 tokens, −1 a failure, retries only while tokens > 5: four retries.
    let grpc = always_failing(
        r#"retry = { max_attempts = 4, base = "100ms", budget = { kind = "grpc" } }"#,
    );
    assert_eq!(grpc.counts.redelivered, 4);
    for summary in [&unlimited, &aws, &grpc] {
        assert!(summary.conservation.holds);
    }
}
