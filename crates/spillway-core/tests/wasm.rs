//! Determinism across platforms: the core compiled to wasm32 runs presets and must produce
//! the same event-log fingerprints as the native build (the golden file the native
//! acceptance test checks). Run with `cargo xtask test` (Node.js, wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use spillway_core::{Preset, Simulation};
use wasm_bindgen_test::wasm_bindgen_test;

const GOLDEN: &str = include_str!("golden-fingerprints.txt");

fn golden(name: &str) -> &'static str {
    GOLDEN
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .unwrap_or_else(|| panic!("{name} is not in golden-fingerprints.txt"))
}

fn fingerprint(name: &str) -> String {
    let scenario = Preset::find(name).unwrap().scenario().unwrap();
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    simulation.run();
    simulation.summary().fingerprint
}

#[wasm_bindgen_test]
fn steady_matches_native() {
    assert_eq!(fingerprint("steady"), golden("steady"));
}

#[wasm_bindgen_test]
fn sustained_overload_matches_native() {
    assert_eq!(
        fingerprint("sustained-overload"),
        golden("sustained-overload")
    );
}

#[wasm_bindgen_test]
fn priority_shedding_matches_native() {
    // Lognormal service times: exercises libm's exp, log and sqrt.
    assert_eq!(
        fingerprint("priority-shedding"),
        golden("priority-shedding")
    );
}

#[wasm_bindgen_test]
fn retry_storms_and_breakers_match_native() {
    // Downstream pools, timeouts, faults, retry budgets and a circuit breaker.
    for name in [
        "retry-storm",
        "retry-storm-fixed",
        "breaker-saves-the-day",
        "autoscale-on-lag",
        "monday-morning-checklist",
    ] {
        assert_eq!(fingerprint(name), golden(name), "{name}");
    }
}

#[wasm_bindgen_test]
fn every_other_preset_matches_native() {
    for name in [
        "spike-absorbed",
        "backpressure-retry-storm",
        "poison-messages",
    ] {
        assert_eq!(fingerprint(name), golden(name), "{name}");
    }
}
