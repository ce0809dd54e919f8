//! One column of several runs on one chart: designs compared on the same load and seed (the
//! report's `--compare`, the playground's compare view). The first run's fault windows and
//! live changes are the chart's context.

use plotters::prelude::*;
use spillway_core::{TimeSeries, Unit};

use crate::timeline::{ChartData, DrawResult, Line, Reduce, TimeAxis, YAxis, draw_chart, segments};

/// One run's line on an overlay.
pub struct Design<'a> {
    /// The run's series.
    pub series: &'a TimeSeries,
    /// Its line's colour (see [`crate::palette::design`]).
    pub color: RGBColor,
}

/// Draws `column` (a [`TimeSeries`] column name, in `unit`) of every design against one
/// time axis; `context` supplies the run length, the fault bands, the theme and the scale.
pub fn draw<DB: DrawingBackend>(
    backend: DB,
    column: &str,
    unit: Unit,
    designs: &[Design],
    context: &ChartData,
) -> DrawResult<DB> {
    let root = backend.into_drawing_area();
    root.fill(&context.theme.background)?;
    let axis = TimeAxis::for_run(context.end_seconds);
    let reduce = Reduce::for_unit(unit);
    let lines: Vec<Line> = designs
        .iter()
        .map(|design| {
            let values = design.series.column(column).unwrap_or(&[]);
            (
                segments(design.series, values, None, &axis, reduce),
                design.color,
            )
        })
        .collect();
    let left = YAxis::new(unit, lines, Vec::new());
    // Thicker than a single run's line: two or more lines share the chart.
    draw_chart(&root, 2.4, context, &axis, &left, None)?;
    root.present()
}

#[cfg(all(test, feature = "svg"))]
mod tests {
    use super::*;
    use crate::palette;

    #[test]
    fn every_design_gets_its_own_line() {
        let series = |scale: f64| TimeSeries {
            interval_seconds: 1.0,
            time: (1..=60).map(f64::from).collect(),
            queue_depth: (1..=60).map(|i| f64::from(i) * scale).collect(),
            ..TimeSeries::default()
        };
        let (a, b) = (series(1.0), series(3.0));
        let designs = [
            Design {
                series: &a,
                color: palette::design(0),
            },
            Design {
                series: &b,
                color: palette::design(1),
            },
        ];
        let context = ChartData {
            series: &a,
            end_seconds: 60.0,
            changes: &[],
            theme: palette::LIGHT,
            pixel_ratio: 1.0,
        };
        let svg = crate::svg::render((600, 240), |backend| {
            draw(backend, "queue_depth", Unit::Messages, &designs, &context)
        })
        .unwrap();
        for color in [palette::design(0), palette::design(1)] {
            let stroke = format!("stroke=\"{}\"", palette::css(color).to_uppercase());
            assert!(svg.contains(&stroke), "no line drawn in {stroke}");
        }
        // The axis fits the larger design (3 × 60 = 180 → a round 200).
        let texts = crate::svg_texts(&svg);
        assert!(
            texts.iter().any(|t| t == "200"),
            "the y axis does not reach the larger run: {texts:?}"
        );
    }
}
