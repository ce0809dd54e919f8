//! Snapshots of the human-readable outputs: the run report and the preset list. Runs are
//! deterministic, so the numbers, the event count and the fingerprint are kept: a change in
//! any of them is a change in behaviour (or in the report) to look at, not noise.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test -p spillway-cli --test reports`
//! (or `cargo insta review`), then read the diff.

use assert_cmd::Command;

fn spillway(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(args)
        .output()
        .unwrap();
    format!(
        "$ spillway {}\nexit code: {}\n--- stderr\n{}--- stdout\n{}",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
        String::from_utf8(out.stdout).unwrap()
    )
}

#[test]
fn sustained_overload_report() {
    // Exit 1: the preset breaks its own SLO assertions, which the report lists.
    insta::assert_snapshot!(
        "sustained_overload_report",
        spillway(&["run", "--preset", "sustained-overload"])
    );
}

#[test]
fn presets_list() {
    insta::assert_snapshot!("presets_list", spillway(&["presets"]));
}
