//! Spillway's cross-crate acceptance tests, one module per topic, in one test binary.

mod analytic_validation;
mod determinism;
mod failure_modes;
mod fixes;
mod kafka;
mod littles_law;
mod live_knobs;
mod rabbitmq;
mod sqs;
mod stories;
