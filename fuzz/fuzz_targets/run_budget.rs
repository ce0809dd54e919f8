//! Any scenario that validates runs to an end under a small budget, conserving messages.
//! The first byte picks TOML or JSON; the budget (20,000 events, 100,000 live messages, at
//! most an hour simulated) keeps each run to milliseconds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_core::Scenario;

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
    let Ok(scenario) = parsed else {
        return;
    };
    spillway_fuzz::run_within_budget(scenario, 20_000);
});
