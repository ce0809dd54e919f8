//! Bad input never panics: property tests over arbitrary text and mutated scenario files.
//! (Random valid scenarios are run in `properties.rs`.)
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use spillway_core::scenario::{Format, parse_scenario};
use spillway_core::{PRESETS, Preset, Scenario};

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
