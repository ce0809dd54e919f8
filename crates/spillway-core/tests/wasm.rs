//! Determinism across platforms: the core compiled to wasm32 runs every preset listed in the
//! golden file (the one the native acceptance test checks) and must produce the same
//! event-log fingerprints as the native build. Run with `cargo xtask test`, or
//! `cargo test -p spillway-core --target wasm32-unknown-unknown --test wasm` (Node.js and
//! wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use spillway_core::{PRESETS, Preset, Simulation};
use wasm_bindgen_test::wasm_bindgen_test;

const GOLDEN: &str = include_str!("golden-fingerprints.txt");

/// Every `name fingerprint` line of the golden file, in order. A line of any other shape
/// fails the test rather than being skipped.
fn golden() -> Vec<(&'static str, &'static str)> {
    GOLDEN
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                [name, fingerprint]
                    if fingerprint.len() == 16
                        && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    (name, fingerprint)
                }
                _ => panic!(
                    "golden-fingerprints.txt:{}: expected `preset-name 16-hex-digit-fingerprint`, got {line:?}",
                    index + 1
                ),
            }
        })
        .collect()
}

fn fingerprint(preset: Preset) -> String {
    let scenario = preset
        .scenario()
        .unwrap_or_else(|e| panic!("preset {}: {e}", preset.name));
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    simulation.run();
    simulation.summary().fingerprint
}

#[wasm_bindgen_test]
fn the_golden_file_lists_every_preset_once_and_nothing_else() {
    let golden = golden();
    for (name, _) in &golden {
        assert!(
            Preset::find(name).is_some(),
            "golden-fingerprints.txt names `{name}`, which is not a preset"
        );
        assert_eq!(
            golden.iter().filter(|(other, _)| other == name).count(),
            1,
            "golden-fingerprints.txt lists `{name}` more than once"
        );
    }
    for preset in PRESETS {
        assert!(
            golden.iter().any(|(name, _)| *name == preset.name),
            "preset `{}` is missing from golden-fingerprints.txt (`cargo xtask bless`)",
            preset.name
        );
    }
}

#[wasm_bindgen_test]
fn every_golden_preset_matches_native() {
    // Runs them all before failing, so one run reports every preset that diverged.
    let mismatches: Vec<String> = golden()
        .into_iter()
        .filter_map(|(name, expected)| {
            let preset = Preset::find(name)
                .unwrap_or_else(|| panic!("`{name}` in golden-fingerprints.txt is not a preset"));
            let actual = fingerprint(preset);
            (actual != expected).then(|| format!("{name}: wasm32 {actual}, native {expected}"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "wasm32 runs differ from the native golden fingerprints:\n{}",
        mismatches.join("\n")
    );
}
