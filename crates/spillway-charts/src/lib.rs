//! # spillway-charts
//!
//! Spillway's charts as plain drawing functions over any plotters
//! [`DrawingBackend`](plotters::prelude::DrawingBackend): the playground hands them a canvas,
//! `spillway report` and `spillway sweep --chart` an SVG document ([`svg`], with the `svg`
//! feature). The core says *which* charts a scenario needs ([`spillway_core::charts_for`]);
//! this crate only draws them, so a report and the playground show the same pictures.
//!
//! - [`timeline`]: a run's charts over simulated time (lag, throughput, the breaker, …).
//! - [`overlay`]: one column of several runs on one chart (designs compared on one load).
//! - [`sweep_chart`]: a metric against a swept parameter, mean and 95% confidence interval
//!   per point, optionally with an analytic curve and an SLO line.
//! - [`heat_map`]: a metric over two swept parameters.
//! - [`partition_strip`]: a Kafka topic's lag by partition over time.
//!
//! ```
//! # #[cfg(feature = "svg")] {
//! use spillway_charts::{palette, svg, timeline};
//! use spillway_core::{Preset, Simulation, charts_for};
//!
//! let scenario = Preset::find("steady").unwrap().scenario().unwrap();
//! let mut run = Simulation::new(&scenario).unwrap();
//! run.run();
//! let spec = &charts_for(&scenario)[0];
//! let data = timeline::ChartData {
//!     series: run.series(),
//!     end_seconds: scenario.duration.as_secs_f64(),
//!     changes: &[],
//!     theme: palette::LIGHT,
//!     pixel_ratio: 1.0,
//! };
//! let drawing = svg::render((640, 240), |backend| timeline::draw(backend, spec, &data)).unwrap();
//! assert!(drawing.starts_with("<svg"));
//! # }
//! ```

pub mod format;
pub mod heat_map;
pub mod overlay;
pub mod palette;
pub mod partition_strip;
#[cfg(feature = "svg")]
pub mod svg;
pub mod sweep_chart;
pub mod timeline;

/// The texts of an SVG document, trimmed (tests look for labels in them).
#[cfg(all(test, feature = "svg"))]
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|element| {
            let body = element.split_once('>')?.1;
            Some(body.split("</text>").next()?.trim().to_string())
        })
        .collect()
}
