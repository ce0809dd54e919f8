//! Which charts a scenario's story needs: plain data over [`TimeSeries`] columns, no drawing.
//!
//! Every model contributes the charts that show what it does — the broker its lag and depth,
//! the producers their throughput, the consumers how busy they are and how long messages
//! take — and the optional models (a downstream, a circuit breaker, redelivery and a
//! dead-letter queue, producer retries, an autoscaler) add theirs only when the scenario has
//! them. A renderer (the playground) draws whatever [`charts_for`] returns, generically: it
//! maps each [`Role`] to its own palette and each [`Unit`] to an axis.
//!
//! A new model (a broker such as SQS, Kafka or RabbitMQ) adds its charts by adding one
//! function to [`CHART_CONTRIBUTORS`] that returns nothing unless the scenario uses it.
//!
//! ```
//! use spillway_core::{Preset, charts_for};
//!
//! let scenario = Preset::find("retry-storm").unwrap().scenario().unwrap();
//! let ids: Vec<&str> = charts_for(&scenario).iter().map(|chart| chart.id).collect();
//! assert_eq!(ids[0], "lag");
//! assert!(ids.contains(&"goodput") && ids.contains(&"connections"));
//! ```

use crate::model::intervention::Intervention;
use crate::scenario::{Capacity, OverflowPolicy, Scenario};

/// What a chart's y axis measures; a renderer picks the axis labels (and how to thin a long
/// line: gauges keep their peaks, rates are averaged) from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A number of messages (a gauge).
    Messages,
    /// A duration in seconds (a gauge; drawn in whatever unit reads best).
    Seconds,
    /// Events per second (a rate over each sample interval).
    PerSecond,
    /// A fraction, 0–1 (a rate over each sample interval).
    Ratio,
    /// Connections (a gauge).
    Connections,
    /// Consumers (a gauge).
    Consumers,
    /// A discrete state: the value `i / (levels.len() - 1)` means `levels[i]`, so with
    /// `["closed", "half-open", "open"]` 0 is closed, 0.5 half-open and 1 open.
    State {
        /// The states' names, lowest value first.
        levels: &'static [&'static str],
    },
}

impl Unit {
    /// Whether the column is a rate over each interval (average it when thinning a line)
    /// rather than a gauge (keep its peaks, so a spike never vanishes when zoomed out).
    pub fn is_rate(self) -> bool {
        matches!(self, Unit::PerSecond | Unit::Ratio)
    }
}

/// What a line means, for the renderer's palette: a role, never a colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The chart's main quantity.
    Primary,
    /// A second quantity drawn beside the main one.
    Secondary,
    /// Work done as intended: goodput, busy consumers.
    Good,
    /// Loss, failure, an alert or an open breaker.
    Bad,
    /// Effort that may be wasted: retries, redeliveries, attempts.
    Warning,
    /// A limit or context line (capacity, pool size, consumers running).
    Muted,
}

/// Which y axis a line or reference is drawn against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Axis {
    /// The chart's [`ChartSpec::unit`] (the default).
    #[default]
    Left,
    /// The chart's [`ChartSpec::right_unit`].
    Right,
}

/// How prominently a chart is shown; [`charts_for`] lists them in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// The one chart to look at first (consumer lag), drawn large.
    Headline,
    /// A chart only this scenario's models have: what its story is about, shown early.
    Story,
    /// A chart every scenario has.
    Standard,
}

/// One line: a [`TimeSeries`](crate::TimeSeries) column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpec {
    /// The column's name, one of [`TimeSeries::COLUMNS`](crate::TimeSeries::COLUMNS).
    pub column: &'static str,
    /// Legend text.
    pub label: &'static str,
    /// What the line means.
    pub role: Role,
    /// The axis it is read against.
    pub axis: Axis,
    /// When set, the line exists only at samples where this column is above zero, with a
    /// gap elsewhere: a latency percentile means nothing where no message completed, and a
    /// zero there would read as "fast".
    pub defined_where: Option<&'static str>,
}

/// A live knob a reference line follows (the queue capacity line moves when the capacity
/// is changed mid-run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveKnob {
    /// [`Intervention::QueueCapacity`].
    QueueCapacity,
    /// [`Intervention::Consumers`].
    Consumers,
    /// [`Intervention::Prefetch`].
    Prefetch,
    /// [`Intervention::Watermark`].
    Watermark,
}

impl LiveKnob {
    /// The knob's new value if `change` sets this knob.
    pub fn value_after(self, change: &Intervention) -> Option<f64> {
        match (self, *change) {
            (LiveKnob::QueueCapacity, Intervention::QueueCapacity(n)) => Some(n as f64),
            (LiveKnob::Consumers, Intervention::Consumers(n)) => Some(f64::from(n)),
            (LiveKnob::Prefetch, Intervention::Prefetch(n)) => Some(f64::from(n)),
            (LiveKnob::Watermark, Intervention::Watermark(x)) => Some(x),
            _ => None,
        }
    }
}

/// A horizontal line at a configured value: an alert threshold, a capacity, a pool size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReferenceLine {
    /// Legend and on-chart text.
    pub label: &'static str,
    /// The value at the start of the run, in the axis's unit (seconds for [`Unit::Seconds`]).
    pub value: f64,
    /// What the line means.
    pub role: Role,
    /// The axis it is read against.
    pub axis: Axis,
    /// A live knob that moves it, if any.
    pub follows: Option<LiveKnob>,
}

impl ReferenceLine {
    /// A reference on the left axis that no knob moves.
    pub fn new(label: &'static str, value: f64, role: Role) -> Self {
        ReferenceLine {
            label,
            value,
            role,
            axis: Axis::Left,
            follows: None,
        }
    }

    /// The same line, read against the right axis.
    pub fn on_right(mut self) -> Self {
        self.axis = Axis::Right;
        self
    }

    /// The same line, moved by `knob`.
    pub fn following(mut self, knob: LiveKnob) -> Self {
        self.follows = Some(knob);
        self
    }

    /// Its value after `change`, if the change moves it.
    pub fn value_after(&self, change: &Intervention) -> Option<f64> {
        self.follows.and_then(|knob| knob.value_after(change))
    }
}

/// One chart: a title, an axis or two, its lines and its reference lines.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    /// Stable identifier (the playground's `data-chart`), unique within a scenario's charts.
    pub id: &'static str,
    /// Title, also the chart's accessible name.
    pub title: String,
    /// How prominently it is shown.
    pub rank: Rank,
    /// The left axis.
    pub unit: Unit,
    /// The right axis, when some line is read against it.
    pub right_unit: Option<Unit>,
    /// Lines in drawing order (the last is drawn on top).
    pub lines: Vec<LineSpec>,
    /// Reference lines.
    pub references: Vec<ReferenceLine>,
    /// Draw [`TimeSeries::partition_lag`](crate::TimeSeries::partition_lag) as a heat
    /// strip (a row per partition, colour = lag) instead of lines: readable at 48
    /// partitions where 48 lines are not.
    pub partition_heat: bool,
}

impl ChartSpec {
    /// An empty [`Rank::Standard`] chart with a left axis in `unit`.
    pub fn new(id: &'static str, title: impl Into<String>, unit: Unit) -> Self {
        ChartSpec {
            id,
            title: title.into(),
            rank: Rank::Standard,
            unit,
            right_unit: None,
            lines: Vec::new(),
            references: Vec::new(),
            partition_heat: false,
        }
    }

    /// The same chart drawn as a heat strip of each partition's lag.
    pub fn partition_heat(mut self) -> Self {
        self.partition_heat = true;
        self
    }

    /// The same chart at `rank`.
    pub fn ranked(mut self, rank: Rank) -> Self {
        self.rank = rank;
        self
    }

    /// Adds a line read against the left axis.
    pub fn line(mut self, column: &'static str, label: &'static str, role: Role) -> Self {
        self.lines.push(LineSpec {
            column,
            label,
            role,
            axis: Axis::Left,
            defined_where: None,
        });
        self
    }

    /// Adds a line read against the left axis that exists only where `defined_where` is
    /// above zero (see [`LineSpec::defined_where`]).
    pub fn line_where(
        mut self,
        column: &'static str,
        label: &'static str,
        role: Role,
        defined_where: &'static str,
    ) -> Self {
        self = self.line(column, label, role);
        if let Some(line) = self.lines.last_mut() {
            line.defined_where = Some(defined_where);
        }
        self
    }

    /// Adds a line read against the right axis, in `unit`.
    pub fn right_line(
        mut self,
        column: &'static str,
        label: &'static str,
        role: Role,
        unit: Unit,
    ) -> Self {
        self.right_unit = Some(unit);
        self.lines.push(LineSpec {
            column,
            label,
            role,
            axis: Axis::Right,
            defined_where: None,
        });
        self
    }

    /// Adds a line when `when` holds (a model that only sometimes has the quantity).
    pub fn line_if(
        self,
        when: bool,
        column: &'static str,
        label: &'static str,
        role: Role,
    ) -> Self {
        if when {
            self.line(column, label, role)
        } else {
            self
        }
    }

    /// Adds a reference line.
    pub fn reference(mut self, reference: ReferenceLine) -> Self {
        self.references.push(reference);
        self
    }

    /// The unit of `axis`.
    pub fn unit_of(&self, axis: Axis) -> Unit {
        match axis {
            Axis::Left => self.unit,
            Axis::Right => self.right_unit.unwrap_or(self.unit),
        }
    }
}

/// A model's charts for a scenario: none when the scenario does not have the model.
pub type ChartContributor = fn(&Scenario) -> Vec<ChartSpec>;

/// Every model's chart contributor, in the order their charts of equal [`Rank`] are listed.
/// A new model adds one function here.
pub const CHART_CONTRIBUTORS: &[ChartContributor] = &[
    bounded_queue_charts,
    sqs_charts,
    kafka_charts,
    rabbitmq_charts,
    producer_charts,
    consumer_charts,
    processing_charts,
    downstream_charts,
    circuit_breaker_charts,
    redelivery_charts,
    producer_retry_charts,
    autoscaler_charts,
];

/// The charts that tell `scenario`'s story: the headline first, then the charts of the
/// optional models it has, then the charts every scenario has.
pub fn charts_for(scenario: &Scenario) -> Vec<ChartSpec> {
    let mut charts: Vec<ChartSpec> = CHART_CONTRIBUTORS
        .iter()
        .flat_map(|contributor| contributor(scenario))
        .collect();
    charts.sort_by_key(|chart| chart.rank); // stable: contributors' order within a rank
    charts
}

/// The bounded queue (today's only broker): consumer lag, and depth against capacity.
fn bounded_queue_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let queue = &scenario.queue;
    let waiting = if scenario.sqs.is_some() {
        "visible (left)"
    } else if scenario.kafka.is_some() {
        "log-end − committed (left)"
    } else if scenario.rabbitmq.is_some() {
        "ready (left)"
    } else {
        "messages (left)"
    };
    let lag = ChartSpec::new("lag", "Consumer lag", Unit::Messages)
        .ranked(Rank::Headline)
        .line("queue_depth", waiting, Role::Primary)
        .right_line(
            "lag_seconds",
            "seconds (right)",
            Role::Secondary,
            Unit::Seconds,
        )
        .reference(
            ReferenceLine::new("alert", scenario.metrics.lag_alert.as_secs_f64(), Role::Bad)
                .on_right(),
        );
    let mut depth = ChartSpec::new("depth", "Queue depth vs capacity", Unit::Messages).line(
        "queue_depth",
        "depth",
        Role::Primary,
    );
    if scenario.sqs.is_some() || scenario.kafka.is_some() || scenario.rabbitmq.is_some() {
        // No capacity: their own charts show the queue by state or by partition.
        return vec![lag];
    }
    if let Capacity::Bounded(capacity) = queue.capacity {
        depth = depth.reference(
            ReferenceLine::new("capacity", capacity as f64, Role::Muted)
                .following(LiveKnob::QueueCapacity),
        );
    }
    vec![lag, depth]
}

/// An SQS queue: the messages by state as CloudWatch counts them (a low visible count can
/// hide a climbing not-visible one), and receives against goodput with the share of work
/// thrown away.
fn sqs_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let Some(sqs) = &scenario.sqs else {
        return Vec::new();
    };
    let delayed = sqs.delivery_delay.sim() > crate::engine::time::SimDuration::ZERO;
    vec![
        ChartSpec::new("sqs-visibility", "Visible vs not visible", Unit::Messages)
            .ranked(Rank::Story)
            .line("queue_depth", "visible", Role::Primary)
            .line("not_visible", "not visible (in flight)", Role::Warning)
            .line_if(delayed, "delayed", "delayed", Role::Muted)
            .line_if(
                sqs.max_receive_count.is_some(),
                "dead_letter_depth",
                "in DLQ",
                Role::Bad,
            ),
        ChartSpec::new("sqs-wasted", "Receives vs goodput", Unit::PerSecond)
            .ranked(Rank::Story)
            .line("receives_per_second", "receives", Role::Warning)
            .line("completed_per_second", "goodput (deleted)", Role::Good)
            .right_line(
                "wasted_share",
                "work thrown away (right)",
                Role::Bad,
                Unit::Ratio,
            ),
    ]
}

/// A Kafka topic: each partition's lag (one stalled partition stands out of the strip
/// while the total looks modest), the worst partition against the total, and what
/// rebalances redo.
fn kafka_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    if scenario.kafka.is_none() {
        return Vec::new();
    }
    vec![
        ChartSpec::new("kafka-partitions", "Lag by partition", Unit::Messages)
            .ranked(Rank::Story)
            .partition_heat(),
        ChartSpec::new(
            "kafka-worst",
            "Worst partition vs total lag",
            Unit::Messages,
        )
        .ranked(Rank::Story)
        .line("queue_depth", "total", Role::Muted)
        .line("worst_partition_lag", "worst partition", Role::Bad),
        ChartSpec::new(
            "kafka-duplicates",
            "Records/s: done vs redone",
            Unit::PerSecond,
        )
        .ranked(Rank::Story)
        .line("completed_per_second", "processed", Role::Good)
        .line("duplicates_per_second", "processed again", Role::Bad),
    ]
}

/// A RabbitMQ queue: the node's memory against its watermark (the alarm is a band on every
/// chart), ready against unacknowledged (a big prefetch empties "ready" into consumers),
/// publish / deliver / ack rates (paging holds deliveries below what consumers take), and
/// how unevenly the consumers hold what was delivered.
fn rabbitmq_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let Some(rabbit) = &scenario.rabbitmq else {
        return Vec::new();
    };
    let classic = rabbit.queue_type == crate::scenario::RabbitQueueType::Classic;
    let mut memory = ChartSpec::new("rabbitmq-memory", "Node memory vs watermark", Unit::Ratio)
        .ranked(Rank::Story)
        .line("memory_share", "memory used", Role::Primary)
        .reference(
            ReferenceLine::new("watermark", rabbit.high_watermark, Role::Bad)
                .following(LiveKnob::Watermark),
        );
    if classic && rabbit.paging_ratio <= 1.0 {
        memory = memory.reference(ReferenceLine::new(
            "paging",
            rabbit.high_watermark * rabbit.paging_ratio,
            Role::Muted,
        ));
    }
    let mut prefetch = ChartSpec::new("rabbitmq-prefetch", "Unacked per consumer", Unit::Messages)
        .ranked(Rank::Story)
        .line("consumer_unacked_max", "most held by one", Role::Warning)
        .line("consumer_unacked_min", "fewest held", Role::Muted);
    if rabbit.prefetch > 0 {
        prefetch = prefetch.reference(
            ReferenceLine::new("prefetch", f64::from(rabbit.prefetch), Role::Bad)
                .following(LiveKnob::Prefetch),
        );
    }
    // The disk fills with a quorum log (every message) or a classic queue's paged run; the
    // alarm line is where free space falls to disk_free_limit.
    let free = rabbit.disk_free.bytes().max(1) as f64;
    let disk = ChartSpec::new("rabbitmq-disk", "Disk used vs disk_free_limit", Unit::Ratio)
        .ranked(if classic { Rank::Standard } else { Rank::Story })
        .line("disk_share", "disk used by messages", Role::Primary)
        .reference(ReferenceLine::new(
            "disk alarm",
            (free - rabbit.disk_free_limit.bytes() as f64).max(0.0) / free,
            Role::Bad,
        ));
    vec![
        memory,
        disk,
        ChartSpec::new("rabbitmq-messages", "Ready vs unacked", Unit::Messages)
            .ranked(Rank::Story)
            .line("queue_depth", "ready", Role::Primary)
            .line("unacknowledged", "unacked", Role::Warning)
            .line_if(classic, "paged_out", "paged to disk", Role::Secondary)
            .line("blocked", "publishes blocked", Role::Bad),
        ChartSpec::new("rabbitmq-rates", "Publish · deliver · ack", Unit::PerSecond)
            .ranked(Rank::Story)
            .line("accepted_per_second", "publish", Role::Primary)
            .line("delivered_per_second", "deliver", Role::Warning)
            .line("completed_per_second", "ack", Role::Good),
        prefetch,
    ]
}

/// Producers: throughput in and out, and what the queue refused or the producers re-sent.
fn producer_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let retries = scenario.producers.iter().any(|p| p.retry.is_some());
    let drops = matches!(
        scenario.queue.overflow,
        OverflowPolicy::DropOldest | OverflowPolicy::ShedLowestPriority
    );
    vec![
        ChartSpec::new("throughput", "Throughput", Unit::PerSecond)
            .line("accepted_per_second", "in", Role::Primary)
            .line("completed_per_second", "out", Role::Good)
            .line("rejected_per_second", "rejected", Role::Bad)
            .line_if(drops, "dropped_per_second", "dropped", Role::Secondary)
            .line_if(retries, "retried_per_second", "retried", Role::Warning),
    ]
}

/// Consumers: how many are busy and running, and how long messages take end to end.
fn consumer_charts(_scenario: &Scenario) -> Vec<ChartSpec> {
    vec![
        // Percentiles exist only where messages completed: a gap, not a zero, elsewhere.
        ChartSpec::new("latency", "End-to-end latency", Unit::Seconds)
            .line_where("latency_p50", "p50", Role::Primary, "completed_per_second")
            .line_where(
                "latency_p99",
                "p99",
                Role::Secondary,
                "completed_per_second",
            ),
        // Running drawn last: busy often equals it and would hide it.
        ChartSpec::new("consumers", "Consumers", Unit::Consumers)
            .line("consumers_busy", "busy", Role::Good)
            .line("consumers_active", "running", Role::Muted),
    ]
}

/// Goodput against processing attempts, when processing can fail (a downstream, errors,
/// poison messages, redelivery): the gap is work that bought nothing.
fn processing_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let consumers = &scenario.consumers;
    let can_fail = scenario.downstream.is_some()
        || consumers.error_probability > 0.0
        || consumers.retry.is_some()
        || scenario.producers.iter().any(|p| p.poison_share > 0.0)
        || scenario
            .faults
            .iter()
            .any(|f| f.kind() == crate::scenario::FaultKind::Poison);
    if !can_fail {
        return Vec::new();
    }
    vec![
        ChartSpec::new("goodput", "Goodput vs attempts", Unit::PerSecond)
            .ranked(Rank::Story)
            .line("produced_per_second", "offered", Role::Muted)
            .line("attempts_per_second", "attempts", Role::Warning)
            .line("completed_per_second", "goodput", Role::Good),
    ]
}

/// The downstream: connections in use against the pool.
fn downstream_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let Some(downstream) = &scenario.downstream else {
        return Vec::new();
    };
    vec![
        ChartSpec::new(
            "connections",
            format!("Connections to {}", downstream.name),
            Unit::Connections,
        )
        .ranked(Rank::Story)
        .line("downstream_in_use", "in use", Role::Primary)
        .reference(ReferenceLine::new(
            "pool",
            f64::from(downstream.pool_size),
            Role::Muted,
        )),
    ]
}

/// The circuit breaker around downstream calls: closed, half-open or open.
fn circuit_breaker_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let has_breaker = scenario
        .downstream
        .as_ref()
        .is_some_and(|d| d.breaker.is_some());
    if !has_breaker {
        return Vec::new();
    }
    vec![
        ChartSpec::new(
            "breaker",
            "Circuit breaker",
            Unit::State {
                levels: &["closed", "half-open", "open"],
            },
        )
        .ranked(Rank::Story)
        .line("breaker_state", "state", Role::Bad),
    ]
}

/// Redelivery of failed messages and the dead-letter queue.
fn redelivery_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let redelivers = scenario.consumers.retry.is_some();
    let dead_letters = scenario.queue.dead_letter_queue;
    let title = match (redelivers, dead_letters) {
        (false, false) => return Vec::new(),
        (true, true) => "Redelivery and DLQ",
        (true, false) => "Redelivery",
        (false, true) => "Dead-letter queue",
    };
    let mut chart = ChartSpec::new("redelivery", title, Unit::Messages)
        .ranked(Rank::Story)
        .line_if(
            redelivers,
            "waiting_to_redeliver",
            "in backoff",
            Role::Warning,
        )
        .line_if(dead_letters, "dead_letter_depth", "in DLQ", Role::Bad);
    if redelivers {
        chart = chart.right_line(
            "redelivered_per_second",
            "redelivered/s",
            Role::Primary,
            Unit::PerSecond,
        );
    }
    vec![chart]
}

/// Producers' retries and blocked sends: messages held outside the queue.
fn producer_retry_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let retries = scenario.producers.iter().any(|p| p.retry.is_some());
    let blocks = scenario.queue.overflow == OverflowPolicy::Block;
    if !retries && !blocks {
        return Vec::new();
    }
    vec![
        ChartSpec::new("backpressure", "Held by producers", Unit::Messages)
            .ranked(Rank::Story)
            .line_if(blocks, "blocked", "blocked sends", Role::Bad)
            .line_if(
                retries,
                "waiting_to_retry",
                "waiting to retry",
                Role::Warning,
            ),
    ]
}

/// The autoscaler: consumers running against its bounds.
fn autoscaler_charts(scenario: &Scenario) -> Vec<ChartSpec> {
    let Some(autoscaler) = &scenario.autoscaler else {
        return Vec::new();
    };
    vec![
        ChartSpec::new("autoscaler", "Autoscaler", Unit::Consumers)
            .ranked(Rank::Story)
            .line("consumers_active", "running", Role::Primary)
            .reference(ReferenceLine::new(
                "max",
                f64::from(autoscaler.max),
                Role::Muted,
            ))
            .reference(ReferenceLine::new(
                "min",
                f64::from(autoscaler.min),
                Role::Muted,
            )),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PRESETS, Preset, TimeSeries};

    fn ids(preset: &str) -> Vec<&'static str> {
        let scenario = Preset::find(preset).unwrap().scenario().unwrap();
        charts_for(&scenario).iter().map(|c| c.id).collect()
    }

    #[test]
    fn every_chart_of_every_preset_names_real_columns() {
        for preset in PRESETS {
            let scenario = preset.scenario().unwrap();
            let charts = charts_for(&scenario);
            assert!(!charts.is_empty(), "{}", preset.name);
            for chart in &charts {
                // A heat strip draws the partition columns, not lines.
                assert!(
                    !chart.lines.is_empty() || chart.partition_heat,
                    "{}: {} has no line",
                    preset.name,
                    chart.id
                );
                assert!(
                    !chart.partition_heat || scenario.kafka.is_some(),
                    "{}: a partition strip without partitions",
                    preset.name
                );
                for line in &chart.lines {
                    for column in std::iter::once(line.column).chain(line.defined_where) {
                        assert!(
                            TimeSeries::COLUMNS.contains(&column),
                            "{}: chart {} names {column}, which is not a series column",
                            preset.name,
                            chart.id,
                        );
                    }
                    assert!(
                        line.axis == Axis::Left || chart.right_unit.is_some(),
                        "{}: {} has a right-axis line and no right unit",
                        preset.name,
                        chart.id
                    );
                }
            }
            let mut unique: Vec<_> = charts.iter().map(|c| c.id).collect();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), charts.len(), "{}: duplicate ids", preset.name);
        }
    }

    #[test]
    fn the_lag_chart_is_always_the_headline() {
        for preset in PRESETS {
            let charts = charts_for(&preset.scenario().unwrap());
            assert_eq!(charts[0].id, "lag", "{}", preset.name);
            assert_eq!(charts[0].rank, Rank::Headline);
            assert!(charts[1..].iter().all(|c| c.rank != Rank::Headline));
        }
    }

    #[test]
    fn retry_storm_shows_goodput_connections_and_redelivery_and_steady_does_not() {
        let storm = ids("retry-storm");
        for id in ["goodput", "connections", "redelivery"] {
            assert!(storm.contains(&id), "retry-storm lacks {id}: {storm:?}");
        }
        // Its story charts come right after the headline, before the standard ones.
        assert_eq!(&storm[..4], ["lag", "goodput", "connections", "redelivery"]);
        // retry-storm has no breaker configured: a flat "closed" line would mislead.
        assert!(!storm.contains(&"breaker"), "{storm:?}");
        assert_eq!(
            ids("steady"),
            ["lag", "depth", "throughput", "latency", "consumers"]
        );
    }

    #[test]
    fn a_breaker_gets_its_chart_and_the_goodput_chart_compares_the_right_columns() {
        let breaker = ids("breaker-saves-the-day");
        for id in ["goodput", "connections", "breaker"] {
            assert!(breaker.contains(&id), "{breaker:?}");
        }
        let scenario = Preset::find("retry-storm").unwrap().scenario().unwrap();
        let charts = charts_for(&scenario);
        let goodput = charts.iter().find(|c| c.id == "goodput").unwrap();
        let columns: Vec<_> = goodput.lines.iter().map(|l| l.column).collect();
        assert!(columns.contains(&"completed_per_second"));
        assert!(columns.contains(&"attempts_per_second"));
        let connections = charts.iter().find(|c| c.id == "connections").unwrap();
        assert_eq!(connections.title, "Connections to orders-db");
        assert_eq!(connections.references[0].value, 20.0);
    }

    #[test]
    fn optional_models_bring_their_charts() {
        assert!(ids("autoscale-on-lag").contains(&"autoscaler"));
        assert!(ids("backpressure-retry-storm").contains(&"backpressure"));
        assert!(ids("poison-messages").contains(&"redelivery"));
        assert!(!ids("sustained-overload").contains(&"backpressure"));
        let everything = ids("monday-morning-checklist");
        for id in [
            "goodput",
            "connections",
            "breaker",
            "redelivery",
            "backpressure",
            "autoscaler",
        ] {
            assert!(everything.contains(&id), "{everything:?}");
        }
    }

    #[test]
    fn the_capacity_line_follows_the_live_knob() {
        let scenario = Preset::find("steady").unwrap().scenario().unwrap();
        let charts = charts_for(&scenario);
        let depth = charts.iter().find(|c| c.id == "depth").unwrap();
        let capacity = depth.references[0];
        assert_eq!(capacity.value, 1000.0);
        assert_eq!(
            capacity.value_after(&Intervention::QueueCapacity(50)),
            Some(50.0)
        );
        assert_eq!(capacity.value_after(&Intervention::Consumers(9)), None);
    }
}
