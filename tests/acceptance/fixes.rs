//! Bugs a close read of the engine found, each pinned by a test that failed before its fix.

use spillway_acceptance::{preset, run_scenario};
use spillway_core::Scenario;

#[test]
fn lag_in_seconds_counts_from_production_so_a_redelivery_does_not_make_a_message_young() {
    // retry-storm: after the one-minute slowdown (minutes 2–3) the pool stays saturated and
    // almost nothing completes; failed messages are redelivered again and again. Lag measured
    // from the last enqueue said the oldest message was 2m39s old at minute 20; the oldest
    // unfinished message was produced more than ten minutes earlier.
    let (summary, series) = run_scenario(&preset("retry-storm"));
    assert!(
        summary.lag.final_seconds > 600.0,
        "final lag {} s",
        summary.lag.final_seconds
    );
    let last = *series.lag_seconds.last().unwrap();
    assert!(last > 600.0, "charted lag at the end: {last} s");
    // Per-delivery queue wait stays its own, much smaller, metric.
    assert!(summary.queue_wait.max < summary.lag.final_seconds / 2.0);
    // A healthy run's lag is the age of what is in service, well under a second.
    let (steady, _) = run_scenario(&preset("steady"));
    assert!(steady.lag.max_seconds < 5.0, "{}", steady.lag.max_seconds);
}

#[test]
fn a_blocked_send_admitted_later_refunds_the_producer_retry_budget() {
    // 100 msg/s into a 20 msg/s consumer behind a 10-message queue that blocks senders for
    // 200 ms: most sends time out and are retried. Each admitted send refunds 25 tokens (a
    // 500-token bucket, 5 per retry), so admissions (20/s, 500 tokens/s) keep up with the
    // retries. Before the fix only sends admitted at once refunded: the bucket emptied after
    // 100 retries and every later timeout was a rejection.
    let text = r#"
        name = "blocked-refund"
        duration = "2m"
        [[producers]]
        rate = "100/s"
        arrivals = "constant"
        retry = { max_attempts = 3, base = "10ms", cap = "10ms", jitter = "none", budget = { kind = "aws-standard", quota = 500, cost = 5, refund = 25 } }
        [queue]
        capacity = 10
        overflow = "block"
        block_timeout = "200ms"
        [consumers]
        count = 1
        service_time = { distribution = "constant", value = "50ms" }
    "#;
    let scenario = Scenario::from_toml(text, "blocked-refund").unwrap();
    let (summary, _) = run_scenario(&scenario);
    assert!(
        summary.counts.retried > 10 * 100,
        "retried {} (the bucket alone allows 100)",
        summary.counts.retried
    );
    assert!(summary.conservation.holds);
}
