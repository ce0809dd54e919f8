//! Events per second on a benchmark model, as JSON: `mmc8` (M/M/8, ρ = 0.9, metrics on; the
//! default), `sqs` (the same load through an SQS queue with batches and visibility churn),
//! `kafka` (48 partitions, 12 members), `rabbitmq` (16 consumers × 2 handlers, prefetch 10),
//! or the path of any scenario file.
//! `cargo run --release -p spillway-core --example throughput -- [runs] [model]`
//! Used by `cargo xtask bench` to compare with SimPy and WebAssembly side by side.

use std::time::Instant;

use spillway_core::{Scenario, Simulation};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let model = std::env::args().nth(2).unwrap_or_else(|| "mmc8".into());
    let text = match model.as_str() {
        "mmc8" => include_str!("../benches/mmc8.toml").to_string(),
        "sqs" => include_str!("../benches/sqs.toml").to_string(),
        "kafka" => include_str!("../benches/kafka.toml").to_string(),
        "rabbitmq" => include_str!("../benches/rabbitmq.toml").to_string(),
        // Any scenario file: a smaller model to profile, or one of your own.
        path if path.ends_with(".toml") => std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("cannot read `{path}`: {e}");
            std::process::exit(2);
        }),
        other => {
            eprintln!("unknown model `{other}`: use mmc8, sqs, kafka, rabbitmq or a scenario file");
            std::process::exit(2);
        }
    };
    let scenario = Scenario::from_toml(&text, &model).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let mut rates = Vec::new();
    let mut events = 0;
    // One warm-up run first, as the WebAssembly harness does.
    for run in 0..=runs {
        let started = Instant::now();
        let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        let seconds = started.elapsed().as_secs_f64();
        events = simulation.events_processed();
        if run > 0 {
            rates.push(events as f64 / seconds);
        }
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "{{\"events\": {events}, \"runs\": {runs}, \"events_per_second_median\": {:.0}, \"events_per_second\": {:?}}}",
        rates[rates.len() / 2],
        rates.iter().map(|r| r.round()).collect::<Vec<_>>()
    );
}
