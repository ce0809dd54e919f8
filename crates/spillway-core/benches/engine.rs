//! `cargo bench -p spillway-core`: events per second on the benchmark models, every metric on:
//! M/M/8 at ρ = 0.9 through the bounded queue, and the same load through an SQS queue with
//! batches and visibility churn.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spillway_core::{Scenario, Simulation};

fn bench_model(c: &mut Criterion, name: &str, toml: &str) {
    let scenario = Scenario::from_toml(toml, name).expect("benchmark scenario is valid");
    let events = {
        let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        simulation.events_processed()
    };
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events));
    group.sample_size(20);
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
            simulation.run();
            simulation.events_processed()
        })
    });
    group.finish();
}

fn mmc8(c: &mut Criterion) {
    bench_model(c, "mmc8_rho0.9_events", include_str!("mmc8.toml"));
}

fn sqs(c: &mut Criterion) {
    bench_model(c, "sqs_rho0.9_events", include_str!("sqs.toml"));
}

fn kafka(c: &mut Criterion) {
    bench_model(c, "kafka_48p_12m_events", include_str!("kafka.toml"));
}

criterion_group!(benches, mmc8, sqs, kafka);
criterion_main!(benches);
