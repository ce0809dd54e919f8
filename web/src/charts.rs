//! The live charts, as plain functions over any plotters [`DrawingBackend`]: the playground
//! hands them a canvas; anything else (an SVG file) could take the same drawing.
//!
//! Every chart shares the x axis (simulated time over the whole run, so a run fills the chart
//! as it goes), shades the windows where faults are active and marks each live-knob change.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use spillway_core::{Intervention, TimeSeries};

use crate::palette::{self, Theme};
use crate::session::KnobChange;

/// Which chart to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Consumer lag in messages and seconds, with the alert threshold (the headline chart).
    Lag,
    /// Queue depth against its capacity.
    Depth,
    /// Messages per second in, out, rejected and retried.
    Throughput,
    /// End-to-end latency p50 and p99.
    Latency,
    /// Consumers busy against consumers running.
    Consumers,
}

impl ChartKind {
    /// Every chart, headline first.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Lag,
        ChartKind::Depth,
        ChartKind::Throughput,
        ChartKind::Latency,
        ChartKind::Consumers,
    ];

    /// Title, also the canvas's accessible name.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Lag => "Consumer lag",
            ChartKind::Depth => "Queue depth vs capacity",
            ChartKind::Throughput => "Throughput",
            ChartKind::Latency => "End-to-end latency",
            ChartKind::Consumers => "Consumers",
        }
    }

    /// Legend entries: label and colour.
    pub fn legend(self, theme: &Theme) -> Vec<(&'static str, RGBColor)> {
        match self {
            ChartKind::Lag => vec![
                ("messages (left)", palette::LAG_MESSAGES),
                ("seconds (right)", palette::LAG_SECONDS),
                ("alert", palette::ALERT),
            ],
            ChartKind::Depth => vec![("depth", palette::LAG_MESSAGES), ("capacity", theme.limit)],
            ChartKind::Throughput => vec![
                ("in", palette::THROUGHPUT_IN),
                ("out", palette::THROUGHPUT_OUT),
                ("rejected", palette::ALERT),
                ("retried", palette::RETRIED),
            ],
            ChartKind::Latency => {
                vec![("p50", palette::LATENCY_P50), ("p99", palette::LATENCY_P99)]
            }
            ChartKind::Consumers => {
                vec![("busy", palette::THROUGHPUT_OUT), ("running", theme.limit)]
            }
        }
    }
}

/// What the charts draw, borrowed from the session for one frame.
pub struct ChartData<'a> {
    pub series: &'a TimeSeries,
    /// The run's full length, seconds (the x axis spans it).
    pub end_seconds: f64,
    /// The lag alert threshold, seconds.
    pub lag_alert_seconds: f64,
    /// Queue capacity at the start, `None` when unbounded.
    pub initial_capacity: Option<u64>,
    /// Consumers at the start.
    pub initial_consumers: u32,
    pub changes: &'a [KnobChange],
    pub theme: Theme,
    /// Device pixels per CSS pixel (text and lines scale with it).
    pub pixel_ratio: f64,
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws `kind` onto `backend`.
pub fn draw<DB: DrawingBackend>(backend: DB, kind: ChartKind, data: &ChartData) -> DrawResult<DB> {
    let root = backend.into_drawing_area();
    root.fill(&data.theme.background)?;
    let axis = TimeAxis::for_run(data.end_seconds);
    match kind {
        ChartKind::Lag => draw_lag(&root, data, &axis)?,
        ChartKind::Depth => {
            let capacity = capacity_steps(data, &axis);
            let depth = points(data.series, &data.series.queue_depth, &axis, Reduce::Max);
            let limit = capacity.iter().map(|(_, c)| *c).fold(0.0, f64::max);
            let y_max = nice_max(max_y(&depth).max(limit).max(10.0));
            draw_panel(
                &root,
                data,
                &axis,
                y_max,
                "messages",
                &[
                    (&depth, palette::LAG_MESSAGES),
                    (&capacity, data.theme.limit),
                ],
                &count_label,
            )?;
        }
        ChartKind::Throughput => {
            let s = data.series;
            let lines = [
                (
                    points(s, &s.accepted_per_second, &axis, Reduce::Mean),
                    palette::THROUGHPUT_IN,
                ),
                (
                    points(s, &s.completed_per_second, &axis, Reduce::Mean),
                    palette::THROUGHPUT_OUT,
                ),
                (
                    points(s, &s.rejected_per_second, &axis, Reduce::Mean),
                    palette::ALERT,
                ),
                (
                    points(s, &s.retried_per_second, &axis, Reduce::Mean),
                    palette::RETRIED,
                ),
            ];
            let y_max = nice_max(lines.iter().map(|(p, _)| max_y(p)).fold(10.0, f64::max));
            let borrowed: Vec<_> = lines.iter().map(|(p, c)| (p, *c)).collect();
            draw_panel(
                &root,
                data,
                &axis,
                y_max,
                "messages / s",
                &borrowed,
                &count_label,
            )?;
        }
        ChartKind::Latency => {
            let s = data.series;
            let p50 = points(s, &s.latency_p50, &axis, Reduce::Max);
            let p99 = points(s, &s.latency_p99, &axis, Reduce::Max);
            let unit = DurationUnit::for_max(max_y(&p99).max(max_y(&p50)));
            let (p50, p99) = (unit.scale(p50), unit.scale(p99));
            let y_max = nice_max(max_y(&p99).max(max_y(&p50)).max(1.0));
            draw_panel(
                &root,
                data,
                &axis,
                y_max,
                unit.name,
                &[(&p50, palette::LATENCY_P50), (&p99, palette::LATENCY_P99)],
                &axis_label,
            )?;
        }
        ChartKind::Consumers => {
            let s = data.series;
            let busy = points(s, &s.consumers_busy, &axis, Reduce::Max);
            let running = points(s, &s.consumers_active, &axis, Reduce::Max);
            let y_max = nice_max(
                max_y(&running)
                    .max(max_y(&busy))
                    .max(f64::from(data.initial_consumers))
                    .max(1.0),
            );
            draw_panel(
                &root,
                data,
                &axis,
                y_max,
                "consumers",
                // Running drawn last: busy often equals it and would hide it.
                &[
                    (&busy, palette::THROUGHPUT_OUT),
                    (&running, data.theme.limit),
                ],
                &count_label,
            )?;
        }
    }
    root.present()
}

/// The headline chart: lag in messages (left axis) and seconds (right axis), the alert line.
fn draw_lag<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    axis: &TimeAxis,
) -> DrawResult<DB> {
    let s = data.series;
    let messages = points(s, &s.queue_depth, axis, Reduce::Max);
    let seconds = points(s, &s.lag_seconds, axis, Reduce::Max);
    let y_max = nice_max(max_y(&messages).max(10.0));
    let unit = DurationUnit::for_max(max_y(&seconds).max(data.lag_alert_seconds * 1.1));
    let seconds = unit.scale(seconds);
    let alert = data.lag_alert_seconds / unit.seconds;
    let y2_max = nice_max(max_y(&seconds).max(alert * 1.1));
    let px = data.pixel_ratio;
    let mut chart = ChartBuilder::on(root)
        .margin_top((8.0 * px) as i32)
        .margin_right((6.0 * px) as i32)
        .x_label_area_size((34.0 * px) as i32)
        .y_label_area_size((58.0 * px) as i32)
        .right_y_label_area_size((58.0 * px) as i32)
        .build_cartesian_2d(0.0..axis.end, 0.0..y_max)?
        .set_secondary_coord(0.0..axis.end, 0.0..y2_max);
    draw_mesh(&mut chart, data, axis, "messages", &count_label)?;
    let text = label_style(data);
    chart
        .configure_secondary_axes()
        .y_desc(unit.name)
        .y_labels(5)
        .y_label_formatter(&axis_label)
        .label_style(text.clone())
        .axis_desc_style(text.clone())
        .axis_style(data.theme.axis)
        .draw()?;
    draw_context(&mut chart, data, axis, y_max)?;
    let width = (2.0 * px) as u32;
    chart.draw_series(LineSeries::new(
        messages,
        palette::LAG_MESSAGES.stroke_width(width),
    ))?;
    chart.draw_secondary_series(LineSeries::new(
        seconds,
        palette::LAG_SECONDS.stroke_width(width),
    ))?;
    chart.draw_secondary_series(LineSeries::new(
        [(0.0, alert), (axis.end, alert)],
        palette::ALERT
            .mix(0.8)
            .stroke_width((1.5 * px).max(1.0) as u32),
    ))?;
    chart.draw_secondary_series(std::iter::once(Text::new(
        format!("alert {}", format_seconds(data.lag_alert_seconds)),
        (axis.end * 0.005, alert + y2_max * 0.02),
        ("sans-serif", 11.0 * px)
            .into_font()
            .color(&palette::ALERT)
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    )))?;
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    axis: &TimeAxis,
    y_max: f64,
    y_desc: &str,
    lines: &[(&Vec<(f64, f64)>, RGBColor)],
    y_label: &dyn Fn(&f64) -> String,
) -> DrawResult<DB> {
    let px = data.pixel_ratio;
    let mut chart = ChartBuilder::on(root)
        .margin_top((8.0 * px) as i32)
        .margin_right((14.0 * px) as i32)
        .x_label_area_size((34.0 * px) as i32)
        .y_label_area_size((58.0 * px) as i32)
        .build_cartesian_2d(0.0..axis.end, 0.0..y_max)?;
    draw_mesh(&mut chart, data, axis, y_desc, y_label)?;
    draw_context(&mut chart, data, axis, y_max)?;
    for (line, color) in lines {
        chart.draw_series(LineSeries::new(
            line.iter().copied(),
            color.stroke_width((1.6 * px).max(1.0) as u32),
        ))?;
    }
    Ok(())
}

fn label_style(data: &ChartData) -> TextStyle<'static> {
    ("sans-serif", 12.0 * data.pixel_ratio)
        .into_font()
        .color(&data.theme.text)
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    data: &ChartData,
    axis: &TimeAxis,
    y_desc: &str,
    y_label: &dyn Fn(&f64) -> String,
) -> DrawResult<DB> {
    let text = label_style(data);
    chart
        .configure_mesh()
        .x_desc(axis.label)
        .y_desc(y_desc)
        .x_labels(7)
        .y_labels(5)
        .x_label_formatter(&axis_label)
        .y_label_formatter(y_label)
        .label_style(text.clone())
        .axis_desc_style(text)
        .bold_line_style(data.theme.grid)
        .light_line_style(TRANSPARENT)
        .axis_style(data.theme.axis)
        .draw()
}

fn axis_label(value: &f64) -> String {
    trim(format!("{value:.1}"))
}

fn count_label(value: &f64) -> String {
    format_count(*value)
}

/// The unit a duration axis reads best in, for its largest value.
struct DurationUnit {
    seconds: f64,
    name: &'static str,
}

impl DurationUnit {
    fn for_max(max_seconds: f64) -> Self {
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

    fn scale(&self, points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
        points
            .into_iter()
            .map(|(x, y)| (x, y / self.seconds))
            .collect()
    }
}

/// Fault windows as shaded bands, live-knob changes as labelled vertical lines.
fn draw_context<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    data: &ChartData,
    axis: &TimeAxis,
    y_max: f64,
) -> DrawResult<DB> {
    let s = data.series;
    let mut bands = Vec::new();
    let mut start = None;
    for (t, active) in s.time.iter().zip(&s.faults_active) {
        match (start, *active > 0.0) {
            (None, true) => start = Some(*t),
            (Some(from), false) => {
                bands.push((from, *t));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(from), Some(last)) = (start, s.time.last()) {
        bands.push((from, *last));
    }
    chart.draw_series(bands.into_iter().map(|(from, to)| {
        Rectangle::new(
            [(axis.x(from), 0.0), (axis.x(to), y_max)],
            palette::ALERT.mix(0.10).filled(),
        )
    }))?;
    let px = data.pixel_ratio;
    for change in data.changes {
        let x = axis.x(change.at_seconds());
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, y_max)],
            palette::KNOB.stroke_width((1.5 * px).max(1.0) as u32),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            short_label(&change.change),
            (x, y_max),
            ("sans-serif", 11.0 * px)
                .into_font()
                .color(&palette::KNOB)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    Ok(())
}

fn short_label(change: &Intervention) -> String {
    format!(" {change}")
}

/// The x axis: seconds for short runs, minutes for longer ones.
struct TimeAxis {
    /// Seconds per axis unit.
    unit: f64,
    end: f64,
    label: &'static str,
}

impl TimeAxis {
    fn for_run(end_seconds: f64) -> Self {
        let end_seconds = end_seconds.max(1.0);
        if end_seconds >= 7_200.0 {
            TimeAxis {
                unit: 3600.0,
                end: end_seconds / 3600.0,
                label: "simulated time (h)",
            }
        } else if end_seconds >= 300.0 {
            TimeAxis {
                unit: 60.0,
                end: end_seconds / 60.0,
                label: "simulated time (min)",
            }
        } else {
            TimeAxis {
                unit: 1.0,
                end: end_seconds,
                label: "simulated time (s)",
            }
        }
    }

    fn x(&self, seconds: f64) -> f64 {
        seconds / self.unit
    }
}

/// How a bucket of samples becomes one drawn point.
#[derive(Clone, Copy)]
enum Reduce {
    /// Keep peaks (gauges: a spike must never vanish when zoomed out).
    Max,
    /// Average (rates).
    Mean,
}

/// At most this many points per line: more than a chart's width in pixels adds nothing.
const MAX_POINTS: usize = 1_200;
/// At most this many points per rate line.
const MAX_RATE_POINTS: usize = 300;

/// Points of one column, in axis units, reduced to at most [`MAX_POINTS`].
fn points(series: &TimeSeries, column: &[f64], axis: &TimeAxis, reduce: Reduce) -> Vec<(f64, f64)> {
    let n = column.len().min(series.time.len());
    let bucket = match reduce {
        Reduce::Max => n.div_ceil(MAX_POINTS),
        // Per-interval rates are noisy; averaging into a few hundred points shows the trend.
        Reduce::Mean => n.div_ceil(MAX_RATE_POINTS),
    }
    .max(1);
    let mut out = Vec::with_capacity(n / bucket + 1);
    let mut start = 0;
    while start < n {
        let end = (start + bucket).min(n);
        let values = column[start..end].iter().copied().filter(|v| v.is_finite());
        let y = match reduce {
            Reduce::Max => values.fold(0.0, f64::max),
            Reduce::Mean => {
                let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
                if count == 0 { 0.0 } else { sum / count as f64 }
            }
        };
        out.push((axis.x(series.time[end - 1]), y));
        start = end;
    }
    out
}

/// The capacity as a step line over the series, following live capacity changes.
fn capacity_steps(data: &ChartData, axis: &TimeAxis) -> Vec<(f64, f64)> {
    let Some(mut capacity) = data.initial_capacity.map(|c| c as f64) else {
        return Vec::new();
    };
    let now = data.series.time.last().copied().unwrap_or(0.0);
    let mut steps = vec![(0.0, capacity)];
    for change in data.changes {
        if let Intervention::QueueCapacity(new) = change.change {
            let x = axis.x(change.at_seconds());
            steps.push((x, capacity));
            capacity = new as f64;
            steps.push((x, capacity));
        }
    }
    steps.push((axis.x(now), capacity));
    steps
}

fn max_y(points: &[(f64, f64)]) -> f64 {
    points.iter().map(|(_, y)| *y).fold(0.0, f64::max)
}

/// A round axis maximum a little above `value` (1, 2 or 5 × a power of ten).
fn nice_max(value: f64) -> f64 {
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
        let minutes = (seconds / 60.0).floor();
        let rest = (seconds - minutes * 60.0).round();
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

fn trim(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_read_like_a_person_wrote_them() {
        assert_eq!(format_count(1234.0), "1.2k");
        assert_eq!(format_count(2_000_000.0), "2M");
        assert_eq!(format_count(40.0), "40");
        assert_eq!(format_count(2.5), "2.5");
        assert_eq!(format_seconds(0.25), "250ms");
        assert_eq!(format_seconds(42.0), "42s");
        assert_eq!(format_seconds(120.0), "2m");
        assert_eq!(format_seconds(150.0), "2m30s");
        assert_eq!(format_seconds(5400.0), "90m");
        assert_eq!(format_seconds(9000.0), "2h30m");
        assert_eq!(nice_max(0.9), 1.0);
        assert_eq!(nice_max(4_300.0), 5_000.0);
    }

    #[test]
    fn long_series_are_reduced_without_losing_peaks() {
        let n = 10_000;
        let series = TimeSeries {
            interval_seconds: 1.0,
            time: (0..n).map(f64::from).collect(),
            queue_depth: (0..n)
                .map(|i| if i == 7_777 { 500.0 } else { 1.0 })
                .collect(),
            ..TimeSeries::default()
        };
        let axis = TimeAxis::for_run(f64::from(n));
        let reduced = points(&series, &series.queue_depth, &axis, Reduce::Max);
        assert!(reduced.len() <= MAX_POINTS);
        assert_eq!(max_y(&reduced), 500.0);
        let mean = points(&series, &series.queue_depth, &axis, Reduce::Mean);
        assert!(max_y(&mean) < 100.0);
    }
}
