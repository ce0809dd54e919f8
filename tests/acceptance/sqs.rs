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
