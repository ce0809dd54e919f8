//! Same scenario + same seed = the same run. The golden fingerprints are shared with the
//! WebAssembly test (`crates/spillway-core/tests/wasm.rs`), so native and WASM runs are
//! compared through one file. After an intended behaviour change: `cargo xtask bless`.

use spillway_core::{PRESETS, Simulation};

const GOLDEN: &str = include_str!("../../crates/spillway-core/tests/golden-fingerprints.txt");
const GOLDEN_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/spillway-core/tests/golden-fingerprints.txt"
);

fn run_preset(name: &str, seed: Option<u64>) -> (String, String) {
    let preset = spillway_core::Preset::find(name).unwrap();
    let mut scenario = preset.scenario().unwrap();
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    simulation.run();
    let summary = simulation.summary();
    (
        summary.fingerprint.clone(),
        serde_json::to_string(&summary).unwrap(),
    )
}

#[test]
fn the_same_seed_gives_an_identical_summary_and_fingerprint() {
    for preset in PRESETS {
        let (first_fingerprint, first_json) = run_preset(preset.name, None);
        let (second_fingerprint, second_json) = run_preset(preset.name, None);
        assert_eq!(first_fingerprint, second_fingerprint, "{}", preset.name);
        assert_eq!(first_json, second_json, "{}", preset.name);
    }
}

#[test]
fn a_different_seed_gives_a_different_run() {
    let (a, _) = run_preset("steady", Some(1));
    let (b, _) = run_preset("steady", Some(2));
    assert_ne!(a, b);
}

#[test]
fn fingerprints_match_the_golden_file_shared_with_wasm() {
    let actual: String = PRESETS
        .iter()
        .map(|preset| format!("{} {}\n", preset.name, run_preset(preset.name, None).0))
        .collect();
    if std::env::var_os("SPILLWAY_BLESS").is_some() {
        std::fs::write(GOLDEN_PATH, &actual).unwrap();
        return;
    }
    assert_eq!(
        GOLDEN, actual,
        "preset runs changed. If the change is intended, run `cargo xtask bless` and commit the file."
    );
}

#[test]
fn slicing_a_run_in_time_or_events_changes_nothing() {
    // The playground advances in frame-sized slices; every preset must come out the same as
    // one uninterrupted run: same events, same samples, same summary.
    for preset in PRESETS {
        let scenario = preset.scenario().unwrap();
        let mut whole = Simulation::new(&scenario).expect("a valid scenario");
        whole.run();
        let mut sliced = Simulation::new(&scenario).expect("a valid scenario");
        let mut step = 0u64;
        loop {
            step += 1;
            // Odd steps: a capped number of events; even ones: an odd stretch of time.
            let status = if step % 2 == 1 {
                sliced.run_slice(spillway_core::SimTime::from_nanos(u64::MAX), 1 + step % 997)
            } else {
                let target = sliced.now() + spillway_core::SimDuration::from_nanos(1_234_567_891);
                sliced.run_until(target)
            };
            if matches!(status, spillway_core::RunStatus::Finished(_)) {
                break;
            }
        }
        assert_eq!(whole.fingerprint(), sliced.fingerprint(), "{}", preset.name);
        assert_eq!(whole.series(), sliced.series(), "{}", preset.name);
        assert_eq!(
            serde_json::to_string(&whole.summary()).unwrap(),
            serde_json::to_string(&sliced.summary()).unwrap(),
            "{}",
            preset.name
        );
    }
}
