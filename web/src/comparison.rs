//! Two designs on the same load and seed, run side by side in slices: the compare view's
//! model. The current scenario is the baseline; the other design runs on the baseline's seed,
//! so its producers draw the same arrivals when they are the same producers.

use spillway_core::{RunStatus, Scenario, ScenarioErrors, Summary};

use crate::session::Session;

/// The designs compared and their runs.
pub struct Comparison {
    /// (name, run), the baseline first.
    pub runs: Vec<(String, Session)>,
}

/// One row of the comparison table: a label and each design's value as text, with whether
/// the other design did better (`Some(true)`), worse (`Some(false)`) or about the same.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    pub label: &'static str,
    pub values: Vec<String>,
    pub better: Option<bool>,
}

/// A table row: label, how to read it, whether lower is better, how to show it.
type RowDef = (&'static str, fn(&Summary) -> f64, bool, fn(f64) -> String);

impl Comparison {
    /// `base` against `other` (run on `base`'s seed).
    pub fn new(base: &Scenario, other: &Scenario) -> Result<Self, ScenarioErrors> {
        let mut other = other.clone();
        other.seed = base.seed;
        let (first, _) = Session::new(base, Vec::new())?;
        let (second, _) = Session::new(&other, Vec::new())?;
        Ok(Comparison {
            runs: vec![(base.name.clone(), first), (other.name.clone(), second)],
        })
    }

    /// Advances every unfinished run by about `max_events` events; true when all have ended.
    pub fn advance(&mut self, max_events: u64) -> bool {
        for (_, session) in &mut self.runs {
            if !session.finished() {
                let end = session.simulation().end_time();
                if let RunStatus::Finished(_) = session.advance(end, max_events) {}
            }
        }
        self.finished()
    }

    /// Whether every run has ended.
    pub fn finished(&self) -> bool {
        self.runs.iter().all(|(_, session)| session.finished())
    }

    /// The numbers that matter, side by side.
    pub fn rows(&self) -> Vec<CompareRow> {
        let summaries: Vec<Summary> = self
            .runs
            .iter()
            .map(|(_, session)| session.simulation().summary())
            .collect();
        let rows: [RowDef; 6] = [
            ("max lag", |s| s.lag.max_messages as f64, true, count),
            ("max lag (age)", |s| s.lag.max_seconds, true, seconds),
            ("p99 latency", |s| s.latency.p99, true, seconds),
            ("lost", |s| s.lost as f64, true, count),
            ("wasted work", |s| s.work.wasted_ratio, true, percent),
            ("goodput", |s| s.work.goodput_per_second, false, rate),
        ];
        rows.into_iter()
            .map(|(label, read, lower_is_better, show)| {
                let values: Vec<f64> = summaries.iter().map(read).collect();
                let (base, other) = (values[0], values[values.len() - 1]);
                let scale = base.abs().max(other.abs());
                let better = (scale > 1e-9 && (other - base).abs() > 0.01 * scale)
                    .then_some((other < base) == lower_is_better);
                CompareRow {
                    label,
                    values: values.into_iter().map(show).collect(),
                    better,
                }
            })
            .collect()
    }
}

fn count(value: f64) -> String {
    spillway_charts::format::format_count(value)
}

fn seconds(value: f64) -> String {
    spillway_charts::format::format_seconds(value)
}

fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

fn rate(value: f64) -> String {
    format!("{}/s", spillway_charts::format::format_count(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillway_core::Preset;

    fn preset(name: &str) -> Scenario {
        Preset::find(name).unwrap().scenario().unwrap()
    }

    #[test]
    fn both_designs_run_to_the_end_on_the_baselines_seed() {
        let mut base = preset("retry-storm");
        base.seed = 42;
        let mut comparison = Comparison::new(&base, &preset("retry-storm-fixed")).unwrap();
        assert_eq!(comparison.runs[1].1.simulation().scenario().seed, 42);
        let mut slices = 0;
        while !comparison.advance(20_000) {
            slices += 1;
            assert!(slices < 100_000, "the comparison never finishes");
        }
        let rows = comparison.rows();
        let row = |label: &str| rows.iter().find(|r| r.label == label).unwrap().clone();
        assert_eq!(row("lost").values.len(), 2);
        // The fixed design wastes far less work and serves more: marked better; neither
        // loses a message: no mark.
        assert_eq!(row("wasted work").better, Some(true), "{rows:?}");
        assert_eq!(row("goodput").better, Some(true), "{rows:?}");
        assert_eq!(row("lost").better, None, "{rows:?}");
    }

    #[test]
    fn the_same_design_twice_is_the_same_run() {
        let base = preset("steady");
        let mut comparison = Comparison::new(&base, &base).unwrap();
        while !comparison.advance(50_000) {}
        let fingerprints: Vec<String> = comparison
            .runs
            .iter()
            .map(|(_, s)| s.simulation().summary().fingerprint)
            .collect();
        assert_eq!(fingerprints[0], fingerprints[1]);
        assert!(comparison.rows().iter().all(|r| r.better.is_none()));
    }
}
