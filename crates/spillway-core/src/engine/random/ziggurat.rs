//! Exponential variates by Marsaglia and Tsang's ziggurat (256 layers): one 64-bit draw, a
//! table look-up and a comparison for ~99% of samples, so the hot path has no logarithm.
//!
//! Why not `rand_distr::Exp1`: it is the same algorithm, but its rare tail and wedge cases
//! call the platform's `ln`/`exp`, which differ between native and WASM in the last bit.
//! Here the tables and the rare cases use `libm`, so every platform draws identical values.

use std::sync::OnceLock;

const LAYERS: usize = 256;
/// Start of the tail (the rightmost layer's edge).
const R: f64 = 7.697_117_470_131_05;
/// Area of each layer.
const V: f64 = 3.949_659_822_581_557e-3;

struct Tables {
    /// Layer edges, decreasing: x[0] = V / e^-R (the base strip's virtual width), x[1] = R, x[256] = 0.
    x: [f64; LAYERS + 1],
    /// e^-x at each edge.
    f: [f64; LAYERS + 1],
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; LAYERS + 1];
        let mut f = [0.0; LAYERS + 1];
        x[0] = V / libm::exp(-R);
        x[1] = R;
        for i in 1..LAYERS - 1 {
            x[i + 1] = -libm::log(libm::exp(-x[i]) + V / x[i]);
        }
        x[LAYERS] = 0.0;
        for i in 0..=LAYERS {
            f[i] = libm::exp(-x[i]);
        }
        Tables { x, f }
    })
}

/// One standard exponential variate (mean 1) from a source of 64-bit words.
#[inline(always)]
pub(crate) fn standard_exponential(mut next_u64: impl FnMut() -> u64) -> f64 {
    let tables = tables();
    let bits = next_u64();
    let layer = (bits & 0xff) as usize;
    let x = unit_interval(bits) * tables.x[layer];
    if x < tables.x[layer + 1] {
        return x;
    }
    slow_path(tables, layer, x, &mut next_u64)
}

/// The top 53 bits as a uniform in [0, 1): disjoint from the 8 bits that pick the layer.
#[inline(always)]
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The ~1% of draws that land in the tail or in a wedge.
#[cold]
#[inline(never)]
fn slow_path(
    tables: &Tables,
    mut layer: usize,
    mut x: f64,
    next_u64: &mut dyn FnMut() -> u64,
) -> f64 {
    let mut offset = 0.0;
    loop {
        if x < tables.x[layer + 1] {
            return offset + x;
        }
        if layer == 0 {
            // The tail beyond R is itself exponential (memoryless): start over, shifted by R.
            offset += R;
        } else if tables.f[layer + 1]
            + (tables.f[layer] - tables.f[layer + 1]) * unit_interval(next_u64())
            < libm::exp(-x)
        {
            return offset + x;
        }
        let bits = next_u64();
        layer = (bits & 0xff) as usize;
        x = unit_interval(bits) * tables.x[layer];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn tables_close_at_zero() {
        let t = tables();
        // The construction closes when the top layer (from x[255] up to e^0 = 1) has area V too.
        let top = t.x[LAYERS - 1] * (1.0 - t.f[LAYERS - 1]);
        assert!(
            (top / V - 1.0).abs() < 1e-3,
            "top layer area {top}, expected {V}"
        );
        assert!(t.x.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn the_distribution_function_is_exponential() {
        let mut generator = Xoshiro256PlusPlus::seed_from_u64(11);
        let n = 1_000_000;
        let draws: Vec<f64> = (0..n)
            .map(|_| standard_exponential(|| generator.next_u64()))
            .collect();
        for x in [0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 9.0] {
            let empirical = draws.iter().filter(|d| **d <= x).count() as f64 / n as f64;
            let exact = 1.0 - (-x).exp();
            // Five standard errors of a binomial proportion.
            let tolerance = 5.0 * (exact * (1.0 - exact) / n as f64).sqrt() + 1e-6;
            assert!(
                (empirical - exact).abs() < tolerance,
                "F({x}): {empirical} vs {exact}"
            );
        }
        let mean = draws.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.005, "{mean}");
    }
}
