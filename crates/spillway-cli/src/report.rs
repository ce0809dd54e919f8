//! Rendering summaries for people (a table on stdout) and for tools (CSV).

use std::borrow::Cow;
use std::path::Path;

use spillway_core::{PRESETS, Percentiles, Scenario, SimDuration, Summary, TimeSeries};

/// `text` made safe to print on a terminal: control characters (C0, DEL, C1) and the
/// characters that reorder or hide text (Unicode bidi controls, zero-width marks, line and
/// paragraph separators) are written as escapes such as `\u{1b}` and `\n`. Scenario names,
/// class names, file paths and the like come from files anyone can write, and a name holding
/// `ESC[2J` or U+202E (right-to-left override) must not clear the screen or disguise a line.
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`terminal_safe`] for a message of several lines: the line breaks stay.
pub(crate) fn terminal_safe_lines(text: &str) -> String {
    text.split('\n')
        .map(terminal_safe)
        .collect::<Vec<_>>()
        .join("\n")
}

fn needs_escape(c: char) -> bool {
    c.is_control() // C0, DEL and C1
        || matches!(
            c,
            '\u{061C}' // Arabic letter mark
                | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
                | '\u{2028}'..='\u{2029}' // line and paragraph separators
                | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
                | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
                | '\u{2066}'..='\u{2069}' // bidi isolates
                | '\u{FEFF}' // zero-width no-break space
        )
}

/// Prints the built-in presets, one per line with its story.
pub(crate) fn print_presets() {
    let width = PRESETS.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for preset in PRESETS {
        println!("{:width$}  {}", preset.name, preset.description());
    }
}

/// Writes the time series as CSV, one row per sample.
pub(crate) fn write_csv(series: &TimeSeries, path: &Path) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(series.csv_header())?;
    for index in 0..series.len() {
        writer.write_record(series.csv_values(index).iter().map(|v| format_number(*v)))?;
    }
    writer.flush()?;
    Ok(())
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.6}")
    }
}

/// Prints the run summary, the numbers that matter first.
pub(crate) fn print_summary(scenario: &Scenario, s: &Summary) {
    let outcome = match &s.truncated_by {
        Some(limit) => format!("TRUNCATED: {limit}"),
        None => s.outcome.to_string(),
    };
    println!(
        "{} · seed {} · {} simulated · {}",
        terminal_safe(&s.scenario),
        s.seed,
        seconds(s.simulated_seconds),
        outcome
    );
    if !scenario.description.is_empty() {
        println!("  {}", terminal_safe(&scenario.description));
    }
    println!();

    let c = &s.counts;
    let load = &s.capacity;
    let verdict = if load.offered_load >= 1.0 {
        format!(
            "OVERLOADED: backlog grows {:.1} msg/s until something gives",
            load.offered_per_second - load.capacity_per_second
        )
    } else {
        format!("headroom {:.0}%", (1.0 - load.offered_load) * 100.0)
    };
    row(
        "load",
        &format!(
            "{:.1} msg/s offered vs {:.1} msg/s capacity = {:.2} ({verdict})",
            load.offered_per_second, load.capacity_per_second, load.offered_load
        ),
    );
    row(
        "max lag",
        &format!(
            "{} messages · {} oldest (alert at {}{})",
            count(s.lag.max_messages),
            seconds(s.lag.max_seconds),
            seconds(s.lag.alert_seconds),
            if s.lag.seconds_over_alert > 0.0 {
                format!(", above it for {}", seconds(s.lag.seconds_over_alert))
            } else {
                String::new()
            }
        ),
    );
    row(
        "final lag",
        &format!(
            "{} messages · {} oldest",
            count(s.lag.final_messages),
            seconds(s.lag.final_seconds)
        ),
    );
    if s.lag.initial_backlog > 0 {
        row(
            "backlog",
            &format!(
                "{} waiting at the start · {}",
                count(s.lag.initial_backlog),
                s.lag.caught_up_seconds.map_or_else(
                    || "not caught up by the end".to_string(),
                    |at| format!("caught up after {}", seconds(at))
                )
            ),
        );
    }
    row("latency", &percentiles(&s.latency, "end to end"));
    row("queue wait", &percentiles(&s.queue_wait, "in the queue"));
    let lost_share = if c.produced > 0 {
        s.lost as f64 / c.produced as f64 * 100.0
    } else {
        0.0
    };
    row(
        "lost",
        &format!(
            "{} of {} produced ({lost_share:.2}%): rejected {} · dropped {} · failed {}{}",
            count(s.lost),
            count(c.produced),
            count(c.rejected),
            count(c.dropped),
            count(c.failed),
            if c.expired > 0 || c.dead_letter_expired > 0 {
                format!(" · expired {}", count(c.expired + c.dead_letter_expired))
            } else {
                String::new()
            }
        ),
    );
    row(
        "throughput",
        &format!(
            "in {:.1} msg/s · out {:.1} msg/s · consumers {:.0}% busy",
            s.throughput.in_per_second,
            s.throughput.out_per_second,
            s.utilisation * 100.0
        ),
    );
    if let Some(q) = &s.sqs {
        print_sqs(q, s);
    }
    if let Some(k) = &s.kafka {
        print_kafka(k);
    }
    if let Some(r) = &s.rabbitmq {
        print_rabbitmq(r);
    }
    let sends_per_message = if c.produced > 0 {
        c.send_attempts as f64 / c.produced as f64
    } else {
        0.0
    };
    row_if(
        s.sqs.is_none(),
        "sends",
        &format!(
            "{} attempts ({sends_per_message:.2} per message) · refused full {} · pushed back {} · retried {}{}",
            count(c.send_attempts),
            count(c.refused_full),
            count(c.pushed_back),
            count(c.retried),
            if c.blocked > 0 {
                format!(
                    " · blocked {} (timed out {})",
                    count(c.blocked),
                    count(c.block_timeouts)
                )
            } else {
                String::new()
            }
        ),
    );
    if s.sqs.is_none() && (c.processing_failures > 0 || c.dead_lettered > 0) {
        row(
            "failures",
            &format!(
                "{} failed attempts · redelivered {} · dead-lettered {} · failed for good {}",
                count(c.processing_failures),
                count(c.redelivered),
                count(c.dead_lettered),
                count(c.failed)
            ),
        );
        row(
            "work",
            &format!(
                "goodput {:.1} msg/s of {:.1} attempts/s · {:.1}% of consumer time wasted on failed attempts",
                s.work.goodput_per_second,
                s.work.attempts_per_second,
                s.work.wasted_ratio * 100.0
            ),
        );
    }
    if let Some(d) = &s.downstream {
        row(
            "downstream",
            &format!(
                "{}: {} calls · {} timed out · {} failed · breaker refused {} (opened {}×) · up to {} connections in use",
                terminal_safe(&d.name),
                count(d.calls),
                count(d.timeouts),
                count(d.errors),
                count(d.breaker_rejected),
                d.breaker_opened,
                d.max_connections_in_use
            ),
        );
    }
    if c.rate_limited > 0 || c.shed > 0 {
        row(
            "admission",
            &format!(
                "rate limited {} · shed {}",
                count(c.rate_limited),
                count(c.shed)
            ),
        );
    }
    if !s.faults.is_empty() {
        let windows: Vec<String> = s
            .faults
            .iter()
            .map(|f| match f.end_seconds {
                Some(end) => format!(
                    "{} {}–{}",
                    terminal_safe(&f.kind),
                    seconds(f.start_seconds),
                    seconds(end)
                ),
                None => format!(
                    "{} from {}",
                    terminal_safe(&f.kind),
                    seconds(f.start_seconds)
                ),
            })
            .collect();
        row("faults", &windows.join(" · "));
    }
    let k = &s.conservation;
    if s.sqs.is_some() {
        row(
            "conservation",
            &format!(
                "{}: produced {}{} = deleted {} + dead-lettered {} + expired {} + visible {} + in flight {} + delayed {} + retrying {}",
                if k.holds { "OK" } else { "BROKEN" },
                count(k.produced),
                if k.duplicate_sends > 0 {
                    format!(" + stored twice {}", count(k.duplicate_sends))
                } else {
                    String::new()
                },
                count(c.completed),
                count(k.dead_lettered),
                count(k.expired),
                count(k.queued),
                count(k.in_flight),
                count(k.delayed),
                count(k.waiting_to_retry)
            ),
        );
    }
    if s.kafka.is_some() {
        row(
            "conservation",
            &format!(
                "{}: produced {} = processed {} + dead-lettered {} + skipped {} + lost to retention {} + unconsumed {} + in flight {}{}",
                if k.holds { "OK" } else { "BROKEN" },
                count(k.produced),
                count(c.completed),
                count(k.dead_lettered),
                count(c.failed),
                count(k.expired),
                count(k.queued),
                count(k.in_flight),
                // A rate limiter in front of the topic: refused sends, and sends waiting to retry.
                if c.rejected > 0 || k.waiting_to_retry > 0 {
                    format!(
                        " + rejected {} + retrying {}",
                        count(c.rejected),
                        count(k.waiting_to_retry)
                    )
                } else {
                    String::new()
                },
            ),
        );
    }
    if s.rabbitmq.is_some() {
        // RabbitMQ's states: ready, delivered to a consumer not yet started (its buffer),
        // being handled, blocked at a publisher by an alarm.
        row(
            "conservation",
            &format!(
                "{}: produced {} = completed {} + failed {} + rejected {} + dropped {} + dead-lettered {} + expired {} + ready {} + in consumers' buffers {} + in service {} + blocked by an alarm {} + retrying {}",
                if k.holds { "OK" } else { "BROKEN" },
                count(k.produced),
                count(c.completed),
                count(c.failed),
                count(c.rejected),
                count(c.dropped),
                count(k.dead_lettered),
                count(k.expired),
                count(k.queued),
                count(k.in_flight),
                count(k.in_service),
                count(k.blocked),
                count(k.waiting_to_retry),
            ),
        );
    }
    row_if(
        s.sqs.is_none() && s.kafka.is_none() && s.rabbitmq.is_none(),
        "conservation",
        &format!(
            "{}: produced {} = completed {} + failed {} + rejected {} + dropped {} + dead-lettered {} + queued {} + in service {} + blocked {} + retrying {} + redelivering {}",
            if k.holds { "OK" } else { "BROKEN" },
            count(k.produced),
            count(c.completed),
            count(c.failed),
            count(c.rejected),
            count(c.dropped),
            count(k.dead_lettered),
            count(k.queued),
            count(k.in_service),
            count(k.blocked),
            count(k.waiting_to_retry),
            count(k.waiting_to_redeliver)
        ),
    );
    if s.classes.len() > 1 {
        println!();
        println!(
            "  {:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
            "class", "priority", "produced", "completed", "rejected", "dropped", "p99"
        );
        for class in &s.classes {
            println!(
                "  {:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
                terminal_safe(&class.name),
                class.priority,
                count(class.produced),
                count(class.completed),
                count(class.rejected),
                count(class.dropped),
                seconds(class.p99_latency)
            );
        }
    }
    if !s.assertions.is_empty() {
        println!();
        for assertion in &s.assertions {
            println!(
                "  {} {}  (actual {})",
                if assertion.passed { "pass" } else { "FAIL" },
                terminal_safe(&assertion.check),
                actual(&assertion.check, assertion.actual)
            );
        }
    }
    println!();
    println!(
        "  {} events · fingerprint {}",
        count(s.events),
        s.fingerprint
    );
}

fn row(label: &str, text: &str) {
    println!("  {label:<13}{text}");
}

fn percentiles(p: &Percentiles, what: &str) -> String {
    if p.count == 0 {
        return format!("no messages completed ({what})");
    }
    format!(
        "p50 {} · p90 {} · p99 {} · p99.9 {} · max {}  ({what}, {} messages)",
        seconds(p.p50),
        seconds(p.p90),
        seconds(p.p99),
        seconds(p.p999),
        seconds(p.max),
        count(p.count)
    )
}

fn seconds(value: f64) -> String {
    SimDuration::from_secs_f64(value).to_string()
}

/// An assertion's actual value in the unit its check uses.
fn actual(check: &str, value: f64) -> String {
    let name = check.split_whitespace().next().unwrap_or_default();
    match spillway_core::METRICS.iter().find(|m| m.name == name) {
        Some(metric) => metric.unit.format(value),
        None => count(value as u64),
    }
}

/// 1234567 → "1,234,567" (the core's count format, one implementation for both).
fn count(value: u64) -> String {
    spillway_core::MetricUnit::Count.format(value as f64)
}

/// Bytes as people read them.
fn bytes(value: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let v = value as f64;
    if v >= 1024.0 * 1024.0 * MIB {
        format!("{:.2} TiB", v / (1024.0 * 1024.0 * MIB))
    } else if v >= 1024.0 * MIB {
        format!("{:.2} GiB", v / (1024.0 * MIB))
    } else if v >= MIB {
        format!("{:.0} MiB", v / MIB)
    } else {
        format!("{:.0} KiB", v / 1024.0)
    }
}

/// The RabbitMQ rows, as the management UI names things: messages ready and unacked, the
/// node's memory against its watermark and the alarm that blocked publishers, paging, the
/// most one consumer hoarded, and what was dead-lettered and why.
fn print_rabbitmq(r: &spillway_core::RabbitSummary) {
    let prefetch = if r.prefetch == 0 {
        "unlimited".to_string()
    } else {
        count(u64::from(r.prefetch))
    };
    row(
        "rabbitmq",
        &format!(
            "{} queue · prefetch {prefetch} · ready {} (peak {}) · unacked {} (peak {}; one consumer held up to {})",
            r.queue_type,
            count(r.messages_ready),
            count(r.max_messages_ready),
            count(r.messages_unacknowledged),
            count(r.max_messages_unacknowledged),
            count(r.max_consumer_unacked),
        ),
    );
    row(
        "rates",
        &format!(
            "publish {:.1}/s · deliver {:.1}/s · ack {:.1}/s · requeued {}",
            r.publish_per_second,
            r.deliver_per_second,
            r.ack_per_second,
            count(r.requeued)
        ),
    );
    let alarm = if r.memory_alarms > 0 {
        format!(
            " · ALARM raised {} times, {} in all",
            count(r.memory_alarms),
            seconds(r.alarm_seconds),
        )
    } else {
        " · no alarm".to_string()
    };
    row(
        "memory",
        &format!(
            "peak {} of {} watermark ({:.0}%){alarm}",
            bytes(r.peak_memory_bytes),
            bytes(r.watermark_bytes),
            r.peak_memory_bytes as f64 * 100.0 / r.watermark_bytes.max(1) as f64,
        ),
    );
    // The disk matters once the node writes messages there (paging, a quorum log).
    if r.disk_alarms > 0 || r.max_paged > 0 || r.queue_type == "quorum" {
        let alarm = if r.disk_alarms > 0 {
            format!(
                " · DISK ALARM raised {} times, {} in all",
                count(r.disk_alarms),
                seconds(r.disk_alarm_seconds),
            )
        } else {
            " · no alarm".to_string()
        };
        // Free space only stops at 0 in the model: a real node's writes would fail there.
        let full = if r.min_disk_free_bytes == 0 {
            " — the disk filled up (a real node fails its writes there)"
        } else {
            ""
        };
        row(
            "disk",
            &format!(
                "free down to {}{full} (limit {}){alarm}",
                bytes(r.min_disk_free_bytes),
                // As written in the scenario ("50MB"), not rounded to binary units.
                spillway_core::scenario::ByteSize(r.disk_free_limit_bytes),
            ),
        );
    }
    let window = match r.max_unconfirmed {
        Some(max) => format!(
            "confirms, at most {} unconfirmed each (peak {}) · {} held back by a full window",
            count(u64::from(max)),
            count(r.max_unconfirmed_publishes),
            count(r.held_back_publishes),
        ),
        None if r.publisher_confirms => "confirms".to_string(),
        None => format!(
            "fire-and-forget · {} publishes the length limit refused, never reported to their producers",
            count(r.lost_unconfirmed)
        ),
    };
    if r.blocked_publishes > 0 || r.max_unconfirmed.is_some() || !r.publisher_confirms {
        row(
            "publishers",
            &format!(
                "{window} · {} publishes blocked by alarms (up to {} at once), {} timed out",
                count(r.blocked_publishes),
                count(r.max_blocked_publishes),
                count(r.publish_timeouts),
            ),
        );
    }
    if r.paged_out > 0 || r.max_paged > 0 {
        row(
            "paging",
            &format!(
                "{} paged out, {} read back · up to {} on disk · queue process {} on the disk",
                count(r.paged_out),
                count(r.paged_in),
                count(r.max_paged),
                seconds(r.disk_seconds),
            ),
        );
    }
    let dead = r.dead_lettered_rejected
        + r.dead_lettered_expired
        + r.dead_lettered_maxlen
        + r.dead_lettered_delivery_limit;
    if dead > 0 || r.rejected_publishes > 0 {
        // reject-publish-dlx with confirms dead-letters a copy of each refused publish while
        // its producer keeps (and may retry) the original: copies are not messages lost.
        let copies = if r.dead_letter_copies > 0 {
            format!(
                ", {} of them copies of publishes their producers kept",
                count(r.dead_letter_copies)
            )
        } else {
            String::new()
        };
        row(
            "dlx",
            &format!(
                "to the dead-letter exchange {} (rejected {} · expired {} · maxlen {} · delivery_limit {}{copies}) · publishes refused at the length limit {}",
                count(dead),
                count(r.dead_lettered_rejected),
                count(r.dead_lettered_expired),
                count(r.dead_lettered_maxlen),
                count(r.dead_lettered_delivery_limit),
                count(r.rejected_publishes),
            ),
        );
    }
}

/// The Kafka rows: the topic and the worst partition (a stalled partition hides in a modest
/// total), the group's rebalances and what they redid.
fn print_kafka(k: &spillway_core::KafkaSummary) {
    let worst = if k.lag > 0 {
        format!(
            " · worst partition {}: {} ({:.0}% of the total)",
            k.worst_partition,
            count(k.worst_partition_lag),
            k.worst_partition_lag as f64 * 100.0 / k.lag as f64
        )
    } else {
        String::new()
    };
    let idle = if k.members > k.partitions {
        format!(
            " ({} own nothing: more members than partitions)",
            k.members - k.partitions
        )
    } else {
        String::new()
    };
    row(
        "kafka",
        &format!(
            "{} partitions · {} members{idle} ({}) · lag {} (log-end − committed){worst}",
            k.partitions,
            k.members,
            k.assignor,
            count(k.lag),
        ),
    );
    if k.max_partition_lag > k.worst_partition_lag {
        row(
            "peak",
            &format!(
                "partition {} peaked at {} behind",
                k.max_partition,
                count(k.max_partition_lag)
            ),
        );
    }
    row(
        "group",
        &format!(
            "{} rebalances ({} spent rebalancing) · {} max.poll evictions · {} session timeouts · {} failed commits{}",
            count(k.rebalances),
            seconds(k.rebalancing_seconds),
            count(k.max_poll_evictions),
            count(k.session_timeouts),
            count(k.failed_commits),
            if k.static_rejoins > 0 {
                format!(
                    " · {} static rejoins (no rebalance)",
                    count(k.static_rejoins)
                )
            } else {
                String::new()
            }
        ),
    );
    row(
        "records",
        &format!(
            "{} processed again (duplicates) · {} lost to retention · {} retries in place · {} to the dead-letter topic · {} skipped",
            count(k.duplicates),
            count(k.retention_lost),
            count(k.retries),
            count(k.dead_lettered),
            count(k.skipped)
        ),
    );
}

/// The SQS rows: the queue by state as CloudWatch shows it, what the receives did, and the
/// work thrown away.
fn print_sqs(q: &spillway_core::SqsSummary, s: &Summary) {
    let cw = &q.cloudwatch;
    row(
        "sqs",
        &format!(
            "{} queue · visibility {} · visible {} · not visible {} (peak {}) · delayed {} · oldest {} (ApproximateAgeOfOldestMessage)",
            q.queue_type,
            seconds(q.visibility_timeout_seconds),
            count(cw.approximate_number_of_messages_visible),
            count(cw.approximate_number_of_messages_not_visible),
            count(q.max_not_visible),
            count(cw.approximate_number_of_messages_delayed),
            seconds(cw.approximate_age_of_oldest_message)
        ),
    );
    let sent = cw.number_of_messages_sent;
    let per_message = if sent > 0 {
        cw.number_of_messages_received as f64 / sent as f64
    } else {
        0.0
    };
    row(
        "receives",
        &format!(
            "{} received for {} sent ({per_message:.2} per message) · duplicates {} · failed deletes {} · visibility expired {}× · empty receives {} · OverLimit {}",
            count(cw.number_of_messages_received),
            count(sent),
            count(q.duplicate_deliveries),
            count(q.failed_deletes),
            count(q.visibility_expirations),
            count(cw.number_of_empty_receives),
            count(q.over_limit_errors)
        ),
    );
    if q.false_empty_receives > 0 {
        row(
            "short polls",
            &format!(
                "{} receives came back empty while messages were visible (a short poll asks a sample of SQS's servers; a long poll asks them all)",
                count(q.false_empty_receives)
            ),
        );
    }
    // Only the causes that happened: a lost response's re-send, an upstream's second copy.
    let causes: Vec<String> = [
        (q.lost_send_responses, "send responses lost and sent again"),
        (q.duplicate_events, "messages sent twice by the upstream"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{} {what}", count(*n)))
    .collect();
    if !causes.is_empty() {
        row(
            "resends",
            &format!(
                "{} · {} copies stored · {} dropped by FIFO deduplication (5 min)",
                causes.join(" · "),
                count(q.duplicate_sends),
                count(q.deduplicated)
            ),
        );
    }
    let h = &q.receives_per_message;
    row(
        "churn",
        &format!(
            "{} messages received 3 times or more · by receives: 1: {} · 2: {} · 3–9: {} · 10+: {} · in the DLQ {}{} · expired {}",
            count(q.received_three_times_or_more),
            count(h.get(1).copied().unwrap_or(0)),
            count(h.get(2).copied().unwrap_or(0)),
            count(h.iter().skip(3).take(7).sum()),
            count(h.get(10).copied().unwrap_or(0)),
            count(q.dead_letter_queue_depth),
            if q.dead_letter_expired > 0 {
                format!(
                    " (and {} deleted by its retention)",
                    count(q.dead_letter_expired)
                )
            } else {
                String::new()
            },
            count(q.expired)
        ),
    );
    row(
        "work",
        &format!(
            "goodput {:.1} msg/s of {:.1} attempts/s · {} failed attempts · {:.1}% of consumer time thrown away (failed deletes, failed attempts)",
            s.work.goodput_per_second,
            s.work.attempts_per_second,
            count(s.counts.processing_failures),
            q.wasted_work_ratio * 100.0
        ),
    );
    if let (Some(stalled), Some(worst)) = (q.groups_stalled, &q.largest_group_backlog) {
        row(
            "groups",
            &format!(
                "{stalled} message groups stalled behind a message in flight · most waiting: group {} with {} messages",
                worst.group,
                count(worst.messages)
            ),
        );
    }
}

/// A row, when `show`.
fn row_if(show: bool, label: &str, value: &str) {
    if show {
        row(label, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped() {
        assert_eq!(terminal_safe("plain · naïve"), "plain · naïve");
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("a\u{1b}[31mred\u{7}\tb\nc"),
            "a\\u{1b}[31mred\\u{7}\\tb\\nc"
        );
        assert_eq!(
            terminal_safe("\u{202e}txt.exe\u{2066}\u{200f}\u{9b}"),
            "\\u{202e}txt.exe\\u{2066}\\u{200f}\\u{9b}"
        );
        assert_eq!(terminal_safe_lines("one \u{1b}\ntwo"), "one \\u{1b}\ntwo");
    }
}
