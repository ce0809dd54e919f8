//! `cargo xtask …`: project automation that installs what it needs.
//!
//! - `serve`: build the playground with Trunk and serve it on 127.0.0.1 (the main job).
//! - `dist`: build the playground into `dist/`, a static site any web server can host.
//! - `test`: formatting, clippy, native tests, the WebAssembly tests (Node.js), the
//!   playground's tests in headless Chromium and the end-to-end test. Installs what it needs
//!   when missing: the wasm32 target, wasm-bindgen-cli, Trunk, npm packages, Chromium.
//! - `bench`: native vs SimPy vs WASM throughput side by side, and backlog memory.
//! - `fuzz`: every cargo-fuzz target in fuzz/ for N seconds (default 60), seeded from the
//!   presets; installs cargo-fuzz if missing and fails on a crash.
//! - `bless`: rewrite the golden fingerprints after an intended behaviour change.

mod bench;
mod fuzz;
mod tools;
mod web;

use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Spillway project automation")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the playground and serve it (installs Trunk and wasm-bindgen-cli on first use).
    Serve {
        /// Port to listen on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        address: String,
    },
    /// Build the playground into dist/ (static files for any web server).
    Dist,
    /// Run every check CI runs: fmt, clippy, native tests, WASM tests, browser tests.
    Test {
        /// Nightly-style: 100,000 random-scenario property cases instead of 10,000, and five
        /// minutes of fuzzing per target instead of 15 s.
        #[arg(long)]
        long: bool,
    },
    /// Benchmark: native vs SimPy vs WASM events/s side by side, backlog bytes per message.
    Bench {
        /// Skip the criterion run (its full report takes a few minutes).
        #[arg(long)]
        quick: bool,
    },
    /// Fuzz scenario parsing, share links and runs (cargo-fuzz, nightly; installs cargo-fuzz).
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Only these targets (default: all).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(fuzz::TARGETS))]
        targets: Vec<String>,
    },
    /// Regenerate crates/spillway-core/tests/golden-fingerprints.txt.
    Bless,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Task::Serve { port, address } => web::serve(&address, port),
        Task::Dist => web::dist().map(|_| ()),
        Task::Test { long } => test(long),
        Task::Bench { quick } => bench::run(quick),
        Task::Fuzz { seconds, targets } => fuzz::run(seconds, &targets),
        Task::Bless => bless(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn test(long: bool) -> Result<()> {
    let started = std::time::Instant::now();
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli()?;
    tools::ensure_node()?;
    step("formatting", cargo(&["fmt", "--all", "--", "--check"]))?;
    step(
        "clippy",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "clippy (wasm32)",
        // The library and its WebAssembly tests; unit tests use proptest, which is native-only.
        cargo(&[
            "clippy",
            "-p",
            "spillway-core",
            "--target",
            "wasm32-unknown-unknown",
            "--lib",
            "--test",
            "wasm",
            "--test",
            "wasm_bench",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "clippy (playground, wasm32)",
        cargo(&[
            "clippy",
            "-p",
            "spillway-web",
            "--target",
            "wasm32-unknown-unknown",
            "--lib",
            "--bins",
            "--tests",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let mut native = cargo(&["test", "--workspace"]);
    if long {
        native.env("SPILLWAY_PROPERTY_CASES", "100000");
    }
    step("native tests", native)?;
    // A fuzz smoke: each target briefly, its corpus seeded from the presets.
    fuzz::run(if long { 300 } else { 15 }, &[])?;
    step(
        "WebAssembly determinism tests (Node.js)",
        cargo(&[
            "test",
            "-p",
            "spillway-core",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "wasm",
        ]),
    )?;
    web::browser_tests()?;
    web::end_to_end()?;
    let seconds = started.elapsed().as_secs();
    println!(
        "xtask: every check passed in {}m{:02}s",
        seconds / 60,
        seconds % 60
    );
    Ok(())
}

fn bless() -> Result<()> {
    let mut command = cargo(&[
        "test",
        "-p",
        "spillway-acceptance",
        "--test",
        "acceptance",
        "determinism",
    ]);
    command.env("SPILLWAY_BLESS", "1");
    step("bless golden fingerprints", command)
}

/// A `cargo` command in the workspace root.
pub(crate) fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).current_dir(workspace_root());
    command
}

pub(crate) fn workspace_root() -> std::path::PathBuf {
    // `cargo run` sets CARGO_MANIFEST_DIR for the program too: prefer it to the one compiled
    // in, which names whichever checkout built this binary last when several worktrees share
    // one CARGO_TARGET_DIR (cargo does not copy a fresh binary over target/debug/xtask again).
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    manifest_dir
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// Runs a step, saying what it is, and fails with its name if it fails.
pub(crate) fn step(name: &str, mut command: Command) -> Result<()> {
    println!("\n==> {name}");
    let started = std::time::Instant::now();
    let status = command
        .status()
        .with_context(|| format!("could not start {name}"))?;
    let seconds = started.elapsed().as_secs();
    println!("<== {name}: {}m{:02}s", seconds / 60, seconds % 60);
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}
