//! Colours: one colour per series, the same in every chart and both themes; the themes
//! differ only in background, text and grid.

use plotters::style::RGBColor;

/// Consumer lag in messages, and queue depth (the same quantity).
pub const LAG_MESSAGES: RGBColor = RGBColor(37, 99, 235);
/// Consumer lag in seconds (age of the oldest waiting message).
pub const LAG_SECONDS: RGBColor = RGBColor(147, 51, 234);
/// Alerts, rejections and faults.
pub const ALERT: RGBColor = RGBColor(220, 38, 38);
/// Throughput in (sends accepted).
pub const THROUGHPUT_IN: RGBColor = RGBColor(8, 145, 178);
/// Throughput out (messages completed), and busy consumers.
pub const THROUGHPUT_OUT: RGBColor = RGBColor(22, 163, 74);
/// Producer retries.
pub const RETRIED: RGBColor = RGBColor(234, 88, 12);
/// Median latency.
pub const LATENCY_P50: RGBColor = RGBColor(13, 148, 136);
/// 99th-percentile latency.
pub const LATENCY_P99: RGBColor = RGBColor(219, 39, 119);
/// Live-knob changes marked on the charts.
pub const KNOB: RGBColor = RGBColor(217, 119, 6);

/// The colours of the chosen theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
    pub axis: RGBColor,
    /// Limits drawn as reference lines (queue capacity, consumers running).
    pub limit: RGBColor,
}

/// Light theme.
pub const LIGHT: Theme = Theme {
    background: RGBColor(255, 255, 255),
    text: RGBColor(31, 41, 55),
    grid: RGBColor(236, 239, 243),
    axis: RGBColor(156, 163, 175),
    limit: RGBColor(75, 85, 99),
};

/// Dark theme.
pub const DARK: Theme = Theme {
    background: RGBColor(24, 28, 37),
    text: RGBColor(226, 232, 240),
    grid: RGBColor(45, 52, 66),
    axis: RGBColor(100, 116, 139),
    limit: RGBColor(203, 213, 225),
};

/// `color` as a CSS `#rrggbb` string (for legends in HTML).
pub fn css(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}
