//! Failure modes that emerge from the component rules: retry storms that outlive their
//! trigger, death spirals, and the fixes that hold (backoff + jitter + budgets, breakers,
//! shedding). Each test states its bound.

use spillway_core::scenario::*;
use spillway_core::{Summary, TimeSeries};

use spillway_acceptance::{preset, run_scenario as run};

/// Mean of a series column over [from, to) minutes.
fn mean_between(series: &TimeSeries, column: &str, from_minute: f64, to_minute: f64) -> f64 {
    let values: Vec<f64> = series
        .time
        .iter()
        .zip(series.column(column).unwrap())
        .filter(|(t, _)| **t > from_minute * 60.0 && **t <= to_minute * 60.0)
        .map(|(_, v)| *v)
        .collect();
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn a_retry_storm_outlives_its_trigger_and_the_fixed_design_recovers() {
    // The database is slow from minute 5 to 6; arrivals are 20/s throughout.
    let (storm, storm_series) = run(&preset("retry-storm"));
    let (fixed, fixed_series) = run(&preset("retry-storm-fixed"));
    let before = mean_between(&storm_series, "completed_per_second", 1.0, 5.0);
    assert!(before > 18.0, "healthy before the trigger: {before}");
    // Metastable: 4 to 14 minutes after the trigger ended, goodput is still under 10%.
    let storm_after = mean_between(&storm_series, "completed_per_second", 10.0, 20.0);
    assert!(
        storm_after < 2.0,
        "storm goodput after the trigger: {storm_after}/s"
    );
    assert!(
        mean_between(&storm_series, "downstream_in_use", 10.0, 20.0) > 19.5,
        "the pool stays saturated"
    );
    // The fixed design is back above 90% of demand within 3 minutes of the trigger ending.
    let fixed_after = mean_between(&fixed_series, "completed_per_second", 9.0, 20.0);
    assert!(
        fixed_after > 18.0,
        "fixed goodput after recovery: {fixed_after}/s"
    );
    assert!(fixed.work.goodput_per_second > 3.0 * storm.work.goodput_per_second);
    assert!(storm.conservation.holds && fixed.conservation.holds);
}

#[test]
fn a_death_spiral_keeps_consumers_busy_while_goodput_collapses() {
    let (spiral, series) = run(&preset("death-spiral"));
    // During the slowdown (minutes 6 to 15): under 10% of the 20/s demand succeeds …
    let goodput = mean_between(&series, "completed_per_second", 6.0, 15.0);
    assert!(goodput < 2.0, "goodput {goodput}/s");
    // … while attempts (throughput) stay above the demand and connections stay taken.
    assert!(spiral.work.attempts_per_second > 2.0 * spiral.work.goodput_per_second);
    assert!(mean_between(&series, "downstream_in_use", 6.0, 15.0) > 19.0);
    let downstream = spiral.downstream.as_ref().unwrap();
    assert!(
        downstream.timeouts > 10_000,
        "timeouts hold the connections: {}",
        downstream.timeouts
    );
    assert!(spiral.work.wasted_ratio > 0.9);
}

#[test]
fn a_circuit_breaker_keeps_messages_flowing_through_the_same_slowdown() {
    let (spiral, _) = run(&preset("death-spiral"));
    let (breaker, series) = run(&preset("breaker-saves-the-day"));
    let downstream = breaker.downstream.as_ref().unwrap();
    assert!(downstream.breaker_opened >= 1 && downstream.breaker_rejected > 0);
    assert!(breaker.work.goodput_per_second > 3.0 * spiral.work.goodput_per_second);
    assert!(breaker.counts.completed > 3 * spiral.counts.completed);
    // After the slowdown it is closed and healthy.
    assert_eq!(*series.breaker_state.last().unwrap(), 0.0);
    assert!(mean_between(&series, "completed_per_second", 16.0, 20.0) > 18.0);
}

#[test]
fn shedding_the_analytics_bounds_the_backlog_and_spares_payments() {
    let (shed, _) = run(&preset("shed-the-analytics"));
    let mut unshed_scenario = preset("shed-the-analytics");
    unshed_scenario.shedding = None;
    let (unshed, _) = run(&unshed_scenario);
    let payments = |s: &Summary| {
        s.classes
            .iter()
            .find(|c| c.name == "payments")
            .unwrap()
            .clone()
    };
    assert!(
        shed.lag.max_seconds < 60.0,
        "with shedding: {}",
        shed.lag.max_seconds
    );
    assert!(
        unshed.lag.max_seconds > 300.0,
        "without: {}",
        unshed.lag.max_seconds
    );
    assert_eq!(payments(&shed).rejected, 0);
    assert!(payments(&shed).p99_latency < 2.0);
    assert!(shed.counts.shed > 1000 && unshed.counts.shed == 0);
}

#[test]
fn a_traffic_fault_multiplies_arrivals_only_inside_its_window() {
    let (_, series) = run(&preset("shed-the-analytics"));
    let before = mean_between(&series, "produced_per_second", 1.0, 5.0);
    let during = mean_between(&series, "produced_per_second", 5.0, 15.0);
    let after = mean_between(&series, "produced_per_second", 15.0, 25.0);
    assert!((before / 15.0 - 1.0).abs() < 0.1, "{before}");
    assert!((during / 30.0 - 1.0).abs() < 0.1, "{during}");
    assert!((after / 15.0 - 1.0).abs() < 0.1, "{after}");
    assert_eq!(mean_between(&series, "faults_active", 6.0, 14.0), 1.0);
    assert_eq!(mean_between(&series, "faults_active", 16.0, 25.0), 0.0);
}

fn small_system(faults: &str) -> Scenario {
    let text = format!(
        r#"
        duration = "10m"
        [[producers]]
        rate = "10/s"
        [queue]
        dead_letter_queue = true
        [consumers]
        count = 5
        service_time = {{ distribution = "constant", value = "10ms" }}
        [downstream]
        pool_size = 5
        latency = {{ distribution = "constant", value = "20ms" }}
        timeout = "1s"
        {faults}
        "#
    );
    Scenario::from_toml(&text, "small").unwrap()
}

#[test]
fn downstream_faults_fail_calls_in_their_windows() {
    let healthy = run(&small_system("")).0;
    assert_eq!(healthy.counts.dead_lettered, 0);
    for kind in ["downstream-down", "downstream-read-only"] {
        let faults = format!("[[faults]]\nkind = \"{kind}\"\nat = \"2m\"\nuntil = \"4m\"");
        let (summary, series) = run(&small_system(&faults));
        // Two minutes of 10/s fail (fast, without timeouts); the rest succeed.
        assert!(
            (summary.counts.dead_lettered as f64 / 1200.0 - 1.0).abs() < 0.1,
            "{kind}: {}",
            summary.counts.dead_lettered
        );
        assert_eq!(
            summary.downstream.as_ref().unwrap().timeouts,
            0,
            "{kind} fails fast"
        );
        assert!(mean_between(&series, "completed_per_second", 2.1, 4.0) < 0.5);
        assert!(mean_between(&series, "completed_per_second", 4.1, 10.0) > 9.0);
    }
    let faults = "[[faults]]\nkind = \"downstream-errors\"\nprobability = 0.3\nat = \"0s\"";
    let (summary, _) = run(&small_system(faults));
    let error_share = summary.counts.dead_lettered as f64 / summary.counts.produced as f64;
    assert!((error_share - 0.3).abs() < 0.03, "{error_share}");
}

#[test]
fn a_rate_limiter_admits_its_rate_and_refuses_the_rest() {
    let text = r#"
        duration = "10m"
        [[producers]]
        rate = "30/s"
        [rate_limiter]
        rate = "20/s"
        burst = 20
        [consumers]
        count = 5
        service_time = { distribution = "constant", value = "10ms" }
    "#;
    let (summary, _) = run(&Scenario::from_toml(text, "limiter").unwrap());
    let admitted = summary.counts.accepted as f64 / 600.0;
    assert!((admitted - 20.0).abs() < 0.5, "admitted {admitted}/s");
    assert!(summary.counts.rate_limited > 5000);
    assert_eq!(
        summary.counts.rate_limited, summary.counts.rejected,
        "no retries: every refusal is lost"
    );
}

#[test]
fn autoscaling_on_lag_bounds_the_lag_a_fixed_pool_lets_grow() {
    let (scaled, series) = run(&preset("autoscale-on-lag"));
    let mut fixed_scenario = preset("autoscale-on-lag");
    fixed_scenario.autoscaler = None;
    let (fixed, _) = run(&fixed_scenario);
    assert!(
        scaled.lag.max_seconds < 120.0,
        "autoscaled: {}",
        scaled.lag.max_seconds
    );
    assert!(
        fixed.lag.max_seconds > 600.0,
        "fixed pool: {}",
        fixed.lag.max_seconds
    );
    // Scales up during the surge (60/s needs 12+ consumers at 200 ms) …
    assert!(mean_between(&series, "consumers_active", 9.0, 18.0) >= 12.0);
    // … new consumers take their start-up delay: none active in the first 45 s after the decision …
    assert_eq!(mean_between(&series, "consumers_active", 0.0, 5.0), 5.0);
    // … and returns to the minimum after the surge.
    assert_eq!(mean_between(&series, "consumers_active", 34.0, 40.0), 5.0);
    assert!(scaled.counts.scaled_up > 0 && scaled.counts.scaled_down > 0);
    assert_eq!(scaled.lost, 0);
}

fn crash_scenario(extra: &str) -> Scenario {
    let text = format!(
        r#"
        duration = "10m"
        [[producers]]
        rate = "20/s"
        [consumers]
        count = 6
        concurrency = 2
        service_time = {{ distribution = "exponential", mean = "300ms" }}
        {extra}
        "#
    );
    Scenario::from_toml(&text, "crash").unwrap()
}

#[test]
fn crashed_consumers_hand_back_their_messages_and_restart() {
    let faults =
        "[[faults]]\nkind = \"consumer-crash\"\ncount = 2\nat = \"3m\"\nrestart_after = \"1m\"";
    let (summary, series) = run(&crash_scenario(faults));
    assert_eq!(summary.counts.consumer_crashes, 2);
    assert!(
        summary.counts.interrupted > 0,
        "their in-service messages are delivered again"
    );
    assert_eq!(summary.lost, 0, "at-least-once: nothing is lost");
    assert_eq!(mean_between(&series, "consumers_active", 3.05, 4.0), 4.0);
    assert_eq!(mean_between(&series, "consumers_active", 4.05, 10.0), 6.0);
    assert!(summary.conservation.holds);
}

#[test]
fn a_health_check_that_kills_slow_consumers_makes_a_slowdown_worse() {
    let base = r#"
        [downstream]
        pool_size = 20
        latency = { distribution = "exponential", mean = "100ms" }
        timeout = "10s"
        [[faults]]
        kind = "downstream-slow"
        multiplier = 8
        at = "3m"
        until = "6m"
    "#;
    let (patient, _) = run(&crash_scenario(base));
    let impatient_scenario = crash_scenario(&format!(
        "{base}\n[consumers.health_check]\ntimeout = \"1s\"\nrestart_after = \"30s\""
    ));
    let (impatient, _) = run(&impatient_scenario);
    assert!(
        impatient.counts.health_check_kills > 10,
        "kills: {}",
        impatient.counts.health_check_kills
    );
    assert!(impatient.counts.interrupted > impatient.counts.health_check_kills);
    assert!(
        impatient.lag.max_seconds > 2.0 * patient.lag.max_seconds,
        "{} vs {}",
        impatient.lag.max_seconds,
        patient.lag.max_seconds
    );
    assert!(impatient.work.wasted_ratio > patient.work.wasted_ratio);
    assert!(impatient.conservation.holds);
}

#[test]
fn the_monday_morning_checklist_bends_but_loses_nothing_and_recovers() {
    let (summary, series) = run(&preset("monday-morning-checklist"));
    assert!(summary.passed(), "{:?}", summary.assertions);
    assert_eq!(summary.lost, 0);
    let downstream = summary.downstream.as_ref().unwrap();
    assert!(
        downstream.breaker_opened > 0,
        "the slowdown opens the breaker"
    );
    assert!(
        summary.counts.dead_lettered > 0,
        "the DLQ keeps what failed"
    );
    assert_eq!(summary.counts.consumer_crashes, 2);
    assert!(
        mean_between(&series, "completed_per_second", 14.0, 18.0) < 10.0,
        "it bends"
    );
    assert!(
        mean_between(&series, "completed_per_second", 30.0, 40.0) > 18.0,
        "and recovers"
    );
}
