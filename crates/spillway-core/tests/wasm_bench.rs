//! Events per second of the benchmark model in WebAssembly (Node.js), printed for
//! `cargo xtask bench`, which runs it in release mode beside the native figure. Not a timed
//! test: it asserts only that the run happened.
#![cfg(target_arch = "wasm32")]

use spillway_core::{Scenario, Simulation};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn throughput_of_the_benchmark_model() {
    measure(
        include_str!("../benches/mmc8.toml"),
        "WASM_EVENTS_PER_SECOND_MEDIAN",
    );
}

#[wasm_bindgen_test]
fn throughput_of_the_sqs_benchmark_model() {
    measure(
        include_str!("../benches/sqs.toml"),
        "WASM_SQS_EVENTS_PER_SECOND_MEDIAN",
    );
}

fn measure(toml: &str, label: &str) {
    let scenario = Scenario::from_toml(toml, "bench").unwrap();
    let mut rates = Vec::new();
    let mut events = 0;
    // The first run is a warm-up (V8 tiers hot code up from its baseline compiler).
    for run in 0..6 {
        let started = js_sys::Date::now();
        let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        let seconds = (js_sys::Date::now() - started) / 1000.0;
        events = simulation.events_processed();
        if run > 0 {
            rates.push(events as f64 / seconds);
        }
    }
    rates.sort_by(f64::total_cmp);
    assert!(events > 1_000_000);
    wasm_bindgen_test::console_log!("{label} {:.0}", rates[rates.len() / 2]);
}
