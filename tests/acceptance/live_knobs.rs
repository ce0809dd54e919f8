//! Live knobs (operator interventions): they act at the current simulated time, move the
//! metrics the way an operator expects, keep every message accounted for, and replay exactly.

use spillway_acceptance::preset;
use spillway_core::{Intervention, RunStatus, SimTime, Simulation};

fn at_minutes(minutes: u64) -> SimTime {
    SimTime::from_nanos(minutes * 60_000_000_000)
}

/// Runs `preset_name`, applying each intervention at its minute, and returns the finished run.
fn run_with(preset_name: &str, plan: &[(u64, Intervention)]) -> Simulation {
    let mut simulation = Simulation::new(&preset(preset_name)).expect("a valid scenario");
    for &(minute, intervention) in plan {
        assert_eq!(simulation.run_until(at_minutes(minute)), RunStatus::Running);
        simulation.intervene(intervention).unwrap();
    }
    simulation.run();
    simulation
}

fn depth_at_minute(simulation: &Simulation, minute: f64) -> f64 {
    let series = simulation.series();
    let row = series
        .time
        .iter()
        .position(|t| *t >= minute * 60.0)
        .expect("the series reaches that minute");
    series.queue_depth[row]
}

#[test]
fn adding_consumers_mid_run_drains_the_backlog() {
    // 20 msg/s against 15 msg/s: lag grows ~5 msg/s; at minute 5 go from 3 to 6 consumers.
    let fixed = run_with("sustained-overload", &[(5, Intervention::Consumers(6))]);
    let untouched = run_with("sustained-overload", &[]);
    let at_change = depth_at_minute(&fixed, 5.0);
    assert!(at_change > 1000.0, "backlog at minute 5: {at_change}");
    // 30 msg/s out, 20 in: drains ~10 msg/s, so the ~1500 backlog is gone in ~2.5 minutes.
    assert!(depth_at_minute(&fixed, 6.0) < at_change - 300.0);
    assert!(depth_at_minute(&fixed, 9.0) < 50.0);
    assert!(depth_at_minute(&untouched, 9.0) > 2000.0);
    let summary = fixed.summary();
    assert_eq!(summary.counts.rejected, 0);
    assert!(summary.conservation.holds);
    assert_eq!(fixed.consumers_running(), 6);
}

#[test]
fn removing_consumers_lets_held_work_finish() {
    let simulation = run_with("steady", &[(2, Intervention::Consumers(1))]);
    assert_eq!(simulation.consumers_running(), 1);
    assert!(simulation.conservation().holds);
    let busy = &simulation.series().consumers_busy;
    assert!(busy.last().copied().unwrap() <= 1.0);
}

#[test]
fn a_rate_multiplier_of_zero_stops_arrivals_and_one_restores_them() {
    let simulation = run_with(
        "steady",
        &[
            (2, Intervention::RateMultiplier(0.0)),
            (4, Intervention::RateMultiplier(1.0)),
        ],
    );
    let series = simulation.series();
    let produced_during = |from: f64, to: f64| -> f64 {
        series
            .time
            .iter()
            .zip(&series.produced_per_second)
            .filter(|(t, _)| **t > from * 60.0 + 1.0 && **t <= to * 60.0)
            .map(|(_, rate)| *rate)
            .sum()
    };
    assert_eq!(produced_during(2.0, 4.0), 0.0);
    assert!(produced_during(4.0, 6.0) > 0.0);
    assert!(simulation.conservation().holds);
}

#[test]
fn shrinking_the_queue_rejects_new_sends_but_keeps_what_is_waiting() {
    // At minute 5 ~1,400 wait; capacity 500 keeps them all but refuses every new send, so
    // the consumers drain them at 15 msg/s until the depth reaches the new limit and stays.
    let simulation = run_with(
        "sustained-overload",
        &[(5, Intervention::QueueCapacity(500))],
    );
    let summary = simulation.summary();
    let at_change = depth_at_minute(&simulation, 5.0);
    assert!(at_change > 1200.0, "depth at minute 5: {at_change}");
    let after = depth_at_minute(&simulation, 5.5);
    assert!(
        (at_change - 15.0 * 30.0 - 150.0..at_change).contains(&after),
        "{after}"
    );
    assert!((450.0..=500.0).contains(&depth_at_minute(&simulation, 8.0)));
    assert!(summary.counts.rejected > 0);
    assert_eq!(simulation.queue_capacity(), Some(500));
    assert!(summary.conservation.holds);
    // Growing it back later accepts again.
    let regrown = run_with(
        "sustained-overload",
        &[
            (5, Intervention::QueueCapacity(500)),
            (8, Intervention::QueueCapacity(10_000)),
        ],
    );
    assert!(regrown.summary().counts.rejected < summary.counts.rejected);
}

#[test]
fn the_same_interventions_replay_the_same_run_and_different_ones_do_not() {
    let plan = [
        (3, Intervention::Consumers(5)),
        (7, Intervention::RateMultiplier(1.5)),
        (9, Intervention::QueueCapacity(800)),
    ];
    let a = run_with("sustained-overload", &plan);
    let b = run_with("sustained-overload", &plan);
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_eq!(
        serde_json::to_string(&a.summary()).unwrap(),
        serde_json::to_string(&b.summary()).unwrap()
    );
    let later = run_with(
        "sustained-overload",
        &[
            (4, plan[0].1),
            (plan[1].0, plan[1].1),
            (plan[2].0, plan[2].1),
        ],
    );
    assert_ne!(a.fingerprint(), later.fingerprint());
}

#[test]
fn out_of_range_knobs_are_refused_with_their_range() {
    let mut simulation = Simulation::new(&preset("steady")).expect("a valid scenario");
    assert_eq!(
        simulation
            .intervene(Intervention::Consumers(0))
            .unwrap_err()
            .to_string(),
        "consumers: must be between 1 and 10000, got 0"
    );
    assert!(
        simulation
            .intervene(Intervention::RateMultiplier(f64::NAN))
            .unwrap_err()
            .to_string()
            .starts_with("rate multiplier: must be between 0 and 100")
    );
    assert_eq!(
        simulation
            .intervene(Intervention::QueueCapacity(0))
            .unwrap_err()
            .to_string(),
        "queue capacity: must be > 0, got 0"
    );
    simulation.run();
    assert!(simulation.intervene(Intervention::Consumers(2)).is_err());
}

#[test]
fn raising_the_sqs_visibility_timeout_before_the_surge_keeps_the_trap_shut() {
    let untouched = run_with("sqs-visibility-trap", &[]).summary();
    let raised = run_with(
        "sqs-visibility-trap",
        &[(4, Intervention::VisibilityTimeout(180.0))],
    )
    .summary();
    let wasted = |s: &spillway_core::Summary| s.sqs.as_ref().unwrap().wasted_work_ratio;
    assert!(wasted(&untouched) > 0.5, "{}", wasted(&untouched));
    assert!(wasted(&raised) < 0.1, "{}", wasted(&raised));
    assert!(raised.lag.final_messages < 1_000);
    assert_eq!(raised.sqs.unwrap().visibility_timeout_seconds, 180.0);
    assert!(raised.conservation.holds);
}

#[test]
fn knobs_of_another_broker_are_refused_with_the_reason() {
    let mut bounded = Simulation::new(&preset("steady")).unwrap();
    let error = bounded
        .intervene(Intervention::VisibilityTimeout(60.0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "visibility timeout: only for an SQS queue ([sqs])"
    );
    let mut sqs = Simulation::new(&preset("sqs-visibility-trap")).unwrap();
    let error = sqs.intervene(Intervention::QueueCapacity(10)).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("queue capacity: only for a bounded queue")
    );
    assert!(
        sqs.intervene(Intervention::VisibilityTimeout(43_201.0))
            .unwrap_err()
            .to_string()
            .contains("between 0 s and 12 h")
    );
}

/// Kafka's partitions knob: more partitions mid-run are new empty logs, every key is placed
/// over the new count and the group rebalances to take them. A hot key still lands on one
/// partition (its new one): more partitions do not fix a hot key, a better key does.
#[test]
fn adding_kafka_partitions_mid_run_rebalances_and_moves_keys_but_not_a_hot_key_off_one_partition() {
    let simulation = run_with("kafka-hot-key", &[(5, Intervention::Partitions(24))]);
    let summary = simulation.summary();
    assert!(summary.conservation.holds, "{:?}", summary.conservation);
    let kafka = summary.kafka.as_ref().unwrap();
    assert_eq!((kafka.partitions, kafka.partition_lag.len()), (24, 24));
    assert!(kafka.rebalances >= 1, "{kafka:?}");
    // acct-7 moves to murmur2 % 24; its new partition gets 430/s again after minute 5.
    let moved_to = spillway_core::kafka_partition_for_key(b"acct-7", 24);
    let series = simulation.series();
    let column = &series.partition_lag[moved_to as usize];
    let (at_6, at_end) = (column[6 * 60], column[column.len() - 1]);
    assert!(
        at_end > at_6 + 100_000.0,
        "partition {moved_to}: {at_6} → {at_end}"
    );
    // The new columns are zero before the change.
    assert!(series.partition_lag[23][..5 * 60].iter().all(|v| *v == 0.0));

    let mut fewer = Simulation::new(&preset("kafka-hot-key")).unwrap();
    let error = fewer.intervene(Intervention::Partitions(6)).unwrap_err();
    assert!(
        error.to_string().contains("Kafka cannot remove partitions"),
        "{error}"
    );
    let mut bounded = Simulation::new(&preset("steady")).unwrap();
    assert_eq!(
        bounded
            .intervene(Intervention::Partitions(12))
            .unwrap_err()
            .to_string(),
        "partitions: only for a Kafka topic ([kafka])"
    );
}

/// rabbitmq-prefetch-hoarding-fixed (prefetch 1) with the prefetch raised to 1000 once the
/// backlog is in: from then on every ack refills its consumer up to 1,000, so the first
/// consumers soak up the backlog again — the hoarding preset's story, made live.
#[test]
fn raising_the_prefetch_live_lets_consumers_hoard() {
    let simulation = run_with(
        "rabbitmq-prefetch-hoarding-fixed",
        &[(0, Intervention::Prefetch(1000))],
    );
    let summary = simulation.summary();
    assert!(summary.conservation.holds, "{:?}", summary.conservation);
    let r = summary.rabbitmq.as_ref().unwrap();
    assert!(r.max_consumer_unacked >= 900, "{r:?}");
    let (fixed, _) = spillway_acceptance::run_scenario(&preset("rabbitmq-prefetch-hoarding-fixed"));
    assert_eq!(fixed.rabbitmq.as_ref().unwrap().max_consumer_unacked, 1);
    assert!(summary.latency.p99 > 1.5 * fixed.latency.p99);

    let mut bounded = Simulation::new(&preset("steady")).unwrap();
    assert_eq!(
        bounded
            .intervene(Intervention::Prefetch(10))
            .unwrap_err()
            .to_string(),
        "prefetch: only for a RabbitMQ queue ([rabbitmq])"
    );
}

/// rabbitmq-memory-alarm-fixed never raises the alarm (205 MiB against a 410 MiB
/// watermark). Lowered to 0.1 of the node's 1 GiB (102 MiB) at minute 1 — below the 150
/// MiB the node uses with no messages at all — the alarm is raised at the next memory
/// check and never clears: every publish from then on is blocked, and times out.
#[test]
fn lowering_the_memory_watermark_below_the_node_blocks_all_publishing() {
    let simulation = run_with(
        "rabbitmq-memory-alarm-fixed",
        &[(1, Intervention::Watermark(0.1))],
    );
    let summary = simulation.summary();
    assert!(summary.conservation.holds, "{:?}", summary.conservation);
    let r = summary.rabbitmq.as_ref().unwrap();
    assert_eq!(r.memory_alarms, 1);
    assert!(r.alarm_seconds > 540.0 - 1.5, "{}", r.alarm_seconds);
    let series = simulation.series();
    let after = (62.0 / series.interval_seconds) as usize;
    assert!(
        series.accepted_per_second[after..]
            .iter()
            .all(|a| *a == 0.0)
    );
    // Consumers are not blocked: they drain the ~3,000 messages that were ready.
    let drained: f64 =
        series.completed_per_second[after..].iter().sum::<f64>() * series.interval_seconds;
    assert!(drained > 2_500.0, "drained {drained}");
    assert!(
        Intervention::Watermark(1.5).validate().is_err()
            && Intervention::Watermark(f64::NAN).validate().is_err()
            && Intervention::Watermark(0.0).validate().is_err()
    );
}
