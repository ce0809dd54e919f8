//! Retry policies: how many attempts, and how long to wait before each retry.

use crate::engine::random::RandomStream;
use crate::engine::time::SimDuration;
use crate::model::retry_budget::RetryBudget;
use crate::scenario::{Jitter, RetrySpec};

/// A retry policy with exponential backoff and jitter.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first.
    pub max_attempts: u32,
    /// Backoff before the first retry, seconds.
    pub base: f64,
    /// Largest backoff, seconds.
    pub cap: f64,
    /// Randomisation of the backoff.
    pub jitter: Jitter,
    /// Wait at least the Retry-After the server sent.
    pub honour_retry_after: bool,
    /// The client-wide budget, if any (its state changes as calls fail and succeed).
    pub budget: Option<RetryBudget>,
}

impl RetryPolicy {
    /// From a validated spec.
    pub fn from_spec(spec: &RetrySpec) -> Self {
        RetryPolicy {
            max_attempts: spec.max_attempts,
            base: spec.base.as_secs_f64(),
            cap: spec.cap.as_secs_f64(),
            jitter: spec.jitter,
            honour_retry_after: spec.honour_retry_after,
            budget: spec.budget.as_ref().map(RetryBudget::new),
        }
    }

    /// Records a successful call (it refills the budget).
    #[inline]
    pub fn record_success(&mut self) {
        if let Some(budget) = &mut self.budget {
            budget.success();
        }
    }

    /// The un-jittered backoff before retry `n` (1-based): min(cap, base · 2ⁿ⁻¹).
    pub fn backoff(&self, retry: u32) -> f64 {
        let exponent = retry.saturating_sub(1).min(1023) as i32;
        (self.base * libm::pow(2.0, f64::from(exponent))).min(self.cap)
    }

    /// How long to wait after `attempts_made` failed attempts, or `None` when they are used up
    /// or the budget refuses. `previous_sleep` (seconds) feeds decorrelated jitter;
    /// `retry_after` is the server's hint; `timed_out` says the failure was a timeout (it costs
    /// an AWS-style budget more).
    pub fn next_delay(
        &mut self,
        attempts_made: u32,
        previous_sleep: f64,
        retry_after: Option<SimDuration>,
        timed_out: bool,
        stream: &mut RandomStream,
    ) -> Option<f64> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        if let Some(budget) = &mut self.budget {
            if !budget.failure_allows_retry(timed_out) {
                return None;
            }
        }
        let backoff = self.backoff(attempts_made);
        let mut sleep = match self.jitter {
            Jitter::None => backoff,
            Jitter::Full => stream.uniform_between(0.0, backoff),
            Jitter::Equal => backoff / 2.0 + stream.uniform_between(0.0, backoff / 2.0),
            Jitter::Decorrelated => {
                let previous = if previous_sleep > 0.0 {
                    previous_sleep
                } else {
                    self.base
                };
                stream
                    .uniform_between(self.base, (3.0 * previous).max(self.base))
                    .min(self.cap)
            }
        };
        if self.honour_retry_after {
            if let Some(hint) = retry_after {
                sleep = sleep.max(hint.as_secs_f64());
            }
        }
        Some(sleep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: Jitter) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base: 0.1,
            cap: 1.0,
            jitter,
            honour_retry_after: false,
            budget: None,
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = policy(Jitter::None);
        let backoffs: Vec<f64> = (1..=6).map(|n| p.backoff(n)).collect();
        assert_eq!(backoffs, [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]);
    }

    #[test]
    fn attempts_run_out_at_max_attempts() {
        let mut stream = RandomStream::for_component(1, "retry");
        let mut p = policy(Jitter::None);
        assert_eq!(p.next_delay(4, 0.0, None, false, &mut stream), Some(0.8));
        assert_eq!(p.next_delay(5, 0.0, None, false, &mut stream), None);
    }

    #[test]
    fn jitter_stays_in_its_documented_range() {
        let mut stream = RandomStream::for_component(1, "jitter");
        for attempt in 1..5 {
            let b = policy(Jitter::None).backoff(attempt);
            for _ in 0..1000 {
                let full = policy(Jitter::Full)
                    .next_delay(attempt, 0.0, None, false, &mut stream)
                    .unwrap();
                assert!((0.0..b).contains(&full));
                let equal = policy(Jitter::Equal)
                    .next_delay(attempt, 0.0, None, false, &mut stream)
                    .unwrap();
                assert!((b / 2.0..b).contains(&equal));
                let previous = 0.3;
                let decorrelated = policy(Jitter::Decorrelated)
                    .next_delay(attempt, previous, None, false, &mut stream)
                    .unwrap();
                assert!((0.1..=0.9).contains(&decorrelated), "{decorrelated}");
            }
        }
    }

    #[test]
    fn a_budget_stops_retries_that_attempts_would_allow() {
        let mut stream = RandomStream::for_component(1, "budget");
        let spec = crate::model::retry_budget::RetryBudgetSpec::AwsStandard {
            quota: 10,
            cost: 5,
            timeout_cost: 10,
            refund: 1,
        };
        let mut p = RetryPolicy {
            budget: Some(RetryBudget::new(&spec)),
            ..policy(Jitter::None)
        };
        assert!(p.next_delay(1, 0.0, None, false, &mut stream).is_some());
        assert!(p.next_delay(1, 0.0, None, false, &mut stream).is_some());
        assert!(
            p.next_delay(1, 0.0, None, false, &mut stream).is_none(),
            "10 tokens pay for two retries"
        );
        (0..5).for_each(|_| p.record_success());
        assert!(p.next_delay(1, 0.0, None, false, &mut stream).is_some());
    }

    #[test]
    fn retry_after_is_a_floor_only_when_honoured() {
        let mut stream = RandomStream::for_component(1, "hint");
        let hint = Some(SimDuration::from_secs(2));
        assert_eq!(
            policy(Jitter::None).next_delay(1, 0.0, hint, false, &mut stream),
            Some(0.1)
        );
        let mut honouring = RetryPolicy {
            honour_retry_after: true,
            ..policy(Jitter::None)
        };
        assert_eq!(
            honouring.next_delay(1, 0.0, hint, false, &mut stream),
            Some(2.0)
        );
    }
}
