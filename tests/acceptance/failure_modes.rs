//! Failure modes that emerge from the component rules: retry storms that outlive their
//! trigger, death spirals, and the fixes that hold (backoff + jitter + budgets, breakers,
//! shedding). Each test states its bound.

use spillway_core::scenario::*;
use spillway_core::{Preset, Simulation, Summary, TimeSeries};

fn run(scenario: &Scenario) -> (Summary, TimeSeries) {
    let mut simulation = Simulation::new(scenario);
    simulation.run();
    (simulation.summary(), simulation.series().clone())
}

fn preset(name: &str) -> Scenario {
    Preset::find(name).unwrap().scenario().unwrap()
}

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
