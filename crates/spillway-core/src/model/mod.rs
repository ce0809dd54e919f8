//! The models: each a state machine with the real system's defaults. `system.rs` wires them
//! together (producers → broker → consumers → downstream); the others know only their own
//! state and return decisions.

pub(crate) mod autoscaler;
pub(crate) mod broker;
pub(crate) mod call_path;
pub mod circuit_breaker;
pub(crate) mod consumer;
pub(crate) mod consumer_lifecycle;
pub(crate) mod context;
pub(crate) mod distribution;
pub(crate) mod downstream;
pub(crate) mod event;
pub(crate) mod fault_timeline;
pub(crate) mod intervention;
pub(crate) mod message;
pub(crate) mod producer;
pub(crate) mod rate_limiter;
pub(crate) mod rate_profile;
pub(crate) mod retry;
pub(crate) mod retry_budget;
pub(crate) mod system;
