//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use spillway_core::scenario::Duration;

/// Spillway: watch what a queue does when load meets capacity.
#[derive(Debug, Parser)]
#[command(name = "spillway", version, about, long_about = None, after_help = "\
Exit codes: 0 ok · 1 the run broke an [[assert]] in the scenario (or hit a run limit) · 2 bad input.
With no command, `spillway` runs the default preset.")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a scenario file or preset and print its summary.
    Run(RunOptions),
    /// List the built-in presets.
    Presets,
    /// Check a scenario file without running it.
    Validate {
        /// Scenario file (.toml, or .json).
        file: PathBuf,
    },
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunOptions::default())
    }
}

#[derive(Debug, Default, Args)]
pub(crate) struct RunOptions {
    /// Scenario file (.toml or .json). Default: the `steady` preset.
    #[arg(conflicts_with = "preset")]
    pub file: Option<PathBuf>,
    /// Run a built-in preset (see `spillway presets`).
    #[arg(long, short)]
    pub preset: Option<String>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's duration, e.g. 30m or 2h (checked like the file's `duration`).
    #[arg(long)]
    pub duration: Option<Duration>,
    /// Print the summary as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the time series (one row per sample) as CSV to this path.
    #[arg(long, value_name = "PATH")]
    pub csv: Option<PathBuf>,
}
