//! A token bucket at the queue's door: `rate` tokens a second, at most `burst` saved up.

use crate::engine::time::{SimDuration, SimTime};
use crate::scenario::RateLimiterSpec;

/// The bucket, refilled lazily when asked.
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    updated: SimTime,
}

impl TokenBucket {
    pub fn new(spec: &RateLimiterSpec) -> Self {
        let rate = spec.rate.per_second();
        let burst = spec.burst.map_or(rate.max(1.0), f64::from);
        TokenBucket {
            rate,
            burst,
            tokens: burst,
            updated: SimTime::ZERO,
        }
    }

    /// Takes a token at `now`, or says how long until one is available.
    pub fn try_take(&mut self, now: SimTime) -> Result<(), SimDuration> {
        let elapsed = (now - self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(SimDuration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Rate;

    #[test]
    fn admits_the_burst_then_the_rate() {
        let mut bucket = TokenBucket::new(&RateLimiterSpec {
            rate: Rate(10.0),
            burst: Some(5),
        });
        let t0 = SimTime::ZERO;
        assert_eq!((0..8).filter(|_| bucket.try_take(t0).is_ok()).count(), 5);
        assert_eq!(bucket.try_take(t0), Err(SimDuration::from_millis(100)));
        // One second later: ten more tokens, but the bucket holds five.
        let t1 = t0 + SimDuration::from_secs(1);
        assert_eq!((0..20).filter(|_| bucket.try_take(t1).is_ok()).count(), 5);
    }
}
