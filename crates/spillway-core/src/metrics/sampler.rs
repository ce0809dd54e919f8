//! Samples the models on a fixed simulated-time grid into the [`TimeSeries`] (the charts),
//! and keeps the lag statistics that only a sample grid can give.

use crate::engine::time::{SimDuration, SimTime};
use crate::metrics::Metrics;
use crate::metrics::series::{SeriesRow, TimeSeries};
use crate::model::system::Gauges;

/// Counters at the previous sample, for interval rates.
#[derive(Default, Clone, Copy)]
struct SampleBase {
    produced: u64,
    accepted: u64,
    completed: u64,
    attempts: u64,
    failed: u64,
    rejected: u64,
    retried: u64,
    dropped: u64,
    redelivered: u64,
    receives: u64,
    duplicates: u64,
    delivered: u64,
    useful_nanos: u128,
    wasted_nanos: u128,
    busy_slot_seconds: f64,
}

/// The sample grid and what it has recorded.
pub(crate) struct Sampler {
    interval: SimDuration,
    next_at: SimTime,
    series: TimeSeries,
    previous: SampleBase,
    lag_alert: SimDuration,
    /// Time the lag spent above the alert, seconds (on the grid).
    pub seconds_over_alert: f64,
    /// Largest lag in seconds seen at a sample.
    pub max_lag_seconds: f64,
    /// Consumers taking messages × time, seconds (on the grid): what the consumers cost.
    pub consumer_seconds: f64,
    /// Kafka: (partition, lag) of the largest partition lag at any sample.
    pub max_partition_lag: (u32, u64),
}

impl Sampler {
    pub fn new(interval: SimDuration, lag_alert: SimDuration) -> Self {
        Sampler {
            interval,
            next_at: SimTime::ZERO,
            series: TimeSeries {
                interval_seconds: interval.as_secs_f64(),
                ..TimeSeries::default()
            },
            previous: SampleBase::default(),
            lag_alert,
            seconds_over_alert: 0.0,
            max_lag_seconds: 0.0,
            consumer_seconds: 0.0,
            max_partition_lag: (0, 0),
        }
    }

    /// The next grid point not yet recorded.
    #[inline]
    pub fn next_at(&self) -> SimTime {
        self.next_at
    }

    /// The series so far.
    pub fn series(&self) -> &TimeSeries {
        &self.series
    }

    /// The lag alert threshold.
    pub fn lag_alert(&self) -> SimDuration {
        self.lag_alert
    }

    /// Records every grid point at or before `time`, with the state `gauges` describe (and,
    /// for Kafka, each partition's lag).
    pub fn record_through(
        &mut self,
        time: SimTime,
        metrics: &mut Metrics,
        gauges: &Gauges,
        partition_lags: impl Iterator<Item = u64> + Clone,
    ) {
        while self.next_at <= time {
            let at = self.next_at;
            self.record(at, metrics, gauges);
            self.record_partitions(partition_lags.clone());
            self.next_at = at + self.interval;
        }
    }

    /// One sample of each partition's lag (a column per partition) and the worst one yet.
    fn record_partitions(&mut self, lags: impl Iterator<Item = u64>) {
        for (p, lag) in lags.enumerate() {
            if self.series.partition_lag.len() <= p {
                self.series
                    .partition_lag
                    .push(vec![0.0; self.series.len() - 1]);
            }
            self.series.partition_lag[p].push(lag as f64);
            if lag > self.max_partition_lag.1 {
                self.max_partition_lag = (p as u32, lag);
            }
        }
    }

    fn record(&mut self, at: SimTime, metrics: &mut Metrics, gauges: &Gauges) {
        let counts = metrics.counts;
        let base = self.previous;
        let interval = if self.series.is_empty() {
            0.0
        } else {
            self.interval.as_secs_f64()
        };
        let rate = |now: u64, before: u64| {
            if interval > 0.0 {
                (now - before) as f64 / interval
            } else {
                0.0
            }
        };
        let busy_slot_seconds = metrics.busy_slot_seconds(at);
        let slots = f64::from(gauges.consumer_slots);
        let lag_seconds = gauges.lag_seconds(at);
        if lag_seconds > self.lag_alert.as_secs_f64() {
            self.seconds_over_alert += interval;
        }
        self.max_lag_seconds = self.max_lag_seconds.max(lag_seconds);
        self.consumer_seconds += f64::from(gauges.consumers_active) * interval;
        let attempts = counts.completed + counts.processing_failures + counts.failed_deletes;
        let latency = &mut metrics.interval_end_to_end;
        self.series.push(SeriesRow {
            time: at.as_secs_f64(),
            queue_depth: gauges.lag_messages as f64,
            lag_seconds,
            in_service: gauges.in_service as f64,
            consumers_busy: f64::from(gauges.consumers_busy),
            consumers_active: f64::from(gauges.consumers_active),
            utilisation: if interval > 0.0 {
                (busy_slot_seconds - base.busy_slot_seconds) / (slots * interval)
            } else {
                0.0
            },
            blocked: gauges.broker.blocked as f64,
            waiting_to_retry: gauges.waiting_to_retry as f64,
            produced_per_second: rate(counts.produced, base.produced),
            accepted_per_second: rate(counts.accepted, base.accepted),
            completed_per_second: rate(counts.completed, base.completed),
            attempts_per_second: rate(attempts, base.attempts),
            failed_per_second: rate(counts.failed, base.failed),
            rejected_per_second: rate(counts.rejected, base.rejected),
            retried_per_second: rate(counts.retried, base.retried),
            dropped_per_second: rate(counts.dropped, base.dropped),
            redelivered_per_second: rate(counts.redelivered, base.redelivered),
            waiting_to_redeliver: gauges.broker.redelivering as f64,
            dead_letter_depth: (counts.dead_lettered - counts.dead_letter_expired) as f64,
            downstream_in_use: f64::from(gauges.downstream_in_use),
            breaker_state: gauges.breaker_level,
            faults_active: gauges.faults_active as f64,
            not_visible: gauges.broker.in_flight as f64,
            delayed: gauges.broker.delayed as f64,
            age_of_oldest_seconds: gauges
                .age_metric_sent_at
                .map_or(0.0, |sent| at.saturating_since(sent).as_secs_f64()),
            receives_per_second: rate(gauges.receives, base.receives),
            wasted_share: {
                let useful = (metrics.useful_work_nanos - base.useful_nanos) as f64;
                let wasted = (metrics.wasted_work_nanos - base.wasted_nanos) as f64;
                if useful + wasted > 0.0 {
                    wasted / (useful + wasted)
                } else {
                    0.0
                }
            },
            rebalancing: if gauges.rebalancing { 1.0 } else { 0.0 },
            worst_partition_lag: gauges.worst_partition_lag as f64,
            duplicates_per_second: rate(gauges.duplicates, base.duplicates),
            memory_used: gauges.rabbit.memory_used as f64,
            memory_share: gauges.rabbit.memory_share,
            memory_alarm: if gauges.rabbit.alarm { 1.0 } else { 0.0 },
            disk_alarm: if gauges.rabbit.disk_alarm { 1.0 } else { 0.0 },
            disk_free: gauges.rabbit.disk_free as f64,
            disk_share: gauges.rabbit.disk_share,
            unacknowledged: gauges.rabbit.unacked as f64,
            paged_out: gauges.rabbit.paged as f64,
            delivered_per_second: rate(gauges.rabbit.delivered, base.delivered),
            consumer_unacked_max: gauges.rabbit.consumer_unacked_max as f64,
            consumer_unacked_min: gauges.rabbit.consumer_unacked_min as f64,
            latency_p50: latency.quantile_seconds(0.5),
            latency_p99: latency.quantile_seconds(0.99),
        });
        latency.reset();
        self.previous = SampleBase {
            produced: counts.produced,
            accepted: counts.accepted,
            completed: counts.completed,
            attempts,
            failed: counts.failed,
            rejected: counts.rejected,
            retried: counts.retried,
            dropped: counts.dropped,
            redelivered: counts.redelivered,
            receives: gauges.receives,
            duplicates: gauges.duplicates,
            delivered: gauges.rabbit.delivered,
            useful_nanos: metrics.useful_work_nanos,
            wasted_nanos: metrics.wasted_work_nanos,
            busy_slot_seconds,
        };
    }
}
