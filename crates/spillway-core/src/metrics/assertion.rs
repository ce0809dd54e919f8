//! `[[assert]]` checks: an SLO on a summary metric, e.g. `p99_latency = "< 2s"`. They are what
//! lets a team fail a CI job when a design no longer meets its capacity SLO.

use std::collections::BTreeMap;
use std::fmt;

use crate::metrics::registry::{METRICS, Metric, MetricUnit, metric};
use crate::metrics::summary::Summary;
use crate::scenario::Duration;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
}

/// A parsed check.
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    metric: &'static Metric,
    comparison: Comparison,
    threshold: f64,
    text: String,
}

impl Assertion {
    /// From an `[[assert]]` table: exactly one `metric = "OP VALUE"` pair.
    pub fn from_table(table: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut entries = table.iter();
        let (Some((metric, condition)), None) = (entries.next(), entries.next()) else {
            return Err(
                "each [[assert]] holds exactly one check, e.g. p99_latency = \"< 2s\"".into(),
            );
        };
        Self::parse(metric, condition)
    }

    /// From a metric name and a condition such as `"< 2s"`, `"== 0"`, `"<= 1%"`.
    pub fn parse(metric: &str, condition: &str) -> Result<Self, String> {
        let registered = self::metric(metric).ok_or_else(|| unknown_metric(metric))?;
        let condition = condition.trim();
        let (comparison, rest) = [
            ("<=", Comparison::LessOrEqual),
            (">=", Comparison::GreaterOrEqual),
            ("==", Comparison::Equal),
            ("<", Comparison::Less),
            (">", Comparison::Greater),
        ]
        .into_iter()
        .find_map(|(symbol, comparison)| {
            condition
                .strip_prefix(symbol)
                .map(|rest| (comparison, rest.trim()))
        })
        .ok_or_else(|| {
            format!("`{condition}`: start the condition with <, <=, >, >= or ==, e.g. \"< 2s\"")
        })?;
        let threshold = match registered.unit {
            MetricUnit::Duration => rest.parse::<Duration>()?.as_secs_f64(),
            MetricUnit::Count => rest
                .replace('_', "")
                .parse::<f64>()
                .map_err(|_| format!("`{rest}` is not a number of messages"))?,
            MetricUnit::Ratio => match rest.strip_suffix('%') {
                Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
                None => rest.parse::<f64>(),
            }
            .map_err(|_| format!("`{rest}` is not a ratio; write 0.01 or 1%"))?,
        };
        Ok(Assertion {
            metric: registered,
            comparison,
            threshold,
            text: format!("{metric} {condition}"),
        })
    }

    /// The metric's value in `summary`, in the metric's unit.
    pub fn actual(&self, summary: &Summary) -> f64 {
        (self.metric.read)(summary)
    }

    /// The metric it checks.
    pub fn metric(&self) -> &'static Metric {
        self.metric
    }

    /// The threshold, in the metric's unit.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// True when the check caps the metric from above (`<`, `<=`): a smaller value is better.
    pub fn is_upper_bound(&self) -> bool {
        matches!(self.comparison, Comparison::Less | Comparison::LessOrEqual)
    }

    /// True when `summary` meets the check.
    pub fn holds(&self, summary: &Summary) -> bool {
        self.holds_for(self.actual(summary))
    }

    /// True when a value of the metric meets the check.
    pub fn holds_for(&self, actual: f64) -> bool {
        match self.comparison {
            Comparison::Less => actual < self.threshold,
            Comparison::LessOrEqual => actual <= self.threshold,
            Comparison::Greater => actual > self.threshold,
            Comparison::GreaterOrEqual => actual >= self.threshold,
            Comparison::Equal => actual == self.threshold,
        }
    }
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn unknown_metric(metric: &str) -> String {
    let best = METRICS
        .iter()
        .map(|m| (strsim::jaro_winkler(metric, m.name), m.name))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.7);
    let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
    match best {
        Some((_, name)) => format!("unknown metric `{metric}`; did you mean `{name}`?"),
        None => format!(
            "unknown metric `{metric}`; expected one of {}",
            names.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_in_the_metric_unit() {
        let a = Assertion::parse("p99_latency", "< 2s").unwrap();
        assert_eq!((a.comparison, a.threshold), (Comparison::Less, 2.0));
        let a = Assertion::parse("loss_ratio", "<= 1%").unwrap();
        assert_eq!((a.comparison, a.threshold), (Comparison::LessOrEqual, 0.01));
        let a = Assertion::parse("rejected", "== 0").unwrap();
        assert_eq!((a.comparison, a.threshold), (Comparison::Equal, 0.0));
    }

    #[test]
    fn every_metric_has_a_value() {
        let scenario = crate::Preset::find("steady").unwrap().scenario().unwrap();
        let mut simulation = crate::Simulation::new(&scenario).expect("a valid scenario");
        simulation.run_until(crate::SimTime::ZERO + crate::SimDuration::from_secs(10));
        let summary = simulation.summary();
        for metric in METRICS {
            let name = metric.name;
            assert!((metric.read)(&summary).is_finite(), "{name} has no value");
        }
    }

    #[test]
    fn mistakes_get_helpful_messages() {
        assert!(
            Assertion::parse("p99_latncy", "< 2s")
                .unwrap_err()
                .contains("did you mean `p99_latency`")
        );
        assert!(
            Assertion::parse("p99_latency", "2s")
                .unwrap_err()
                .contains("start the condition")
        );
        assert!(
            Assertion::parse("p99_latency", "< 2")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(METRICS.iter().all(|m| super::metric(m.name).is_some()));
    }
}
