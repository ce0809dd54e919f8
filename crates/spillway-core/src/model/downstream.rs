//! The dependency behind the consumers (a database): a fixed connection pool, latency that
//! grows with the connections in use, and injectable faults. Timeouts are the caller's
//! business (see `system.rs`): a timed-out call keeps its connection until the downstream
//! finishes, which is how death spirals start.

use std::collections::VecDeque;

use crate::engine::random::RandomStream;
use crate::engine::time::SimDuration;
use crate::model::circuit_breaker::{BreakerConfig, CircuitBreaker};
use crate::model::distribution::DurationDistribution;
use crate::scenario::DownstreamSpec;

/// The downstream and its current condition.
pub(crate) struct Downstream {
    pub name: String,
    pool_size: u32,
    in_use: u32,
    latency: DurationDistribution,
    latency_per_connection: SimDuration,
    pub timeout: SimDuration,
    error_probability: f64,
    /// Calls waiting for a connection: (consumer slot, call id), oldest first. Entries whose
    /// call has since timed out are skipped when a connection frees.
    pub waiters: VecDeque<(u32, u64)>,
    pub breaker: Option<CircuitBreaker>,
    latency_stream: RandomStream,
    error_stream: RandomStream,
    /// Fault state, set by the fault timeline.
    pub slow_multiplier: f64,
    pub fault_error_probability: f64,
    pub read_only: bool,
    pub down: bool,
    pub max_in_use: u32,
}

impl Downstream {
    pub fn new(spec: &DownstreamSpec, seed: u64) -> Self {
        Downstream {
            name: spec.name.clone(),
            pool_size: spec.pool_size,
            in_use: 0,
            latency: DurationDistribution::from_spec(&spec.latency),
            latency_per_connection: spec.latency_per_connection.sim(),
            timeout: spec.timeout.sim(),
            error_probability: spec.error_probability,
            waiters: VecDeque::new(),
            breaker: spec
                .breaker
                .as_ref()
                .map(|b| CircuitBreaker::new(BreakerConfig::from_spec(b))),
            latency_stream: RandomStream::for_component(
                seed,
                &format!("downstream:{}:latency", spec.name),
            ),
            error_stream: RandomStream::for_component(
                seed,
                &format!("downstream:{}:errors", spec.name),
            ),
            slow_multiplier: 1.0,
            fault_error_probability: 0.0,
            read_only: false,
            down: false,
            max_in_use: 0,
        }
    }

    /// Takes a connection if one is free; returns how long the call will hold it:
    /// (sampled base latency × slow-down) + per-connection contention × connections in use.
    pub fn acquire(&mut self) -> Option<SimDuration> {
        if self.in_use >= self.pool_size {
            return None;
        }
        self.in_use += 1;
        self.max_in_use = self.max_in_use.max(self.in_use);
        let base =
            self.latency.sample(&mut self.latency_stream).as_secs_f64() * self.slow_multiplier;
        let contention = self
            .latency_per_connection
            .saturating_mul(u64::from(self.in_use));
        Some(SimDuration::from_secs_f64(base) + contention)
    }

    /// Returns a connection to the pool.
    pub fn release(&mut self) {
        self.in_use -= 1;
    }

    /// Whether a finished call failed (configured errors, or an error-rate fault).
    pub fn call_fails(&mut self) -> bool {
        self.error_stream
            .chance(self.error_probability.max(self.fault_error_probability))
    }

    /// Calls fail at once (refused): the downstream is down or read-only.
    pub fn refuses_calls(&self) -> bool {
        self.down || self.read_only
    }

    pub fn in_use(&self) -> u32 {
        self.in_use
    }

    /// Mean call latency with `in_use` connections taken (no faults), seconds.
    pub fn mean_latency_seconds(&self, in_use: u32) -> Option<f64> {
        let contention = self
            .latency_per_connection
            .saturating_mul(u64::from(in_use))
            .as_secs_f64();
        self.latency.mean().map(|mean| mean + contention)
    }

    /// The most calls per second the pool can finish: n / latency(n) grows with n, so it
    /// peaks with the whole pool in use.
    pub fn capacity_per_second(&self) -> f64 {
        self.mean_latency_seconds(self.pool_size)
            .map_or(0.0, |latency| f64::from(self.pool_size) / latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DistributionSpec, Duration};

    #[test]
    fn latency_grows_with_connections_in_use_and_the_pool_runs_out() {
        let spec = DownstreamSpec {
            name: "db".into(),
            pool_size: 3,
            latency: DistributionSpec::Constant {
                value: Duration::from_millis(10),
            },
            latency_per_connection: Duration::from_millis(5),
            timeout: Duration::from_secs(1),
            error_probability: 0.0,
            breaker: None,
        };
        let mut db = Downstream::new(&spec, 1);
        let held: Vec<_> = (0..4).map(|_| db.acquire()).collect();
        let ms = SimDuration::from_millis;
        assert_eq!(held, [Some(ms(15)), Some(ms(20)), Some(ms(25)), None]);
        db.release();
        db.slow_multiplier = 4.0;
        assert_eq!(
            db.acquire(),
            Some(ms(55)),
            "slow × 4 scales the base, not the contention"
        );
        assert_eq!(db.max_in_use, 3);
    }
}
