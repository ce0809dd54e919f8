//! A metric over two swept parameters as a grid of coloured cells — e.g. a fault's size ×
//! its duration against the time to recover: a metastability map, where the cells that
//! never recover stand out. `spillway sweep --chart` draws it for a two-parameter sweep.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use spillway_core::MetricUnit;

use crate::palette::Theme;
use crate::timeline::DrawResult;

/// What a heat map shows.
pub struct HeatMap<'a> {
    /// The first parameter (columns, the x axis) and its values' labels.
    pub x_parameter: &'a str,
    pub x_ticks: &'a [String],
    /// The second parameter (rows, the y axis, first value at the bottom) and its labels.
    pub y_parameter: &'a str,
    pub y_ticks: &'a [String],
    /// The metric's mean per cell, row by row: `values[row * x_ticks.len() + column]`;
    /// `None` is a cell with no result, an infinite value one that never got there (never
    /// recovered, never caught up): drawn as the worst, marked ∞.
    pub values: &'a [Option<f64>],
    /// The metric's name and unit (for the scale's labels and the cell texts).
    pub metric: &'a str,
    pub unit: MetricUnit,
    pub theme: Theme,
    /// Device pixels per CSS pixel.
    pub pixel_ratio: f64,
}

/// The colour scale, low to high (ColorBrewer's OrRd: pale is good, dark red is bad).
const STOPS: [(f64, RGBColor); 3] = [
    (0.0, RGBColor(254, 240, 217)),
    (0.5, RGBColor(252, 141, 89)),
    (1.0, RGBColor(179, 0, 0)),
];

/// The colour of `share` (0–1) along the scale.
pub fn scale_color(share: f64) -> RGBColor {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let upper = STOPS
        .iter()
        .position(|(at, _)| *at >= share)
        .unwrap_or(STOPS.len() - 1)
        .max(1);
    let (a_at, a) = STOPS[upper - 1];
    let (b_at, b) = STOPS[upper];
    let t = (share - a_at) / (b_at - a_at);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws `map` onto `backend`: the grid, each cell's value written in it, and a scale.
pub fn draw<DB: DrawingBackend>(backend: DB, map: &HeatMap) -> DrawResult<DB> {
    let root = backend.into_drawing_area();
    root.fill(&map.theme.background)?;
    let px = map.pixel_ratio;
    let (columns, rows) = (map.x_ticks.len(), map.y_ticks.len());
    let (low, high) = range(map.values);
    let (width, _) = root.dim_in_pixel();
    let legend_width = (96.0 * px) as u32;
    let (grid_area, legend_area) = root.split_horizontally(width.saturating_sub(legend_width));
    let text = ("sans-serif", 12.0 * px).into_font().color(&map.theme.text);
    let mut grid = ChartBuilder::on(&grid_area)
        .margin_top((10.0 * px) as i32)
        .margin_right((8.0 * px) as i32)
        .x_label_area_size((36.0 * px) as i32)
        .y_label_area_size((70.0 * px) as i32)
        .build_cartesian_2d(0.0..columns.max(1) as f64, 0.0..rows.max(1) as f64)?;
    let x_label = |x: &f64| label_at(map.x_ticks, *x);
    let y_label = |y: &f64| label_at(map.y_ticks, *y);
    grid.configure_mesh()
        .disable_mesh()
        .x_desc(map.x_parameter)
        .y_desc(map.y_parameter)
        .x_labels(columns * 2 + 1)
        .y_labels(rows * 2 + 1)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(text.clone())
        .axis_desc_style(text)
        .axis_style(map.theme.axis)
        .draw()?;
    // All finite values equal: they read as the scale's good end (the ∞ cells are the bad).
    let share = |value: f64| {
        if high > low {
            (value - low) / (high - low)
        } else {
            0.0
        }
    };
    let cell_font = 11.0 * px;
    for row in 0..rows {
        for column in 0..columns {
            let value = map.values.get(row * columns + column).copied().flatten();
            let (x, y) = (column as f64, row as f64);
            let corners = [(x + 0.02, y + 0.02), (x + 0.98, y + 0.98)];
            match value {
                Some(value) if !value.is_finite() => {
                    let color = scale_color(1.0);
                    grid.draw_series(std::iter::once(Rectangle::new(corners, color.filled())))?;
                    grid.draw_series(std::iter::once(Text::new(
                        "∞ never",
                        (x + 0.5, y + 0.5),
                        ("sans-serif", cell_font)
                            .into_font()
                            .color(&WHITE)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
                Some(value) => {
                    let color = scale_color(share(value));
                    grid.draw_series(std::iter::once(Rectangle::new(corners, color.filled())))?;
                    let ink = if luminance(color) > 0.55 {
                        BLACK
                    } else {
                        WHITE
                    };
                    grid.draw_series(std::iter::once(Text::new(
                        map.unit.format(value),
                        (x + 0.5, y + 0.5),
                        ("sans-serif", cell_font)
                            .into_font()
                            .color(&ink)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
                None => {
                    grid.draw_series(std::iter::once(Rectangle::new(
                        corners,
                        map.theme.grid.filled(),
                    )))?;
                    grid.draw_series(std::iter::once(Text::new(
                        "no result",
                        (x + 0.5, y + 0.5),
                        ("sans-serif", cell_font)
                            .into_font()
                            .color(&map.theme.axis)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
            }
        }
    }
    draw_scale(&legend_area, map, low, high)?;
    root.present()
}

/// The label of the tick at `value` when it is a cell's centre (`i + 0.5`), else nothing.
fn label_at(ticks: &[String], value: f64) -> String {
    let index = value - 0.5;
    if index >= -1e-6 && (index - index.round()).abs() < 1e-6 {
        ticks
            .get(index.round() as usize)
            .cloned()
            .unwrap_or_default()
    } else {
        String::new()
    }
}

/// The finite values' range (0–1 when there are none).
fn range(values: &[Option<f64>]) -> (f64, f64) {
    let finite = values.iter().flatten().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    }
}

fn luminance(color: RGBColor) -> f64 {
    (0.299 * f64::from(color.0) + 0.587 * f64::from(color.1) + 0.114 * f64::from(color.2)) / 255.0
}

/// The colour scale beside the grid: a bar from the lowest value (bottom) to the highest.
fn draw_scale<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    map: &HeatMap,
    low: f64,
    high: f64,
) -> DrawResult<DB> {
    let px = map.pixel_ratio;
    let (_, height) = area.dim_in_pixel();
    let top = (14.0 * px) as i32;
    let bottom = height as i32 - (40.0 * px) as i32;
    let (left, right) = ((8.0 * px) as i32, (22.0 * px) as i32);
    let steps = 40;
    for step in 0..steps {
        let share = f64::from(step) / f64::from(steps - 1);
        let y0 = bottom - ((bottom - top) as f64 * f64::from(step + 1) / f64::from(steps)) as i32;
        let y1 = bottom - ((bottom - top) as f64 * f64::from(step) / f64::from(steps)) as i32;
        area.draw(&Rectangle::new(
            [(left, y0), (right, y1)],
            scale_color(share).filled(),
        ))?;
    }
    let font = ("sans-serif", 11.0 * px).into_font().color(&map.theme.text);
    let label = |value: f64, y: i32, v: VPos| {
        Text::new(
            map.unit.format(value),
            (right + (4.0 * px) as i32, y),
            font.clone().pos(Pos::new(HPos::Left, v)),
        )
    };
    area.draw(&label(high, top, VPos::Top))?;
    area.draw(&label(low, bottom, VPos::Bottom))?;
    area.draw(&Text::new(
        map.metric.to_string(),
        (left, bottom + (10.0 * px) as i32),
        font.clone().pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_from_pale_to_dark_red() {
        assert_eq!(scale_color(0.0), STOPS[0].1);
        assert_eq!(scale_color(0.5), STOPS[1].1);
        assert_eq!(scale_color(1.0), STOPS[2].1);
        assert!(luminance(scale_color(0.25)) > luminance(scale_color(0.75)));
        assert_eq!(
            scale_color(f64::NAN),
            STOPS[2].1,
            "an unknown value reads as the worst"
        );
    }

    #[test]
    fn ticks_label_cell_centres_only() {
        let ticks = ["10".to_string(), "20".to_string()];
        assert_eq!(label_at(&ticks, 0.5), "10");
        assert_eq!(label_at(&ticks, 1.5), "20");
        assert_eq!(label_at(&ticks, 1.0), "");
        assert_eq!(label_at(&ticks, 2.5), "");
    }

    #[cfg(feature = "svg")]
    #[test]
    fn every_cell_is_drawn_and_a_missing_one_says_so() {
        let x = ["1".to_string(), "2".to_string(), "3".to_string()];
        let y = ["a".to_string(), "b".to_string()];
        let values = [
            Some(1.0),
            Some(2.0),
            Some(3.0),
            Some(4.0),
            None,
            Some(f64::INFINITY),
        ];
        let map = HeatMap {
            x_parameter: "x",
            x_ticks: &x,
            y_parameter: "y",
            y_ticks: &y,
            values: &values,
            metric: "lost",
            unit: MetricUnit::Count,
            theme: crate::palette::LIGHT,
            pixel_ratio: 1.0,
        };
        let svg = crate::svg::render((640, 360), |backend| draw(backend, &map)).unwrap();
        let texts = crate::svg_texts(&svg);
        assert_eq!(texts.iter().filter(|t| *t == "no result").count(), 1);
        assert_eq!(texts.iter().filter(|t| *t == "∞ never").count(), 1);
        for value in ["1", "2", "3", "4"] {
            assert!(
                texts.iter().any(|t| t == value),
                "cell {value} has no text in {texts:?}"
            );
        }
    }
}
