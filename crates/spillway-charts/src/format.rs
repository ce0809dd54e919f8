//! Numbers and durations as a person writes them on an axis or in a table, and round axis
//! maxima.

/// A round axis maximum a little above `value` (1, 2 or 5 × a power of ten).
pub fn nice_max(value: f64) -> f64 {
    let value = (value * 1.1).max(1e-3);
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|candidate| *candidate >= value)
        .unwrap_or(10.0 * magnitude)
}

/// 1234 → "1.2k", 2_000_000 → "2M".
pub fn format_count(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e6 {
        trim(format!("{:.1}", value / 1e6)) + "M"
    } else if magnitude >= 1e3 {
        trim(format!("{:.1}", value / 1e3)) + "k"
    } else if magnitude >= 10.0 || value == value.round() {
        format!("{value:.0}")
    } else {
        trim(format!("{value:.1}"))
    }
}

/// Seconds as a short duration: "250ms", "42s", "2m", "1h30m".
pub fn format_seconds(seconds: f64) -> String {
    let magnitude = seconds.abs();
    if seconds == 0.0 {
        "0".into()
    } else if magnitude < 1.0 {
        trim(format!("{:.0}", seconds * 1e3)) + "ms"
    } else if magnitude < 120.0 {
        trim(format!("{seconds:.1}")) + "s"
    } else if magnitude < 7200.0 {
        let whole = seconds.round();
        let minutes = (whole / 60.0).floor();
        let rest = whole - minutes * 60.0;
        if rest == 0.0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        }
    } else {
        let hours = (seconds / 3600.0).floor();
        let minutes = ((seconds - hours * 3600.0) / 60.0).round();
        if minutes == 0.0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{minutes}m")
        }
    }
}

pub(crate) fn trim(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The unit a duration axis reads best in, for its largest value.
pub(crate) struct DurationUnit {
    pub(crate) seconds: f64,
    pub(crate) name: &'static str,
}

impl DurationUnit {
    pub(crate) fn for_max(max_seconds: f64) -> Self {
        let (seconds, name) = if max_seconds < 1.0 {
            (1e-3, "milliseconds")
        } else if max_seconds < 600.0 {
            (1.0, "seconds")
        } else if max_seconds < 36_000.0 {
            (60.0, "minutes")
        } else {
            (3600.0, "hours")
        };
        DurationUnit { seconds, name }
    }

    pub(crate) fn scale(&self, points: &mut [(f64, f64)]) {
        for (_, y) in points {
            *y /= self.seconds;
        }
    }
}
