//! `cargo bench -p spillway-core`: events per second on M/M/8 at ρ = 0.9, metrics on.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spillway_core::{Scenario, Simulation};

fn mmc8(c: &mut Criterion) {
    let scenario = Scenario::from_toml(include_str!("mmc8.toml"), "mmc8.toml")
        .expect("benchmark scenario is valid");
    let events = {
        let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        simulation.events_processed()
    };
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events));
    group.sample_size(20);
    group.bench_function("mmc8_rho0.9_events", |b| {
        b.iter(|| {
            let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
            simulation.run();
            simulation.events_processed()
        })
    });
    group.finish();
}

criterion_group!(benches, mmc8);
criterion_main!(benches);
