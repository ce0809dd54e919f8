//! Kafka's pathologies emerge from Kafka's rules, and each fix holds: the presets' stories
//! as assertions, with the thresholds derived from their parameters; and the group's rules
//! (eviction, eager vs cooperative pauses, static membership) end to end.

use spillway_acceptance::{preset, run_scenario};
use spillway_core::{KafkaSummary, Scenario, Summary, TimeSeries};

fn run(scenario: &Scenario) -> (Summary, TimeSeries) {
    let (summary, series) = run_scenario(scenario);
    assert!(
        summary.conservation.holds,
        "{}: {:?}",
        scenario.name, summary.conservation
    );
    (summary, series)
}

fn kafka(summary: &Summary) -> &KafkaSummary {
    summary.kafka.as_ref().expect("a Kafka summary")
}

/// kafka-poison-record: 240/s over 24 partitions is 10 records/s per partition. The one
/// poison record (from the 2-second poison window at minute 5) never passes under
/// retry-forever, so its partition's lag grows by ~10/s for the remaining ~25 minutes:
/// ~15,000, nearly all of the total; every other partition stays near what auto-commit
/// leaves (10/s × 5 s = 50).
#[test]
fn a_poison_record_stalls_one_partition_for_good_while_the_rest_flow() {
    let (summary, series) = run(&preset("kafka-poison-record"));
    let k = kafka(&summary);
    let stalled_for = 1800.0 - 300.0;
    let expected = 10.0 * stalled_for;
    assert!(
        (k.worst_partition_lag as f64) > 0.9 * expected,
        "worst partition {} lag {} vs ~{expected}",
        k.worst_partition,
        k.worst_partition_lag
    );
    assert!(k.worst_partition_lag as f64 > 0.9 * k.lag as f64, "{k:?}");
    for (p, lag) in k.partition_lag.iter().enumerate() {
        if p as u32 != k.worst_partition {
            assert!(*lag < 500, "partition {p} lag {lag}");
        }
    }
    // The total looks modest: under 4% of what was produced.
    assert!((k.lag as f64) < 0.04 * summary.counts.produced as f64);
    // The poison record is retried about once a backoff (1 s) from minute 5 on.
    assert!(
        k.retries as f64 > 0.9 * stalled_for,
        "retries {}",
        k.retries
    );
    // Its age grows without bound: the lag in seconds ends near the stall's length.
    assert!(summary.lag.final_seconds > 0.95 * stalled_for);
    // The stalled partition's lag climbs at every sample after the stall starts.
    let column = &series.partition_lag[k.worst_partition as usize];
    let at = |t: f64| column[(t / series.interval_seconds) as usize];
    assert!(at(600.0) < at(1200.0) && at(1200.0) < at(1790.0));
}

#[test]
fn a_dead_letter_topic_unstalls_the_poisoned_partition() {
    let (summary, _) = run(&preset("kafka-poison-record-fixed"));
    let k = kafka(&summary);
    // attempts = 3: two retries, then the dead-letter topic.
    assert_eq!((k.retries, k.dead_lettered), (2, 1), "{k:?}");
    assert!(k.worst_partition_lag < 500, "{k:?}");
    assert!(
        summary.lag.max_seconds < 10.0,
        "max lag {}s",
        summary.lag.max_seconds
    );
}

/// kafka-hot-key: 1,200/s, 30% on one key. That key's partition gets 0.3 × 1,200 + 0.7 ×
/// 1,200 / 12 = 430/s against one member's 1 / 5 ms = 200/s; the other eleven get 70/s
/// each. Goodput is 200 + 11 × 70 = 970/s however much capacity the group has, and the hot
/// partition's lag grows at 230/s.
#[test]
fn a_hot_key_overloads_one_partition_while_the_group_has_capacity_to_spare() {
    let (summary, _) = run(&preset("kafka-hot-key"));
    let k = kafka(&summary);
    let hot = spillway_core::kafka_partition_for_key(b"acct-7", 12);
    assert_eq!(
        k.worst_partition, hot,
        "murmur2 puts acct-7 on partition {hot}"
    );
    let out = summary.throughput.out_per_second;
    assert!((out - 970.0).abs() < 15.0, "goodput {out}/s vs 970/s");
    let expected_lag = 230.0 * 1200.0;
    assert!(
        (k.worst_partition_lag as f64 - expected_lag).abs() < 0.05 * expected_lag,
        "hot lag {} vs {expected_lag}",
        k.worst_partition_lag
    );
    // The group as a whole is far from busy.
    assert!(
        summary.utilisation < 0.5,
        "utilisation {}",
        summary.utilisation
    );
}

#[test]
fn keying_by_transaction_spreads_the_hot_account() {
    let (summary, _) = run(&preset("kafka-hot-key-fixed"));
    let k = kafka(&summary);
    assert!(summary.throughput.out_per_second > 1190.0);
    // What auto-commit leaves: at most ~5 s of a partition's 100/s.
    assert!(k.max_partition_lag < 1000, "{k:?}");
}

/// kafka-rebalance-storm: an eager rebalance pauses every partition for 5 s of round trips
/// plus the slowest member's batch: at 800/s that is 4,000+ records on top of auto-commit's
/// few thousand, past the autoscaler's 4,000 target, so each scale-down is followed by a
/// scale-up, each a rebalance. Cooperative-sticky keeps most partitions consuming through a
/// rebalance and a 5-minute cooldown spaces decisions: an order of magnitude fewer.
#[test]
fn eager_rebalancing_and_a_lag_autoscaler_feed_a_storm_that_cooperative_assignment_stops() {
    let (storm, _) = run(&preset("kafka-rebalance-storm"));
    let (fixed, _) = run(&preset("kafka-rebalance-storm-fixed"));
    let (s, f) = (kafka(&storm), kafka(&fixed));
    assert!(s.rebalances >= 30, "storm: {} rebalances", s.rebalances);
    assert!(
        s.rebalancing_seconds > 240.0,
        "storm: {}s rebalancing",
        s.rebalancing_seconds
    );
    assert!(
        f.rebalances * 5 <= s.rebalances,
        "fixed {} vs storm {}",
        f.rebalances,
        s.rebalances
    );
    assert!(f.rebalancing_seconds * 4.0 < s.rebalancing_seconds);
}

/// kafka-max-poll-eviction: with a backlog every poll returns 500 records at ~0.7 s each
/// (~350 s) > max.poll.interval (300 s): every member is evicted mid-batch again and again,
/// its uncommitted work is redone by the next owner, and the backlog does not come down.
/// With 50 records a poll (~35 s) nobody is evicted and the backlog is worked off.
#[test]
fn batches_longer_than_max_poll_interval_evict_members_and_redo_their_work() {
    let (evicted, _) = run(&preset("kafka-max-poll-eviction"));
    let (fixed, _) = run(&preset("kafka-max-poll-eviction-fixed"));
    let (e, f) = (kafka(&evicted), kafka(&fixed));
    assert!(e.max_poll_evictions >= 20, "{e:?}");
    assert!(e.failed_commits >= 20, "a zombie's commit fails: {e:?}");
    assert!(e.duplicates > 10_000, "{e:?}");
    assert!(evicted.lag.caught_up_seconds.is_none());
    assert!(evicted.throughput.out_per_second < 0.25 * fixed.throughput.out_per_second);
    assert_eq!(
        (f.max_poll_evictions, f.rebalances, f.duplicates),
        (0, 0, 0),
        "{f:?}"
    );
    let caught_up = fixed
        .lag
        .caught_up_seconds
        .expect("the fix works the backlog off");
    // 30,000 records at ~8.6/s (6 members / 0.7 s): about 58 minutes.
    assert!(
        (3000.0..4500.0).contains(&caught_up),
        "caught up at {caught_up}s"
    );
}

fn scenario(extra: &str) -> Scenario {
    let text = format!(
        "name = \"kafka-rules\"\nseed = 5\nduration = \"20m\"\n[[producers]]\nrate = \"240/s\"\n\
         [consumers]\ncount = 6\nservice_time = {{ distribution = \"exponential\", mean = \"10ms\" }}\n{extra}"
    );
    Scenario::from_toml(&text, "kafka-rules").expect("a valid scenario")
}

/// A crash: the member stays in the group (its partitions stall) until the session timeout;
/// then a rebalance hands them on from the committed offset, and what it had processed
/// since its last commit is redone. Eager pauses every partition for the rebalance,
/// cooperative only the moved ones: fewer records wait.
#[test]
fn a_crash_stalls_its_partitions_for_the_session_timeout_then_the_next_owner_redoes_its_uncommitted_work()
 {
    let crash =
        "[[faults]]\nkind = \"consumer-crash\"\nat = \"5m\"\ncount = 1\nrestart_after = \"2m\"\n";
    for assignor in ["range", "cooperative-sticky"] {
        let (summary, series) = run(&scenario(&format!(
            "[kafka]\npartitions = 24\nassignor = \"{assignor}\"\n{crash}"
        )));
        let k = kafka(&summary);
        // Removed at 5m + 45 s, rejoined at 7m: two rebalances.
        assert!(
            k.session_timeouts == 1 && k.rebalances >= 2,
            "{assignor}: {k:?}"
        );
        // Auto-commit every 5 s: up to ~5 s of its 4 partitions' 40/s is redone.
        assert!(k.duplicates > 0 && k.duplicates < 400, "{assignor}: {k:?}");
        // Its partitions stalled ~45 s: 45 s × 10/s each shows on the worst partition.
        let peak = series
            .worst_partition_lag
            .iter()
            .copied()
            .fold(0.0, f64::max);
        assert!(peak > 300.0, "{assignor}: peak partition lag {peak}");
    }
}

#[test]
fn static_membership_takes_a_restart_within_the_session_timeout_without_a_rebalance() {
    let crash =
        "[[faults]]\nkind = \"consumer-crash\"\nat = \"5m\"\ncount = 1\nrestart_after = \"20s\"\n";
    let (dynamic, _) = run(&scenario(&format!("[kafka]\npartitions = 24\n{crash}")));
    let (fixed, _) = run(&scenario(&format!(
        "[kafka]\npartitions = 24\nstatic_membership = true\n{crash}"
    )));
    // A dynamic member comes back as a new member: a rebalance, which waits for its old self
    // (crashed, still in the group) until the session timeout removes it, 25 s after the
    // restart; a static one is simply back.
    let d = kafka(&dynamic);
    assert!(d.rebalances >= 1 && d.rebalancing_seconds >= 25.0, "{d:?}");
    let s = kafka(&fixed);
    assert_eq!(
        (s.rebalances, s.static_rejoins, s.session_timeouts),
        (0, 1, 0),
        "{s:?}"
    );
}

/// Eager: every member revokes everything when it rejoins, so during a rebalance nothing is
/// processed. Cooperative: members keep their partitions; only the moved ones pause.
#[test]
fn an_eager_rebalance_pauses_every_partition_a_cooperative_one_only_the_moved() {
    let scale = |assignor: &str| {
        scenario(&format!(
            "[kafka]\npartitions = 24\nassignor = \"{assignor}\"\nrebalance_time = \"20s\"\n\
             [autoscaler]\nmetric = \"lag-messages\"\ntarget = 1\nmin = 6\nmax = 7\n\
             evaluation_period = \"5m\"\ncooldown = \"1h\"\nstartup_delay = \"1s\"\n"
        ))
    };
    let throughput_during_rebalance = |series: &TimeSeries| {
        let rows: Vec<usize> = (0..series.len())
            .filter(|&r| series.rebalancing[r] > 0.0)
            .collect();
        assert!(!rows.is_empty(), "a rebalance happened");
        rows.iter()
            .map(|&r| series.completed_per_second[r])
            .sum::<f64>()
            / rows.len() as f64
    };
    let (eager, eager_series) = run(&scale("sticky"));
    let (coop, coop_series) = run(&scale("cooperative-sticky"));
    assert_eq!(kafka(&eager).members, 7);
    assert_eq!(kafka(&coop).members, 7);
    let (e, c) = (
        throughput_during_rebalance(&eager_series),
        throughput_during_rebalance(&coop_series),
    );
    // Eager: almost nothing while members wait for the assignment (a sample may straddle
    // the start). Cooperative: most of the 240/s goes on.
    assert!(e < 60.0, "eager processed {e}/s while rebalancing");
    assert!(c > 150.0, "cooperative processed {c}/s while rebalancing");
}

/// Scale-in: a dynamic member sends LeaveGroup and its partitions move at once; a static
/// member sends none (KIP-345), so its partitions stall until its session times out.
#[test]
fn a_static_member_scaled_in_stalls_its_partitions_until_its_session_times_out() {
    use spillway_core::{Intervention, RunStatus, SimTime, Simulation};
    let peak_partition_lag = |static_membership: bool| {
        let mut simulation = Simulation::new(&scenario(&format!(
            "[kafka]\npartitions = 24\nstatic_membership = {static_membership}\n"
        )))
        .unwrap();
        assert_eq!(
            simulation.run_until(SimTime::from_nanos(300_000_000_000)),
            RunStatus::Running
        );
        simulation.intervene(Intervention::Consumers(5)).unwrap();
        simulation.run();
        let summary = simulation.summary();
        assert!(summary.conservation.holds);
        let series = simulation.series();
        let peak = series
            .worst_partition_lag
            .iter()
            .copied()
            .fold(0.0, f64::max);
        (peak, kafka(&summary).clone())
    };
    let (dynamic, d) = peak_partition_lag(false);
    let (stalled, s) = peak_partition_lag(true);
    assert!(d.rebalances >= 1 && s.rebalances >= 1, "{d:?} {s:?}");
    assert_eq!((d.session_timeouts, s.session_timeouts), (0, 1));
    // 10 records/s per partition: 45 s of stall is ~450 behind; a LeaveGroup costs a second.
    assert!(stalled > 400.0, "static peak partition lag {stalled}");
    assert!(dynamic < 200.0, "dynamic peak partition lag {dynamic}");
}
