//! `spillway report` as a reviewer runs it: one self-contained HTML file and a Markdown
//! version, the numbers that matter, the playground's charts, designs side by side.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn spillway_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillway"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("spillway runs")
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-review-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The text of the table cell in the row labelled `label`, for design `column` (0-based).
fn cell<'a>(html: &'a str, label: &str, column: usize) -> &'a str {
    let row = html
        .split("<tr>")
        .find(|row| row.starts_with(&format!("<td>{label}</td>")))
        .unwrap_or_else(|| panic!("no row {label}"));
    let row = row.split("</tr>").next().unwrap();
    row.split("<td")
        .nth(column + 2)
        .unwrap_or_else(|| panic!("no column {column} in {label}"))
}

#[test]
fn a_comparison_puts_the_designs_side_by_side_and_marks_what_got_better() {
    let dir = fresh_dir("compare");
    let out = spillway_in(
        &dir,
        &[
            "report",
            "-p",
            "sqs-visibility-trap",
            "--compare",
            "sqs-trap-fixed",
            "--duration",
            "10m",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let markdown = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(html.contains("<title>Review: sqs-visibility-trap vs sqs-trap-fixed</title>"));
    // Self-contained: charts inline, nothing fetched.
    assert!(!html.contains("src=\"http") && !html.contains("<link"));
    // The overlays (lag and goodput of both designs on one chart) come first, then each
    // design's own charts side by side: two drawings per row.
    for id in [
        "compare-lag",
        "compare-lag-seconds",
        "compare-goodput",
        "lag",
        "sqs-visibility",
    ] {
        assert!(
            html.contains(&format!("data-chart=\"{id}\"")),
            "no chart {id}"
        );
    }
    let lag_row = html.split("data-chart=\"lag\"").nth(1).unwrap();
    let lag_row = lag_row.split("data-chart=").next().unwrap();
    assert_eq!(
        lag_row.matches("<svg").count(),
        2,
        "lag is drawn for both designs"
    );
    // The fix does far less wasted work: its cell is marked better, with the change.
    let wasted = cell(&html, "wasted work (share of consumer time)", 1);
    assert!(wasted.starts_with(" class=\"better\""), "{wasted}");
    let baseline = cell(&html, "wasted work (share of consumer time)", 0);
    assert!(
        !baseline.contains("class="),
        "the baseline is not judged: {baseline}"
    );
    // Markdown: the same table with ▲/▼, and the charts as SVG files it links to.
    assert!(markdown.contains("| wasted work (share of consumer time) |"));
    assert!(markdown.contains("**▲"));
    let linked: Vec<&str> = markdown
        .split("](report-charts/")
        .skip(1)
        .map(|rest| rest.split(')').next().unwrap())
        .collect();
    assert!(linked.len() >= 5, "{linked:?}");
    for file in linked {
        let svg = std::fs::read_to_string(dir.join("report-charts").join(file)).unwrap();
        assert!(svg.starts_with("<svg"), "{file} is not an SVG");
    }
}

#[test]
fn every_design_runs_on_the_baselines_seed() {
    let dir = fresh_dir("seed");
    let out = spillway_in(
        &dir,
        &[
            "report",
            "-p",
            "steady",
            "--compare",
            "steady",
            "--seed",
            "7",
            "--duration",
            "2m",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    // The same scenario on the same seed is the same run: equal fingerprints, nothing marked.
    let (a, b) = (cell(&html, "fingerprint", 0), cell(&html, "fingerprint", 1));
    assert_eq!(a, b);
    let numbers = html.split("<h2>Checks</h2>").next().unwrap();
    assert!(!numbers.contains("class=\"better\"") && !numbers.contains("class=\"worse\""));
    assert!(html.contains("seed 7"));
}

#[test]
fn names_from_files_are_escaped_not_executed() {
    let dir = fresh_dir("escape");
    let preset = spillway_core::Preset::find("steady").unwrap().toml;
    let hostile = preset.replacen(
        "name = \"steady\"",
        "name = \"<script>alert(1)</script>\"",
        1,
    );
    assert_ne!(hostile, preset, "the preset names itself");
    std::fs::write(dir.join("hostile.toml"), hostile).unwrap();
    let out = spillway_in(&dir, &["report", "hostile.toml", "--duration", "1m"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    let dir = fresh_dir("bad");
    let cases: [(&[&str], &str); 4] = [
        (
            &["report", "-p", "steady", "--compare", "no-such-design"],
            "--compare no-such-design: no such file, and no preset",
        ),
        (
            &["report", "-p", "steady", "--html", "missing/dir/r.html"],
            "directory missing/dir does not exist",
        ),
        (&["report"], "report needs a scenario"),
        (
            &["report", "-p", "steady", "--html", "r.md"],
            "--html and --markdown are both r.md",
        ),
    ];
    for (args, expected) in cases {
        let out = spillway_in(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(
        !dir.join("report.html").exists(),
        "nothing written for bad input"
    );
}
