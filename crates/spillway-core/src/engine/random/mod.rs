//! Seeded random streams. Every stochastic component owns one stream, derived from the
//! scenario seed and the component's name, so adding a component never shifts another's draws.
//!
//! The generator is named explicitly (`Xoshiro256PlusPlus`: `SmallRng` differs between 64-bit
//! and wasm32) and every transcendental function goes through `libm`: the platform's `ln`
//! differs from WASM's in the last bit for some inputs, which would break bit-identical replay.

mod ziggurat;

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A deterministic random stream owned by one component.
#[derive(Clone, Debug)]
pub struct RandomStream {
    generator: Xoshiro256PlusPlus,
}

impl RandomStream {
    /// The stream for `component` in a run seeded with `scenario_seed`.
    pub fn for_component(scenario_seed: u64, component: &str) -> Self {
        RandomStream {
            generator: Xoshiro256PlusPlus::seed_from_u64(stream_seed(scenario_seed, component)),
        }
    }

    /// Uniform in [0, 1), with 53 bits of precision.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.generator.random::<f64>()
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    #[inline]
    pub fn uniform_nonzero(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// Uniform in [low, high).
    #[inline]
    pub fn uniform_between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Uniform over 0..n (n ≥ 1), by a 32-bit multiply-shift (no division).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.generator.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.uniform() < p
    }

    /// An exponential draw with the given mean (ziggurat; no logarithm on the hot path).
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        mean * ziggurat::standard_exponential(|| self.generator.next_u64())
    }

    /// A standard normal draw (Marsaglia's polar method: only `ln` and `sqrt`).
    pub fn standard_normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * libm::sqrt(-2.0 * libm::log(s) / s);
            }
        }
    }

    /// Access to the generator for `rand_distr` samplers that use no transcendental maths.
    pub(crate) fn generator(&mut self) -> &mut Xoshiro256PlusPlus {
        &mut self.generator
    }
}

/// Derives a component's seed from the scenario seed and the component's name: FNV-1a over
/// the name, then a SplitMix64 finaliser over the combination. Stable across platforms and
/// releases; changing it changes every run's fingerprint.
pub fn stream_seed(scenario_seed: u64, component: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in component.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(hash ^ splitmix64(scenario_seed))
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_component_and_seed_but_repeat_exactly() {
        let draw = |seed, name| RandomStream::for_component(seed, name).uniform();
        assert_eq!(draw(1, "producer:orders"), draw(1, "producer:orders"));
        assert_ne!(draw(1, "producer:orders"), draw(1, "consumers"));
        assert_ne!(draw(1, "producer:orders"), draw(2, "producer:orders"));
    }

    #[test]
    fn exponential_and_normal_have_the_right_moments() {
        let mut stream = RandomStream::for_component(7, "moments");
        let n = 200_000;
        let mean = (0..n).map(|_| stream.exponential(2.0)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.03, "exponential mean {mean}");
        let draws: Vec<f64> = (0..n).map(|_| stream.standard_normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "normal mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "normal variance {variance}");
    }

    #[test]
    fn uniform_nonzero_never_returns_zero() {
        let mut stream = RandomStream::for_component(0, "edge");
        assert!((0..100_000).all(|_| stream.uniform_nonzero() > 0.0));
    }
}
