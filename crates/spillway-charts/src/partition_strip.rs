//! A Kafka topic's lag by partition as a heat strip: a row per partition, simulated time
//! across, the colour the partition's lag (log-end − committed) against the worst seen. At
//! 48 partitions a stalled one is a red row among pale ones, where 48 lines would be a knot.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::format::format_count;
use crate::palette;
use crate::timeline::{ChartData, DrawResult, TimeAxis};

/// At most this many columns: long runs are bucketed, keeping each bucket's peak.
const MAX_COLUMNS: usize = 240;

/// The colour of `share` (0–1) of the worst lag: the background at none, pale amber at a
/// quarter, the alert red at the worst — linear, so the few records auto-commit leaves on
/// every partition stay near the background and a stalled partition stands out.
pub fn ramp(share: f64, background: RGBColor) -> RGBColor {
    let mix = |a: RGBColor, b: RGBColor, t: f64| {
        let channel = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t) as u8;
        RGBColor(channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    };
    let amber = RGBColor(251, 191, 36);
    let share = share.clamp(0.0, 1.0);
    if share <= 0.25 {
        mix(background, amber, share / 0.25)
    } else {
        mix(amber, palette::BAD, (share - 0.25) / 0.75)
    }
}

/// Draws the strip onto `backend`.
pub fn draw<DB: DrawingBackend>(backend: DB, data: &ChartData) -> DrawResult<DB> {
    let root = backend.into_drawing_area();
    root.fill(&data.theme.background)?;
    let series = data.series;
    let partitions = series.partition_lag.len().max(1);
    let axis = TimeAxis::for_run(data.end_seconds);
    let px = data.pixel_ratio;
    let text = ("sans-serif", 12.0 * px)
        .into_font()
        .color(&data.theme.text);
    let mut chart = ChartBuilder::on(&root)
        .margin_top((8.0 * px) as i32)
        .margin_right((14.0 * px) as i32)
        .x_label_area_size((34.0 * px) as i32)
        .y_label_area_size((52.0 * px) as i32)
        .build_cartesian_2d(0.0..axis.end(), 0.0..partitions as f64)?;
    let label_every = partitions.div_ceil(12);
    chart
        .configure_mesh()
        .x_desc(axis.label())
        .y_desc("partition")
        .x_labels(7)
        .y_labels(partitions.min(12) + 1)
        .x_label_formatter(&|v| crate::format::trim(format!("{v:.1}")))
        .y_label_formatter(&|v| {
            let p = *v as usize;
            if (*v - p as f64).abs() < 1e-9 && p < partitions && p % label_every == 0 {
                p.to_string()
            } else {
                String::new()
            }
        })
        .label_style(text.clone())
        .axis_desc_style(text.clone())
        .disable_mesh()
        .axis_style(data.theme.axis)
        .draw()?;
    let rows = series.len();
    let worst = series
        .partition_lag
        .iter()
        .flat_map(|c| c.iter().copied())
        .fold(0.0, f64::max);
    if rows == 0 || worst <= 0.0 {
        return root.present();
    }
    let per_column = rows.div_ceil(MAX_COLUMNS);
    let step = series.interval_seconds * per_column as f64;
    let mut cells = Vec::new();
    for (p, column) in series.partition_lag.iter().enumerate() {
        for (bucket, values) in column.chunks(per_column).enumerate() {
            let peak = values.iter().copied().fold(0.0, f64::max);
            if peak <= 0.0 {
                continue;
            }
            let from = series.time[bucket * per_column];
            cells.push(Rectangle::new(
                [
                    (axis.x(from), p as f64),
                    (axis.x(from + step), p as f64 + 0.92),
                ],
                ramp(peak / worst, data.theme.background).filled(),
            ));
        }
    }
    chart.draw_series(cells)?;
    // The scale: what the reddest cell means.
    chart.draw_series(std::iter::once(Text::new(
        format!("red = {} behind", format_count(worst)),
        (axis.end(), partitions as f64),
        ("sans-serif", 11.0 * px)
            .into_font()
            .color(&palette::BAD)
            .pos(Pos::new(HPos::Right, VPos::Top)),
    )))?;
    root.present()
}
