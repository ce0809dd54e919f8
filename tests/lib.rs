//! Shared helpers for the acceptance tests: scenarios built in code for queueing-theory checks.

use spillway_core::scenario::*;
use spillway_core::{Preset, Simulation, Summary, TimeSeries};

/// A single-queue scenario: Poisson arrivals at `arrival_rate`, `servers` consumers with the
/// given service distribution, an optional waiting-room `capacity` (reject when full).
pub fn queueing_scenario(
    arrival_rate: f64,
    service_time: DistributionSpec,
    servers: u32,
    capacity: Option<u64>,
    duration_seconds: u64,
    seed: u64,
) -> Scenario {
    Scenario {
        name: "validation".into(),
        description: String::new(),
        seed,
        duration: Duration::from_secs(duration_seconds),
        initial_backlog: 0,
        producers: vec![ProducerSpec {
            name: "arrivals".into(),
            rate: Rate(arrival_rate),
            arrivals: ArrivalPattern::Poisson,
            profile: RateProfileSpec::Steady,
            stop_at: None,
            classes: vec![],
            retry: None,
            poison_share: 0.0,
        }],
        queue: QueueSpec {
            capacity: capacity.map_or(Capacity::Unbounded, Capacity::Bounded),
            ..QueueSpec::default()
        },
        sqs: None,
        kafka: None,
        rabbitmq: None,
        consumers: ConsumerSpec {
            count: servers,
            concurrency: 1,
            service_time,
            error_probability: 0.0,
            retry: None,
            health_check: None,
            thrashing: None,
        },
        metrics: MetricsSpec {
            sample_interval: Duration::from_secs(60),
            ..MetricsSpec::default()
        },
        limits: LimitsSpec::default(),
        downstream: None,
        rate_limiter: None,
        shedding: None,
        faults: vec![],
        autoscaler: None,
        assertions: vec![],
    }
}

/// Mean and 95% confidence half-width (Student t) of replication results.
pub fn confidence_interval(samples: &[f64]) -> (f64, f64) {
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (
        mean,
        student_t_975(samples.len() - 1) * (variance / n).sqrt(),
    )
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (df ≥ 29 is enough here).
fn student_t_975(df: usize) -> f64 {
    match df {
        0..=28 => panic!("use at least 30 replications"),
        29 => 2.045,
        30..=39 => 2.042,
        40..=59 => 2.021,
        60..=119 => 2.000,
        _ => 1.96,
    }
}

/// A preset's scenario.
pub fn preset(name: &str) -> Scenario {
    Preset::find(name)
        .unwrap_or_else(|| panic!("no preset {name}"))
        .scenario()
        .unwrap()
}

/// Runs a scenario to its end: its summary and time series.
pub fn run_scenario(scenario: &Scenario) -> (Summary, TimeSeries) {
    let mut simulation = Simulation::new(scenario).expect("a valid scenario");
    simulation.run();
    (simulation.summary(), simulation.series().clone())
}
