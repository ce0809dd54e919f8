//! RabbitMQ's pathologies emerge from RabbitMQ's rules, and each fix holds: the presets'
//! stories as assertions, with the thresholds derived from their parameters in the
//! comments.

use spillway_acceptance::{preset, run_scenario};
use spillway_core::{RabbitSummary, Scenario, Summary, TimeSeries};

fn run(scenario: &Scenario) -> (Summary, TimeSeries) {
    let (summary, series) = run_scenario(scenario);
    assert!(
        summary.conservation.holds,
        "{}: {:?}",
        scenario.name, summary.conservation
    );
    (summary, series)
}

fn rabbit(summary: &Summary) -> &RabbitSummary {
    summary.rabbitmq.as_ref().expect("a RabbitMQ summary")
}

/// Mean acks per second over the samples (after the first) in which `alarm` was raised.
fn acks_while_raised(series: &TimeSeries, alarm: &[f64]) -> f64 {
    let during: Vec<f64> = alarm
        .iter()
        .zip(&series.completed_per_second)
        .skip(1)
        .filter(|(a, _)| **a > 0.0)
        .map(|(_, c)| *c)
        .collect();
    during.iter().sum::<f64>() / during.len() as f64
}

/// Mean of `column` over the rows whose time is in `[from, to)` seconds.
fn mean_between(series: &TimeSeries, column: &[f64], from: f64, to: f64) -> f64 {
    let values: Vec<f64> = series
        .time
        .iter()
        .zip(column)
        .filter(|(t, _)| **t >= from && **t < to)
        .map(|(_, v)| *v)
        .collect();
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// rabbitmq-memory-alarm: 2,000/s offered, 10 consumers × 10 ms = 1,000/s taken. The
/// watermark is 0.4 × 1 GiB = 410 MiB; less the node's 150 MiB that is ~16,600 messages of
/// 16 KiB in RAM, which the 1,000/s surplus fills in well under a minute even with paging
/// (it pages at most 1/500 µs = 2,000/s, and only while it is not delivering). From then on
/// the node can take only what the consumers drain, so publishers must be blocked about
/// half the time or more; blocked publishes wait 10 s and the surplus (half the load) times
/// out at the producers. Consumers are never blocked: they stay near their 1,000/s.
#[test]
fn the_memory_alarm_blocks_every_publisher_while_consumers_carry_on() {
    let (summary, series) = run(&preset("rabbitmq-memory-alarm"));
    let r = rabbit(&summary);
    let first_alarm = series
        .time
        .iter()
        .zip(&series.memory_alarm)
        .find(|(_, a)| **a > 0.0)
        .map(|(t, _)| *t)
        .expect("the alarm fires");
    assert!(first_alarm < 60.0, "first alarm at {first_alarm}s");
    assert!(
        r.memory_alarms >= 2,
        "the alarm clears and is raised again: {r:?}"
    );
    assert!(
        r.alarm_seconds > 300.0,
        "blocked {}s of 600",
        r.alarm_seconds
    );
    assert!(r.peak_memory_bytes >= r.watermark_bytes);
    assert!(
        r.publish_timeouts as f64 > 0.3 * summary.counts.produced as f64,
        "timeouts {} of {}",
        r.publish_timeouts,
        summary.counts.produced
    );
    // Consumers carry on through the alarm: the acks keep coming at near capacity while
    // it is raised.
    let mean = acks_while_raised(&series, &series.memory_alarm);
    assert!(mean > 850.0, "acks/s while the alarm is raised: {mean}");
    assert!(summary.throughput.out_per_second > 900.0);
}

/// rabbitmq-memory-alarm-fixed: x-max-length 3,000 with reject-publish-dlx. 3,000 ready
/// 16 KiB messages plus 500 unacked plus the node's 150 MiB is 205 MiB, half the
/// watermark: no alarm, no publisher ever blocked. The queue wait is bounded by 3,000
/// messages at 1,000/s, about 3 s; the surplus is refused at once, each refusal
/// dead-lettered (reason maxlen) for replay.
#[test]
fn a_length_limit_with_reject_publish_dlx_keeps_the_node_out_of_alarm() {
    let (summary, _) = run(&preset("rabbitmq-memory-alarm-fixed"));
    let r = rabbit(&summary);
    assert_eq!(r.memory_alarms, 0);
    assert_eq!(r.blocked_publishes, 0);
    assert!(r.max_messages_ready <= 3000);
    assert!(r.peak_memory_bytes < r.watermark_bytes / 2 + (1 << 20));
    assert!(summary.latency.p99 < 5.0, "{:?}", summary.latency);
    assert!(summary.throughput.out_per_second > 990.0);
    assert_eq!(r.dead_lettered_maxlen, r.rejected_publishes);
    assert_eq!(r.rejected_publishes, summary.counts.rejected);
    // Confirming producers kept the originals: the dead-letter exchange got copies, not
    // messages the run lost.
    assert_eq!(r.dead_letter_copies, r.rejected_publishes);
    assert_eq!(summary.counts.dead_lettered, 0);
}

/// rabbitmq-paging-collapse: 800/s against 1,000/s of consumers, then 2.5× for three
/// minutes: ~216,000 messages more than the consumers take, far past the paging threshold
/// (0.5 × 819 MiB less 150 MiB is ~66,000 messages of 4 KiB). From then on the queue
/// process alternates: while deliveries come from the paged run each costs it a 2 ms read,
/// so it delivers at most 500/s; while they come from RAM it pages out what arrives
/// (2 ms each). On average it delivers less than the 800/s arriving plus what the alarm
/// held back, so the backlog never comes down — with the consumers idle a good part of
/// the time, though 1,000/s is what they could do.
#[test]
fn paging_makes_the_queue_deliver_slower_than_its_consumers_can_take() {
    let (summary, series) = run(&preset("rabbitmq-paging-collapse"));
    let r = rabbit(&summary);
    assert!(r.paged_out > 100_000 && r.paged_in > 100_000, "{r:?}");
    let after = mean_between(&series, &series.delivered_per_second, 900.0, 1800.0);
    assert!(after < 850.0, "deliveries/s after the burst: {after}");
    let slowest = series
        .time
        .iter()
        .zip(&series.delivered_per_second)
        .filter(|(t, _)| **t >= 900.0)
        .map(|(_, d)| *d)
        .fold(f64::MAX, f64::min);
    assert!(
        slowest <= 510.0,
        "reading the paged run: at most 500/s, got {slowest}"
    );
    let utilisation = mean_between(&series, &series.utilisation, 900.0, 1800.0);
    assert!(
        utilisation < 0.85,
        "consumers starved by the queue: {utilisation}"
    );
    let ready_at = |t: f64| series.queue_depth[(t / series.interval_seconds) as usize];
    assert!(
        ready_at(1790.0) > 0.8 * ready_at(600.0),
        "the backlog never comes down: {} at 10m, {} at 30m",
        ready_at(600.0),
        ready_at(1790.0)
    );
    assert!(r.memory_alarms > 0, "and the alarm blocks publishers too");
    assert!(
        r.disk_seconds > 0.5 * 1800.0,
        "the process lives on the disk"
    );
}

/// rabbitmq-paging-collapse-fixed: a quorum queue costs 100 µs a delivery (10,000/s, ten
/// times the consumers) and never pages: the same burst drains at the consumers' 1,000/s
/// less the 800/s arriving, 200/s, so ~216,000 messages take ~18 minutes, done before 30.
#[test]
fn a_quorum_queue_has_no_paging_cliff() {
    let (summary, series) = run(&preset("rabbitmq-paging-collapse-fixed"));
    let r = rabbit(&summary);
    assert_eq!(r.paged_out, 0);
    assert_eq!(r.memory_alarms, 0);
    let draining = mean_between(&series, &series.delivered_per_second, 600.0, 1200.0);
    assert!(draining > 950.0, "deliveries/s while draining: {draining}");
    assert!(summary.lag.final_messages < 1000, "{:?}", summary.lag);
}

/// rabbitmq-prefetch-hoarding: 6,000 jobs, three consumers with prefetch 1000: each holds
/// 1,000 at once, so messages_ready (what the autoscaler scales on) never shows more than
/// 3,000 plus the few that arrive in between. The 27 consumers the autoscaler adds split
/// the ~2,700 still ready, ~100 each (10 s of work), and idle, while each of the first
/// three still holds ~900 at 10/s: a third or fewer of the consumers are busy with
/// thousands of jobs waiting, each behind its own consumer, the last ~100 s. With
/// prefetch 1 (the fix) the same pool shares one queue and drains it in under a minute.
#[test]
fn a_big_prefetch_hoards_work_while_new_consumers_idle() {
    let (summary, series) = run(&preset("rabbitmq-prefetch-hoarding"));
    let (fixed, _) = run(&preset("rabbitmq-prefetch-hoarding-fixed"));
    let r = rabbit(&summary);
    assert_eq!(
        r.max_consumer_unacked, 1000,
        "prefetch reached, never exceeded"
    );
    assert!(
        r.max_messages_ready <= 3100,
        "ready peaked at {}",
        r.max_messages_ready
    );
    // Starving: for a minute at least, 20 or more consumers are up, a third or fewer of
    // them busy, and more than 1,000 messages sit unacknowledged with their hoarders.
    let starving = (0..series.len())
        .filter(|&i| {
            series.consumers_active[i] >= 20.0
                && series.consumers_busy[i] <= series.consumers_active[i] / 3.0
                && series.unacknowledged[i] > 1000.0
        })
        .count() as f64
        * series.interval_seconds;
    assert!(
        starving >= 60.0,
        "idle consumers beside hoarded work for {starving}s"
    );
    assert!(
        summary.latency.p99 > 2.0 * fixed.latency.p99,
        "p99 {} vs fixed {}",
        summary.latency.p99,
        fixed.latency.p99
    );
    let f = rabbit(&fixed);
    assert_eq!(f.max_consumer_unacked, 1);
    assert!(fixed.latency.p99 < 60.0);
}

/// Consumers that thrash (the consumer model, any broker): four consumers whose handlers
/// slow each other past four at once, `1 + 0.05 × (n − 4)²`. With prefetch 4 and 4 handlers
/// each consumer does 4 / 0.1 s = 40/s, 160/s in all — the load. With prefetch 200 and 32
/// handlers every message takes 1 + 0.05 × 28² ≈ 40× as long: 32 / 4 s = 8/s a consumer,
/// 32/s in all. A big prefetch with many concurrent handlers gets slower, not faster.
#[test]
fn thrashing_consumers_get_slower_with_more_concurrent_work() {
    let scenario = |prefetch: u32, concurrency: u32| {
        let text = format!(
            r#"
            name = "thrash-{concurrency}"
            duration = "10m"
            [[producers]]
            rate = "150/s"
            [rabbitmq]
            prefetch = {prefetch}
            [consumers]
            count = 4
            concurrency = {concurrency}
            service_time = {{ distribution = "exponential", mean = "100ms" }}
            thrashing = {{ above = 4, slowdown = 0.05, exponent = 2 }}
            "#
        );
        Scenario::from_toml(&text, "thrash").expect("valid")
    };
    let (small, _) = run(&scenario(4, 4));
    let (big, _) = run(&scenario(200, 32));
    assert!(
        small.throughput.out_per_second > 145.0,
        "{}",
        small.throughput.out_per_second
    );
    assert!(
        big.throughput.out_per_second < 45.0,
        "{}",
        big.throughput.out_per_second
    );
    assert!(small.latency.p99 < 5.0 && big.latency.p99 > 60.0);
}

/// rabbitmq-disk-alarm: a quorum queue keeps every message it holds in its log on disk
/// (16 KiB each) but only 64 bytes of it in memory, so twice-too-much load never reaches
/// the memory watermark (410 MiB less 150 MiB is over four million index entries; the
/// backlog grows by at most 1,000/s). The disk does fill: 2 GiB free less the 50 MB limit
/// is about 128,000 messages, which the 1,000/s surplus writes in about 128 s. From then on
/// the disk alarm blocks every publisher while the consumers carry on at their 1,000/s,
/// and their acks free the log until the monitor clears the alarm — then the blocked
/// publishes flood in and it is raised again.
#[test]
fn the_disk_alarm_blocks_every_publisher_when_a_quorum_log_fills_the_disk() {
    let (summary, series) = run(&preset("rabbitmq-disk-alarm"));
    let r = rabbit(&summary);
    assert_eq!(r.memory_alarms, 0, "quorum: little memory per message");
    assert!(r.disk_alarms >= 2, "raised, cleared, raised again: {r:?}");
    let first = series
        .time
        .iter()
        .zip(&series.disk_alarm)
        .find(|(_, a)| **a > 0.0)
        .map(|(t, _)| *t)
        .expect("the disk alarm is raised");
    assert!((120.0..=140.0).contains(&first), "raised at {first}s");
    // The samples (the node's state, not the monitor's looks) see the disk below the limit.
    let least_free = series.disk_free.iter().copied().fold(f64::MAX, f64::min);
    assert!(least_free < r.disk_free_limit_bytes as f64, "{least_free}");
    assert!(r.blocked_publishes > 0 && r.publish_timeouts > 0);
    assert!(
        r.disk_alarm_seconds > 0.5 * (600.0 - 128.0),
        "blocked {}s of the 472 after the disk filled",
        r.disk_alarm_seconds
    );
    // Consumers are not blocked: acks go on near capacity while the alarm is raised.
    let mean = acks_while_raised(&series, &series.disk_alarm);
    assert!(
        mean > 850.0,
        "acks/s while the disk alarm is raised: {mean}"
    );
}

/// rabbitmq-disk-alarm-fixed: x-max-length-bytes 160 MiB (10,240 messages of 16 KiB) with
/// reject-publish keeps the log — ready plus 500 unacked, about 168 MiB — far inside the
/// 2 GiB free: no disk alarm, no publisher blocked. The surplus (half the load once the
/// queue is full) is nacked at once and rejected at the producers, and the wait is
/// bounded by 10,240 messages at 1,000/s, about 10 s.
#[test]
fn a_length_limit_in_bytes_keeps_a_quorum_log_off_its_disk_limit() {
    let (summary, _) = run(&preset("rabbitmq-disk-alarm-fixed"));
    let r = rabbit(&summary);
    assert_eq!(
        (r.disk_alarms, r.memory_alarms, r.blocked_publishes),
        (0, 0, 0)
    );
    assert!(r.max_messages_ready <= 10_240);
    assert!(r.min_disk_free_bytes > (2u64 << 30) - (180 << 20), "{r:?}");
    assert_eq!(r.rejected_publishes, summary.counts.rejected);
    assert!(summary.counts.rejected as f64 > 0.45 * summary.counts.produced as f64);
    assert!(summary.latency.p99 < 12.0, "{:?}", summary.latency);
    assert!(summary.throughput.out_per_second > 990.0);
}

/// Publisher confirms with a window: the memory-alarm story again, with each producer
/// keeping at most 200 publishes unconfirmed. A blocked publish is unconfirmed, so once
/// 200 are blocked the producer stops publishing and its sends are pushed back at once
/// (it has no retry policy: they are rejected at the producer) instead of waiting the
/// 10 s publish timeout — the overload reaches the producer as backpressure, not as a
/// pile of blocked publishes. Without the window up to 10 s × 2,000/s = 20,000 wait.
#[test]
fn a_confirm_window_turns_blocked_publishes_into_backpressure() {
    let unbounded = run(&preset("rabbitmq-memory-alarm")).0;
    let mut scenario = preset("rabbitmq-memory-alarm");
    scenario.rabbitmq.as_mut().unwrap().max_unconfirmed = Some(200);
    let (summary, _) = run(&scenario);
    let (r, before) = (rabbit(&summary), rabbit(&unbounded));
    assert!(r.memory_alarms >= 1, "the node still raises the alarm");
    assert!(before.max_blocked_publishes > 10_000, "{before:?}");
    assert!(r.max_blocked_publishes <= 200, "{r:?}");
    assert_eq!(r.max_unconfirmed_publishes, r.max_blocked_publishes);
    assert!(
        r.held_back_publishes as f64 > 0.3 * summary.counts.produced as f64,
        "held back {} of {}",
        r.held_back_publishes,
        summary.counts.produced
    );
    assert_eq!(summary.counts.pushed_back, r.held_back_publishes);
    assert!(
        r.publish_timeouts * 20 < before.publish_timeouts,
        "timeouts {} vs {} without a window",
        r.publish_timeouts,
        before.publish_timeouts
    );
    // The consumers' work is the same: the node was full either way.
    assert!(summary.throughput.out_per_second > 900.0);
}

/// Fire-and-forget publishers: the memory-alarm-fixed queue (x-max-length 3,000,
/// reject-publish-dlx) with publishers that do not ask for confirms. The queue still
/// refuses the surplus — about half of 2,000/s once 3,000 are ready — but nobody is told:
/// the producers count every publish as sent, and a refused message's only copy is the
/// one dead-lettered. With plain reject-publish it is simply lost.
#[test]
fn fire_and_forget_publishers_never_hear_of_what_the_queue_refused() {
    let confirmed = run(&preset("rabbitmq-memory-alarm-fixed")).0;
    for overflow in ["reject-publish-dlx", "reject-publish"] {
        let mut scenario = preset("rabbitmq-memory-alarm-fixed");
        let spec = scenario.rabbitmq.as_mut().unwrap();
        spec.publisher_confirms = false;
        // No confirms, no window.
        spec.max_unconfirmed = None;
        spec.confirm_latency = Default::default();
        spec.overflow = serde_json::from_value(serde_json::json!(overflow)).unwrap();
        let (summary, _) = run(&scenario);
        let r = rabbit(&summary);
        let produced = summary.counts.produced as f64;
        assert!(
            r.lost_unconfirmed as f64 > 0.4 * produced,
            "{overflow}: {r:?}"
        );
        assert_eq!(
            summary.counts.rejected, 0,
            "{overflow}: no producer saw a nack"
        );
        assert_eq!(
            r.dead_letter_copies, 0,
            "the only copy went to the exchange"
        );
        assert_eq!(summary.counts.accepted, summary.counts.produced);
        if overflow == "reject-publish-dlx" {
            assert_eq!(summary.counts.dead_lettered, r.lost_unconfirmed);
        } else {
            assert_eq!(summary.counts.dropped, r.lost_unconfirmed);
            assert_eq!(summary.counts.dead_lettered, 0);
        }
    }
    // With confirms the same refusals reach the producers as nacks.
    assert_eq!(
        confirmed.counts.rejected,
        rabbit(&confirmed).rejected_publishes
    );
}

/// The initial backlog is in the queue when the run starts: a confirm window (10 publishes,
/// each confirmed a second later) does not hold it back — all 500 are there, and the one
/// publish a second that follows never fills the window either.
#[test]
fn a_confirm_window_does_not_hold_back_the_initial_backlog() {
    let scenario = Scenario::from_toml(
        r#"
        seed = 3
        duration = "10s"
        initial_backlog = 500
        [[producers]]
        rate = "1/s"
        [rabbitmq]
        prefetch = 10
        max_unconfirmed = 10
        confirm_latency = "1s"
        [consumers]
        count = 2
        service_time = { distribution = "constant", value = "10ms" }
        "#,
        "backlog.toml",
    )
    .unwrap();
    let (summary, _) = run(&scenario);
    let r = rabbit(&summary);
    assert_eq!(r.held_back_publishes, 0, "{r:?}");
    assert_eq!(summary.counts.rejected, 0);
    assert_eq!(summary.counts.accepted, summary.counts.produced);
    assert!(summary.counts.produced >= 505, "{:?}", summary.counts);
}
