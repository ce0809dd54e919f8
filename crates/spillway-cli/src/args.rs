//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use spillway_core::scenario::Override;

/// Spillway: watch what a queue does when load meets capacity.
#[derive(Debug, Parser)]
#[command(name = "spillway", version, about, long_about = None, after_help = "\
Exit codes: 0 ok · 1 the run broke an [[assert]] in the scenario (or hit a run limit; for plan:
no count meets the SLO) · 2 bad input.
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
    /// Size the consumer pool for an SLO: the analytic answer and the simulated one.
    Plan(PlanOptions),
    /// Run a scenario over a grid of values (one or two key paths), R replications a point.
    Sweep(SweepOptions),
    /// Hold the scenario at 2× its load for 30 minutes and say what gives first, and when.
    Stress(StressOptions),
    /// Write a review: the numbers that matter and the playground's charts, as one HTML file
    /// and Markdown; with --compare, several designs side by side on the same seed.
    Report(ReportOptions),
    /// Join `spillway sweep --shard` outputs into exactly the unsharded result.
    Merge {
        /// Shard outputs (--json files, or directories of them), every shard once, any order.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Write the merged results as JSON (default: to stdout).
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Write the merged results as CSV.
        #[arg(long, value_name = "PATH")]
        csv: Option<PathBuf>,
        /// Draw --metric against the parameter (a heat map for two) as SVG.
        #[arg(long, value_name = "PATH.svg")]
        chart: Option<PathBuf>,
        /// The metric --chart draws.
        #[arg(long, default_value = "p99_queue_wait")]
        metric: String,
    },
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunOptions::default())
    }
}

/// Which scenario, and the values changed on the command line.
#[derive(Debug, Default, Args)]
pub(crate) struct ScenarioArgs {
    /// Scenario file (.toml or .json).
    #[arg(conflicts_with = "preset")]
    pub file: Option<PathBuf>,
    /// A built-in preset (see `spillway presets`).
    #[arg(long, short)]
    pub preset: Option<String>,
    /// Override the scenario's seed (same as --set seed=N).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's duration, e.g. 30m or 2h (same as --set duration=…).
    #[arg(long)]
    pub duration: Option<String>,
    /// Set a scenario value by key path, checked like the file: consumers.count=12,
    /// producers[0].rate=2000/s, queue.capacity=unbounded. Repeatable; applied in order.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<Override>,
}

#[derive(Debug, Default, Args)]
pub(crate) struct RunOptions {
    /// The scenario (default: the `steady` preset).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Replay live changes at their times: a playground export, a share-link payload,
    /// or a JSON list of {"at_nanos", "change"}. Without FILE or --preset, the export's own
    /// scenario runs.
    #[arg(long, value_name = "PATH")]
    pub changes: Option<PathBuf>,
    /// Print the summary as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the time series (one row per sample) as CSV to this path.
    #[arg(long, value_name = "PATH")]
    pub csv: Option<PathBuf>,
}

/// `spillway plan`: a scenario file (or preset), or a plain queue described by flags.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  spillway plan --rate 2000/s --service 10ms --slo 'p99_queue_wait < 2s'
  spillway plan --rate 25/s --service 1s --capacity 0 --slo 'blocking_ratio < 0.1%'
  spillway plan orders.toml --slo 'max_lag_seconds < 2m' --replications 20
  spillway plan orders.toml --backlog 2000000 --catch-up-within 1h
SLO metrics: the names [[assert]] takes (spillway plan --list-metrics).")]
pub(crate) struct PlanOptions {
    /// The scenario to size; without one, --rate and --service describe a plain queue.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Arrival rate of a plain queue (Poisson), e.g. 2000/s.
    #[arg(long, conflicts_with_all = ["file", "preset"])]
    pub rate: Option<String>,
    /// Mean service time per message of a plain queue, e.g. 10ms.
    #[arg(long, conflicts_with_all = ["file", "preset"])]
    pub service: Option<String>,
    /// Service-time distribution of a plain queue.
    #[arg(long, value_enum, default_value_t = ServiceLaw::Exponential,
          conflicts_with_all = ["file", "preset"])]
    pub distribution: ServiceLaw,
    /// Standard deviation, for --distribution lognormal.
    #[arg(long)]
    pub stddev: Option<String>,
    /// Waiting room of a plain queue: a number (0: a loss system, Erlang B) or unbounded.
    #[arg(long, conflicts_with_all = ["file", "preset"])]
    pub capacity: Option<String>,
    /// An SLO every recommended count must meet, e.g. 'p99_queue_wait < 2s'. Repeatable.
    /// Default: the scenario's [[assert]] checks.
    #[arg(long = "slo", value_name = "METRIC OP VALUE")]
    pub slos: Vec<String>,
    /// Replications per consumer count (independent seeds): the 95% intervals narrow with more.
    #[arg(long, default_value_t = 10)]
    pub replications: u32,
    /// Start with this many messages already waiting, and size the pool to catch up
    /// within --catch-up-within (also says how long the scenario's own count takes).
    #[arg(long, value_name = "MESSAGES")]
    pub backlog: Option<u64>,
    /// With --backlog: the time to be caught up within.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        requires = "backlog"
    )]
    pub catch_up_within: String,
    /// Largest consumer count to consider.
    #[arg(long, default_value_t = 2_000)]
    pub max_consumers: u32,
    /// Print the plan as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// List the metrics an SLO can name, and exit.
    #[arg(long)]
    pub list_metrics: bool,
}

/// Service-time laws a plain queue can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ServiceLaw {
    /// Memoryless (M/M/c).
    Exponential,
    /// Every message takes the mean.
    Constant,
    /// A long right tail: give --stddev.
    Lognormal,
}

/// `spillway report`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  spillway report orders.toml                              # report.html, report.md, report-charts/
  spillway report -p sqs-visibility-trap --compare sqs-trap-fixed --html trap.html
  spillway report today.toml --compare proposal.toml --set duration=2h")]
pub(crate) struct ReportOptions {
    /// The design under review (the baseline when comparing). --seed, --duration and --set
    /// apply to every design.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Another design to put beside it: a scenario file or a preset name. Repeatable; every
    /// design runs on the baseline's seed.
    #[arg(long, value_name = "FILE|PRESET")]
    pub compare: Vec<String>,
    /// The self-contained HTML report.
    #[arg(long, value_name = "PATH", default_value = "report.html")]
    pub html: PathBuf,
    /// The Markdown report (default: beside the HTML, .md); its charts go to a
    /// `<name>-charts/` directory next to it.
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
}

/// `spillway stress`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  spillway stress orders.toml                       # 2× the load for 30 minutes
  spillway stress orders.toml --factor 3 --for 2h --json")]
pub(crate) struct StressOptions {
    /// The scenario to stress (default: the `steady` preset).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Multiply every producer's rate by this.
    #[arg(long, default_value_t = 2.0)]
    pub factor: f64,
    /// How long to hold the load (replaces the scenario's duration).
    #[arg(long = "for", value_name = "DURATION", default_value = "30m")]
    pub hold: String,
    /// Print the findings as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `spillway sweep`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  spillway sweep orders.toml --vary consumers.count=10..40:2 --replications 10 --csv sweep.csv
  spillway sweep -p steady --vary consumers.count=3..8 --vary 'producers[0].rate=40/s,50/s,60/s'
  spillway sweep orders.toml --vary consumers.count=10..40 --shard 3/16 --json shard-3.json
  spillway sweep -p steady --vary consumers.count=3..8 --vary 'producers[0].rate=40/s,50/s' \\
      --metric max_lag_seconds --chart lag-map.svg")]
pub(crate) struct SweepOptions {
    /// The scenario to sweep (default: the `steady` preset).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A parameter and its values: KEY=A..B:STEP (inclusive) or KEY=V1,V2,… One or two.
    #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<String>,
    /// Replications per point (independent seeds derived from the seed and the point).
    #[arg(long, default_value_t = 5)]
    pub replications: u32,
    /// Run only shard I of N (every N-th point from the I-th); `spillway merge` joins them.
    #[arg(long, value_name = "I/N", conflicts_with = "job_shards")]
    pub shard: Option<String>,
    /// Run shard JOB_COMPLETION_INDEX + 1 of N: one pod of a Kubernetes Indexed Job with
    /// N completions (the index is 0-based).
    #[arg(long, value_name = "N")]
    pub job_shards: Option<usize>,
    /// Say which points this run (or shard) would simulate, and exit without running them.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the results (one row per point: mean and 95% CI of every metric) as JSON.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the results as CSV.
    #[arg(long, value_name = "PATH")]
    pub csv: Option<PathBuf>,
    /// Draw --metric against the parameter (mean and 95% CI per point; a heat map for two
    /// parameters) as SVG.
    #[arg(long, value_name = "PATH.svg")]
    pub chart: Option<PathBuf>,
    /// The metric the printed table (and --chart) shows.
    #[arg(long, default_value = "p99_queue_wait")]
    pub metric: String,
    /// Threads (default: every core).
    #[arg(long)]
    pub jobs: Option<usize>,
}
