//! Simulated time: integer nanoseconds, so event order is exact and identical on every platform.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

const NANOS_PER_SECOND: u64 = 1_000_000_000;
/// 2^62 ns as a float: below it, `nanos + 0.5` converts through an i64 exactly.
const I64_RANGE: f64 = (1u64 << 62) as f64;

/// A point in simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable time (about 584 years).
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A time from whole nanoseconds.
    pub const fn from_nanos(nanos: u64) -> Self {
        SimTime(nanos)
    }
    /// Nanoseconds since the start of the run.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds since the start of the run (for display and metrics, never for ordering).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SECOND as f64
    }
    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable span.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A duration from whole nanoseconds.
    pub const fn from_nanos(nanos: u64) -> Self {
        SimDuration(nanos)
    }
    /// A duration from whole microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        SimDuration(micros.saturating_mul(1_000))
    }
    /// A duration from whole milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        SimDuration(millis.saturating_mul(1_000_000))
    }
    /// A duration from whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        SimDuration(secs.saturating_mul(NANOS_PER_SECOND))
    }
    /// Converts a sampled duration in seconds to integer time: the one place where floating
    /// point enters the clock. Negative and NaN values become zero; huge values saturate.
    #[inline]
    pub fn from_secs_f64(secs: f64) -> Self {
        let nanos = secs * NANOS_PER_SECOND as f64;
        if nanos.is_nan() || nanos <= 0.0 {
            SimDuration(0)
        } else if nanos < I64_RANGE {
            // Round to nearest so that e.g. 0.1 s is exactly 100 ms. Through i64: x86 converts
            // a float to a signed integer in one instruction, to an unsigned one in several,
            // and this runs for every sampled duration.
            SimDuration((nanos + 0.5) as i64 as u64)
        } else if nanos >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration((nanos + 0.5) as u64)
        }
    }
    /// Whole nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds as a float (for display and metrics).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SECOND as f64
    }
    /// `self * factor`, saturating.
    pub fn saturating_mul(self, factor: u64) -> Self {
        SimDuration(self.0.saturating_mul(factor))
    }
    /// Converts from a standard-library duration, saturating at ~584 years.
    pub fn from_std(duration: std::time::Duration) -> Self {
        SimDuration(u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX))
    }
    /// Converts to a standard-library duration.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.saturating_since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl fmt::Display for SimDuration {
    /// Human-readable, e.g. `1.250s`, `12ms`, `3m20s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_seconds(self.as_secs_f64(), f)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_seconds(self.as_secs_f64(), f)
    }
}

fn format_seconds(secs: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if secs == 0.0 {
        write!(f, "0s")
    } else if secs < 1e-3 {
        write!(f, "{:.0}µs", secs * 1e6)
    } else if secs < 1.0 {
        write!(f, "{:.1}ms", secs * 1e3)
    } else if secs < 60.0 {
        write!(f, "{secs:.2}s")
    } else if secs < 3600.0 {
        // Round first, so 9m59.6s reads 10m00s, not 9m60s.
        let whole = secs.round();
        let minutes = (whole / 60.0).floor();
        write!(f, "{}m{:02.0}s", minutes as u64, whole - minutes * 60.0)
    } else {
        let hours = (secs / 3600.0).floor();
        let minutes = ((secs - hours * 3600.0) / 60.0).floor();
        write!(f, "{}h{:02}m", hours as u64, minutes as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_conversion_rounds_and_clamps() {
        assert_eq!(SimDuration::from_secs_f64(0.1).as_nanos(), 100_000_000);
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(1e30), SimDuration::MAX);
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(SimTime::MAX + SimDuration::from_secs(1), SimTime::MAX);
        assert_eq!(SimTime::ZERO - SimTime::from_nanos(5), SimDuration::ZERO);
    }

    #[test]
    fn display_is_readable() {
        assert_eq!(SimDuration::from_millis(250).to_string(), "250.0ms");
        assert_eq!(SimDuration::from_secs(200).to_string(), "3m20s");
        assert_eq!(SimDuration::from_secs(7260).to_string(), "2h01m");
    }

    #[test]
    fn minutes_round_before_they_split() {
        assert_eq!(SimDuration::from_secs_f64(599.6).to_string(), "10m00s");
        assert_eq!(SimDuration::from_secs_f64(770.2).to_string(), "12m50s");
    }
}
