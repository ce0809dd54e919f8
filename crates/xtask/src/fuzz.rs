//! `cargo xtask fuzz`: every cargo-fuzz target in fuzz/, seeded from the presets, for a
//! fixed time each; fails on a crash, a timeout or running out of memory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use spillway_core::PRESETS;

use crate::{step, tools, workspace_root};

/// The targets, in the order they run.
pub(crate) const TARGETS: [&str; 5] = [
    "scenario_toml",
    "scenario_json",
    "share_link",
    "run_budget",
    "run_mutated",
];

/// What one target did.
struct Outcome {
    target: &'static str,
    executions: Option<u64>,
    passed: bool,
    log: PathBuf,
}

/// Runs each target (or only those in `only`) for `seconds`.
pub(crate) fn run(seconds: u64, only: &[String]) -> Result<()> {
    for name in only {
        if !TARGETS.contains(&name.as_str()) {
            bail!(
                "no fuzz target `{name}`; the targets are {}",
                TARGETS.join(", ")
            );
        }
    }
    tools::ensure_nightly()?;
    tools::ensure_cargo_fuzz()?;
    let fuzz = workspace_root().join("fuzz");
    seed_corpora(&fuzz)?;
    step(
        "build the fuzz targets (nightly, AddressSanitizer, debug assertions)",
        cargo_fuzz(&fuzz, &["build", "--debug-assertions"]),
    )?;
    let logs = fuzz.join("logs");
    std::fs::create_dir_all(&logs)?;
    let dict = fuzz.join("scenario.dict");
    let mut outcomes = Vec::new();
    for target in TARGETS {
        if !only.is_empty() && !only.iter().any(|name| name == target) {
            continue;
        }
        println!("\n==> fuzz {target} for {seconds} s");
        let corpus = fuzz.join("corpus").join(target);
        let log = logs.join(format!("{target}.log"));
        let mut args = vec![
            "run".to_string(),
            "--debug-assertions".into(),
            target.into(),
            corpus.display().to_string(),
            "--".into(),
            format!("-max_total_time={seconds}"),
            // A run under its small budget takes milliseconds: 10 s is a freeze.
            "-timeout=10".into(),
            "-rss_limit_mb=2048".into(),
            // run_mutated reads (value, choice) pairs: 32 edits of a preset are plenty.
            if target == "run_mutated" {
                "-max_len=65".into()
            } else {
                "-max_len=16384".into()
            },
            "-print_final_stats=1".into(),
        ];
        if matches!(target, "scenario_toml" | "scenario_json" | "run_budget") {
            args.push(format!("-dict={}", dict.display()));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let status = cargo_fuzz(&fuzz, &args)
            .stdout(Stdio::from(std::fs::File::create(&log)?))
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().append(true).open(&log)?,
            ))
            .status()
            .with_context(|| format!("running cargo fuzz for {target}"))?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let executions = text
            .lines()
            .find_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
            .and_then(|n| n.trim().parse().ok());
        if !status.success() {
            // libFuzzer's report: the crash, its stack and the saved reproducer.
            let tail: Vec<&str> = text.lines().rev().take(60).collect();
            for line in tail.into_iter().rev() {
                println!("  {line}");
            }
        }
        outcomes.push(Outcome {
            target,
            executions,
            passed: status.success(),
            log,
        });
    }
    println!("\n==> fuzzing summary ({seconds} s per target)");
    for outcome in &outcomes {
        println!(
            "  {:<14} {:>12} executions  {}  (log: {})",
            outcome.target,
            outcome
                .executions
                .map_or("?".to_string(), |n| n.to_string()),
            if outcome.passed { "ok" } else { "FAILED" },
            outcome.log.display()
        );
    }
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.target)
        .collect();
    if !failed.is_empty() {
        bail!(
            "fuzzing found a crash in {}: the reproducer is under fuzz/artifacts/<target>/; \
             replay it with `cargo +nightly fuzz run -a <target> <file>` in fuzz/",
            failed.join(", ")
        );
    }
    Ok(())
}

/// `cargo +nightly fuzz <args>` in `fuzz/`.
fn cargo_fuzz(fuzz: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("cargo");
    command
        .arg("+nightly")
        .arg("fuzz")
        .args(args)
        .current_dir(fuzz)
        // The outer `cargo run` set these for the stable toolchain.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC");
    command
}

/// Writes the seed corpus of every target from the presets (idempotent; libFuzzer adds its
/// own finds beside them).
fn seed_corpora(fuzz: &Path) -> Result<()> {
    let dir = |target: &str| -> Result<PathBuf> {
        let dir = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir)
    };
    let (toml, json, link, run, mutated) = (
        dir("scenario_toml")?,
        dir("scenario_json")?,
        dir("share_link")?,
        dir("run_budget")?,
        dir("run_mutated")?,
    );
    // run_mutated: a preset index and (leaf, value) pairs; one seed per preset, unchanged.
    for index in 0..PRESETS.len() {
        std::fs::write(mutated.join(format!("preset-{index}")), [index as u8])?;
    }
    let changes = serde_json::json!([
        { "at_nanos": 60_000_000_000u64, "change": { "knob": "consumers", "value": 6 } },
        { "at_nanos": 90_000_000_000u64, "change": { "knob": "rate_multiplier", "value": 1.5 } },
        { "at_nanos": 120_000_000_000u64, "change": { "knob": "queue_capacity", "value": 100 } },
    ]);
    for preset in PRESETS {
        let name = preset.name;
        let scenario = preset
            .scenario()
            .map_err(|e| anyhow::anyhow!("preset {name} does not validate: {e}"))?;
        let as_json = serde_json::to_string_pretty(&scenario)?;
        std::fs::write(toml.join(format!("preset-{name}.toml")), preset.toml)?;
        std::fs::write(json.join(format!("preset-{name}.json")), &as_json)?;
        std::fs::write(
            run.join(format!("preset-{name}.toml")),
            [b"\0".as_slice(), preset.toml.as_bytes()].concat(),
        )?;
        std::fs::write(
            run.join(format!("preset-{name}.json")),
            [b"\x01".as_slice(), as_json.as_bytes()].concat(),
        )?;
        // A share link's payload: the JSON the playground writes, deflated, base64url.
        let payload = serde_json::json!({ "v": 1, "scenario": preset.toml, "changes": changes });
        let encoded = share_encode(&serde_json::to_vec(&payload)?)?;
        std::fs::write(link.join(format!("preset-{name}")), &encoded)?;
        std::fs::write(
            link.join(format!("preset-{name}-fragment")),
            format!("#run={encoded}"),
        )?;
    }
    Ok(())
}

/// Raw DEFLATE, then unpadded base64url (what web/src/share.rs writes).
fn share_encode(bytes: &[u8]) -> Result<String> {
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(bytes)?;
    let compressed = deflate.finish()?;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(compressed.len() * 4 / 3 + 4);
    for chunk in compressed.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    Ok(out)
}
