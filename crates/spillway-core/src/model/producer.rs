//! Producers: when messages arrive, which priority class each belongs to, and how rejected
//! sends are retried.

use rand_distr::Distribution as _;
use rand_distr::weighted::WeightedAliasIndex;

use crate::engine::random::RandomStream;
use crate::engine::time::{SimDuration, SimTime};
use crate::model::rate_profile::RateProfile;
use crate::model::retry::RetryPolicy;
use crate::scenario::{ArrivalPattern, ProducerSpec};

/// One source of messages.
pub(crate) struct Producer {
    base_rate: f64,
    pattern: ArrivalPattern,
    profile: RateProfile,
    stop_at: SimTime,
    /// Global class indices this producer draws from, and their weights (None: one class).
    class_ids: Vec<u8>,
    class_picker: Option<WeightedAliasIndex<f64>>,
    pub retry: Option<RetryPolicy>,
    arrivals: RandomStream,
    pub retries: RandomStream,
    poison_share: f64,
    poison: RandomStream,
    /// Live rate multiplier (traffic faults); changing it bumps `generation`.
    live_multiplier: f64,
    /// Arrival events from before the last rate change carry an older generation.
    pub generation: u32,
    /// For a steady Poisson source, the mean gap between arrivals (1 / rate), kept so the
    /// hot path draws without recomputing it; `None` when the rate is not positive.
    steady_mean_gap: Option<f64>,
}

impl Producer {
    /// `class_ids` are the global indices of this producer's classes, in spec order.
    pub fn new(spec: &ProducerSpec, name: String, class_ids: Vec<u8>, seed: u64) -> Self {
        let class_picker = (class_ids.len() > 1)
            .then(|| WeightedAliasIndex::new(spec.classes.iter().map(|c| c.share).collect()).ok())
            .flatten();
        Producer {
            arrivals: RandomStream::for_component(seed, &format!("producer:{name}:arrivals")),
            retries: RandomStream::for_component(seed, &format!("producer:{name}:retries")),
            poison_share: spec.poison_share,
            poison: RandomStream::for_component(seed, &format!("producer:{name}:poison")),
            live_multiplier: 1.0,
            generation: 0,
            base_rate: spec.rate.per_second(),
            pattern: spec.arrivals,
            profile: RateProfile::from_spec(&spec.profile),
            stop_at: spec
                .stop_at
                .map_or(SimTime::MAX, |d| SimTime::ZERO + d.sim()),
            class_ids,
            class_picker,
            retry: spec.retry.as_ref().map(RetryPolicy::from_spec),
            steady_mean_gap: None,
        }
        .with_steady_gap()
    }

    /// Recomputes the steady mean gap from the current rate (the same expression as
    /// [`rate_at`](Self::rate_at), so draws are bit-identical to computing it each time).
    fn with_steady_gap(mut self) -> Self {
        self.refresh_steady_gap();
        self
    }

    fn refresh_steady_gap(&mut self) {
        let rate = self.base_rate * 1.0 * self.live_multiplier;
        self.steady_mean_gap = (rate > 0.0).then(|| 1.0 / rate);
    }

    /// Base rate × profile multiplier × live multiplier at `t`, messages per second.
    #[inline]
    pub fn rate_at(&self, t: SimTime) -> f64 {
        let profile = if let RateProfile::Steady = self.profile {
            1.0
        } else {
            self.profile.multiplier_at(t)
        };
        self.base_rate * profile * self.live_multiplier
    }

    /// Designed rate at `t`: base × profile, without live (fault) multipliers.
    fn designed_rate_at(&self, t: SimTime) -> f64 {
        self.base_rate * self.profile.multiplier_at(t)
    }

    /// Mean designed rate over [0, horizon] (exact for piecewise profiles, numeric for smooth
    /// ones); traffic faults are not included.
    pub fn mean_rate(&self, horizon: SimTime) -> f64 {
        let end = horizon.min(self.stop_at);
        if horizon == SimTime::ZERO {
            return self.designed_rate_at(SimTime::ZERO);
        }
        if self.profile.is_smooth() {
            let steps = 10_000u64;
            let width = end.as_nanos() / steps;
            let sum: f64 = (0..steps)
                .map(|i| self.designed_rate_at(SimTime::from_nanos(i * width + width / 2)))
                .sum();
            return sum / steps as f64 * end.as_secs_f64() / horizon.as_secs_f64();
        }
        let mut t = SimTime::ZERO;
        let mut integral = 0.0;
        while t < end {
            let next = self.profile.next_change_after(t).unwrap_or(end).min(end);
            integral += self.designed_rate_at(t) * (next - t).as_secs_f64();
            t = next;
        }
        integral / horizon.as_secs_f64()
    }

    /// The time of the next arrival after `now`, or `None` if this producer is done.
    pub fn next_arrival(&mut self, now: SimTime) -> Option<SimTime> {
        let next = match self.pattern {
            ArrivalPattern::Poisson if matches!(self.profile, RateProfile::Steady) => {
                let gap = self.arrivals.exponential(self.steady_mean_gap?);
                Some(now + SimDuration::from_secs_f64(gap))
            }
            ArrivalPattern::Constant => self.next_constant(now),
            ArrivalPattern::Poisson if self.profile.is_smooth() => self.next_poisson_thinned(now),
            ArrivalPattern::Poisson => self.next_poisson_piecewise(now),
        }?;
        (next < self.stop_at).then_some(next)
    }

    fn next_constant(&mut self, mut now: SimTime) -> Option<SimTime> {
        loop {
            let rate = self.rate_at(now);
            if rate > 0.0 {
                return Some(
                    now + SimDuration::from_secs_f64(1.0 / rate).max(SimDuration::from_nanos(1)),
                );
            }
            now = self.profile.next_change_after(now)?;
        }
    }

    /// Piecewise-constant rate: draw with the current rate; if the draw crosses a change point,
    /// restart from the change point (exact, because the exponential is memoryless).
    fn next_poisson_piecewise(&mut self, mut now: SimTime) -> Option<SimTime> {
        loop {
            let rate = self.rate_at(now);
            let change = if let RateProfile::Steady = self.profile {
                None
            } else {
                self.profile.next_change_after(now)
            };
            if rate <= 0.0 {
                now = change?;
                continue;
            }
            let candidate = now + SimDuration::from_secs_f64(self.arrivals.exponential(1.0 / rate));
            match change {
                Some(change) if candidate >= change => now = change,
                _ => return Some(candidate),
            }
        }
    }

    /// Smooth rate: Lewis–Shedler thinning against the maximum rate.
    fn next_poisson_thinned(&mut self, mut now: SimTime) -> Option<SimTime> {
        let max_rate = self.base_rate * self.profile.max_multiplier() * self.live_multiplier;
        if max_rate <= 0.0 {
            return None;
        }
        loop {
            now += SimDuration::from_secs_f64(self.arrivals.exponential(1.0 / max_rate));
            if now >= self.stop_at {
                return None;
            }
            if self.arrivals.uniform() * max_rate < self.rate_at(now) {
                return Some(now);
            }
        }
    }

    /// Whether a new message is poison (draws only when a share is set).
    #[inline]
    pub fn pick_poison(&mut self, extra_share: f64) -> bool {
        self.poison
            .chance((self.poison_share + extra_share).min(1.0))
    }

    /// Changes the live rate multiplier; arrivals already scheduled become stale.
    pub fn set_live_multiplier(&mut self, multiplier: f64) {
        self.live_multiplier = multiplier;
        self.generation = self.generation.wrapping_add(1);
        self.refresh_steady_gap();
    }

    /// The global class index of a new message.
    pub fn pick_class(&mut self) -> u8 {
        match &self.class_picker {
            Some(picker) => self.class_ids[picker.sample(self.arrivals.generator())],
            None => self.class_ids[0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Duration, Rate, RateProfileSpec, ScheduleStep};

    fn spec(rate: f64, pattern: ArrivalPattern, profile: RateProfileSpec) -> ProducerSpec {
        ProducerSpec {
            name: "p".into(),
            rate: Rate(rate),
            arrivals: pattern,
            profile,
            stop_at: None,
            classes: vec![],
            retry: None,
            poison_share: 0.0,
        }
    }

    fn count_arrivals(producer: &mut Producer, from: u64, to: u64) -> usize {
        let (from, to) = (
            SimTime::ZERO + SimDuration::from_secs(from),
            SimTime::ZERO + SimDuration::from_secs(to),
        );
        let mut t = SimTime::ZERO;
        let mut count = 0;
        while let Some(next) = producer.next_arrival(t) {
            if next >= to {
                break;
            }
            if next >= from {
                count += 1;
            }
            t = next;
        }
        count
    }

    #[test]
    fn constant_arrivals_are_exactly_spaced() {
        let mut producer = Producer::new(
            &spec(10.0, ArrivalPattern::Constant, RateProfileSpec::Steady),
            "p".into(),
            vec![0],
            1,
        );
        assert_eq!(
            producer.next_arrival(SimTime::ZERO),
            Some(SimTime::from_nanos(100_000_000))
        );
        assert_eq!(count_arrivals(&mut producer, 0, 100), 999);
    }

    #[test]
    fn a_schedule_doubles_the_poisson_rate_in_its_window() {
        let profile = RateProfileSpec::Schedule {
            steps: vec![
                ScheduleStep {
                    at: Duration::from_secs(1000),
                    multiplier: 2.0,
                },
                ScheduleStep {
                    at: Duration::from_secs(2000),
                    multiplier: 1.0,
                },
            ],
        };
        let mut producer = Producer::new(
            &spec(50.0, ArrivalPattern::Poisson, profile.clone()),
            "p".into(),
            vec![0],
            9,
        );
        let before = count_arrivals(&mut producer, 0, 1000) as f64;
        let mut producer = Producer::new(
            &spec(50.0, ArrivalPattern::Poisson, profile),
            "p".into(),
            vec![0],
            9,
        );
        let during = count_arrivals(&mut producer, 1000, 2000) as f64;
        assert!((before / 50_000.0 - 1.0).abs() < 0.03, "{before}");
        assert!((during / 100_000.0 - 1.0).abs() < 0.03, "{during}");
    }

    #[test]
    fn sine_profile_averages_to_the_base_rate() {
        let profile = RateProfileSpec::Sine {
            period: Duration::from_secs(100),
            amplitude: 0.8,
        };
        let mut producer = Producer::new(
            &spec(100.0, ArrivalPattern::Poisson, profile),
            "p".into(),
            vec![0],
            4,
        );
        let count = count_arrivals(&mut producer, 0, 1000) as f64;
        assert!((count / 100_000.0 - 1.0).abs() < 0.02, "{count}");
        assert!(
            (producer.mean_rate(SimTime::ZERO + SimDuration::from_secs(1000)) - 100.0).abs() < 0.5
        );
    }

    #[test]
    fn a_stopped_producer_sends_nothing_more() {
        let mut s = spec(10.0, ArrivalPattern::Constant, RateProfileSpec::Steady);
        s.stop_at = Some(Duration::from_secs(1));
        let mut producer = Producer::new(&s, "p".into(), vec![0], 1);
        assert_eq!(count_arrivals(&mut producer, 0, 100), 9);
    }
}
