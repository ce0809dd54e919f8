//! Colours: one colour per chart role (the core's [`Role`]), the same in every chart and
//! both themes; the themes differ only in background, text, grid and the muted limit lines.

use plotters::style::RGBColor;
use spillway_core::Role;

/// [`Role::Primary`]: the chart's main quantity (lag in messages, queue depth).
pub const PRIMARY: RGBColor = RGBColor(37, 99, 235);
/// [`Role::Secondary`]: a second quantity beside it (lag in seconds, p99).
pub const SECONDARY: RGBColor = RGBColor(147, 51, 234);
/// [`Role::Good`]: goodput, busy consumers.
pub const GOOD: RGBColor = RGBColor(22, 163, 74);
/// [`Role::Bad`]: alerts, rejections, failures, an open breaker; also the fault bands.
pub const BAD: RGBColor = RGBColor(220, 38, 38);
/// [`Role::Warning`]: retries, redeliveries, attempts.
pub const WARNING: RGBColor = RGBColor(234, 88, 12);
/// Live-knob changes marked on the charts.
pub const KNOB: RGBColor = RGBColor(217, 119, 6);

/// The colours of the chosen theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
    pub axis: RGBColor,
    /// Limits drawn as reference lines (queue capacity, consumers running): [`Role::Muted`].
    pub limit: RGBColor,
}

impl Theme {
    /// The colour of a chart line's role.
    pub fn role(&self, role: Role) -> RGBColor {
        match role {
            Role::Primary => PRIMARY,
            Role::Secondary => SECONDARY,
            Role::Good => GOOD,
            Role::Bad => BAD,
            Role::Warning => WARNING,
            Role::Muted => self.limit,
        }
    }
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

/// Colours for designs drawn side by side (compare views): the first is the baseline.
pub const DESIGNS: [RGBColor; 5] = [PRIMARY, WARNING, SECONDARY, GOOD, RGBColor(8, 145, 178)];

/// The colour of design `index` in a comparison (cycles past [`DESIGNS`]).
pub fn design(index: usize) -> RGBColor {
    DESIGNS[index % DESIGNS.len()]
}
