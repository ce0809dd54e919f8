//! `spillway`: run queue scenarios headless, list presets, validate files, gate CI on SLOs,
//! size consumer pools (`plan`), sweep parameters (`sweep`, `merge`) and write reviews (`report`).
//!
//! Exit codes: 0 ok; 1 the run broke a scenario assertion (or was truncated); 2 bad input.
//! Ctrl-C during a run ends it where it is and reports it as truncated (exit 1); a second
//! Ctrl-C exits at once (130).

mod args;
mod plan;
mod report;
mod review;
mod run;
mod stress;
mod sweep;
mod sweep_chart;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Why the command failed, mapped to the exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The run finished but broke an assertion, conservation, or hit a limit: exit 1.
    Violated,
    /// The input was wrong (file, flag, preset): exit 2. Already printed.
    BadInput(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or_default() {
        Command::Run(options) => run::run(options),
        Command::Presets => {
            report::print_presets();
            Ok(())
        }
        Command::Validate { file } => run::validate(&file),
        Command::Plan(options) => plan::plan(options),
        Command::Sweep(options) => sweep::sweep(options),
        Command::Stress(options) => stress::stress(options),
        Command::Report(options) => review::report(options),
        Command::Merge {
            inputs,
            json,
            csv,
            chart,
            metric,
        } => sweep::merge(
            &inputs,
            json.as_deref(),
            csv.as_deref(),
            chart.as_deref().map(|path| (path, metric.as_str())),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Violated) => ExitCode::from(1),
        Err(Failure::BadInput(message)) => {
            // File paths, preset names and scenario text appear in messages: escape them.
            eprintln!("error: {}", report::terminal_safe_lines(&message));
            ExitCode::from(2)
        }
    }
}
