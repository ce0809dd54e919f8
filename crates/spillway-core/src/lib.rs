//! # spillway-core
//!
//! A deterministic discrete-event simulator for queue-based systems: producers, a bounded
//! queue with backpressure, and a consumer pool — and the metrics that show what a queue
//! really does: it does not create capacity, it only delays the moment a shortfall shows.
//!
//! ```
//! use spillway_core::{Preset, Simulation};
//!
//! let scenario = Preset::find("sustained-overload").unwrap().scenario().unwrap();
//! let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
//! simulation.run();
//! let summary = simulation.summary();
//! // 20 msg/s in, 15 msg/s out: the queue fills and starts rejecting.
//! assert!(summary.capacity.offered_load > 1.3);
//! assert!(summary.counts.rejected > 0);
//! assert!(summary.conservation.holds);
//! ```
//!
//! The same scenario and seed give the same run — bit for bit, natively and in WebAssembly:
//! time is integer nanoseconds, each component draws from its own named random stream, and
//! all transcendental maths goes through `libm`.
//!
//! This crate does no I/O: callers parse text they read themselves ([`Scenario::from_toml`])
//! and render the [`Summary`] and [`TimeSeries`] it returns.

#![warn(missing_docs)]

pub mod analytic;

mod engine;
mod metrics;
mod model;
pub mod planning;
pub mod scenario;

pub use engine::random;
pub use engine::simulation::{
    LimitHit, OutcomeKind, QueueStatistics, RunLimits, RunOutcome, RunStatus, Simulation,
};
pub use engine::time;
pub use engine::time::{SimDuration, SimTime};
pub use metrics::Counts;
pub use metrics::assertion::Assertion;
pub use metrics::charts::{
    Axis, CHART_CONTRIBUTORS, ChartContributor, ChartSpec, LineSpec, LiveKnob, Rank, ReferenceLine,
    Role, Unit, charts_for,
};
pub use metrics::registry::{METRICS, Metric, MetricUnit};
pub use metrics::series::{SeriesRow, TimeSeries};
pub use metrics::summary::*;
pub use model::broker::kafka::partitioner::{
    murmur2 as kafka_murmur2, partition_for_key as kafka_partition_for_key,
};
pub use model::circuit_breaker;
pub use model::intervention::{
    Change, ChangeEntry, Intervention, InterventionError, MAX_CONSUMERS, MAX_PREFETCH,
    MAX_RATE_MULTIPLIER, SkipReason, SkippedChange, SortedChanges,
};
pub use model::retry::RetryPolicy;
pub use model::retry_budget::{RetryBudget, RetryBudgetSpec};
pub use scenario::presets::{DEFAULT_PRESET, PRESETS, Preset};
pub use scenario::{Scenario, ScenarioError, ScenarioErrors};
