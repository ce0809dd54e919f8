//! The end-of-run report: builds the [`Summary`] from the models' gauges, the metrics and the
//! sample grid. It reads the models only through narrow methods; nothing here changes them.

use crate::engine::simulation::{OutcomeKind, RunOutcome};
use crate::engine::time::SimTime;
use crate::metrics::Metrics;
use crate::metrics::assertion::Assertion;
use crate::metrics::sampler::Sampler;
use crate::metrics::summary::*;
use crate::model::system::System;
use crate::scenario::Scenario;

/// What a report reads.
pub(crate) struct RunState<'a> {
    pub scenario: &'a Scenario,
    pub system: &'a System,
    pub metrics: &'a Metrics,
    pub sampler: &'a Sampler,
    pub assertions: &'a [Assertion],
    pub now: SimTime,
    /// The scenario's end time.
    pub end: SimTime,
    pub events: u64,
    pub fingerprint: String,
    pub outcome: Option<RunOutcome>,
}

/// Where every produced message is now.
pub(crate) fn conservation(system: &System, metrics: &Metrics) -> Conservation {
    let produced = metrics.counts.produced;
    let c = &metrics.counts;
    let settled = c.completed + c.failed + c.rejected + c.dropped + c.dead_lettered + c.expired;
    let live = system.live_messages(metrics);
    let holds = system.broker().holds();
    Conservation {
        holds: produced + c.duplicate_sends == settled + live,
        produced,
        accounted: settled + live,
        queued: holds.waiting,
        in_service: u64::from(system.consumers().in_service()),
        blocked: holds.blocked,
        waiting_to_retry: metrics.waiting_to_retry,
        dead_lettered: c.dead_lettered,
        waiting_to_redeliver: holds.redelivering,
        in_flight: holds.in_flight,
        delayed: holds.delayed,
        expired: c.expired,
        duplicate_sends: c.duplicate_sends,
    }
}

/// The summary of a run so far (complete once the run has finished).
pub(crate) fn summary(run: &RunState) -> Summary {
    let system = run.system;
    let metrics = run.metrics;
    let gauges = system.gauges(metrics, run.now);
    let elapsed = run.now.as_secs_f64();
    let per_second = |count: u64| {
        if elapsed > 0.0 {
            count as f64 / elapsed
        } else {
            0.0
        }
    };
    let offered = system
        .producers()
        .iter()
        .map(|p| p.mean_rate(run.end))
        .sum::<f64>();
    // The bottleneck: consumer slots (own work plus a call at low contention) or the
    // downstream pool at its best.
    let call_seconds = system
        .downstream()
        .map_or(Some(0.0), |d| d.mean_latency_seconds(1));
    // A Kafka member beyond the partition count owns nothing: capacity counts at most one
    // member per partition.
    let slots = match system.broker().kafka() {
        Some(topic) => gauges.consumer_slots.min(topic.partitions().len() as u32),
        None => gauges.consumer_slots,
    };
    let consumer_capacity = match (system.consumers().mean_service_seconds(), call_seconds) {
        (Some(work), Some(call)) if work + call > 0.0 => f64::from(slots) / (work + call),
        _ => 0.0,
    };
    let capacity = match system.downstream() {
        Some(downstream) => consumer_capacity.min(downstream.capacity_per_second()),
        None => consumer_capacity,
    };
    let final_lag_seconds = gauges.lag_seconds(run.now);
    let percentiles = |h: &crate::metrics::LatencyHistogram| Percentiles {
        count: h.count(),
        mean: h.mean_seconds(),
        p50: h.quantile_seconds(0.5),
        p90: h.quantile_seconds(0.9),
        p99: h.quantile_seconds(0.99),
        p999: h.quantile_seconds(0.999),
        max: h.max_seconds(),
    };
    let classes = system
        .classes()
        .iter()
        .enumerate()
        .map(|(index, class)| {
            let counts = metrics.classes[index];
            let p99 = match metrics.class_end_to_end.get(index) {
                Some(histogram) => histogram.quantile_seconds(0.99),
                None => metrics.end_to_end.quantile_seconds(0.99),
            };
            ClassSummary {
                name: class.name.clone(),
                priority: class.priority,
                produced: counts.produced,
                completed: counts.completed,
                failed: counts.failed,
                rejected: counts.rejected,
                dropped: counts.dropped,
                dead_lettered: counts.dead_lettered,
                p99_latency: p99,
            }
        })
        .collect();
    let (outcome, truncated_by) = match run.outcome {
        Some(RunOutcome::Truncated { limit, .. }) => {
            (OutcomeKind::Truncated, Some(limit.to_string()))
        }
        Some(outcome) => (outcome.kind(), None),
        None => (OutcomeKind::Running, None),
    };
    let mut summary = Summary {
        scenario: run.scenario.name.clone(),
        seed: run.scenario.seed,
        outcome,
        truncated_by,
        simulated_seconds: elapsed,
        events: run.events,
        fingerprint: run.fingerprint.clone(),
        capacity: CapacitySummary {
            offered_per_second: offered,
            capacity_per_second: capacity,
            offered_load: if capacity > 0.0 {
                offered / capacity
            } else {
                f64::INFINITY
            },
        },
        lag: LagSummary {
            max_messages: system.broker().max_waiting(),
            // A completed message was unfinished for its whole latency, so the oldest
            // unfinished message was at least that old just before it completed.
            max_seconds: metrics
                .end_to_end
                .max_seconds()
                .max(final_lag_seconds)
                .max(run.sampler.max_lag_seconds),
            final_messages: gauges.lag_messages,
            final_seconds: final_lag_seconds,
            alert_seconds: run.sampler.lag_alert().as_secs_f64(),
            seconds_over_alert: run.sampler.seconds_over_alert,
            initial_backlog: run.scenario.initial_backlog,
            recovery_seconds: None,
            never_recovered: false,
            caught_up_seconds: (run.scenario.initial_backlog > 0)
                .then(|| {
                    let series = run.sampler.series();
                    // Caught up: nothing waits, and no message of the backlog is still
                    // unfinished (the oldest unfinished one is younger than the run) — so
                    // an SQS queue whose backlog sits in flight is not caught up. (A Kafka
                    // topic's lag counts processed records not yet committed: only the
                    // second half applies.)
                    let kafka = run.scenario.kafka.is_some();
                    series
                        .time
                        .iter()
                        .zip(&series.queue_depth)
                        .zip(&series.lag_seconds)
                        .find(|((t, depth), lag)| {
                            **t > 0.0 && (**depth == 0.0 || kafka) && **lag < **t
                        })
                        .map(|((t, _), _)| *t)
                })
                .flatten(),
        },
        latency: percentiles(&metrics.end_to_end),
        queue_wait: percentiles(&metrics.queue_wait),
        counts: metrics.counts,
        lost: metrics.lost(),
        conservation: conservation(system, metrics),
        throughput: Throughput {
            in_per_second: per_second(metrics.counts.accepted),
            out_per_second: per_second(metrics.counts.completed),
        },
        utilisation: if elapsed > 0.0 {
            metrics.busy_slot_seconds(run.now) / (f64::from(gauges.consumer_slots) * elapsed)
        } else {
            0.0
        },
        work: {
            let useful = metrics.useful_work_nanos as f64 / 1e9;
            let wasted = metrics.wasted_work_nanos as f64 / 1e9;
            WorkSummary {
                goodput_per_second: per_second(metrics.counts.completed),
                attempts_per_second: per_second(
                    metrics.counts.completed
                        + metrics.counts.processing_failures
                        + metrics.counts.failed_deletes,
                ),
                useful_seconds: useful,
                wasted_seconds: wasted,
                wasted_ratio: if useful + wasted > 0.0 {
                    wasted / (useful + wasted)
                } else {
                    0.0
                },
                consumer_hours: run.sampler.consumer_seconds / 3600.0,
            }
        },
        kafka: system.broker().kafka().map(|topic| {
            let group = topic.group_stats();
            let stats = topic.stats;
            let logs = topic.partitions();
            let (worst_partition, worst_partition_lag) = topic.worst_partition();
            let (max_partition, max_partition_lag) = run.sampler.max_partition_lag;
            KafkaSummary {
                partitions: logs.len() as u32,
                assignor: run
                    .scenario
                    .kafka
                    .as_ref()
                    .map(|k| format!("{:?}", k.assignor))
                    .map(|name| kebab(&name))
                    .unwrap_or_default(),
                members: topic.group.size() as u32,
                lag: topic.lag(),
                partition_lag: logs.iter().map(|l| l.lag()).collect(),
                worst_partition,
                worst_partition_lag,
                max_partition_lag: max_partition_lag.max(worst_partition_lag),
                max_partition: if worst_partition_lag > max_partition_lag {
                    worst_partition
                } else {
                    max_partition
                },
                processed_per_partition: logs.iter().map(|l| l.done).collect(),
                rebalances: group.rebalances,
                // A rebalance still going at the end counts for the time it has taken.
                rebalancing_seconds: group.rebalancing_seconds
                    + topic.group.rebalancing_for(run.now),
                max_poll_evictions: group.evictions,
                session_timeouts: group.session_timeouts,
                failed_commits: group.failed_commits,
                static_rejoins: group.static_rejoins,
                duplicates: stats.duplicates,
                retention_lost: stats.retention_lost,
                retries: stats.retries,
                dead_lettered: stats.dead_lettered,
                skipped: stats.skipped,
            }
        }),
        rabbitmq: system.broker().rabbit().map(|queue| {
            let stats = queue.stats;
            let spec = run.scenario.rabbitmq.as_ref();
            let (memory_alarms, alarm_seconds) = queue.alarms(run.now);
            let (disk_alarms, disk_alarm_seconds) = queue.disk_alarms(run.now);
            RabbitSummary {
                queue_type: spec
                    .map(|r| kebab(&format!("{:?}", r.queue_type)))
                    .unwrap_or_default(),
                prefetch: spec.map_or(0, |r| r.prefetch),
                messages_ready: queue.ready(),
                max_messages_ready: stats.max_ready,
                messages_unacknowledged: queue.unacked(),
                max_messages_unacknowledged: stats.max_unacked,
                publish_per_second: per_second(stats.published),
                deliver_per_second: per_second(stats.delivered),
                ack_per_second: per_second(stats.acked),
                requeued: stats.requeued,
                memory_used_bytes: queue.memory_used(),
                peak_memory_bytes: queue.peak_memory(),
                watermark_bytes: queue.watermark(),
                memory_alarms,
                alarm_seconds,
                disk_free_bytes: queue.disk_free(),
                min_disk_free_bytes: queue.min_disk_free(),
                disk_free_limit_bytes: queue.disk_free_limit(),
                disk_alarms,
                disk_alarm_seconds,
                publisher_confirms: spec.is_none_or(|r| r.publisher_confirms),
                max_unconfirmed: spec.and_then(|r| r.max_unconfirmed),
                max_unconfirmed_publishes: stats.max_unconfirmed,
                held_back_publishes: stats.window_full,
                lost_unconfirmed: stats.lost_unconfirmed,
                blocked_publishes: stats.blocked_publishes,
                publish_timeouts: metrics.counts.block_timeouts,
                max_blocked_publishes: stats.max_blocked,
                rejected_publishes: stats.rejected_publishes,
                paged_out: stats.paged_out,
                paged_in: stats.paged_in,
                max_paged: stats.max_paged,
                disk_seconds: queue.disk_seconds(),
                unacked_per_consumer: queue.unacked_per_consumer().collect(),
                max_consumer_unacked: stats.max_consumer_unacked,
                dead_lettered_rejected: stats.dead_letters.rejected,
                dead_lettered_expired: stats.dead_letters.expired,
                dead_lettered_maxlen: stats.dead_letters.maxlen,
                dead_letter_copies: stats.dead_letter_copies,
                dead_lettered_delivery_limit: stats.dead_letters.delivery_limit,
            }
        }),
        sqs: system.broker().sqs().map(|queue| {
            let stats = queue.stats;
            let depths = queue.depths();
            let histogram = stats.receives_per_message;
            SqsSummary {
                queue_type: if queue.is_fifo() { "fifo" } else { "standard" }.into(),
                visibility_timeout_seconds: queue.visibility_timeout().as_secs_f64(),
                cloudwatch: CloudWatchMetrics {
                    approximate_number_of_messages_visible: depths.visible,
                    approximate_number_of_messages_not_visible: depths.not_visible,
                    approximate_number_of_messages_delayed: depths.delayed,
                    approximate_age_of_oldest_message: queue
                        .age_metric_sent_at()
                        .map_or(0.0, |sent| run.now.saturating_since(sent).as_secs_f64()),
                    number_of_messages_sent: metrics.counts.accepted,
                    number_of_messages_received: stats.receives,
                    number_of_messages_deleted: stats.deletes,
                    number_of_empty_receives: system.empty_receives(run.now),
                },
                max_not_visible: queue.max_not_visible(),
                duplicate_deliveries: stats.duplicate_deliveries,
                failed_deletes: metrics.counts.failed_deletes,
                visibility_expirations: stats.visibility_expirations,
                visibility_changes: stats.visibility_changes,
                visibility_changes_refused: stats.visibility_changes_refused,
                over_limit_errors: stats.over_limit,
                expired: stats.expired,
                lost_send_responses: stats.lost_send_responses,
                duplicate_sends: stats.duplicate_sends,
                deduplicated: stats.deduplicated,
                dead_letter_queue_depth: queue.dead_letter_depth(),
                dead_letter_expired: stats.dead_letter_expired,
                duplicate_events: stats.duplicate_events,
                false_empty_receives: stats.false_empty_receives,
                receives_per_message: histogram.to_vec(),
                received_three_times_or_more: histogram[3..].iter().sum(),
                groups_stalled: queue.is_fifo().then(|| queue.group_backlogs().0),
                largest_group_backlog: queue.is_fifo().then(|| {
                    let (_, messages, group) = queue.group_backlogs();
                    GroupBacklog { group, messages }
                }),
                wasted_work_ratio: {
                    let useful = metrics.useful_work_nanos as f64;
                    let wasted = metrics.wasted_work_nanos as f64;
                    if useful + wasted > 0.0 {
                        wasted / (useful + wasted)
                    } else {
                        0.0
                    }
                },
            }
        }),
        downstream: system.downstream().map(|d| DownstreamSummary {
            name: d.name.clone(),
            calls: metrics.counts.downstream_calls,
            timeouts: metrics.counts.call_timeouts,
            errors: metrics.counts.call_errors,
            breaker_rejected: metrics.counts.breaker_rejected,
            breaker_opened: d.breaker.as_ref().map_or(0, |b| b.opened),
            max_connections_in_use: d.max_in_use,
        }),
        faults: run
            .scenario
            .faults
            .iter()
            .map(|f| FaultWindow {
                kind: f.kind().name().to_string(),
                start_seconds: f.at().as_secs_f64(),
                end_seconds: f.until().map(|u| u.as_secs_f64()),
            })
            .collect(),
        classes,
        assertions: Vec::new(),
    };
    let recovery = recovery(&summary, run.sampler.series());
    summary.lag.recovery_seconds = recovery.filter(|s| s.is_finite());
    summary.lag.never_recovered = recovery.is_some_and(f64::is_infinite);
    summary.assertions = run
        .assertions
        .iter()
        .map(|assertion| AssertionResult {
            check: assertion.to_string(),
            actual: assertion.actual(&summary),
            passed: assertion.holds(&summary),
        })
        .collect();
    summary
}

/// How long after the last fault ended the lag took to fall back under the alert for good:
/// the first sample after the end's last one with the oldest unfinished message at least
/// `metrics.lag_alert` old (0 if none was). `None` without faults (or when one lasts to the end), infinite when
/// the lag never came back — a metastable failure.
fn recovery(summary: &Summary, series: &crate::metrics::series::TimeSeries) -> Option<f64> {
    if summary.faults.is_empty() || summary.faults.iter().any(|f| f.end_seconds.is_none()) {
        return None;
    }
    let end = summary
        .faults
        .iter()
        .filter_map(|f| f.end_seconds)
        .fold(0.0, f64::max);
    let alert = summary.lag.alert_seconds;
    // Samples are in time order: those at or after the end are a tail of the columns.
    let from = series.time.partition_point(|t| *t < end);
    let lags = &series.lag_seconds[from.min(series.lag_seconds.len())..];
    // Back for good: the first sample under the alert after the last one over it. Over it
    // at the end of the run: never recovered.
    match lags.iter().rposition(|lag| *lag >= alert) {
        None => Some(0.0),
        Some(last) => match series.time.get(from + last + 1) {
            Some(t) => Some(t - end),
            None => Some(f64::INFINITY),
        },
    }
}

/// `CooperativeSticky` → `cooperative-sticky`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
