//! A metric against one swept parameter: each point's mean with its 95% confidence interval
//! as a whisker, optionally an analytic curve (what the closed forms predict) and an SLO
//! line. `spillway sweep --chart` and the playground's planner draw it.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use spillway_core::MetricUnit;

use crate::format::{DurationUnit, format_count, nice_max};
use crate::palette::{self, Theme};
use crate::timeline::{DrawResult, Points};

/// One swept point: its parameter value and the metric's mean and 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// The parameter's value (or its index, for a chart with [`SweepChart::x_ticks`]).
    pub x: f64,
    /// Mean over the replications.
    pub mean: f64,
    /// Lower end of the 95% confidence interval.
    pub low: f64,
    /// Upper end of the 95% confidence interval.
    pub high: f64,
}

/// What a sweep chart shows.
pub struct SweepChart<'a> {
    /// The parameter (the x axis), e.g. `consumers.count`.
    pub parameter: &'a str,
    /// The metric (the y axis), e.g. `p99_queue_wait`.
    pub metric: &'a str,
    /// The metric's unit: durations are drawn in the unit that reads best, ratios as percent.
    pub unit: MetricUnit,
    /// The simulated points, in x order.
    pub points: &'a [SweepPoint],
    /// For a parameter that is not a number (`1000/s`, `"reject"`): the label of each
    /// point, point `i` drawn at x = `i`.
    pub x_ticks: Option<&'a [String]>,
    /// An analytic curve (label, points in the metric's unit); infinite values are gaps.
    pub curve: Option<(&'a str, &'a [(f64, f64)])>,
    /// An SLO to meet (label, threshold in the metric's unit), drawn as a line.
    pub threshold: Option<(&'a str, f64)>,
    pub theme: Theme,
    /// Device pixels per CSS pixel.
    pub pixel_ratio: f64,
}

/// Draws `chart` onto `backend`.
pub fn draw<DB: DrawingBackend>(backend: DB, chart: &SweepChart) -> DrawResult<DB> {
    let root = backend.into_drawing_area();
    root.fill(&chart.theme.background)?;
    let px = chart.pixel_ratio;
    let scale = YScale::for_chart(chart);
    let (x_min, x_max) = x_range(chart);
    let text = ("sans-serif", 12.0 * px)
        .into_font()
        .color(&chart.theme.text);
    let mut plot = ChartBuilder::on(&root)
        .margin_top((10.0 * px) as i32)
        .margin_right((16.0 * px) as i32)
        .x_label_area_size((36.0 * px) as i32)
        .y_label_area_size((62.0 * px) as i32)
        .build_cartesian_2d(x_min..x_max, 0.0..scale.max)?;
    let ticks = chart.x_ticks;
    // A whole-numbered parameter (a consumer count) is labelled at whole numbers only.
    let whole = ticks.is_none() && chart.points.iter().all(|p| p.x.fract() == 0.0);
    let x_label = move |x: &f64| match ticks {
        Some(ticks) => {
            let index = x.round();
            if (x - index).abs() < 1e-6 && index >= 0.0 {
                ticks.get(index as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        None if whole && x.fract() != 0.0 => String::new(),
        None => format_count(*x),
    };
    let y_label = |y: &f64| scale.label(*y);
    let x_labels = match ticks {
        Some(ticks) => ticks.len().clamp(1, 12),
        None if whole => ((x_max - x_min).floor() as usize + 1).clamp(2, 10),
        None => 8,
    };
    plot.configure_mesh()
        .x_desc(chart.parameter)
        .y_desc(scale.desc(chart.metric))
        .x_labels(x_labels)
        .y_labels(6)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(text.clone())
        .axis_desc_style(text)
        .bold_line_style(chart.theme.grid)
        .light_line_style(TRANSPARENT)
        .axis_style(chart.theme.axis)
        .draw()?;
    let stroke = (1.5 * px).max(1.0) as u32;
    if let Some((label, threshold)) = chart.threshold {
        let y = scale.y(threshold);
        if y <= scale.max {
            let color = palette::BAD;
            plot.draw_series(LineSeries::new(
                [(x_min, y), (x_max, y)],
                color.mix(0.7).stroke_width(stroke),
            ))?;
            plot.draw_series(std::iter::once(Text::new(
                format!("{label} {}", scale.text(threshold)),
                (x_min, y + scale.max * 0.015),
                ("sans-serif", 11.0 * px)
                    .into_font()
                    .color(&color)
                    .pos(Pos::new(HPos::Left, VPos::Bottom)),
            )))?;
        }
    }
    if let Some((_, curve)) = chart.curve {
        for segment in visible_segments(curve, &scale) {
            plot.draw_series(LineSeries::new(
                segment,
                chart.theme.limit.stroke_width(stroke),
            ))?;
        }
    }
    let color = palette::PRIMARY;
    let whisker = (x_max - x_min) * 0.008;
    for point in chart.points.iter().filter(|p| p.mean.is_finite()) {
        let low = scale.y(point.low).clamp(0.0, scale.max);
        let high = scale.y(point.high).clamp(0.0, scale.max);
        let mean = scale.y(point.mean);
        if high > low {
            plot.draw_series([
                PathElement::new(
                    vec![(point.x, low), (point.x, high)],
                    color.stroke_width(stroke),
                ),
                PathElement::new(
                    vec![(point.x - whisker, low), (point.x + whisker, low)],
                    color.stroke_width(stroke),
                ),
                PathElement::new(
                    vec![(point.x - whisker, high), (point.x + whisker, high)],
                    color.stroke_width(stroke),
                ),
            ])?;
        }
        if mean <= scale.max {
            plot.draw_series(std::iter::once(Circle::new(
                (point.x, mean),
                (3.0 * px) as i32,
                color.filled(),
            )))?;
        } else {
            // Off the top: a hollow point on the edge, and its value.
            plot.draw_series(std::iter::once(Circle::new(
                (point.x, scale.max),
                (3.0 * px) as i32,
                color.stroke_width(stroke),
            )))?;
            plot.draw_series(std::iter::once(Text::new(
                format!("↑ {}", scale.text(point.mean)),
                (point.x, scale.max * 0.97),
                ("sans-serif", 11.0 * px)
                    .into_font()
                    .color(&color)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            )))?;
        }
    }
    root.present()
}

/// Legend entries (label, colour): the simulated points, then the curve and the SLO if any.
pub fn legend(chart: &SweepChart) -> Vec<(String, RGBColor)> {
    let mut out = vec![("simulated mean, 95% CI".to_string(), palette::PRIMARY)];
    if let Some((label, _)) = chart.curve {
        out.push((label.to_string(), chart.theme.limit));
    }
    if let Some((label, _)) = chart.threshold {
        out.push((label.to_string(), palette::BAD));
    }
    out
}

fn x_range(chart: &SweepChart) -> (f64, f64) {
    if let Some(ticks) = chart.x_ticks {
        return (-0.5, ticks.len().max(1) as f64 - 0.5);
    }
    let xs = chart
        .points
        .iter()
        .map(|p| p.x)
        .chain(
            chart
                .curve
                .into_iter()
                .flat_map(|(_, c)| c.iter().map(|p| p.0)),
        )
        .filter(|x| x.is_finite());
    let (low, high) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((high - low) * 0.05).max(0.5);
    (low - pad, high + pad)
}

/// The y axis: the metric's values in drawing units (durations rescaled, ratios in percent).
struct YScale {
    unit: MetricUnit,
    /// Metric units per drawing unit.
    per: f64,
    duration_name: &'static str,
    max: f64,
}

impl YScale {
    fn for_chart(chart: &SweepChart) -> Self {
        // The simulated intervals and the SLO decide the range; the analytic curve may run
        // off the top near saturation (it is cut there, not allowed to flatten the points).
        let simulated = chart
            .points
            .iter()
            .flat_map(|p| [p.mean, p.high])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let threshold = chart.threshold.map_or(0.0, |(_, t)| t * 1.25);
        let curve = if chart.points.is_empty() {
            chart.curve.map_or(0.0, |(_, c)| {
                c.iter()
                    .map(|p| p.1)
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max)
            })
        } else {
            0.0
        };
        // Far above the SLO, a point only says "fails by a lot": the axis stops near 4× the
        // SLO so the points around it stay readable, and higher points sit on the top edge
        // with their value written beside them.
        let cap = chart.threshold.map_or(f64::INFINITY, |(_, t)| t * 4.0);
        let peak = simulated.max(threshold).max(curve).min(cap.max(threshold));
        let (per, duration_name) = match chart.unit {
            MetricUnit::Duration => {
                let unit = DurationUnit::for_max(peak);
                (unit.seconds, unit.name)
            }
            MetricUnit::Ratio => (0.01, ""),
            _ => (1.0, ""),
        };
        let floor = match chart.unit {
            MetricUnit::Count => 10.0,
            _ => 1e-3,
        };
        YScale {
            unit: chart.unit,
            per,
            duration_name,
            max: nice_max((peak / per).max(floor)),
        }
    }

    fn y(&self, value: f64) -> f64 {
        value / self.per
    }

    fn desc(&self, metric: &str) -> String {
        match self.unit {
            MetricUnit::Duration => format!("{metric} ({})", self.duration_name),
            MetricUnit::Ratio => format!("{metric} (%)"),
            _ => metric.to_string(),
        }
    }

    fn label(&self, y: f64) -> String {
        match self.unit {
            MetricUnit::Count => format_count(y),
            _ => crate::format::trim(format!("{y:.2}")),
        }
    }

    /// A value in the metric's unit as on-chart text.
    fn text(&self, value: f64) -> String {
        self.unit.format(value)
    }
}

/// The curve's finite points inside the chart, as segments: a point off the top or infinite
/// ends a segment.
fn visible_segments(curve: &[(f64, f64)], scale: &YScale) -> Vec<Points> {
    let mut out: Vec<Points> = vec![Vec::new()];
    for &(x, value) in curve {
        let y = scale.y(value);
        if value.is_finite() && y <= scale.max && x.is_finite() {
            out.last_mut().expect("never empty").push((x, y));
        } else if !out.last().expect("never empty").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|segment| !segment.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart<'a>(points: &'a [SweepPoint], curve: &'a [(f64, f64)]) -> SweepChart<'a> {
        SweepChart {
            parameter: "consumers.count",
            metric: "p99_queue_wait",
            unit: MetricUnit::Duration,
            points,
            x_ticks: None,
            curve: Some(("Erlang C", curve)),
            threshold: Some(("SLO", 2.0)),
            theme: palette::LIGHT,
            pixel_ratio: 1.0,
        }
    }

    #[test]
    fn the_range_follows_the_points_and_the_slo_not_a_curve_that_explodes() {
        let points = [
            SweepPoint {
                x: 20.0,
                mean: 3.0,
                low: 2.5,
                high: 3.5,
            },
            SweepPoint {
                x: 22.0,
                mean: 0.5,
                low: 0.4,
                high: 0.6,
            },
        ];
        let curve = [
            (20.0, 1e9),
            (21.0, 2.0),
            (22.0, 0.45),
            (23.0, f64::INFINITY),
        ];
        let c = chart(&points, &curve);
        let scale = YScale::for_chart(&c);
        assert_eq!(scale.max, 5.0, "seconds, a round top above 3.5 s");
        let drawn = visible_segments(&curve, &scale);
        assert_eq!(drawn, vec![vec![(21.0, 2.0), (22.0, 0.45)]]);
    }

    #[test]
    fn a_point_far_above_the_slo_does_not_squash_the_ones_near_it() {
        let points = [
            SweepPoint {
                x: 3.0,
                mean: 60.0,
                low: 40.0,
                high: 80.0,
            },
            SweepPoint {
                x: 4.0,
                mean: 0.2,
                low: 0.15,
                high: 0.25,
            },
        ];
        let mut c = chart(&points, &[]);
        c.threshold = Some(("SLO", 0.1));
        let scale = YScale::for_chart(&c);
        assert_eq!(scale.desc("p99"), "p99 (milliseconds)");
        assert_eq!(scale.max, 500.0, "a round top above 4 × the 100 ms SLO");
    }

    #[test]
    fn short_waits_are_drawn_in_milliseconds_and_ratios_in_percent() {
        let points = [SweepPoint {
            x: 1.0,
            mean: 0.02,
            low: 0.01,
            high: 0.03,
        }];
        let mut c = chart(&points, &[]);
        c.threshold = None;
        let scale = YScale::for_chart(&c);
        assert_eq!(scale.desc("p99"), "p99 (milliseconds)");
        assert!((scale.y(0.02) - 20.0).abs() < 1e-9);
        c.unit = MetricUnit::Ratio;
        let scale = YScale::for_chart(&c);
        assert_eq!(scale.desc("blocking_ratio"), "blocking_ratio (%)");
        assert!((scale.y(0.02) - 2.0).abs() < 1e-9);
    }

    #[cfg(feature = "svg")]
    #[test]
    fn each_point_is_drawn_with_its_interval() {
        let points = [
            SweepPoint {
                x: 20.0,
                mean: 3.0,
                low: 2.5,
                high: 3.5,
            },
            SweepPoint {
                x: 22.0,
                mean: 0.5,
                low: 0.4,
                high: 0.6,
            },
        ];
        let svg =
            crate::svg::render((600, 300), |backend| draw(backend, &chart(&points, &[]))).unwrap();
        assert_eq!(svg.matches("<circle").count(), 2);
        let texts = crate::svg_texts(&svg);
        assert!(texts.iter().any(|t| t == "SLO 2.00s"), "{texts:?}");
        let ticks: Vec<&String> = texts
            .iter()
            .filter(|t| t.parse::<u32>().is_ok_and(|n| n >= 19))
            .collect();
        let mut unique = ticks.clone();
        unique.dedup();
        assert_eq!(
            ticks, unique,
            "a count parameter's ticks are whole and not repeated"
        );
    }
}
