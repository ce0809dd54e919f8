//! The SQS trap emerges from SQS's rules, and each fix holds: the presets' stories as
//! assertions, with the thresholds derived from their parameters.
//!
//! In every `sqs-*` trap preset 50 orders/s call a database whose latency is 3 s plus 12 ms
//! per call in flight. At 50/s the calls in flight settle at C = 50 × (3 + 0.012 C), C ≈ 375,
//! so a call takes ~7.5 s, well within the 30 s visibility timeout. During the 5-minute surge
//! to 100/s, 100 × 12 ms > 1: every extra call slows the others enough to add more calls, and
//! with 3,000 workers calls reach 3 + 0.012 × 3,000 ≈ 39 s > 30 s. From then on messages
//! reappear while their worker is still on them, and the duplicates keep the database slow
//! after the surge: the run is trapped.

use spillway_acceptance::{preset, run_scenario};
use spillway_core::{Summary, TimeSeries};

fn run(name: &str) -> (Summary, TimeSeries) {
    let (summary, series) = run_scenario(&preset(name));
    assert!(
        summary.conservation.holds,
        "{name}: {:?}",
        summary.conservation
    );
    (summary, series)
}

#[test]
fn the_visibility_trap_emerges_only_under_overload_and_never_drains() {
    let (summary, series) = run("sqs-visibility-trap");
    let sqs = summary.sqs.as_ref().expect("an SQS summary");
    // Before the surge (5 min) almost no work is thrown away (only a rare heavy-tailed call
    // beyond 30 s): the trap needs the overload.
    let before: Vec<f64> = (0..series.len())
        .filter(|row| series.time[*row] < 300.0)
        .map(|row| series.wasted_share[row])
        .collect();
    let mean_before = before.iter().sum::<f64>() / before.len() as f64;
    assert!(mean_before < 0.01, "wasted before the surge {mean_before}");
    // Most of the consumer time is thrown away: each trapped message is processed ~2× or more.
    assert!(
        sqs.wasted_work_ratio > 0.5,
        "wasted {}",
        sqs.wasted_work_ratio
    );
    // Receives far above goodput.
    let receives_per_second = sqs.cloudwatch.number_of_messages_received as f64 / 1800.0;
    assert!(
        summary.work.goodput_per_second < 0.5 * receives_per_second,
        "goodput {} vs receives {receives_per_second}",
        summary.work.goodput_per_second
    );
    // Not visible climbs past 10,000 (3,000 workers × batches of 10 can hold 30,000) while
    // the visible count still looks fine.
    assert!(
        sqs.max_not_visible >= 10_000,
        "peak not visible {}",
        sqs.max_not_visible
    );
    let hidden = (0..series.len())
        .any(|row| series.not_visible[row] >= 5_000.0 && series.queue_depth[row] < 1_000.0);
    assert!(
        hidden,
        "no sample with not-visible high while visible looked fine"
    );
    assert!(sqs.duplicate_deliveries > 50_000 && sqs.failed_deletes > 50_000);
    // Trapped: 20 minutes after the surge the backlog is still growing.
    assert!(
        summary.lag.final_messages > 10_000,
        "final {}",
        summary.lag.final_messages
    );
}

#[test]
fn each_fix_on_its_own_and_all_together_keep_the_work_and_drain_the_surge() {
    for name in [
        "sqs-fix-visibility",
        "sqs-fix-fewer-receives",
        "sqs-fix-heartbeat",
        "sqs-trap-fixed",
    ] {
        let (summary, _) = run(name);
        let sqs = summary.sqs.as_ref().expect("an SQS summary");
        // Waste below 10%: the visibility fix still lets some batch tails expire.
        assert!(
            sqs.wasted_work_ratio < 0.1,
            "{name}: wasted {}",
            sqs.wasted_work_ratio
        );
        // Drained: 20 minutes after the surge, less than a minute's orders wait.
        assert!(
            summary.lag.final_messages < 3_000,
            "{name}: {} waiting",
            summary.lag.final_messages
        );
        assert!(
            summary.counts.completed as f64 > 0.95 * summary.counts.produced as f64,
            "{name}: {} of {}",
            summary.counts.completed,
            summary.counts.produced
        );
    }
    // The heartbeat keeps every held message invisible while its worker is on it.
    let (heartbeat, _) = run("sqs-fix-heartbeat");
    assert_eq!(heartbeat.sqs.unwrap().duplicate_deliveries, 0);
    let (fixed, _) = run("sqs-trap-fixed");
    assert!(fixed.sqs.unwrap().wasted_work_ratio < 0.02);
}

#[test]
fn a_dead_letter_queue_alone_stops_the_churn_by_emptying_the_queue_into_it() {
    let (summary, _) = run("sqs-fix-backoff-dlq");
    let sqs = summary.sqs.as_ref().expect("an SQS summary");
    // The redrive policy caps receives at 3: no message leaves with more.
    assert!(
        sqs.receives_per_message[4..].iter().all(|n| *n == 0),
        "{:?}",
        sqs.receives_per_message
    );
    assert_eq!(sqs.dead_letter_queue_depth, summary.counts.dead_lettered);
    assert!(
        summary.counts.dead_lettered > summary.counts.completed,
        "most orders end in the DLQ"
    );
}

#[test]
fn a_poison_message_stalls_its_fifo_group_while_the_others_flow() {
    let (summary, _) = run("sqs-fifo-stalled-group");
    let sqs = summary.sqs.as_ref().expect("an SQS summary");
    // One message in 500 is poison; each holds its group for up to 5 receives × 30 s.
    let stalled = sqs.groups_stalled.expect("a FIFO summary");
    assert!((1..20).contains(&stalled), "{stalled} of 20 groups stalled");
    let worst = sqs.largest_group_backlog.as_ref().unwrap();
    // A group gets 1 message/s, so 30 s of stall piles up at least ~30 behind the poison.
    assert!(worst.messages >= 30, "{worst:?}");
    // FIFO delivers every group in order, once: no duplicates, and the other groups flow.
    assert_eq!(sqs.duplicate_deliveries, 0);
    assert!(summary.counts.completed as f64 > 0.9 * summary.counts.produced as f64);
    assert!(
        summary.counts.dead_lettered > 0,
        "poison ends in the DLQ after 5 receives"
    );
}

/// A quiet queue (2 orders/s, 20 workers) with the given `[sqs]` lines.
fn quiet_queue(sqs: &str) -> (Summary, TimeSeries) {
    let text = format!(
        "name = \"quiet\"\nseed = 3\nduration = \"10m\"\n\
         [[producers]]\nname = \"orders\"\nrate = \"2/s\"\n\
         [sqs]\n{sqs}\n\
         [consumers]\ncount = 20\nservice_time = {{ distribution = \"exponential\", mean = \"100ms\" }}\n"
    );
    let scenario = spillway_core::Scenario::from_toml(&text, "quiet").expect("valid");
    let (summary, series) = run_scenario(&scenario);
    assert!(summary.conservation.holds, "{:?}", summary.conservation);
    (summary, series)
}

#[test]
fn short_polling_a_quiet_queue_returns_false_empties_and_delays_messages_that_long_polling_hands_over_at_once()
 {
    let (long, _) = quiet_queue("wait_time = \"20s\"");
    let (short, _) = quiet_queue("wait_time = \"0s\"");
    let (long_sqs, short_sqs) = (long.sqs.as_ref().unwrap(), short.sqs.as_ref().unwrap());
    // Long polling: a waiting receive returns as soon as a message arrives.
    assert_eq!(long_sqs.false_empty_receives, 0);
    assert!(
        long.queue_wait.max < 1e-9,
        "long polling wait {}",
        long.queue_wait.max
    );
    // Short polling a queue holding one or two messages: most receives sample servers that
    // hold none, so messages wait while 20 idle workers keep polling.
    assert!(
        short_sqs.false_empty_receives > 50 * short.counts.produced,
        "{} false empties for {} messages",
        short_sqs.false_empty_receives,
        short.counts.produced
    );
    assert!(
        short.queue_wait.mean > 0.05,
        "short polling mean wait {}",
        short.queue_wait.mean
    );
    assert!(
        short.queue_wait.mean < 1.0,
        "the re-polls still find every message"
    );
    // Each idle worker short-polls every 20 ms: 50× the empty receives of 20 s long polls.
    assert!(
        short_sqs.cloudwatch.number_of_empty_receives
            > 100 * long_sqs.cloudwatch.number_of_empty_receives,
        "empty receives short {} vs long {}",
        short_sqs.cloudwatch.number_of_empty_receives,
        long_sqs.cloudwatch.number_of_empty_receives
    );
    // Nothing is lost or stuck: every message but the last moments' is done.
    assert!(short.counts.completed + 5 >= short.counts.produced);
}

#[test]
fn an_upstream_that_sends_twice_is_deduplicated_only_by_a_fifo_queue_with_content_based_deduplication()
 {
    let twice = "duplicate_events = 0.1\nduplicate_event_after = \"30s\"";
    let (standard, _) = quiet_queue(twice);
    let (fifo_ids, _) = quiet_queue(&format!("type = \"fifo\"\n{twice}"));
    let (fifo_content, _) = quiet_queue(&format!(
        "type = \"fifo\"\ncontent_based_deduplication = true\n{twice}"
    ));
    for (name, summary, stored) in [
        ("standard", &standard, true),
        ("fifo, an id per send", &fifo_ids, true),
        ("fifo, content-based", &fifo_content, false),
    ] {
        let sqs = summary.sqs.as_ref().unwrap();
        let share = sqs.duplicate_events as f64 / summary.counts.produced as f64;
        assert!((0.07..0.13).contains(&share), "{name}: {share} sent twice");
        if stored {
            // All stored but those whose second copy was still to come at the end (30 s).
            assert!(sqs.duplicate_sends <= sqs.duplicate_events, "{name}");
            assert!(sqs.duplicate_sends + 10 >= sqs.duplicate_events, "{name}");
            assert_eq!(sqs.deduplicated, 0, "{name}");
            assert!(
                summary.counts.completed > summary.counts.produced,
                "{name}: duplicates are processed too"
            );
        } else {
            assert!(sqs.deduplicated <= sqs.duplicate_events, "{name}");
            assert!(sqs.deduplicated + 10 >= sqs.duplicate_events, "{name}");
            assert_eq!(sqs.duplicate_sends, 0, "{name}");
            assert!(
                summary.counts.completed <= summary.counts.produced,
                "{name}"
            );
        }
    }
}

#[test]
fn a_standard_dead_letter_queue_deletes_old_messages_soon_after_the_move_and_fifo_keeps_them() {
    // Every message fails; each is received 3 times over 3 × 60 s, then redriven. The DLQ
    // keeps messages 2 minutes: a standard queue's messages are 3 minutes old when they
    // arrive, so they go at once; FIFO's clock restarts at the move.
    let failing = "visibility_timeout = \"60s\"\nmax_receive_count = 3\n\
                   dead_letter_retention = \"2m\"";
    let run_with = |type_lines: &str| {
        // `type_lines`: the [sqs] lines that choose the queue type.
        let text = format!(
            "name = \"dlq\"\nseed = 3\nduration = \"20m\"\n\
             [[producers]]\nname = \"orders\"\nrate = \"1/s\"\npoison_share = 1.0\n\
             [sqs]\n{type_lines}\n{failing}\n\
             [consumers]\ncount = 20\nservice_time = {{ distribution = \"constant\", value = \"10ms\" }}\n"
        );
        let scenario = spillway_core::Scenario::from_toml(&text, "dlq").expect("valid");
        let (summary, series) = run_scenario(&scenario);
        assert!(summary.conservation.holds, "{:?}", summary.conservation);
        (summary, series)
    };
    let (standard, standard_series) = run_with("type = \"standard\"");
    // (Many groups, so that one failing message holds up no other.)
    let (fifo, fifo_series) = run_with("type = \"fifo\"\nmessage_groups = 10000");
    let (s, f) = (standard.sqs.as_ref().unwrap(), fifo.sqs.as_ref().unwrap());
    assert!(
        standard.counts.dead_lettered > 500,
        "{}",
        standard.counts.dead_lettered
    );
    // Standard: everything redriven is past the DLQ's retention on arrival.
    assert_eq!(s.dead_letter_expired, standard.counts.dead_lettered);
    assert_eq!(s.dead_letter_queue_depth, 0);
    let peak = |series: &TimeSeries| series.dead_letter_depth.iter().cloned().fold(0.0, f64::max);
    assert!(
        peak(&standard_series) <= 1.0,
        "standard DLQ peak {}",
        peak(&standard_series)
    );
    // FIFO: each stays 2 minutes, so at 1/s about 120 sit in the DLQ.
    assert!(
        f.dead_letter_queue_depth > 100,
        "fifo DLQ {}",
        f.dead_letter_queue_depth
    );
    assert_eq!(
        f.dead_letter_queue_depth + f.dead_letter_expired,
        fifo.counts.dead_lettered
    );
    assert!(peak(&fifo_series) > 100.0);
}
