//! The metric registry: every summary metric an `[[assert]]` can check, with its unit, a
//! description and how to read it from a [`Summary`]. Assertions, the CLI's formatting and
//! `docs/json-summary.md` (checked by a test) all read this one table.

use crate::engine::time::SimDuration;
use crate::metrics::summary::Summary;

/// The unit a metric is measured in: it decides how a threshold is written and how a value
/// is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricUnit {
    /// Seconds, written as a duration (`"< 2s"`).
    Duration,
    /// A number of messages or events.
    Count,
    /// A fraction, written as 0.01 or 1%.
    Ratio,
}

impl MetricUnit {
    /// The unit's name as the docs write it.
    pub fn name(self) -> &'static str {
        match self {
            MetricUnit::Duration => "duration",
            MetricUnit::Count => "count",
            MetricUnit::Ratio => "ratio",
        }
    }

    /// A value in this unit as a person reads it: `2m03s`, `1,234`, `12.50%`.
    pub fn format(self, value: f64) -> String {
        match self {
            MetricUnit::Duration => SimDuration::from_secs_f64(value).to_string(),
            MetricUnit::Ratio => format!("{:.2}%", value * 100.0),
            MetricUnit::Count => {
                let digits = format!("{:.0}", value.max(0.0));
                let mut out = String::with_capacity(digits.len() + digits.len() / 3);
                for (index, digit) in digits.chars().enumerate() {
                    if index > 0 && (digits.len() - index) % 3 == 0 {
                        out.push(',');
                    }
                    out.push(digit);
                }
                out
            }
        }
    }
}

/// One registered metric.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// The name an `[[assert]]` uses.
    pub name: &'static str,
    /// Its unit.
    pub unit: MetricUnit,
    /// What it measures, in a few words.
    pub description: &'static str,
    /// Its value in a summary, in its unit.
    pub read: fn(&Summary) -> f64,
}

/// Every metric an assertion can name.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "p50_latency",
        unit: MetricUnit::Duration,
        description: "median end-to-end latency",
        read: |s| s.latency.p50,
    },
    Metric {
        name: "p90_latency",
        unit: MetricUnit::Duration,
        description: "90th-percentile end-to-end latency",
        read: |s| s.latency.p90,
    },
    Metric {
        name: "p99_latency",
        unit: MetricUnit::Duration,
        description: "99th-percentile end-to-end latency",
        read: |s| s.latency.p99,
    },
    Metric {
        name: "p999_latency",
        unit: MetricUnit::Duration,
        description: "99.9th-percentile end-to-end latency",
        read: |s| s.latency.p999,
    },
    Metric {
        name: "max_latency",
        unit: MetricUnit::Duration,
        description: "largest end-to-end latency",
        read: |s| s.latency.max,
    },
    Metric {
        name: "mean_latency",
        unit: MetricUnit::Duration,
        description: "mean end-to-end latency",
        read: |s| s.latency.mean,
    },
    Metric {
        name: "p99_queue_wait",
        unit: MetricUnit::Duration,
        description: "99th-percentile time in the queue",
        read: |s| s.queue_wait.p99,
    },
    Metric {
        name: "mean_queue_wait",
        unit: MetricUnit::Duration,
        description: "mean time in the queue",
        read: |s| s.queue_wait.mean,
    },
    Metric {
        name: "max_lag_seconds",
        unit: MetricUnit::Duration,
        description: "oldest any unfinished message got, counted from its production",
        read: |s| s.lag.max_seconds,
    },
    Metric {
        name: "final_lag_seconds",
        unit: MetricUnit::Duration,
        description: "age since production of the oldest unfinished message at the end",
        read: |s| s.lag.final_seconds,
    },
    Metric {
        name: "seconds_over_lag_alert",
        unit: MetricUnit::Duration,
        description: "time the lag was above metrics.lag_alert",
        read: |s| s.lag.seconds_over_alert,
    },
    Metric {
        name: "max_lag_messages",
        unit: MetricUnit::Count,
        description: "most messages waiting at once",
        read: |s| s.lag.max_messages as f64,
    },
    Metric {
        name: "final_lag_messages",
        unit: MetricUnit::Count,
        description: "messages waiting at the end",
        read: |s| s.lag.final_messages as f64,
    },
    Metric {
        name: "produced",
        unit: MetricUnit::Count,
        description: "messages produced",
        read: |s| s.counts.produced as f64,
    },
    Metric {
        name: "completed",
        unit: MetricUnit::Count,
        description: "messages processed successfully",
        read: |s| s.counts.completed as f64,
    },
    Metric {
        name: "failed",
        unit: MetricUnit::Count,
        description: "messages whose processing failed",
        read: |s| s.counts.failed as f64,
    },
    Metric {
        name: "rejected",
        unit: MetricUnit::Count,
        description: "messages lost to refused sends",
        read: |s| s.counts.rejected as f64,
    },
    Metric {
        name: "dropped",
        unit: MetricUnit::Count,
        description: "messages dropped or shed",
        read: |s| s.counts.dropped as f64,
    },
    Metric {
        name: "lost",
        unit: MetricUnit::Count,
        description: "rejected + dropped + failed",
        read: |s| s.lost as f64,
    },
    Metric {
        name: "retried",
        unit: MetricUnit::Count,
        description: "producer retries",
        read: |s| s.counts.retried as f64,
    },
    Metric {
        name: "dead_lettered",
        unit: MetricUnit::Count,
        description: "messages moved to the dead-letter queue",
        read: |s| s.counts.dead_lettered as f64,
    },
    Metric {
        name: "wasted_work_ratio",
        unit: MetricUnit::Ratio,
        description: "consumer time on failed attempts / all consumer time",
        read: |s| s.work.wasted_ratio,
    },
    Metric {
        name: "loss_ratio",
        unit: MetricUnit::Ratio,
        description: "lost / produced",
        read: |s| s.lost as f64 / s.counts.produced.max(1) as f64,
    },
    Metric {
        name: "blocking_ratio",
        unit: MetricUnit::Ratio,
        description: "messages refused at send (queue full or pushed back, after any retries) / produced",
        read: |s| s.counts.rejected as f64 / s.counts.produced.max(1) as f64,
    },
    Metric {
        name: "utilisation",
        unit: MetricUnit::Ratio,
        description: "mean busy fraction of consumer slots",
        read: |s| s.utilisation,
    },
    Metric {
        name: "catch_up_seconds",
        unit: MetricUnit::Duration,
        description: "with an initial_backlog: time until nothing waits (0 without one, ∞ if never)",
        read: |s| s.lag.catch_up_seconds(),
    },
    Metric {
        name: "recovery_seconds",
        unit: MetricUnit::Duration,
        description: "time from the last fault's end until the lag is back under metrics.lag_alert (0 without faults that end, ∞ if never)",
        read: |s| s.lag.recovery_after_faults(),
    },
    Metric {
        name: "consumer_hours",
        unit: MetricUnit::Count,
        description: "what the consumers cost: consumers taking messages × time, hours",
        read: |s| s.work.consumer_hours,
    },
    Metric {
        name: "offered_load",
        unit: MetricUnit::Ratio,
        description: "offered rate / capacity",
        read: |s| s.capacity.offered_load,
    },
];

impl PartialEq for Metric {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// The registered metric called `name`.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_format_as_people_read_them() {
        assert_eq!(MetricUnit::Count.format(1_234_567.0), "1,234,567");
        assert_eq!(MetricUnit::Ratio.format(0.125), "12.50%");
        assert_eq!(MetricUnit::Duration.format(123.0), "2m03s");
    }

    #[test]
    fn the_json_summary_docs_list_every_metric() {
        let docs = include_str!("../../../../docs/json-summary.md");
        for metric in METRICS {
            assert!(
                docs.contains(&format!("`{}`", metric.name)),
                "docs/json-summary.md does not describe `{}`",
                metric.name
            );
        }
    }
}
