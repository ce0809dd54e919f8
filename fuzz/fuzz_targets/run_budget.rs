//! Any scenario that validates runs to an end under a small budget, conserving messages.
//! The first byte picks TOML or JSON; the budget (20,000 events, 100,000 live messages, at
//! most an hour simulated) keeps each run to milliseconds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_core::{Scenario, SimDuration, Simulation, scenario::Duration};

fuzz_target!(|data: &[u8]| {
    let Some((&format, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let parsed = if format % 2 == 0 {
        Scenario::from_toml(text, "fuzz.toml")
    } else {
        Scenario::from_json(text, "fuzz.json")
    };
    let Ok(mut scenario) = parsed else {
        return;
    };
    scenario.limits.max_events = scenario.limits.max_events.min(20_000);
    scenario.limits.max_live_messages = scenario.limits.max_live_messages.min(100_000);
    let hour = Duration(SimDuration::from_secs(3600));
    scenario.duration = scenario.duration.min(hour);
    // Shortening the run cannot make it invalid, but a run starts only from a valid one.
    let Ok(mut simulation) = Simulation::new(&scenario) else {
        return;
    };
    simulation.run();
    let summary = simulation.summary();
    assert!(
        summary.conservation.holds,
        "conservation broken: {:?}",
        summary.conservation
    );
    let _ = simulation.series().len();
});
