//! An autoscaler for the consumer pool, in the manner of Kubernetes' HPA: every evaluation
//! period it looks at a (possibly stale) metric, wants ⌈current × metric / target⌉ consumers
//! within [min, max] (no change within 10% of the target), and acts at most once per cooldown.
//! It scales down only to the largest count wanted over the stabilization window, as HPA does,
//! so a queue that has just drained does not throw away the consumers that drained it. New
//! consumers take a start-up delay.

use std::collections::VecDeque;

use crate::engine::time::SimTime;
use crate::scenario::AutoscalerSpec;

/// The autoscaler's memory.
pub(crate) struct Autoscaler {
    pub spec: AutoscalerSpec,
    /// Observations (time, value), newest last, kept for the metric delay.
    observations: VecDeque<(SimTime, f64)>,
    last_action: Option<SimTime>,
    /// Counts wanted recently (time, count), for scale-down stabilization.
    recommendations: VecDeque<(SimTime, u32)>,
    /// Busy slot-seconds at the previous evaluation (for utilisation over the period).
    pub busy_slot_seconds_before: f64,
}

impl Autoscaler {
    pub fn new(spec: &AutoscalerSpec) -> Self {
        Autoscaler {
            spec: spec.clone(),
            observations: VecDeque::new(),
            last_action: None,
            recommendations: VecDeque::new(),
            busy_slot_seconds_before: 0.0,
        }
    }

    /// Records the metric as it is now, and returns the value the autoscaler sees: the newest
    /// observation at least `metric_delay` old (none yet: no decision).
    pub fn observe(&mut self, now: SimTime, value: f64) -> Option<f64> {
        self.observations.push_back((now, value));
        let horizon = now
            .as_nanos()
            .checked_sub(self.spec.metric_delay.sim().as_nanos())?;
        while self.observations.len() > 1 && self.observations[1].0.as_nanos() <= horizon {
            self.observations.pop_front();
        }
        let (time, value) = *self.observations.front()?;
        (time.as_nanos() <= horizon).then_some(value)
    }

    /// The consumer count wanted with `current` consumers and a seen metric value; `None`
    /// while cooling down or when no change is wanted.
    pub fn decide(&mut self, now: SimTime, current: u32, seen: f64) -> Option<u32> {
        let ratio = seen / self.spec.target;
        let wanted = if (ratio - 1.0).abs() <= 0.1 {
            current
        } else {
            ((f64::from(current.max(1)) * ratio).ceil().max(0.0) as u32)
                .clamp(self.spec.min, self.spec.max)
        };
        self.recommendations.push_back((now, wanted));
        let window = self.spec.scale_down_stabilization.sim();
        while self
            .recommendations
            .front()
            .is_some_and(|(t, _)| now - *t > window)
        {
            self.recommendations.pop_front();
        }
        let desired = if wanted < current {
            self.recommendations
                .iter()
                .map(|(_, count)| *count)
                .max()
                .unwrap_or(wanted)
                .min(current)
        } else {
            wanted
        };
        if desired == current {
            return None;
        }
        if let Some(last) = self.last_action {
            if now - last < self.spec.cooldown.sim() {
                return None;
            }
        }
        self.last_action = Some(now);
        Some(desired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimDuration;
    use crate::scenario::{Duration, ScalingMetric};

    fn spec(delay: u64) -> AutoscalerSpec {
        AutoscalerSpec {
            metric: ScalingMetric::LagMessages,
            target: 100.0,
            min: 2,
            max: 10,
            evaluation_period: Duration::from_secs(30),
            cooldown: Duration::from_secs(120),
            startup_delay: Duration::from_secs(30),
            metric_delay: Duration::from_secs(delay),
            scale_down_stabilization: Duration::from_secs(0),
        }
    }

    fn at(seconds: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(seconds)
    }

    #[test]
    fn desired_is_proportional_clamped_and_rate_limited_by_the_cooldown() {
        let mut scaler = Autoscaler::new(&spec(0));
        // 4 consumers, 250 waiting against a target of 100: ⌈4 × 2.5⌉ = 10.
        assert_eq!(scaler.decide(at(0), 4, 250.0), Some(10));
        assert_eq!(scaler.decide(at(60), 10, 10.0), None, "cooling down");
        // 10 × 10/100 = 1, clamped to min 2.
        assert_eq!(scaler.decide(at(120), 10, 10.0), Some(2));
        assert_eq!(scaler.decide(at(300), 2, 100.0), None, "on target");
        assert_eq!(scaler.decide(at(400), 2, 1e9), Some(10), "clamped to max");
    }

    #[test]
    fn scale_down_waits_for_the_stabilization_window_and_small_deviations_are_ignored() {
        let mut scaler = Autoscaler::new(&AutoscalerSpec {
            scale_down_stabilization: Duration::from_secs(300),
            ..spec(0)
        });
        assert_eq!(scaler.decide(at(0), 4, 250.0), Some(10));
        // Lag gone: 2 wanted, but 10 was wanted within the last 5 minutes.
        assert_eq!(scaler.decide(at(150), 10, 0.0), None);
        assert_eq!(scaler.decide(at(301), 10, 0.0), Some(2));
        // Within 10% of the target: no change.
        assert_eq!(scaler.decide(at(500), 2, 109.0), None);
    }

    #[test]
    fn a_metric_delay_shows_old_values() {
        let mut scaler = Autoscaler::new(&spec(60));
        assert_eq!(scaler.observe(at(0), 1.0), None, "nothing is 60 s old yet");
        assert_eq!(scaler.observe(at(30), 2.0), None);
        assert_eq!(scaler.observe(at(60), 3.0), Some(1.0));
        assert_eq!(scaler.observe(at(90), 4.0), Some(2.0));
        assert_eq!(scaler.observe(at(120), 5.0), Some(3.0));
    }
}
