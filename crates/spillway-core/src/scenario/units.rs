//! Human-readable quantities in scenario files: durations (`"90s"`, `"5m"`, `"250ms"`),
//! rates (`"2000/s"`, `"120/min"`, or a bare number of messages per second) and ratios.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::time::SimDuration;

/// A duration written for people: `"90s"`, `"5m"`, `"1h 30m"`, `"250ms"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub SimDuration);

impl Duration {
    /// From whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration(SimDuration::from_secs(secs))
    }
    /// From whole milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Duration(SimDuration::from_millis(millis))
    }
    /// The simulated-time value.
    pub const fn sim(self) -> SimDuration {
        self.0
    }
    /// Seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
    /// No time at all.
    pub fn is_zero(&self) -> bool {
        self.0 == SimDuration::ZERO
    }
}

impl FromStr for Duration {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed == "0" {
            return Ok(Duration(SimDuration::ZERO));
        }
        // Simulated time is whole nanoseconds in a u64: a longer duration must be an error,
        // never a silent clamp to ~584 years.
        let overflows = || {
            format!(
                "`{text}` overflows: durations are whole nanoseconds, at most about 584 years \
                 (2^64 - 1 ns)"
            )
        };
        match humantime::parse_duration(trimmed) {
            Ok(duration) => u64::try_from(duration.as_nanos())
                .map(|nanos| Duration(SimDuration::from_nanos(nanos)))
                .map_err(|_| overflows()),
            Err(humantime::DurationError::NumberOverflow) if trimmed.contains('.') => Err(format!(
                "`{text}` overflows or is finer than 1ns: durations are whole nanoseconds, at \
                 most about 584 years (2^64 - 1 ns)"
            )),
            Err(humantime::DurationError::NumberOverflow) => Err(overflows()),
            Err(e) => Err(format!(
                "`{text}` is not a duration ({e}); write e.g. \"90s\", \"5m\", \"250ms\""
            )),
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0.to_std()))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"90s\", \"5m\" or \"250ms\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Duration, E> {
                if value == 0 {
                    Ok(Duration(SimDuration::ZERO))
                } else {
                    Err(E::custom(format!(
                        "a bare number ({value}) has no unit; write \"{value}s\" or \"{value}ms\""
                    )))
                }
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Duration, E> {
                self.visit_i64(i64::try_from(value).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "a bare number ({value}) has no unit; write \"{value}s\" or \"{value}ms\""
                )))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// A rate in messages per second, written `"2000/s"`, `"120/min"`, `"5/h"` or as a number
/// (per second).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Rate(pub f64);

impl Rate {
    /// Messages per second.
    pub const fn per_second(self) -> f64 {
        self.0
    }
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad =
            || format!("`{text}` is not a rate; write e.g. \"2000/s\", \"120/min\" or \"5/h\"");
        let (count, unit) = match text.split_once('/') {
            Some((count, unit)) => (count.trim(), unit.trim()),
            None => (text.trim(), "s"),
        };
        let count: f64 = count.replace('_', "").parse().map_err(|_| bad())?;
        if count.is_infinite() && !text.to_ascii_lowercase().contains("inf") {
            return Err(format!(
                "`{text}` overflows: the number is too large for a rate (beyond 1.8e308)"
            ));
        }
        let seconds = match unit {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            "d" | "day" => 86_400.0,
            _ => return Err(bad()),
        };
        let rate = count / seconds;
        if !rate.is_finite() || rate < 0.0 {
            return Err(format!("`{text}`: a rate must be a finite number ≥ 0"));
        }
        Ok(Rate(rate))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.0)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RateVisitor;
        impl Visitor<'_> for RateVisitor {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rate such as \"2000/s\" or \"120/min\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Rate, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Rate, E> {
                if value.is_finite() && value >= 0.0 {
                    Ok(Rate(value))
                } else {
                    Err(E::custom(format!("a rate must be ≥ 0, got {value}")))
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Rate, E> {
                self.visit_f64(value as f64)
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Rate, E> {
                self.visit_f64(value as f64)
            }
        }
        deserializer.deserialize_any(RateVisitor)
    }
}

/// A capacity: a positive count, or `"unbounded"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Capacity {
    /// No limit (the default): the queue grows until a run limit stops it.
    #[default]
    Unbounded,
    /// At most this many waiting messages.
    Bounded(u64),
}

impl Serialize for Capacity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Capacity::Unbounded => serializer.serialize_str("unbounded"),
            Capacity::Bounded(n) => serializer.serialize_u64(*n),
        }
    }
}

impl<'de> Deserialize<'de> for Capacity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CapacityVisitor;
        impl Visitor<'_> for CapacityVisitor {
            type Value = Capacity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of messages (0: no waiting room), or \"unbounded\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Capacity, E> {
                match text {
                    "unbounded" => Ok(Capacity::Unbounded),
                    _ => Err(E::custom(format!(
                        "`{text}`: must be a whole number of messages (0 for no waiting room) or \"unbounded\""
                    ))),
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Capacity, E> {
                u64::try_from(value)
                    .map(Capacity::Bounded)
                    .map_err(|_| E::custom(format!("must be ≥ 0, got {value}")))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Capacity, E> {
                Ok(Capacity::Bounded(value))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Capacity, E> {
                Err(E::custom(format!(
                    "must be a whole number ≥ 0, got {value}"
                )))
            }
        }
        deserializer.deserialize_any(CapacityVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_people_write_them() {
        assert_eq!(
            "90s".parse::<Duration>().unwrap().sim(),
            SimDuration::from_secs(90)
        );
        assert_eq!(
            "5m".parse::<Duration>().unwrap().sim(),
            SimDuration::from_secs(300)
        );
        assert_eq!(
            "1h 30m".parse::<Duration>().unwrap().sim(),
            SimDuration::from_secs(5400)
        );
        assert_eq!(
            "250ms".parse::<Duration>().unwrap().sim(),
            SimDuration::from_millis(250)
        );
        assert!(
            "fast"
                .parse::<Duration>()
                .unwrap_err()
                .contains("not a duration")
        );
    }

    #[test]
    fn rates_accept_units_and_bare_numbers() {
        assert_eq!("2000/s".parse::<Rate>().unwrap().per_second(), 2000.0);
        assert_eq!("120/min".parse::<Rate>().unwrap().per_second(), 2.0);
        assert_eq!("7200/h".parse::<Rate>().unwrap().per_second(), 2.0);
        assert_eq!("15".parse::<Rate>().unwrap().per_second(), 15.0);
        assert!("10/fortnight".parse::<Rate>().is_err());
        assert!("-3/s".parse::<Rate>().is_err());
    }
}

/// An amount of memory written for people: `"512MiB"`, `"2 GiB"`, `"1KB"`, or a bare number
/// of bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Bytes.
    pub const fn bytes(self) -> u64 {
        self.0
    }
    /// From KiB.
    pub const fn kib(kib: u64) -> Self {
        ByteSize(kib * 1024)
    }
    /// From MiB.
    pub const fn mib(mib: u64) -> Self {
        ByteSize(mib * 1024 * 1024)
    }
}

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let size = text.trim().parse::<bytesize::ByteSize>().map_err(|e| {
            format!(
                "`{text}` is not a size in bytes ({e}); write e.g. \"512MiB\", \"2GiB\", \"50MB\" or \"1KiB\""
            )
        })?;
        // The parser saturates: a size at the top of the range was too big to count.
        if size.as_u64() == u64::MAX {
            return Err(format!(
                "`{text}` is more bytes than can be counted (less than 16EiB)"
            ));
        }
        Ok(ByteSize(size.as_u64()))
    }
}

/// Exact, so that it reads back to the same bytes: the largest binary or decimal unit that
/// divides it, whichever reads shorter (binary on a tie) — "1GiB", "50MB", "1023B".
impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn exact(bytes: u64, units: &[(u64, &'static str)]) -> String {
            match units
                .iter()
                .find(|(size, _)| bytes >= *size && bytes % size == 0)
            {
                Some((size, unit)) => format!("{}{unit}", bytes / size),
                None => format!("{bytes}B"),
            }
        }
        let binary = exact(
            self.0,
            &[
                (1 << 60, "EiB"),
                (1 << 50, "PiB"),
                (1 << 40, "TiB"),
                (1 << 30, "GiB"),
                (1 << 20, "MiB"),
                (1 << 10, "KiB"),
            ],
        );
        let decimal = exact(
            self.0,
            &[
                (1_000_000_000_000_000_000, "EB"),
                (1_000_000_000_000_000, "PB"),
                (1_000_000_000_000, "TB"),
                (1_000_000_000, "GB"),
                (1_000_000, "MB"),
                (1_000, "KB"),
            ],
        );
        f.write_str(if decimal.len() < binary.len() {
            &decimal
        } else {
            &binary
        })
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ByteSizeVisitor;
        impl Visitor<'_> for ByteSizeVisitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount of memory such as \"512MiB\" or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ByteSize, E> {
                u64::try_from(value).map(ByteSize).map_err(|_| {
                    E::custom(format!(
                        "an amount of memory cannot be negative, got {value}"
                    ))
                })
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<ByteSize, E> {
                Err(E::custom(format!(
                    "a fractional number of bytes ({value}); write e.g. \"1.5MiB\""
                )))
            }
        }
        deserializer.deserialize_any(ByteSizeVisitor)
    }
}

#[cfg(test)]
mod byte_size_tests {
    use super::ByteSize;

    #[test]
    fn binary_and_decimal_units_parse() {
        let parse = |text: &str| text.parse::<ByteSize>().map(ByteSize::bytes);
        assert_eq!(parse("1GiB"), Ok(1 << 30));
        assert_eq!(parse("16 KiB"), Ok(16 << 10));
        assert_eq!(parse("1GB"), Ok(1_000_000_000));
        assert!(parse("lots").unwrap_err().contains("not a size in bytes"));
        assert_eq!(ByteSize(1 << 60).to_string(), "1EiB");
        assert_eq!(ByteSize(1023 << 50).to_string(), "1023PiB");
        assert!(
            parse("16EiB")
                .unwrap_err()
                .contains("more bytes than can be counted")
        );
        assert!(parse("99999999999999999999B").is_err());
        let spec: toml::Value = toml::from_str("m = \"1GiB\"").unwrap();
        let m: ByteSize = spec["m"].clone().try_into().unwrap();
        assert_eq!(m.bytes(), 1 << 30);
        for bytes in [
            0,
            1,
            1023,
            1024,
            1536,
            16 << 10,
            1 << 30,
            3 << 40,
            1_000_000_000,
        ] {
            let shown = ByteSize(bytes).to_string();
            assert_eq!(parse(&shown), Ok(bytes), "{shown} reads back");
        }
        assert_eq!(ByteSize(1 << 30).to_string(), "1GiB");
        assert_eq!(
            ByteSize(50_000_000).to_string(),
            "50MB",
            "decimal when it divides"
        );
        assert_eq!(ByteSize(1_024_000).to_string(), "1024KB", "the shorter");
        assert_eq!(ByteSize(16 << 10).to_string(), "16KiB");
        for bytes in [50_000_000, 1_024_000, 2_000_000_000_000, 999_999] {
            assert_eq!(parse(&ByteSize(bytes).to_string()), Ok(bytes));
        }
    }
}
