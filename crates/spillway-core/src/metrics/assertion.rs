//! `[[assert]]` checks: an SLO on a summary metric, e.g. `p99_latency = "< 2s"`. They are what
//! lets a team fail a CI job when a design no longer meets its capacity SLO.

use std::collections::BTreeMap;
use std::fmt;

use crate::metrics::summary::Summary;
use crate::scenario::Duration;

/// The unit a metric is measured in, which decides how a threshold is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Seconds,
    Messages,
    Ratio,
}

/// Metrics an assertion can name: (name, unit, description).
pub const METRICS: &[(&str, &str, &str)] = &[
    ("p50_latency", "duration", "median end-to-end latency"),
    (
        "p90_latency",
        "duration",
        "90th-percentile end-to-end latency",
    ),
    (
        "p99_latency",
        "duration",
        "99th-percentile end-to-end latency",
    ),
    (
        "p999_latency",
        "duration",
        "99.9th-percentile end-to-end latency",
    ),
    ("max_latency", "duration", "largest end-to-end latency"),
    ("mean_latency", "duration", "mean end-to-end latency"),
    (
        "p99_queue_wait",
        "duration",
        "99th-percentile time in the queue",
    ),
    (
        "max_lag_seconds",
        "duration",
        "oldest any waiting message got",
    ),
    (
        "final_lag_seconds",
        "duration",
        "age of the oldest waiting message at the end",
    ),
    (
        "seconds_over_lag_alert",
        "duration",
        "time the lag was above metrics.lag_alert",
    ),
    ("max_lag_messages", "count", "most messages waiting at once"),
    ("final_lag_messages", "count", "messages waiting at the end"),
    ("produced", "count", "messages produced"),
    ("completed", "count", "messages processed successfully"),
    ("failed", "count", "messages whose processing failed"),
    ("rejected", "count", "messages lost to refused sends"),
    ("dropped", "count", "messages dropped or shed"),
    ("lost", "count", "rejected + dropped + failed"),
    ("retried", "count", "producer retries"),
    (
        "dead_lettered",
        "count",
        "messages moved to the dead-letter queue",
    ),
    (
        "wasted_work_ratio",
        "ratio",
        "consumer time on failed attempts / all consumer time",
    ),
    ("loss_ratio", "ratio", "lost / produced"),
    (
        "utilisation",
        "ratio",
        "mean busy fraction of consumer slots",
    ),
    ("offered_load", "ratio", "offered rate / capacity"),
];

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
    metric: String,
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
        let unit = unit_of(metric).ok_or_else(|| unknown_metric(metric))?;
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
        let threshold = match unit {
            Unit::Seconds => rest.parse::<Duration>()?.as_secs_f64(),
            Unit::Messages => rest
                .replace('_', "")
                .parse::<f64>()
                .map_err(|_| format!("`{rest}` is not a number of messages"))?,
            Unit::Ratio => match rest.strip_suffix('%') {
                Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
                None => rest.parse::<f64>(),
            }
            .map_err(|_| format!("`{rest}` is not a ratio; write 0.01 or 1%"))?,
        };
        Ok(Assertion {
            metric: metric.to_string(),
            comparison,
            threshold,
            text: format!("{metric} {condition}"),
        })
    }

    /// The metric's value in `summary`, in the metric's unit.
    pub fn actual(&self, summary: &Summary) -> f64 {
        metric_value(&self.metric, summary).unwrap_or(f64::NAN)
    }

    /// True when `summary` meets the check.
    pub fn holds(&self, summary: &Summary) -> bool {
        let actual = self.actual(summary);
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

fn unit_of(metric: &str) -> Option<Unit> {
    METRICS
        .iter()
        .find(|(name, ..)| *name == metric)
        .map(|(_, unit, _)| match *unit {
            "duration" => Unit::Seconds,
            "count" => Unit::Messages,
            _ => Unit::Ratio,
        })
}

fn unknown_metric(metric: &str) -> String {
    let best = METRICS
        .iter()
        .map(|(name, ..)| (strsim::jaro_winkler(metric, name), *name))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.7);
    let names: Vec<&str> = METRICS.iter().map(|(name, ..)| *name).collect();
    match best {
        Some((_, name)) => format!("unknown metric `{metric}`; did you mean `{name}`?"),
        None => format!(
            "unknown metric `{metric}`; expected one of {}",
            names.join(", ")
        ),
    }
}

fn metric_value(metric: &str, s: &Summary) -> Option<f64> {
    let produced = s.counts.produced.max(1) as f64;
    Some(match metric {
        "p50_latency" => s.latency.p50,
        "p90_latency" => s.latency.p90,
        "p99_latency" => s.latency.p99,
        "p999_latency" => s.latency.p999,
        "max_latency" => s.latency.max,
        "mean_latency" => s.latency.mean,
        "p99_queue_wait" => s.queue_wait.p99,
        "max_lag_seconds" => s.lag.max_seconds,
        "final_lag_seconds" => s.lag.final_seconds,
        "seconds_over_lag_alert" => s.lag.seconds_over_alert,
        "max_lag_messages" => s.lag.max_messages as f64,
        "final_lag_messages" => s.lag.final_messages as f64,
        "produced" => s.counts.produced as f64,
        "completed" => s.counts.completed as f64,
        "failed" => s.counts.failed as f64,
        "rejected" => s.counts.rejected as f64,
        "dropped" => s.counts.dropped as f64,
        "lost" => s.lost as f64,
        "retried" => s.counts.retried as f64,
        "dead_lettered" => s.counts.dead_lettered as f64,
        "wasted_work_ratio" => s.work.wasted_ratio,
        "loss_ratio" => s.lost as f64 / produced,
        "utilisation" => s.utilisation,
        "offered_load" => s.capacity.offered_load,
        _ => return None,
    })
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
        for (name, ..) in METRICS {
            assert!(
                metric_value(name, &summary).is_some(),
                "{name} has no value"
            );
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
        assert!(METRICS.iter().all(|(name, ..)| unit_of(name).is_some()));
    }
}
