//! Exports of a run: the time series as CSV (the CLI's `--csv` columns) and the whole run as
//! JSON (scenario, live changes, summary and series).

use serde::Serialize;
use spillway_core::{Summary, TimeSeries};

use crate::session::KnobChange;

/// The series as CSV with a header row of [`TimeSeries::csv_header`] (Kafka runs add a
/// column per partition).
pub fn series_csv(series: &TimeSeries) -> String {
    let mut csv = series.csv_header().join(",");
    csv.push('\n');
    for row in 0..series.len() {
        let values: Vec<String> = series.csv_values(row).iter().map(f64::to_string).collect();
        csv.push_str(&values.join(","));
        csv.push('\n');
    }
    csv
}

#[derive(Serialize)]
struct RunExport<'a> {
    scenario: &'a str,
    changes: &'a [KnobChange],
    summary: &'a Summary,
    series: &'a TimeSeries,
}

/// The run as pretty JSON.
pub fn run_json(
    scenario_toml: &str,
    changes: &[KnobChange],
    summary: &Summary,
    series: &TimeSeries,
) -> String {
    serde_json::to_string_pretty(&RunExport {
        scenario: scenario_toml,
        changes,
        summary,
        series,
    })
    .expect("a run always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillway_core::{Preset, Simulation};

    #[test]
    fn csv_has_a_header_and_one_line_per_sample() {
        let mut simulation = Simulation::new(&Preset::find("steady").unwrap().scenario().unwrap())
            .expect("a valid scenario");
        simulation.run();
        let csv = series_csv(simulation.series());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0].split(',').count(), TimeSeries::COLUMNS.len());
        assert_eq!(lines.len(), simulation.series().len() + 1);
        assert!(lines[0].starts_with("time,queue_depth,lag_seconds"));
        let json = run_json("seed = 1", &[], &simulation.summary(), simulation.series());
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["summary"]["scenario"], "steady");
        assert_eq!(
            parsed["series"]["time"].as_array().unwrap().len(),
            simulation.series().len()
        );
    }
}
