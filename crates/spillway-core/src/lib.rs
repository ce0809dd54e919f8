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
//! let mut simulation = Simulation::new(&scenario);
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
mod assertion;
mod autoscaler;
mod call_path;
pub mod circuit_breaker;
mod consumer;
mod consumer_lifecycle;
mod distribution;
mod downstream;
mod event_queue;
mod fault_timeline;
mod fingerprint;
mod histogram;
mod intervention;
mod message;
mod message_buffer;
mod metrics;
mod presets;
mod producer;
mod queue;
pub mod random;
mod rate_limiter;
mod rate_profile;
mod retry;
mod retry_budget;
pub mod scenario;
mod series;
mod simulation;
mod summary;
mod system;
pub mod time;

pub use assertion::{Assertion, METRICS};
pub use intervention::{Intervention, MAX_CONSUMERS, MAX_RATE_MULTIPLIER};
pub use metrics::Counts;
pub use presets::{DEFAULT_PRESET, PRESETS, Preset};
pub use retry::RetryPolicy;
pub use retry_budget::{RetryBudget, RetryBudgetSpec};
pub use scenario::{Scenario, ScenarioError, ScenarioErrors};
pub use series::{SeriesRow, TimeSeries};
pub use simulation::{LimitHit, QueueStatistics, RunLimits, RunOutcome, RunStatus, Simulation};
pub use summary::*;
pub use time::{SimDuration, SimTime};
