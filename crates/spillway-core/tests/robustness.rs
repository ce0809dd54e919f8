//! Bad input never panics, and every valid scenario conserves messages. Property tests over
//! arbitrary text, mutated scenario files and randomly generated valid scenarios.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use spillway_core::scenario::{Format, parse_scenario};
use spillway_core::{PRESETS, Preset, Scenario, Simulation};

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_is_an_error_or_a_scenario_never_a_panic(text in ".{0,400}") {
        for format in [Format::Toml, Format::Json] {
            if let Err(errors) = parse_scenario(&text, format, "fuzz") {
                prop_assert!(!errors.0.is_empty());
                prop_assert!(errors.to_string().starts_with("fuzz"));
            }
        }
    }

    #[test]
    fn mutated_presets_fail_with_a_location(preset in 0..PRESETS.len(), at in any::<prop::sample::Index>(), insert in "[-0-9a-z=\"\\[\\]{}., ]{1,6}") {
        let original = PRESETS[preset].toml;
        let mut position = at.index(original.len());
        while !original.is_char_boundary(position) {
            position -= 1;
        }
        let text = format!("{}{}{}", &original[..position], insert, &original[position..]);
        if let Err(errors) = Scenario::from_toml(&text, "mutated.toml") {
            for error in &errors.0 {
                prop_assert!(error.location.is_some(), "no location for: {error}");
            }
        }
    }

    #[test]
    fn random_valid_scenarios_conserve_messages(
        rate in 1.0f64..200.0,
        consumers in 1u32..8,
        concurrency in 1u32..4,
        mean_ms in 1u64..500,
        capacity in prop::option::of(1u64..300),
        overflow in prop::sample::select(vec!["reject", "drop-oldest", "block", "shed-lowest-priority"]),
        watermark in prop::option::of(0.2f64..1.0),
        attempts in 1u32..6,
        jitter in prop::sample::select(vec!["none", "full", "equal", "decorrelated"]),
        error_probability in 0.0f64..0.3,
        seed in any::<u64>(),
        downstream in prop::option::of((1u32..10, 1u64..200, 0u64..30, 50u64..2000, any::<bool>())),
        crash_at in prop::option::of(1u64..110),
        autoscale in any::<bool>(),
    ) {
        let downstream_table = match downstream {
            Some((pool, latency_ms, per_connection_ms, timeout_ms, breaker)) => format!(
                "[downstream]\npool_size = {pool}\nlatency = {{ distribution = \"exponential\", mean = \"{latency_ms}ms\" }}\nlatency_per_connection = \"{per_connection_ms}ms\"\ntimeout = \"{timeout_ms}ms\"\n{}\n[[faults]]\nkind = \"downstream-slow\"\nmultiplier = 5\nat = \"30s\"\nuntil = \"60s\"\n",
                if breaker { "breaker = { window_size = 20, minimum_calls = 10, wait_in_open = \"2s\", half_open_calls = 3 }" } else { "" }
            ),
            None => String::new(),
        };
        let crash_table = crash_at.map_or(String::new(), |at| {
            format!("[[faults]]\nkind = \"consumer-crash\"\ncount = 1\nat = \"{at}s\"\nrestart_after = \"5s\"\n")
        });
        let autoscaler_table = if autoscale {
            "[autoscaler]\nmetric = \"lag-messages\"\ntarget = 20\nmax = 12\nevaluation_period = \"5s\"\ncooldown = \"10s\"\nstartup_delay = \"3s\"\nscale_down_stabilization = \"15s\"\n"
        } else {
            ""
        };
        let capacity_line = capacity.map_or("\"unbounded\"".to_string(), |c| c.to_string());
        let watermark_line = match (watermark, capacity) {
            (Some(mark), Some(_)) => format!("high_watermark = {mark}"),
            _ => String::new(),
        };
        let text = format!(r#"
            seed = {seed}
            duration = "2m"
            [[producers]]
            rate = {rate}
            classes = [ {{ name = "a", share = 1, priority = 1 }}, {{ name = "b", share = 2 }} ]
            retry = {{ max_attempts = {attempts}, base = "10ms", cap = "1s", jitter = "{jitter}" }}
            [queue]
            dead_letter_queue = true
            capacity = {capacity_line}
            overflow = "{overflow}"
            block_timeout = "500ms"
            {watermark_line}
            [consumers]
            count = {consumers}
            concurrency = {concurrency}
            error_probability = {error_probability}
            service_time = {{ distribution = "exponential", mean = "{mean_ms}ms" }}
            retry = {{ max_attempts = 3, base = "20ms" }}
            {downstream_table}
            {crash_table}
            {autoscaler_table}
        "#);
        let scenario = Scenario::from_toml(&text, "generated").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
        simulation.run();
        let summary = simulation.summary();
        prop_assert!(summary.conservation.holds, "{:?}", summary.conservation);
        prop_assert_eq!(summary.counts.produced, summary.classes.iter().map(|c| c.produced).sum::<u64>());
    }
}

#[test]
fn presets_round_trip_through_toml_and_json() {
    for preset in PRESETS {
        let scenario = Preset::find(preset.name).unwrap().scenario().unwrap();
        let toml = scenario.to_toml();
        assert_eq!(
            Scenario::from_toml(&toml, "round-trip").unwrap(),
            scenario,
            "{}",
            preset.name
        );
        let json = serde_json::to_string(&scenario).unwrap();
        assert_eq!(
            Scenario::from_json(&json, "round-trip").unwrap(),
            scenario,
            "{}",
            preset.name
        );
    }
}
