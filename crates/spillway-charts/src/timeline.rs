//! A run's charts over time, as plain functions over any plotters [`DrawingBackend`]: the
//! playground hands them a canvas, `spillway report` an SVG document.
//!
//! Every chart shares the x axis (simulated time over the whole run, so a run fills the chart
//! as it goes), shades the windows where faults are active and marks each live-knob change.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use spillway_core::{Axis, Change, ChartSpec, Intervention, Rank, ReferenceLine, TimeSeries, Unit};

use crate::format::{DurationUnit, format_count, format_seconds, nice_max, trim};
use crate::palette::{self, Theme};

/// Legend entries of `spec`: label and colour of each line, then of each reference line.
pub fn legend(spec: &ChartSpec, theme: &Theme) -> Vec<(&'static str, RGBColor)> {
    let lines = spec.lines.iter().map(|l| (l.label, theme.role(l.role)));
    let references = spec
        .references
        .iter()
        .map(|r| (r.label, theme.role(r.role)));
    lines.chain(references).collect()
}

/// What the charts draw, borrowed from the session for one frame.
pub struct ChartData<'a> {
    pub series: &'a TimeSeries,
    /// The run's full length, seconds (the x axis spans it).
    pub end_seconds: f64,
    pub changes: &'a [Change],
    pub theme: Theme,
    /// Device pixels per CSS pixel (text and lines scale with it).
    pub pixel_ratio: f64,
}

pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws the chart `spec` describes onto `backend`: its lines against one or two y axes,
/// its reference lines, the fault bands and the live-change marks.
pub fn draw<DB: DrawingBackend>(backend: DB, spec: &ChartSpec, data: &ChartData) -> DrawResult<DB> {
    if spec.partition_heat {
        return crate::partition_strip::draw(backend, data);
    }
    let root = backend.into_drawing_area();
    root.fill(&data.theme.background)?;
    let axis = TimeAxis::for_run(data.end_seconds);
    let left = YAxis::for_axis(spec, Axis::Left, data, &axis);
    let right = spec
        .right_unit
        .map(|_| YAxis::for_axis(spec, Axis::Right, data, &axis));
    let width = if spec.rank == Rank::Headline {
        2.0
    } else {
        1.6
    };
    draw_chart(&root, width, data, &axis, &left, right.as_ref())?;
    root.present()
}

type Label = Box<dyn Fn(&f64) -> String>;
pub(crate) type Points = Vec<(f64, f64)>;
/// A line as its drawn segments (a line with gaps has several) and its colour.
pub(crate) type Line = (Vec<Points>, RGBColor);
/// A reference line's steps, colour and on-chart text.
pub(crate) type Reference = (Points, RGBColor, String);

/// One y axis of a chart: its lines and references in drawing units, its range and labels.
pub(crate) struct YAxis {
    /// Each line as its drawn segments (a line with gaps has several), and its colour.
    lines: Vec<Line>,
    /// Each reference's steps, colour and on-chart text.
    references: Vec<Reference>,
    max: f64,
    desc: &'static str,
    label: Label,
    /// How many labels (a state axis labels only its levels).
    labels: usize,
    /// Width of the label area, CSS pixels (a state's names may need more than numbers).
    label_width: f64,
}

impl YAxis {
    fn for_axis(spec: &ChartSpec, side: Axis, data: &ChartData, axis: &TimeAxis) -> Self {
        let unit = spec.unit_of(side);
        let reduce = Reduce::for_unit(unit);
        let s = data.series;
        let lines: Vec<_> = spec
            .lines
            .iter()
            .filter(|line| line.axis == side)
            .map(|line| {
                let column = s.column(line.column).unwrap_or(&[]);
                let defined = line.defined_where.and_then(|name| s.column(name));
                let drawn = segments(s, column, defined, axis, reduce);
                (drawn, data.theme.role(line.role))
            })
            .collect();
        let references: Vec<_> = spec
            .references
            .iter()
            .filter(|reference| reference.axis == side)
            .map(|reference| {
                let text = format!("{} {}", reference.label, value_text(unit, reference.value));
                (
                    reference_steps(reference, data, axis),
                    data.theme.role(reference.role),
                    text,
                )
            })
            .collect();
        YAxis::new(unit, lines, references)
    }

    /// An axis in `unit` over drawn lines and references: its range, labels and, for
    /// durations, the lines rescaled to the unit that reads best.
    pub(crate) fn new(unit: Unit, mut lines: Vec<Line>, mut references: Vec<Reference>) -> Self {
        let peak = lines
            .iter()
            .flat_map(|(segments, _)| segments.iter().map(|p| max_y(p)))
            .chain(references.iter().map(|(p, _, _)| max_y(p)))
            .fold(0.0, f64::max);
        let counts = |desc, floor: f64| -> (f64, &'static str, Label, usize) {
            (nice_max(peak.max(floor)), desc, Box::new(count_label), 5)
        };
        let (max, desc, label, labels) = match unit {
            Unit::Messages => counts("messages", 10.0),
            Unit::PerSecond => counts("per second", 10.0),
            Unit::Connections => counts("connections", 1.0),
            Unit::Consumers => counts("consumers", 1.0),
            Unit::Seconds => {
                let duration = DurationUnit::for_max(peak);
                for segment in lines.iter_mut().flat_map(|(segments, _)| segments) {
                    duration.scale(segment);
                }
                for (line, _, _) in &mut references {
                    duration.scale(line);
                }
                let top = nice_max((peak / duration.seconds).max(1.0));
                (top, duration.name, Box::new(axis_label) as Label, 5)
            }
            Unit::Ratio => (1.0, "share", Box::new(percent_label) as Label, 5),
            // Room above the top level, so an open breaker's line is not the chart's frame.
            Unit::State { levels } => (
                1.15,
                "",
                Box::new(move |value: &f64| state_name(levels, *value)) as Label,
                levels.len(),
            ),
        };
        let label_width = match unit {
            Unit::State { levels } => {
                let longest = levels.iter().map(|name| name.len()).max().unwrap_or(0);
                (longest as f64 * 6.5 + 10.0).max(58.0)
            }
            _ => 58.0,
        };
        YAxis {
            lines,
            references,
            max,
            desc,
            label,
            labels,
            label_width,
        }
    }
}

/// A reference value as on-chart text, in its axis's unit.
pub(crate) fn value_text(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Seconds => format_seconds(value),
        Unit::Ratio => percent_label(&value),
        _ => format_count(value),
    }
}

fn percent_label(value: &f64) -> String {
    format!("{:.0}%", value * 100.0)
}

/// A state axis's label: each level's name at its value (`i / (levels - 1)`), nothing between.
fn state_name(levels: &[&str], value: f64) -> String {
    let steps = (levels.len().max(2) - 1) as f64;
    let index = value * steps;
    if index >= -1e-6 && (index - index.round()).abs() < 1e-6 {
        levels
            .get(index.round() as usize)
            .map_or_else(String::new, |name| (*name).to_string())
    } else {
        String::new()
    }
}

/// Draws axes, context, references and lines; `width` is the lines' stroke in CSS pixels.
pub(crate) fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    width: f64,
    data: &ChartData,
    axis: &TimeAxis,
    left: &YAxis,
    right: Option<&YAxis>,
) -> DrawResult<DB> {
    let px = data.pixel_ratio;
    let mut builder = ChartBuilder::on(root);
    builder
        .margin_top((8.0 * px) as i32)
        .x_label_area_size((34.0 * px) as i32)
        .y_label_area_size((left.label_width * px) as i32);
    if let Some(right) = right {
        builder
            .margin_right((6.0 * px) as i32)
            .right_y_label_area_size((right.label_width * px) as i32);
    } else {
        builder.margin_right((14.0 * px) as i32);
    }
    let right_max = right.map_or(1.0, |r| r.max);
    let mut chart = builder
        .build_cartesian_2d(0.0..axis.end, 0.0..left.max)?
        .set_secondary_coord(0.0..axis.end, 0.0..right_max);
    draw_mesh(&mut chart, data, axis, left)?;
    let text = label_style(data);
    if let Some(right) = right {
        chart
            .configure_secondary_axes()
            .y_desc(right.desc)
            .y_labels(right.labels)
            .y_label_formatter(&*right.label)
            .label_style(text.clone())
            .axis_desc_style(text.clone())
            .axis_style(data.theme.axis)
            .draw()?;
    }
    draw_context(&mut chart, data, axis, left.max)?;
    let line_style = |color: RGBColor| color.stroke_width((width * px).max(1.0) as u32);
    let reference_style = |color: RGBColor| color.mix(0.8).stroke_width((1.5 * px).max(1.0) as u32);
    let reference_text = |label: &str, at: (f64, f64), color: RGBColor| {
        Text::new(
            label.to_string(),
            at,
            ("sans-serif", 11.0 * px)
                .into_font()
                .color(&color)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )
    };
    // References first, so the lines they bound are drawn over them.
    for (line, color, label) in &left.references {
        chart.draw_series(LineSeries::new(
            line.iter().copied(),
            reference_style(*color),
        ))?;
        if let Some(&(_, y)) = line.first() {
            let at = (axis.end * 0.005, y + left.max * 0.02);
            chart.draw_series(std::iter::once(reference_text(label, at, *color)))?;
        }
    }
    if let Some(right) = right {
        for (line, color, label) in &right.references {
            chart.draw_secondary_series(LineSeries::new(
                line.iter().copied(),
                reference_style(*color),
            ))?;
            if let Some(&(_, y)) = line.first() {
                let at = (axis.end * 0.005, y + right.max * 0.02);
                chart.draw_secondary_series(std::iter::once(reference_text(label, at, *color)))?;
            }
        }
    }
    // A lone point between gaps is drawn as a dot (a one-point line would not show).
    let series = |segment: &Points, color: RGBColor| {
        let dot = if segment.len() == 1 {
            (1.5 * px) as u32
        } else {
            0
        };
        LineSeries::new(segment.iter().copied(), line_style(color).filled()).point_size(dot)
    };
    for (segments, color) in &left.lines {
        for segment in segments {
            chart.draw_series(series(segment, *color))?;
        }
    }
    if let Some(right) = right {
        for (segments, color) in &right.lines {
            for segment in segments {
                chart.draw_secondary_series(series(segment, *color))?;
            }
        }
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
    y: &YAxis,
) -> DrawResult<DB> {
    let text = label_style(data);
    chart
        .configure_mesh()
        .x_desc(axis.label)
        .y_desc(y.desc)
        .x_labels(7)
        .y_labels(y.labels)
        .x_label_formatter(&axis_label)
        .y_label_formatter(&*y.label)
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

/// Fault windows as shaded bands, live-knob changes as labelled vertical lines.
fn draw_context<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    data: &ChartData,
    axis: &TimeAxis,
    y_max: f64,
) -> DrawResult<DB> {
    let s = data.series;
    // Faults in red; a Kafka group's rebalances in the primary blue; a RabbitMQ memory or
    // disk alarm (publishers blocked) in the warning orange.
    for (column, colour) in [
        (&s.faults_active, palette::BAD),
        (&s.rebalancing, palette::PRIMARY),
        (&s.memory_alarm, palette::WARNING),
        (&s.disk_alarm, palette::WARNING),
    ] {
        chart.draw_series(bands(&s.time, column).into_iter().map(|(from, to)| {
            Rectangle::new(
                [(axis.x(from), 0.0), (axis.x(to), y_max)],
                colour.mix(0.10).filled(),
            )
        }))?;
    }
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

/// The (from, to) windows where `column` is above zero.
fn bands(time: &[f64], column: &[f64]) -> Vec<(f64, f64)> {
    let mut bands = Vec::new();
    let mut start = None;
    for (t, active) in time.iter().zip(column) {
        match (start, *active > 0.0) {
            (None, true) => start = Some(*t),
            (Some(from), false) => {
                bands.push((from, *t));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(from), Some(last)) = (start, time.last()) {
        bands.push((from, *last));
    }
    bands
}

fn short_label(change: &Intervention) -> String {
    format!(" {change}")
}

/// The x axis: seconds for short runs, minutes for longer ones.
pub(crate) struct TimeAxis {
    /// Seconds per axis unit.
    unit: f64,
    end: f64,
    label: &'static str,
}

impl TimeAxis {
    pub(crate) fn for_run(end_seconds: f64) -> Self {
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

    pub(crate) fn x(&self, seconds: f64) -> f64 {
        seconds / self.unit
    }

    pub(crate) fn end(&self) -> f64 {
        self.end
    }

    pub(crate) fn label(&self) -> &'static str {
        self.label
    }
}

/// How a bucket of samples becomes one drawn point.
#[derive(Clone, Copy)]
pub(crate) enum Reduce {
    /// Keep peaks (gauges: a spike must never vanish when zoomed out).
    Max,
    /// Average (rates).
    Mean,
}

impl Reduce {
    /// Rates are averaged, gauges keep their peaks.
    pub(crate) fn for_unit(unit: Unit) -> Self {
        if unit.is_rate() {
            Reduce::Mean
        } else {
            Reduce::Max
        }
    }
}

/// At most this many points per line: more than a chart's width in pixels adds nothing.
const MAX_POINTS: usize = 1_200;
/// At most this many points per rate line.
const MAX_RATE_POINTS: usize = 300;

/// Points of one column, in axis units, reduced to at most [`MAX_POINTS`].
#[cfg(test)]
fn points(series: &TimeSeries, column: &[f64], axis: &TimeAxis, reduce: Reduce) -> Points {
    segments(series, column, None, axis, reduce)
        .into_iter()
        .flatten()
        .collect()
}

/// One column as drawn segments, in axis units, reduced to at most [`MAX_POINTS`] (or
/// [`MAX_RATE_POINTS`]). With `defined`, a sample counts only where that column is above
/// zero, and a bucket with no such sample is a gap between segments; without it the column
/// is one segment.
pub(crate) fn segments(
    series: &TimeSeries,
    column: &[f64],
    defined: Option<&[f64]>,
    axis: &TimeAxis,
    reduce: Reduce,
) -> Vec<Points> {
    let n = column.len().min(series.time.len());
    let bucket = match reduce {
        Reduce::Max => n.div_ceil(MAX_POINTS),
        // Per-interval rates are noisy; averaging into a few hundred points shows the trend.
        Reduce::Mean => n.div_ceil(MAX_RATE_POINTS),
    }
    .max(1);
    let counts = |i: usize| defined.is_none_or(|d| d.get(i).is_some_and(|v| *v > 0.0));
    let mut out: Vec<Points> = vec![Vec::with_capacity(n / bucket + 1)];
    let mut start = 0;
    while start < n {
        let end = (start + bucket).min(n);
        let values = (start..end)
            .filter(|&i| counts(i))
            .map(|i| column[i])
            .filter(|v| v.is_finite());
        let (total, peak, count) = values.fold((0.0, 0.0, 0usize), |(sum, peak, count), v| {
            (sum + v, f64::max(peak, v), count + 1)
        });
        let current = out.last_mut().expect("there is always a segment");
        if count == 0 && defined.is_some() {
            if !current.is_empty() {
                out.push(Vec::new());
            }
        } else {
            let y = match reduce {
                Reduce::Max => peak,
                Reduce::Mean if count == 0 => 0.0,
                Reduce::Mean => total / count as f64,
            };
            current.push((axis.x(series.time[end - 1]), y));
        }
        start = end;
    }
    out.retain(|segment| !segment.is_empty());
    out
}

/// A reference line as steps over the run: across the whole axis when it is fixed, up to
/// now when a live knob moves it (following each change of that knob).
fn reference_steps(
    reference: &ReferenceLine,
    data: &ChartData,
    axis: &TimeAxis,
) -> Vec<(f64, f64)> {
    let mut value = reference.value;
    if reference.follows.is_none() {
        return vec![(0.0, value), (axis.end, value)];
    }
    let now = data.series.time.last().copied().unwrap_or(0.0);
    let mut steps = vec![(0.0, value)];
    for change in data.changes {
        if let Some(new) = reference.value_after(&change.change) {
            let x = axis.x(change.at_seconds());
            steps.push((x, value));
            value = new;
            steps.push((x, value));
        }
    }
    steps.push((axis.x(now), value));
    steps
}

fn max_y(points: &[(f64, f64)]) -> f64 {
    points.iter().map(|(_, y)| *y).fold(0.0, f64::max)
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

    #[test]
    fn a_line_defined_only_where_messages_completed_has_gaps_not_zeros() {
        let series = TimeSeries {
            interval_seconds: 1.0,
            time: (0..10).map(f64::from).collect(),
            latency_p99: vec![0.2, 0.3, 0.0, 0.0, 0.0, 0.4, 0.0, 0.2, 0.2, 0.2],
            completed_per_second: vec![5.0, 5.0, 0.0, 0.0, 0.0, 1.0, 0.0, 4.0, 4.0, 4.0],
            ..TimeSeries::default()
        };
        let axis = TimeAxis::for_run(10.0);
        let drawn = segments(
            &series,
            &series.latency_p99,
            Some(&series.completed_per_second),
            &axis,
            Reduce::Max,
        );
        assert_eq!(
            drawn,
            [
                vec![(0.0, 0.2), (1.0, 0.3)],
                vec![(5.0, 0.4)],
                vec![(7.0, 0.2), (8.0, 0.2), (9.0, 0.2)]
            ]
        );
        let whole = segments(&series, &series.latency_p99, None, &axis, Reduce::Max);
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].len(), 10);
    }

    #[test]
    fn a_state_axis_names_only_its_levels() {
        let levels = ["closed", "half-open", "open"];
        assert_eq!(state_name(&levels, 0.0), "closed");
        assert_eq!(state_name(&levels, 0.5), "half-open");
        assert_eq!(state_name(&levels, 1.0), "open");
        assert_eq!(state_name(&levels, 0.2), "");
    }
}
