//! Latency histograms with bounded memory: HDR-style log-linear buckets from 1 µs to ~25
//! days, plus an exact sum for the mean. `BITS` sets the precision: 2^BITS buckets per power
//! of two, so 10 bits give 0.1% (the summary) and 7 bits 0.8% (the per-sample chart series,
//! reset every sample, so it must be small).
//!
//! Recording is a bucket-index computation and one increment (~10 instructions): a counter,
//! as the engine's hot path allows. The `hdrhistogram` crate, with its generic counters and
//! range checks, cost ~60 instructions a record and 13% of the engine's time.

use crate::engine::time::SimDuration;

/// Largest recordable value in microseconds (larger values are clamped).
const HIGHEST_MICROS: u64 = (1 << 41) - 1;

/// Index of the bucket holding `micros`: values below 2^BITS get one bucket each; above, each
/// power of two [2^k, 2^(k+1)) is split into 2^(BITS-1) equal buckets.
const fn bucket_index<const BITS: u32>(micros: u64) -> usize {
    let sub_buckets = 1u64 << BITS;
    if micros < sub_buckets {
        return micros as usize;
    }
    let magnitude = 63 - micros.leading_zeros(); // ≥ BITS
    let shift = magnitude - (BITS - 1);
    // (micros >> shift) lies in [2^(BITS-1), 2^BITS): the top BITS significant bits.
    let within = (micros >> shift) - sub_buckets / 2;
    (sub_buckets + (shift as u64 - 1) * (sub_buckets / 2) + within) as usize
}

/// The smallest and largest microsecond values of bucket `index`.
fn bucket_range<const BITS: u32>(index: usize) -> (u64, u64) {
    let sub_buckets = 1u64 << BITS;
    let index = index as u64;
    if index < sub_buckets {
        return (index, index);
    }
    let above = index - sub_buckets;
    let shift = above / (sub_buckets / 2) + 1;
    let low = (above % (sub_buckets / 2) + sub_buckets / 2) << shift;
    (low, low + (1 << shift) - 1)
}

/// A latency histogram with 2^BITS buckets per power of two.
#[derive(Clone)]
pub(crate) struct LatencyHistogram<const BITS: u32 = 10> {
    counts: Box<[u64]>,
    count: u64,
    total_nanos: u128,
    max_micros: u64,
    /// Lowest and highest buckets used since the last reset: reset and quantiles touch only
    /// those.
    lowest_index: usize,
    highest_index: usize,
}

// Bounded memory: ~17k buckets (136 KB) at full precision, ~2k for the chart series.
const _: () = assert!(LatencyHistogram::<10>::BUCKET_COUNT < 20_000);

/// The coarse histogram behind the chart's per-sample percentiles.
pub(crate) type ChartHistogram = LatencyHistogram<7>;

impl<const BITS: u32> LatencyHistogram<BITS> {
    const BUCKET_COUNT: usize = bucket_index::<BITS>(HIGHEST_MICROS) + 1;

    pub fn new() -> Self {
        LatencyHistogram {
            counts: vec![0; Self::BUCKET_COUNT].into_boxed_slice(),
            count: 0,
            total_nanos: 0,
            max_micros: 0,
            lowest_index: usize::MAX,
            highest_index: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, latency: SimDuration) {
        let nanos = latency.as_nanos();
        let micros = (nanos / 1_000).min(HIGHEST_MICROS);
        let index = bucket_index::<BITS>(micros);
        self.counts[index] += 1;
        self.count += 1;
        self.total_nanos += u128::from(nanos);
        self.max_micros = self.max_micros.max(micros);
        self.lowest_index = self.lowest_index.min(index);
        self.highest_index = self.highest_index.max(index);
    }

    /// The buckets used since the last reset (empty when nothing was recorded).
    fn used(&self) -> std::ops::Range<usize> {
        if self.count == 0 {
            0..0
        } else {
            self.lowest_index..self.highest_index + 1
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The q-quantile in seconds (0 when empty): the value v such that a fraction q of the
    /// recorded values are ≤ v, to the bucket's precision (its upper edge).
    pub fn quantile_seconds(&self, quantile: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        let used = self.used();
        for (index, count) in self.counts[used.clone()].iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (_, high) = bucket_range::<BITS>(used.start + index);
                return high.min(self.max_micros) as f64 / 1e6;
            }
        }
        self.max_seconds()
    }

    /// The largest value in seconds (to the microsecond).
    pub fn max_seconds(&self) -> f64 {
        self.max_micros as f64 / 1e6
    }

    /// The exact mean in seconds.
    pub fn mean_seconds(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.total_nanos as f64 / self.count as f64 / 1e9
        }
    }

    /// Sum of all recorded values, seconds.
    pub fn total_seconds(&self) -> f64 {
        self.total_nanos as f64 / 1e9
    }

    pub fn reset(&mut self) {
        let used = self.used();
        self.counts[used].fill(0);
        self.count = 0;
        self.total_nanos = 0;
        self.max_micros = 0;
        self.lowest_index = usize::MAX;
        self.highest_index = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn buckets_tile_the_range_without_gaps() {
        fn check<const BITS: u32>() {
            let mut expected_low = 0;
            for index in 0..LatencyHistogram::<BITS>::BUCKET_COUNT {
                let (low, high) = bucket_range::<BITS>(index);
                assert_eq!(low, expected_low, "bucket {index}");
                assert_eq!(bucket_index::<BITS>(low), index);
                assert_eq!(bucket_index::<BITS>(high), index);
                expected_low = high + 1;
            }
            assert_eq!(expected_low, HIGHEST_MICROS + 1);
        }
        check::<10>();
        check::<7>();
    }

    proptest! {
        #[test]
        fn quantiles_are_within_a_tenth_of_a_percent(
            mut values in proptest::collection::vec(0u64..10_000_000_000, 1..2000),
            quantile in 0.0f64..=1.0,
        ) {
            let mut histogram = LatencyHistogram::<10>::new();
            for v in &values {
                histogram.record(SimDuration::from_micros(*v));
            }
            values.sort_unstable();
            let rank = ((quantile * values.len() as f64).ceil() as usize).max(1);
            let exact = values[rank - 1] as f64 / 1e6;
            let estimate = histogram.quantile_seconds(quantile);
            prop_assert!(estimate >= exact - 1e-12, "{estimate} < {exact}");
            prop_assert!(estimate <= exact * 1.002 + 1e-6, "{estimate} vs {exact}");
        }
    }

    #[test]
    fn mean_is_exact_and_reset_clears() {
        let mut histogram = ChartHistogram::new();
        for ms in [1, 2, 3, 10_000] {
            histogram.record(SimDuration::from_millis(ms));
        }
        assert_eq!(histogram.mean_seconds(), 10.006 / 4.0);
        assert_eq!(histogram.max_seconds(), 10.0);
        histogram.reset();
        assert_eq!(
            (histogram.count(), histogram.quantile_seconds(0.5)),
            (0, 0.0)
        );
        histogram.record(SimDuration::from_millis(5));
        assert_eq!(histogram.quantile_seconds(1.0), 0.005);
        assert!((histogram.quantile_seconds(0.5) / 0.005 - 1.0).abs() < 0.01);
    }
}
