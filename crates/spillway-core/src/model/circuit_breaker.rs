//! A circuit breaker with resilience4j's semantics: a count- or time-based sliding window of
//! call outcomes; once it holds `minimum_calls`, a failure rate or slow-call rate at or above
//! its threshold opens the breaker; open, it refuses calls at once for `wait_in_open`; then
//! half-open it lets `half_open_calls` trial calls through and decides on them alone.

use crate::engine::time::{SimDuration, SimTime};
use crate::scenario::{BreakerSpec, BreakerStyle, BreakerWindow};

/// Resolved settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Count or time window.
    pub window: BreakerWindow,
    /// Calls (count window) or seconds (time window).
    pub window_size: u32,
    /// Calls needed before the rates are judged.
    pub minimum_calls: u32,
    /// Percentage of failures that opens the breaker.
    pub failure_rate_threshold: f64,
    /// Percentage of slow calls that opens the breaker.
    pub slow_call_rate_threshold: f64,
    /// Slower than this is slow.
    pub slow_call_duration: SimDuration,
    /// Time spent open.
    pub wait_in_open: SimDuration,
    /// Trial calls half-open.
    pub half_open_calls: u32,
}

impl BreakerConfig {
    /// From a spec: the style's defaults, overridden by any field given.
    pub fn from_spec(spec: &BreakerSpec) -> Self {
        let base = match spec.style {
            BreakerStyle::Resilience4j => BreakerConfig {
                window: BreakerWindow::Count,
                window_size: 100,
                minimum_calls: 100,
                failure_rate_threshold: 50.0,
                slow_call_rate_threshold: 100.0,
                slow_call_duration: SimDuration::from_secs(60),
                wait_in_open: SimDuration::from_secs(60),
                half_open_calls: 10,
            },
            BreakerStyle::Hystrix => BreakerConfig {
                window: BreakerWindow::Time,
                window_size: 10,
                minimum_calls: 20,
                failure_rate_threshold: 50.0,
                slow_call_rate_threshold: 100.0,
                slow_call_duration: SimDuration::MAX,
                wait_in_open: SimDuration::from_secs(5),
                half_open_calls: 1,
            },
        };
        BreakerConfig {
            window: spec.window.unwrap_or(base.window),
            window_size: spec.window_size.unwrap_or(base.window_size),
            minimum_calls: spec.minimum_calls.unwrap_or(base.minimum_calls),
            failure_rate_threshold: spec
                .failure_rate_threshold
                .unwrap_or(base.failure_rate_threshold),
            slow_call_rate_threshold: spec
                .slow_call_rate_threshold
                .unwrap_or(base.slow_call_rate_threshold),
            slow_call_duration: spec
                .slow_call_duration
                .map_or(base.slow_call_duration, |d| d.sim()),
            wait_in_open: spec.wait_in_open.map_or(base.wait_in_open, |d| d.sim()),
            half_open_calls: spec.half_open_calls.unwrap_or(base.half_open_calls),
        }
    }
}

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow; outcomes are recorded.
    Closed,
    /// Calls are refused until the given time.
    Open {
        /// When trial calls may start.
        until: SimTime,
    },
    /// A limited number of trial calls decide.
    HalfOpen {
        /// Trial calls still to let through.
        permits_left: u32,
        /// Trial outcomes so far: (calls, failures, slow).
        outcomes: (u32, u32, u32),
    },
}

impl BreakerState {
    /// 0 closed, 0.5 half-open, 1 open: the chart series.
    pub fn level(&self) -> f64 {
        match self {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen { .. } => 0.5,
            BreakerState::Open { .. } => 1.0,
        }
    }
}

/// Outcomes in the sliding window.
#[derive(Clone, Debug)]
enum Window {
    /// Ring of the last N outcomes (failed, slow) with running totals.
    Count {
        ring: Vec<(bool, bool)>,
        next: usize,
        filled: usize,
        failures: u32,
        slow: u32,
    },
    /// One bucket per second for the last N seconds: (second, calls, failures, slow).
    Time { buckets: Vec<(u64, u32, u32, u32)> },
}

impl Window {
    fn new(config: &BreakerConfig) -> Self {
        let size = config.window_size.max(1) as usize;
        match config.window {
            BreakerWindow::Count => Window::Count {
                ring: vec![(false, false); size],
                next: 0,
                filled: 0,
                failures: 0,
                slow: 0,
            },
            BreakerWindow::Time => Window::Time {
                buckets: vec![(u64::MAX, 0, 0, 0); size],
            },
        }
    }

    fn record(&mut self, now: SimTime, failed: bool, slow: bool) {
        match self {
            Window::Count {
                ring,
                next,
                filled,
                failures,
                slow: slow_total,
            } => {
                if *filled == ring.len() {
                    let (old_failed, old_slow) = ring[*next];
                    *failures -= u32::from(old_failed);
                    *slow_total -= u32::from(old_slow);
                } else {
                    *filled += 1;
                }
                ring[*next] = (failed, slow);
                *failures += u32::from(failed);
                *slow_total += u32::from(slow);
                *next = (*next + 1) % ring.len();
            }
            Window::Time { buckets } => {
                let second = now.as_nanos() / 1_000_000_000;
                let index = (second % buckets.len() as u64) as usize;
                let bucket = &mut buckets[index];
                if bucket.0 != second {
                    *bucket = (second, 0, 0, 0);
                }
                bucket.1 += 1;
                bucket.2 += u32::from(failed);
                bucket.3 += u32::from(slow);
            }
        }
    }

    /// (calls, failures, slow) in the window at `now`.
    fn totals(&self, now: SimTime) -> (u32, u32, u32) {
        match self {
            Window::Count {
                filled,
                failures,
                slow,
                ..
            } => (*filled as u32, *failures, *slow),
            Window::Time { buckets } => {
                let second = now.as_nanos() / 1_000_000_000;
                let oldest = second.saturating_sub(buckets.len() as u64 - 1);
                buckets
                    .iter()
                    .filter(|b| b.0 != u64::MAX && b.0 >= oldest && b.0 <= second)
                    .fold((0, 0, 0), |t, b| (t.0 + b.1, t.1 + b.2, t.2 + b.3))
            }
        }
    }
}

/// A circuit breaker.
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: BreakerState,
    window: Window,
    /// Times the breaker opened.
    pub opened: u64,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        CircuitBreaker {
            window: Window::new(&config),
            config,
            state: BreakerState::Closed,
            opened: 0,
        }
    }

    /// The state at `now` (an open breaker whose wait is over reads as half-open).
    pub fn state(&self, now: SimTime) -> BreakerState {
        match self.state {
            BreakerState::Open { until } if now >= until => BreakerState::HalfOpen {
                permits_left: self.config.half_open_calls,
                outcomes: (0, 0, 0),
            },
            state => state,
        }
    }

    /// Asks to make a call at `now`; false means refused (fail fast, record nothing).
    pub fn try_call(&mut self, now: SimTime) -> bool {
        self.state = self.state(now);
        match &mut self.state {
            BreakerState::Closed => true,
            BreakerState::Open { .. } => false,
            BreakerState::HalfOpen { permits_left, .. } => {
                if *permits_left == 0 {
                    return false;
                }
                *permits_left -= 1;
                true
            }
        }
    }

    /// Records the outcome of a permitted call that took `duration`.
    pub fn record(&mut self, now: SimTime, failed: bool, duration: SimDuration) {
        let slow = duration > self.config.slow_call_duration;
        let config = &self.config;
        let exceeds = |calls: u32, failures: u32, slow_calls: u32| {
            calls > 0
                && (f64::from(failures) * 100.0 / f64::from(calls) >= config.failure_rate_threshold
                    || f64::from(slow_calls) * 100.0 / f64::from(calls)
                        >= config.slow_call_rate_threshold)
        };
        match &mut self.state {
            BreakerState::Closed => {
                self.window.record(now, failed, slow);
                let (calls, failures, slow_calls) = self.window.totals(now);
                if calls >= config.minimum_calls && exceeds(calls, failures, slow_calls) {
                    self.open(now);
                }
            }
            BreakerState::HalfOpen { outcomes, .. } => {
                outcomes.0 += 1;
                outcomes.1 += u32::from(failed);
                outcomes.2 += u32::from(slow);
                let (calls, failures, slow_calls) = *outcomes;
                if calls >= config.half_open_calls {
                    if exceeds(calls, failures, slow_calls) {
                        self.open(now);
                    } else {
                        self.state = BreakerState::Closed;
                        self.window = Window::new(&self.config);
                    }
                }
            }
            // A call permitted before the breaker opened finished: it no longer counts.
            BreakerState::Open { .. } => {}
        }
    }

    fn open(&mut self, now: SimTime) {
        self.state = BreakerState::Open {
            until: now + self.config.wait_in_open,
        };
        self.window = Window::new(&self.config);
        self.opened += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resilience4j() -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig::from_spec(&BreakerSpec::default()))
    }

    fn at(seconds: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(seconds)
    }

    const FAST: SimDuration = SimDuration::from_millis(10);

    #[test]
    fn trips_at_exactly_fifty_percent_once_the_minimum_is_reached() {
        let mut breaker = resilience4j();
        // 99 calls with 60 failures: above 50%, but below the minimum of 100 calls.
        for i in 0..99 {
            assert!(breaker.try_call(at(0)));
            breaker.record(at(0), i < 60, FAST);
        }
        assert_eq!(breaker.state(at(0)), BreakerState::Closed);
        // The 100th call: 60/100 ≥ 50%.
        breaker.try_call(at(0));
        breaker.record(at(0), false, FAST);
        assert!(matches!(breaker.state(at(0)), BreakerState::Open { .. }));

        // Exactly 50 of 100: opens (≥). 49 of 100: stays closed.
        for (failures, opens) in [(50, true), (49, false)] {
            let mut breaker = resilience4j();
            for i in 0..100 {
                breaker.try_call(at(0));
                breaker.record(at(0), i < failures, FAST);
            }
            assert_eq!(
                matches!(breaker.state(at(0)), BreakerState::Open { .. }),
                opens,
                "{failures} failures"
            );
        }
    }

    fn opened() -> CircuitBreaker {
        let mut breaker = resilience4j();
        for _ in 0..100 {
            breaker.try_call(at(0));
            breaker.record(at(0), true, FAST);
        }
        breaker
    }

    #[test]
    fn open_refuses_until_the_wait_is_over_then_allows_exactly_the_permitted_calls() {
        let mut breaker = opened();
        assert!(!breaker.try_call(at(59)), "open for 60 s");
        let permitted = (0..20).filter(|_| breaker.try_call(at(60))).count();
        assert_eq!(permitted, 10, "half-open lets exactly 10 calls through");
    }

    #[test]
    fn half_open_decides_on_its_trial_calls() {
        let mut healthy = opened();
        for i in 0..10 {
            assert!(healthy.try_call(at(60)));
            healthy.record(at(60), i < 4, FAST); // 40% failures
        }
        assert_eq!(healthy.state(at(60)), BreakerState::Closed);

        let mut sick = opened();
        for i in 0..10 {
            sick.try_call(at(60));
            sick.record(at(60), i < 5, FAST); // 50%
        }
        assert!(matches!(sick.state(at(60)), BreakerState::Open { until } if until == at(120)));
        assert_eq!(sick.opened, 2);
    }

    #[test]
    fn slow_calls_open_it_too() {
        let spec = BreakerSpec {
            minimum_calls: Some(10),
            slow_call_rate_threshold: Some(80.0),
            slow_call_duration: Some(crate::scenario::Duration::from_secs(1)),
            ..BreakerSpec::default()
        };
        let mut breaker = CircuitBreaker::new(BreakerConfig::from_spec(&spec));
        for i in 0..10 {
            breaker.try_call(at(0));
            let duration = if i < 8 {
                SimDuration::from_secs(2)
            } else {
                FAST
            };
            breaker.record(at(0), false, duration);
        }
        assert!(matches!(breaker.state(at(0)), BreakerState::Open { .. }));
    }

    #[test]
    fn hystrix_style_forgets_calls_older_than_its_time_window() {
        let spec = BreakerSpec {
            style: BreakerStyle::Hystrix,
            ..BreakerSpec::default()
        };
        let mut breaker = CircuitBreaker::new(BreakerConfig::from_spec(&spec));
        // 15 failures at t = 0 s, then 10 successes at t = 12 s: the failures have left the
        // 10-second window, so 0 of 10 fail (and 10 < 20 calls anyway).
        for _ in 0..15 {
            breaker.try_call(at(0));
            breaker.record(at(0), true, FAST);
        }
        for _ in 0..10 {
            breaker.try_call(at(12));
            breaker.record(at(12), false, FAST);
        }
        assert_eq!(breaker.state(at(12)), BreakerState::Closed);
        // 20 failures within the window open it; Hystrix sleeps 5 s and tries 1 call.
        for _ in 0..20 {
            breaker.try_call(at(13));
            breaker.record(at(13), true, FAST);
        }
        assert!(!breaker.try_call(at(17)));
        assert!(breaker.try_call(at(18)));
        assert!(!breaker.try_call(at(18)), "one trial call");
    }
}
