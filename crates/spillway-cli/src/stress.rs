//! `spillway stress`: "test with sustained 2× load for 30 minutes" — the scenario with every
//! producer's rate multiplied, held for a while, and what gave first, and when.

use serde::Serialize;
use spillway_core::scenario::Override;
use spillway_core::{MetricUnit, Scenario, Simulation, Summary, TimeSeries};

use crate::Failure;
use crate::args::StressOptions;
use crate::report::terminal_safe;
use crate::run::{apply_each, bad_scenario, key_path, load_scenario};

/// Something that gave under the load: what, when it first showed, and how bad it got.
#[derive(Debug, Serialize)]
struct Give {
    /// Short name: `queue-full`, `lag-alert`, …
    what: &'static str,
    /// What it means, for the report.
    meaning: &'static str,
    /// When it first showed, seconds into the stress (at sample resolution).
    at_seconds: f64,
    /// The worst value seen, in the column's unit.
    worst: f64,
    /// How `worst` reads.
    worst_text: String,
}

#[derive(Serialize)]
struct StressReport<'a> {
    scenario: &'a str,
    factor: f64,
    hold_seconds: f64,
    sample_seconds: f64,
    /// In the order they gave.
    gave: Vec<Give>,
    held: Vec<&'static str>,
    summary: &'a Summary,
}

/// A sign of distress: a series column and when it counts as given.
struct Check {
    what: &'static str,
    meaning: &'static str,
    column: &'static str,
    gave: fn(f64, &Scenario) -> bool,
    unit: MetricUnit,
}

const CHECKS: &[Check] = &[
    Check {
        what: "queue-full",
        meaning: "the queue refused, dropped or blocked sends",
        column: "rejected_per_second",
        gave: |v, _| v > 0.0,
        unit: MetricUnit::Count,
    },
    Check {
        what: "queue-full",
        meaning: "the queue refused, dropped or blocked sends",
        column: "dropped_per_second",
        gave: |v, _| v > 0.0,
        unit: MetricUnit::Count,
    },
    Check {
        what: "queue-full",
        meaning: "the queue refused, dropped or blocked sends",
        column: "blocked",
        gave: |v, _| v > 0.0,
        unit: MetricUnit::Count,
    },
    Check {
        what: "lag-alert",
        meaning: "consumer lag passed metrics.lag_alert",
        column: "lag_seconds",
        gave: |v, s| v > s.metrics.lag_alert.as_secs_f64(),
        unit: MetricUnit::Duration,
    },
    Check {
        what: "breaker-open",
        meaning: "the circuit breaker opened",
        column: "breaker_state",
        gave: |v, _| v >= 1.0,
        unit: MetricUnit::Ratio,
    },
    Check {
        what: "dlq-growth",
        meaning: "messages went to the dead-letter queue",
        column: "dead_letter_depth",
        gave: |v, _| v > 0.0,
        unit: MetricUnit::Count,
    },
    Check {
        what: "failures",
        meaning: "processing attempts failed",
        column: "failed_per_second",
        gave: |v, _| v > 0.0,
        unit: MetricUnit::Count,
    },
    Check {
        what: "retries",
        meaning: "producers started retrying refused sends",
        column: "retried_per_second",
        gave: |v, _| v > 0.0,
        unit: MetricUnit::Count,
    },
];

pub(crate) fn stress(options: StressOptions) -> Result<(), Failure> {
    if !(options.factor.is_finite() && options.factor > 0.0) {
        return Err(Failure::BadInput(format!(
            "--factor: must be a number > 0, got {}",
            options.factor
        )));
    }
    let base = load_scenario(&options.scenario, "steady")?;
    let mut overrides = vec![Override::written_as(
        key_path("duration"),
        format!("{:?}", options.hold),
        format!("--for {}", options.hold),
    )];
    for (index, producer) in base.producers.iter().enumerate() {
        let rate = producer.rate.0 * options.factor;
        overrides.push(Override::written_as(
            key_path(&format!("producers[{index}].rate")),
            format!("\"{rate}/s\""),
            format!(
                "--factor {} (producers[{index}].rate {rate}/s)",
                options.factor
            ),
        ));
    }
    let scenario = apply_each(base, &overrides)?;
    if scenario.duration.as_secs_f64() < scenario.metrics.sample_interval.as_secs_f64() {
        return Err(Failure::BadInput(format!(
            "--for {}: hold the load for at least one sample interval ({}), or nothing is seen",
            options.hold, scenario.metrics.sample_interval
        )));
    }
    let mut simulation = Simulation::new(&scenario).map_err(bad_scenario)?;
    simulation.run();
    let summary = simulation.summary();
    let gave = findings(simulation.series(), &scenario);
    let mut held: Vec<&'static str> = CHECKS
        .iter()
        .map(|c| c.what)
        .filter(|what| gave.iter().all(|g| g.what != *what))
        .collect();
    held.dedup();
    let report = StressReport {
        scenario: &scenario.name,
        factor: options.factor,
        hold_seconds: scenario.duration.as_secs_f64(),
        sample_seconds: scenario.metrics.sample_interval.as_secs_f64(),
        gave,
        held,
        summary: &summary,
    };
    if options.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialise")
        );
    } else {
        print_report(&report);
    }
    if report.gave.is_empty() && summary.passed() {
        Ok(())
    } else {
        Err(Failure::Violated)
    }
}

/// The first sample at which each sign of distress showed, in time order (one per kind).
fn findings(series: &TimeSeries, scenario: &Scenario) -> Vec<Give> {
    let times = series.column("time").unwrap_or(&[]);
    let mut gave: Vec<Give> = Vec::new();
    for check in CHECKS {
        let Some(values) = series.column(check.column) else {
            continue;
        };
        let Some(first) = values.iter().position(|&v| (check.gave)(v, scenario)) else {
            continue;
        };
        let worst = values.iter().copied().fold(0.0, f64::max);
        let at = times.get(first).copied().unwrap_or(0.0);
        let worst_text = match check.column {
            c if c.ends_with("_per_second") => format!("peak {:.1}/s", worst),
            "breaker_state" => "open".to_string(),
            _ => format!("peak {}", check.unit.format(worst)),
        };
        match gave.iter_mut().find(|g| g.what == check.what) {
            Some(existing) if existing.at_seconds <= at => {}
            Some(existing) => {
                existing.at_seconds = at;
                existing.worst = worst;
                existing.worst_text = worst_text;
            }
            None => gave.push(Give {
                what: check.what,
                meaning: check.meaning,
                at_seconds: at,
                worst,
                worst_text,
            }),
        }
    }
    gave.sort_by(|a, b| a.at_seconds.total_cmp(&b.at_seconds));
    gave
}

fn print_report(report: &StressReport) {
    let s = report.summary;
    println!(
        "stress · {} · {}× the load for {} ({:.1} msg/s offered vs {:.1} msg/s capacity = {:.2})",
        terminal_safe(report.scenario),
        report.factor,
        MetricUnit::Duration.format(report.hold_seconds),
        s.capacity.offered_per_second,
        s.capacity.capacity_per_second,
        s.capacity.offered_load
    );
    println!();
    if report.gave.is_empty() {
        println!(
            "  nothing gave: no refused sends, lag under its alert, no breaker, no DLQ, no failures"
        );
    } else {
        println!(
            "  what gave, in order (times at the {} sample resolution):",
            MetricUnit::Duration.format(report.sample_seconds)
        );
        for (index, give) in report.gave.iter().enumerate() {
            println!(
                "  {}. {:<13} at {:>9}  {} ({})",
                index + 1,
                give.what,
                MetricUnit::Duration.format(give.at_seconds),
                give.meaning,
                give.worst_text
            );
        }
    }
    if !report.held.is_empty() {
        println!("  held: {}", report.held.join(", "));
    }
    println!();
    println!(
        "  max lag {} messages · {} oldest · p99 latency {} · lost {} of {} · outcome {}",
        MetricUnit::Count.format(s.lag.max_messages as f64),
        MetricUnit::Duration.format(s.lag.max_seconds),
        MetricUnit::Duration.format(s.latency.p99),
        MetricUnit::Count.format(s.lost as f64),
        MetricUnit::Count.format(s.counts.produced as f64),
        s.outcome
    );
    if let Some(limit) = &s.truncated_by {
        println!("  TRUNCATED: {}", terminal_safe(limit));
    }
}
