//! `--chart PATH.svg` for `sweep` and `merge`: the chosen metric against the swept parameter
//! (mean and 95% CI per point), or a heat map over two parameters.

use std::path::Path;

use spillway_charts::heat_map::{self, HeatMap};
use spillway_charts::sweep_chart::{self, SweepChart, SweepPoint};
use spillway_charts::{palette, svg};
use spillway_core::Metric;
use spillway_core::planning::SweepResults;

use crate::Failure;

/// Draws `metric` over `results` to an SVG document.
pub(crate) fn render(results: &SweepResults, metric: &Metric) -> Result<String, String> {
    let vary = &results.sweep.vary;
    let row_at = |settings: &[(&str, &str)]| {
        results.rows.iter().find(|row| {
            settings
                .iter()
                .all(|(key, value)| row.settings.get(*key).map(String::as_str) == Some(value))
        })
    };
    let estimate = |settings: &[(&str, &str)]| {
        row_at(settings).and_then(|row| row.metrics.get(metric.name).copied().flatten())
    };
    match vary.as_slice() {
        [x] => {
            let numeric: Option<Vec<f64>> = x.values.iter().map(|v| v.parse().ok()).collect();
            let points: Vec<SweepPoint> = x
                .values
                .iter()
                .enumerate()
                .filter_map(|(index, value)| {
                    let e = estimate(&[(x.key.as_str(), value.as_str())])?;
                    let half = e.ci95.unwrap_or(0.0);
                    Some(SweepPoint {
                        x: numeric.as_ref().map_or(index as f64, |n| n[index]),
                        mean: e.mean,
                        low: e.mean - half,
                        high: e.mean + half,
                    })
                })
                .collect();
            let chart = SweepChart {
                parameter: &x.key,
                metric: metric.name,
                unit: metric.unit,
                points: &points,
                x_ticks: numeric.is_none().then_some(x.values.as_slice()),
                curve: None,
                threshold: None,
                theme: palette::LIGHT,
                pixel_ratio: 1.0,
            };
            svg::render((820, 420), |backend| sweep_chart::draw(backend, &chart))
        }
        [x, y] => {
            let mut values = Vec::with_capacity(x.values.len() * y.values.len());
            for y_value in &y.values {
                for x_value in &x.values {
                    // A point that ran but has no finite mean: some replication never got
                    // there (never recovered, never caught up) — drawn as ∞, not as missing.
                    let at = [
                        (x.key.as_str(), x_value.as_str()),
                        (y.key.as_str(), y_value.as_str()),
                    ];
                    values.push(match (row_at(&at), estimate(&at)) {
                        (_, Some(e)) => Some(e.mean),
                        (Some(_), None) => Some(f64::INFINITY),
                        (None, None) => None,
                    });
                }
            }
            let map = HeatMap {
                x_parameter: &x.key,
                x_ticks: &x.values,
                y_parameter: &y.key,
                y_ticks: &y.values,
                values: &values,
                metric: metric.name,
                unit: metric.unit,
                theme: palette::LIGHT,
                pixel_ratio: 1.0,
            };
            let width = (120 + 90 * x.values.len()).clamp(520, 2400) as u32;
            let height = (90 + 44 * y.values.len()).clamp(300, 1800) as u32;
            svg::render((width, height), |backend| heat_map::draw(backend, &map))
        }
        _ => Err("a chart needs one or two varied parameters".into()),
    }
}

/// Writes the chart of `metric` to `path`.
pub(crate) fn write(results: &SweepResults, metric: &Metric, path: &Path) -> Result<(), Failure> {
    let drawing = render(results, metric)
        .map_err(|e| Failure::BadInput(format!("--chart {}: {e}", path.display())))?;
    std::fs::write(path, drawing)
        .map_err(|e| Failure::BadInput(format!("cannot write --chart {}: {e}", path.display())))
}
