//! Any text read as a TOML scenario: a scenario or located errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_core::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Scenario::from_toml(text, "fuzz.toml") {
        // A valid scenario survives its own serialisation.
        Ok(scenario) => {
            let again = Scenario::from_toml(&scenario.to_toml(), "again.toml");
            assert!(again.is_ok(), "{again:?}\n{}", scenario.to_toml());
        }
        Err(errors) => {
            assert!(!errors.0.is_empty());
            assert!(errors.to_string().starts_with("fuzz.toml"));
        }
    }
});
