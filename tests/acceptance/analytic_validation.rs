//! The simulator against closed forms: ≥ 30 replications per case with separate seeds, the
//! first 10% of simulated time deleted as warm-up, a 95% confidence interval that must
//! contain the exact value in at least 90% of cases, with half-width ≤ 5% (10% at ρ = 0.9).

use spillway_acceptance::{confidence_interval, queueing_scenario};
use spillway_core::analytic::*;
use spillway_core::scenario::{DistributionSpec, Duration};
use spillway_core::{SimDuration, SimTime, Simulation};

const REPLICATIONS: u64 = 30;

#[derive(Debug)]
enum Measure {
    MeanWait,
    Blocking,
}

struct Case {
    label: String,
    arrival_rate: f64,
    service: DistributionSpec,
    servers: u32,
    capacity: Option<u64>,
    rho: f64,
    measure: Measure,
    exact: f64,
    customers: f64,
}

fn exponential() -> DistributionSpec {
    DistributionSpec::Exponential {
        mean: Duration::from_secs(1),
    }
}

fn cases() -> Vec<Case> {
    let customers = |rho: f64| {
        if rho >= 0.85 {
            120_000.0
        } else if rho >= 0.65 {
            50_000.0
        } else {
            25_000.0
        }
    };
    let mut cases = Vec::new();
    for rho in [0.3, 0.5, 0.7, 0.8, 0.9] {
        cases.push(Case {
            label: format!("M/M/1 ρ={rho}"),
            arrival_rate: rho,
            service: exponential(),
            servers: 1,
            capacity: None,
            rho,
            measure: Measure::MeanWait,
            exact: mm1_mean_wait(rho, 1.0),
            customers: customers(rho),
        });
    }
    for (servers, rho) in [
        (2, 0.3),
        (2, 0.6),
        (2, 0.9),
        (5, 0.5),
        (5, 0.7),
        (5, 0.9),
        (10, 0.7),
        (10, 0.9),
    ] {
        let arrival_rate = rho * f64::from(servers);
        cases.push(Case {
            label: format!("M/M/{servers} ρ={rho}"),
            arrival_rate,
            service: exponential(),
            servers,
            capacity: None,
            rho,
            measure: Measure::MeanWait,
            exact: mmc_mean_wait(arrival_rate, 1.0, servers),
            customers: customers(rho) * if rho < 0.65 { 2.0 } else { 1.0 },
        });
    }
    for (waiting_room, rho) in [(2, 0.7), (4, 0.9), (9, 0.9)] {
        let system_capacity = waiting_room + 1;
        for measure in [Measure::Blocking, Measure::MeanWait] {
            let exact = match measure {
                Measure::Blocking => mm1k_blocking(rho, 1.0, system_capacity),
                Measure::MeanWait => mm1k_mean_wait(rho, 1.0, system_capacity),
            };
            cases.push(Case {
                label: format!("M/M/1/{system_capacity} ρ={rho} {measure:?}"),
                arrival_rate: rho,
                service: exponential(),
                servers: 1,
                capacity: Some(u64::from(waiting_room)),
                rho,
                measure,
                exact,
                customers: 60_000.0,
            });
        }
    }
    // Erlang B: a loss system (capacity = 0, no waiting room), 25 Erlangs on 30 servers.
    cases.push(Case {
        label: "M/M/30/30 a=25 Blocking".into(),
        arrival_rate: 25.0,
        service: exponential(),
        servers: 30,
        capacity: Some(0),
        rho: 25.0 / 30.0,
        measure: Measure::Blocking,
        exact: erlang_b(30, 25.0),
        customers: 60_000.0,
    });
    for rho in [0.5, 0.9] {
        cases.push(Case {
            label: format!("M/D/1 ρ={rho}"),
            arrival_rate: rho,
            service: DistributionSpec::Constant {
                value: Duration::from_secs(1),
            },
            servers: 1,
            capacity: None,
            rho,
            measure: Measure::MeanWait,
            exact: md1_mean_wait(rho, 1.0),
            customers: customers(rho),
        });
    }
    // M/G/1 with uniform service on [0.5 s, 1.5 s]: E[S] = 1, E[S²] = 1 + 1/12.
    cases.push(Case {
        label: "M/G/1 (uniform) ρ=0.7".into(),
        arrival_rate: 0.7,
        service: DistributionSpec::Uniform {
            min: Duration::from_millis(500),
            max: Duration::from_millis(1500),
        },
        servers: 1,
        capacity: None,
        rho: 0.7,
        measure: Measure::MeanWait,
        exact: mg1_mean_wait(0.7, 1.0, 1.0 + 1.0 / 12.0),
        customers: 50_000.0,
    });
    cases
}

/// One replication: the measure over [warm-up, end].
fn replicate(case: &Case, seed: u64) -> f64 {
    let duration = (case.customers / case.arrival_rate).ceil() as u64;
    let scenario = queueing_scenario(
        case.arrival_rate,
        case.service.clone(),
        case.servers,
        case.capacity,
        duration,
        seed,
    );
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    simulation.run_until(SimTime::ZERO + SimDuration::from_secs(duration / 10));
    let warm = simulation.queue_statistics();
    simulation.run();
    let end = simulation.queue_statistics();
    match case.measure {
        Measure::MeanWait => {
            (end.total_wait_seconds - warm.total_wait_seconds)
                / (end.waits_recorded - warm.waits_recorded) as f64
        }
        Measure::Blocking => {
            (end.refused - warm.refused) as f64 / (end.offered - warm.offered) as f64
        }
    }
}

#[test]
fn simulated_queues_match_queueing_theory() {
    let cases = cases();
    assert!(
        cases.len() >= 16,
        "the suite needs at least 16 cases, has {}",
        cases.len()
    );
    let mut contained = 0;
    let mut report = Vec::new();
    for case in &cases {
        let results: Vec<f64> = (1..=REPLICATIONS)
            .map(|seed| replicate(case, seed))
            .collect();
        let (mean, half_width) = confidence_interval(&results);
        let relative_half_width = half_width / case.exact;
        let limit = if case.rho >= 0.9 { 0.10 } else { 0.05 };
        let contains = (mean - half_width..=mean + half_width).contains(&case.exact);
        contained += usize::from(contains);
        report.push(format!(
            "{:<28} exact {:>9.5}  simulated {:>9.5} ± {:>7.5} ({:>5.2}%) {}",
            case.label,
            case.exact,
            mean,
            half_width,
            relative_half_width * 100.0,
            if contains { "contains" } else { "MISSES" }
        ));
        assert!(
            relative_half_width <= limit,
            "{}: half-width {:.2}% exceeds {:.0}%\n{}",
            case.label,
            relative_half_width * 100.0,
            limit * 100.0,
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
    let coverage = contained as f64 / cases.len() as f64;
    assert!(
        coverage >= 0.9,
        "only {contained} of {} intervals contain the exact value\n{}",
        cases.len(),
        report.join("\n")
    );
}
