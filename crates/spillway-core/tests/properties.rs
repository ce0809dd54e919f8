//! Properties at scale: random valid scenarios with every model on in random combinations
//! never panic, conserve messages after every event (the engine asserts it in debug builds,
//! which tests are), never move the clock backwards, give the same fingerprint for the same
//! seed however the run is sliced, keep p50 ≤ p99 ≤ max, and stay within the memory budget
//! (a counting allocator in this test binary measures the peak).
//!
//! `SPILLWAY_PROPERTY_CASES` sets the number of cases (default 10,000; `cargo xtask test
//! --long` runs 100,000). This file holds one test so the allocator sees only its runs.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use spillway_core::{Change, Intervention, RunStatus, Scenario, SimTime, Simulation};

/// Counts the bytes allocated now and the peak since the last reset.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The memory budget every generated scenario runs under, MiB.
const BUDGET_MIB: u64 = 32;

fn cases() -> u32 {
    std::env::var("SPILLWAY_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_scenarios_hold_every_invariant(
        rate in 1.0f64..200.0,
        consumers in 1u32..8,
        concurrency in 1u32..4,
        mean_ms in 1u64..500,
        capacity in prop::option::of(1u64..300),
        overflow in prop::sample::select(vec!["reject", "drop-oldest", "block", "shed-lowest-priority"]),
        watermark in prop::option::of(0.2f64..1.0),
        attempts in 1u32..6,
        jitter in prop::sample::select(vec!["none", "full", "equal", "decorrelated"]),
        error_probability in 0.0f64..0.3,
        seed in any::<u64>(),
        downstream in prop::option::of((1u32..10, 1u64..200, 0u64..30, 50u64..2000, any::<bool>())),
        crash_at in prop::option::of(1u64..110),
        autoscale in any::<bool>(),
        slice_events in 1u64..5_000,
        backlog in prop::option::weighted(0.2, 1u64..400),
        sqs in prop::option::of((any::<bool>(), 0u64..20_000, 1u32..=10, prop::option::of(1u32..5), any::<bool>(), 0u64..2_000, 1u32..6, prop::option::of(1u32..40), any::<bool>(), prop::option::of(0.0f64..0.5), prop::option::of((0.0f64..0.5, any::<bool>(), 60u64..200)))),
        extras in (
            prop::sample::select(vec!["steady", "on-off", "sine", "schedule"]),
            prop::option::of(0.0f64..0.05),
            prop::option::of((5u32..100, 1u32..50)),
            prop::option::of(any::<bool>()),
            prop::option::of((500u64..5_000, 100u64..3_000)),
            prop::option::of((1.5f64..5.0, 1u64..60)),
            any::<bool>(),
            prop::collection::vec((0u64..120_000, 0u8..3, 1u32..12), 0..6),
            prop::option::weighted(0.02, 2u64..6),
        ),
    ) {
        let (profile, poison, rate_limiter, shedding, health_check, traffic, retry_budget, changes, flood) = extras;
        // A flood into an unbounded queue under a small budget: the run must end truncated
        // by a limit, holding no more than the budget (the memory property with teeth).
        let (rate, budget_mib, sqs) = match flood {
            Some(mib) => (100_000.0, mib, None),
            None => (rate, BUDGET_MIB, sqs),
        };
        // Nothing may stop the flood but a limit: no admission control, no live changes.
        let capacity = if flood.is_some() { None } else { capacity };
        let (rate_limiter, shedding, changes) = match flood {
            Some(_) => (None, None, Vec::new()),
            None => (rate_limiter, shedding, changes),
        };
        let profile_line = match profile {
            "on-off" => "profile = { kind = \"on-off\", on = \"10s\", off = \"5s\" }",
            "sine" => "profile = { kind = \"sine\", period = \"40s\", amplitude = 0.6 }",
            "schedule" => "profile = { kind = \"schedule\", steps = [ { at = \"30s\", multiplier = 3 }, { at = \"60s\", multiplier = 0.5 } ] }",
            _ => "",
        };
        let poison_line = poison.map_or(String::new(), |p| format!("poison_share = {p}"));
        let budget_part = if retry_budget { ", budget = { kind = \"aws-standard\" }" } else { "" };
        let limiter_table = rate_limiter.map_or(String::new(), |(r, burst)| {
            format!("[rate_limiter]\nrate = \"{r}/s\"\nburst = {burst}\n")
        });
        // Shedding needs [queue] (SQS accepts every send).
        let shedding_table = match (shedding, &sqs) {
            (Some(by_lag), None) => if by_lag {
                "[shedding]\nwhen_lag_over = \"5s\"\nbelow_priority = 1\n".to_string()
            } else {
                "[shedding]\nwhen_depth_over = 50\nbelow_priority = 1\n".to_string()
            },
            _ => String::new(),
        };
        let health_table = health_check.map_or(String::new(), |(timeout_ms, restart_ms)| {
            format!("[consumers.health_check]\ntimeout = \"{timeout_ms}ms\"\nrestart_after = \"{restart_ms}ms\"\n")
        });
        let traffic_table = traffic.map_or(String::new(), |(multiplier, at)| {
            format!("[[faults]]\nkind = \"traffic\"\nmultiplier = {multiplier}\nat = \"{at}s\"\nuntil = \"{}s\"\n", at + 20)
        });
        let downstream_table = match downstream {
            Some((pool, latency_ms, per_connection_ms, timeout_ms, breaker)) => format!(
                "[downstream]\npool_size = {pool}\nlatency = {{ distribution = \"exponential\", mean = \"{latency_ms}ms\" }}\nlatency_per_connection = \"{per_connection_ms}ms\"\ntimeout = \"{timeout_ms}ms\"\n{}\n[[faults]]\nkind = \"downstream-slow\"\nmultiplier = 5\nat = \"30s\"\nuntil = \"60s\"\n",
                if breaker { "breaker = { window_size = 20, minimum_calls = 10, wait_in_open = \"2s\", half_open_calls = 3 }" } else { "" }
            ),
            None => String::new(),
        };
        let crash_table = crash_at.map_or(String::new(), |at| {
            format!("[[faults]]\nkind = \"consumer-crash\"\ncount = 1\nat = \"{at}s\"\nrestart_after = \"5s\"\n")
        });
        let autoscaler_table = if autoscale {
            "[autoscaler]\nmetric = \"lag-messages\"\ntarget = 20\nmax = 12\nevaluation_period = \"5s\"\ncooldown = \"10s\"\nstartup_delay = \"3s\"\nscale_down_stabilization = \"15s\"\n"
        } else {
            ""
        };
        // An SQS queue instead of [queue], with its own rules in random combinations.
        let sqs_table = sqs.map(|(fifo, visibility_ms, batch, max_receives, heartbeat, delay_ms, groups, in_flight, long_poll, lost_responses, duplicates)| {
            let mut table = format!(
                "[sqs]\ntype = \"{}\"\nvisibility_timeout = \"{visibility_ms}ms\"\nreceive_batch = {batch}\ndelivery_delay = \"{delay_ms}ms\"\nwait_time = \"{}\"\nretention = \"90s\"\n",
                if fifo { "fifo" } else { "standard" },
                if long_poll { "20s" } else { "0s" },
            );
            if fifo {
                table += &format!("message_groups = {groups}\n");
            }
            if let Some(count) = max_receives {
                table += &format!("max_receive_count = {count}\n");
            }
            if let Some(limit) = in_flight {
                table += &format!("in_flight_limit = {limit}\n");
            }
            if let Some(share) = lost_responses {
                table += &format!("lost_send_responses = {share}\nresend_after = \"2s\"\n");
            }
            // An upstream that sends twice (FIFO: deduplicated by content or not), and a
            // dead-letter queue whose retention may delete messages within the run.
            if let Some((share, content_based, dlq_retention_s)) = duplicates {
                table += &format!("duplicate_events = {share}\nduplicate_event_after = \"3s\"\ndead_letter_retention = \"{dlq_retention_s}s\"\n");
                if fifo && content_based {
                    table += "content_based_deduplication = true\n";
                }
            }
            if heartbeat {
                table += "heartbeat = { every = \"100ms\", extend_to = \"1s\" }\n";
            }
            table
        });
        let capacity_line = capacity.map_or("\"unbounded\"".to_string(), |c| c.to_string());
        let watermark_line = match (watermark, capacity) {
            (Some(mark), Some(_)) => format!("high_watermark = {mark}"),
            _ => String::new(),
        };
        let queue_table = match &sqs_table {
            Some(table) => table.clone(),
            None => format!("[queue]\ndead_letter_queue = true\ncapacity = {capacity_line}\noverflow = \"{overflow}\"\nblock_timeout = \"500ms\"\n{watermark_line}\n"),
        };
        // A backlog waiting at the start (within a bounded queue's capacity), outside floods.
        let backlog = match (flood, &sqs_table) {
            (Some(_), _) => 0,
            (None, Some(_)) => backlog.unwrap_or(0),
            (None, None) => backlog.unwrap_or(0).min(capacity.unwrap_or(u64::MAX)),
        };
        let text = format!(r#"
            seed = {seed}
            duration = "2m"
            initial_backlog = {backlog}
            [[producers]]
            rate = {rate}
            classes = [ {{ name = "a", share = 1, priority = 1 }}, {{ name = "b", share = 2 }} ]
            retry = {{ max_attempts = {attempts}, base = "10ms", cap = "1s", jitter = "{jitter}"{budget_part} }}
            {profile_line}
            {poison_line}
            {limiter_table}
            {shedding_table}
            {queue_table}
            [consumers]
            count = {consumers}
            concurrency = {concurrency}
            error_probability = {error_probability}
            service_time = {{ distribution = "exponential", mean = "{mean_ms}ms" }}
            retry = {{ max_attempts = 3, base = "20ms" }}
            {health_table}
            {downstream_table}
            {traffic_table}
            {crash_table}
            {autoscaler_table}
        "#);
        let text = format!("{text}\n[limits]\nmax_memory_mib = {budget_mib}\n");
        let scenario = Scenario::from_toml(&text, "generated").map_err(|e| TestCaseError::fail(e.to_string()))?;

        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        // Live changes at random times, planned in both runs: replays are part of the model.
        let plan: Vec<Change> = changes
            .iter()
            .map(|&(at_ms, knob, value)| Change {
                at_nanos: at_ms * 1_000_000,
                change: match knob {
                    0 => Intervention::Consumers(value),
                    1 => Intervention::RateMultiplier(f64::from(value) / 4.0),
                    _ => match &sqs_table {
                        Some(_) => Intervention::VisibilityTimeout(f64::from(value)),
                        None => Intervention::QueueCapacity(u64::from(value) * 10),
                    },
                },
            })
            .collect();
        let mut whole = Simulation::new(&scenario).expect("a valid scenario");
        let skipped = whole.plan_changes(&plan);
        prop_assert!(skipped.is_empty(), "{skipped:?}");
        whole.run();
        let held = PEAK.load(Ordering::Relaxed).saturating_sub(before) as u64;
        let summary = whole.summary();

        prop_assert!(summary.conservation.holds, "{:?}", summary.conservation);
        prop_assert_eq!(summary.lag.initial_backlog, backlog);
        // The backlog is produced by the run's first event, before any limit can stop it.
        prop_assert!(summary.counts.produced >= backlog, "{} produced, backlog {backlog}", summary.counts.produced);
        prop_assert_eq!(summary.counts.produced, summary.classes.iter().map(|c| c.produced).sum::<u64>());
        for p in [&summary.latency, &summary.queue_wait] {
            prop_assert!(p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.p999 && p.p999 <= p.max, "{p:?}");
        }
        // The budget bounds what the run holds; the histograms, the scenario and allocator
        // rounding come on top, a few MiB at most.
        prop_assert!(held <= (budget_mib + 8) << 20, "held {} MiB", held >> 20);
        if flood.is_some() {
            prop_assert_eq!(summary.outcome, spillway_core::OutcomeKind::Truncated);
        }

        // Sliced by events, the same seed gives the same run, and the clock never goes back.
        let mut sliced = Simulation::new(&scenario).expect("a valid scenario");
        sliced.plan_changes(&plan);
        let end = sliced.end_time();
        let mut last = SimTime::ZERO;
        while let RunStatus::Running = sliced.run_slice(end, slice_events) {
            prop_assert!(sliced.now() >= last, "the clock went back from {last} to {}", sliced.now());
            last = sliced.now();
        }
        prop_assert_eq!(sliced.fingerprint(), whole.fingerprint());
        let times = &sliced.series().time;
        prop_assert!(times.windows(2).all(|w| w[0] < w[1]), "sample times must increase");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (cases() / 10).max(50), failure_persistence: None, ..ProptestConfig::default() })]

    /// Kafka's invariants over random topics and groups: conservation with Kafka's states
    /// (unconsumed, in flight, processed, dead-lettered, skipped, lost to retention); lag =
    /// Σ log-end − committed at every sample; first-time processing in offset order within
    /// every partition (`PartitionLog::finish` asserts it in these debug builds); and the same
    /// run however it is sliced.
    #[test]
    fn kafka_lag_is_log_end_minus_committed_and_order_holds(
        seed in any::<u64>(),
        rate in 5.0f64..400.0,
        partitions in 1u32..40,
        members in 1u32..10,
        mean_ms in 1u64..80,
        keys in prop::sample::select(vec!["none", "uniform", "zipf", "hot"]),
        round_robin in any::<bool>(),
        assignor in prop::sample::select(vec!["range", "round-robin", "sticky", "cooperative-sticky"]),
        commit in prop::sample::select(vec!["auto", "batch", "record"]),
        on_error in prop::sample::select(vec!["retry-forever", "dead-letter", "skip"]),
        max_poll_records in 1u32..600,
        max_poll_interval_s in 1u64..60,
        error_probability in prop::option::of(0.0f64..0.2),
        poison in prop::option::of(0.0f64..0.01),
        slow in prop::option::of((0.0f64..0.05, 2.0f64..50.0)),
        crash in prop::option::of((1u64..100, 1u64..80, any::<bool>())),
        autoscale in any::<bool>(),
        retention in prop::option::of((10u64..100, prop::option::of(10u64..500))),
        backlog in prop::option::weighted(0.2, 1u64..2_000),
        slice_events in 1u64..5_000,
    ) {
        let keys_line = match keys {
            "uniform" => "keys = { distribution = \"uniform\", count = 500 }".to_string(),
            "zipf" => "keys = { distribution = \"zipf\", count = 500, s = 1.2 }".to_string(),
            "hot" => "keys = { distribution = \"hot\", key = \"acct-1\", share = 0.4, count = 500 }".to_string(),
            _ => format!("partitioner = \"{}\"", if round_robin { "round-robin" } else { "sticky" }),
        };
        let (static_membership, crash_table) = match crash {
            Some((at, restart, is_static)) => (is_static, format!(
                "[[faults]]\nkind = \"consumer-crash\"\ncount = 1\nat = \"{at}s\"\nrestart_after = \"{restart}s\"\n"
            )),
            None => (false, String::new()),
        };
        let retention_lines = match retention {
            Some((seconds, records)) => format!(
                "retention = \"{seconds}s\"\n{}",
                records.map_or(String::new(), |r| format!("retention_records = {r}\n"))
            ),
            None => String::new(),
        };
        let autoscaler_table = if autoscale {
            "[autoscaler]\nmetric = \"lag-messages\"\ntarget = 50\nmax = 12\nevaluation_period = \"5s\"\ncooldown = \"5s\"\nstartup_delay = \"2s\"\nscale_down_stabilization = \"10s\"\n"
        } else {
            ""
        };
        let text = format!(r#"
            seed = {seed}
            duration = "2m"
            initial_backlog = {}
            [[producers]]
            rate = {rate}
            {}
            [kafka]
            partitions = {partitions}
            {keys_line}
            assignor = "{assignor}"
            commit = "{commit}"
            on_error = "{on_error}"
            attempts = 3
            retry_backoff = "200ms"
            max_poll_records = {max_poll_records}
            max_poll_interval = "{max_poll_interval_s}s"
            session_timeout = "10s"
            rebalance_time = "500ms"
            static_membership = {static_membership}
            slow_records = {}
            slow_factor = {}
            {retention_lines}
            [consumers]
            count = {members}
            error_probability = {}
            service_time = {{ distribution = "exponential", mean = "{mean_ms}ms" }}
            {crash_table}
            {autoscaler_table}
            [limits]
            max_memory_mib = {BUDGET_MIB}
        "#,
            backlog.unwrap_or(0),
            poison.map_or(String::new(), |p| format!("poison_share = {p}")),
            slow.map_or(0.0, |s| s.0),
            slow.map_or(100.0, |s| s.1),
            error_probability.unwrap_or(0.0),
        );
        let scenario = Scenario::from_toml(&text, "generated").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut whole = Simulation::new(&scenario).expect("a valid scenario");
        whole.run();
        let summary = whole.summary();
        prop_assert!(summary.conservation.holds, "{:?}", summary.conservation);
        let kafka = summary.kafka.as_ref().expect("a Kafka summary");
        prop_assert_eq!(kafka.lag, kafka.partition_lag.iter().sum::<u64>());
        prop_assert_eq!(summary.lag.final_messages, kafka.lag);
        prop_assert_eq!(kafka.worst_partition_lag, kafka.partition_lag.iter().copied().max().unwrap_or(0));
        prop_assert_eq!(summary.counts.expired, kafka.retention_lost);
        prop_assert_eq!(summary.counts.dead_lettered, kafka.dead_lettered);
        // Every sample: the lag the charts and the autoscaler see is Σ log-end − committed.
        let series = whole.series();
        prop_assert_eq!(series.partition_lag.len(), partitions as usize);
        for row in 0..series.len() {
            let total: f64 = series.partition_lag.iter().map(|column| column[row]).sum();
            prop_assert_eq!(series.queue_depth[row], total, "row {}", row);
            let worst = series.partition_lag.iter().map(|column| column[row]).fold(0.0, f64::max);
            prop_assert_eq!(series.worst_partition_lag[row], worst, "row {}", row);
        }
        // First-time processing covers each partition's offsets once, in order.
        let processed: u64 = kafka.processed_per_partition.iter().sum();
        prop_assert_eq!(processed, summary.counts.completed + summary.counts.dead_lettered + summary.counts.failed);

        let mut sliced = Simulation::new(&scenario).expect("a valid scenario");
        let end = sliced.end_time();
        while let RunStatus::Running = sliced.run_slice(end, slice_events) {}
        prop_assert_eq!(sliced.fingerprint(), whole.fingerprint());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: (cases() / 10).max(50), failure_persistence: None, ..ProptestConfig::default() })]

    /// RabbitMQ's invariants over random queues, nodes and consumers: conservation with
    /// RabbitMQ's states (ready, in consumers' buffers, being handled, blocked by the alarm,
    /// dead-lettered, dropped, expired, failed, rejected) after every event (the engine
    /// asserts it in these debug builds) and at the end; no consumer ever holds more than
    /// the prefetch, at any sample or at the end; dead letters by reason add up; live
    /// prefetch and watermark changes; the same run however it is sliced.
    #[test]
    fn rabbitmq_conserves_messages_and_never_exceeds_the_prefetch(
        seed in any::<u64>(),
        rate in 5.0f64..2_000.0,
        consumers in 1u32..8,
        concurrency in 1u32..4,
        mean_ms in 1u64..80,
        quorum in any::<bool>(),
        prefetch in prop::sample::select(vec![0u32, 1, 2, 5, 50, 1000]),
        node_kib in 200u64..20_000,
        message_kib in 1u64..64,
        high_watermark in 0.2f64..0.9,
        paging_ratio in 0.1f64..1.5,
        page_us in 0u64..3_000,
        max_length in prop::option::of(1u64..2_000),
        overflow in prop::sample::select(vec!["drop-head", "reject-publish", "reject-publish-dlx"]),
        ttl_ms in prop::option::of(1u64..5_000),
        dlx in any::<bool>(),
        delivery_limit in prop::option::of(1u32..5),
        error_probability in prop::option::of(0.0f64..0.3),
        retry in any::<bool>(),
        poison in prop::option::of(0.0f64..0.02),
        crash in prop::option::of((1u64..100, 1u64..30)),
        autoscale in any::<bool>(),
        producer_retry in any::<bool>(),
        backlog in prop::option::weighted(0.2, 1u64..2_000),
        changes in prop::collection::vec((0u64..120_000, any::<bool>(), 0u32..2_000), 0..4),
        slice_events in 1u64..5_000,
        disk_kib in prop::option::of(100u64..50_000),
        // None: confirms, no window; Some(None): fire-and-forget; Some(Some(..)): a window.
        confirms in prop::option::of(prop::option::of((1u32..500, 0u64..50))),
    ) {
        let dlx = dlx || overflow == "reject-publish-dlx";
        let confirm_keys = match confirms {
            None => String::new(),
            Some(None) => "publisher_confirms = false".to_string(),
            Some(Some((window, latency_ms))) => format!("max_unconfirmed = {window}\nconfirm_latency = \"{latency_ms}ms\""),
        };
        let disk_keys = disk_kib.map_or(String::new(), |kib| format!("disk_free = \"{kib}KiB\"\ndisk_free_limit = \"{}KiB\"", kib / 2));
        let crash_table = crash.map_or(String::new(), |(at, restart)| format!(
            "[[faults]]\nkind = \"consumer-crash\"\ncount = 1\nat = \"{at}s\"\nrestart_after = \"{restart}s\"\n"
        ));
        let autoscaler_table = if autoscale {
            "[autoscaler]\nmetric = \"lag-messages\"\ntarget = 50\nmax = 12\nevaluation_period = \"5s\"\ncooldown = \"5s\"\nstartup_delay = \"2s\"\nscale_down_stabilization = \"10s\"\n"
        } else {
            ""
        };
        // Keep the node's own use under the watermark (a scenario error otherwise).
        let node = node_kib << 10;
        let base = (node as f64 * high_watermark * 0.3) as u64;
        let text = format!(r#"
            seed = {seed}
            duration = "2m"
            initial_backlog = {}
            [[producers]]
            rate = {rate}
            {}
            {}
            [rabbitmq]
            type = "{}"
            prefetch = {prefetch}
            node_memory = {node}
            base_memory = {base}
            message_size = "{message_kib}KiB"
            high_watermark = {high_watermark}
            paging_ratio = {paging_ratio}
            page_cost = "{page_us}us"
            overflow = "{overflow}"
            dead_letter_exchange = {dlx}
            publish_timeout = "3s"
            {confirm_keys}
            {disk_keys}
            {}
            {}
            {}
            [consumers]
            count = {consumers}
            concurrency = {concurrency}
            error_probability = {}
            service_time = {{ distribution = "exponential", mean = "{mean_ms}ms" }}
            {}
            {crash_table}
            {autoscaler_table}
            [limits]
            max_memory_mib = {BUDGET_MIB}
        "#,
            backlog.unwrap_or(0),
            poison.map_or(String::new(), |p| format!("poison_share = {p}")),
            if producer_retry { "retry = { max_attempts = 3, base = \"100ms\" }" } else { "" },
            if quorum { "quorum" } else { "classic" },
            max_length.map_or(String::new(), |m| format!("max_length = {m}")),
            ttl_ms.map_or(String::new(), |t| format!("message_ttl = \"{t}ms\"")),
            match (quorum, delivery_limit) {
                (true, Some(limit)) => format!("delivery_limit = {limit}"),
                _ => String::new(),
            },
            error_probability.unwrap_or(0.0),
            if retry { "retry = { max_attempts = 3, base = \"20ms\" }" } else { "" },
        );
        let scenario = Scenario::from_toml(&text, "generated").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let plan: Vec<Change> = changes
            .iter()
            .map(|&(at_ms, is_prefetch, value)| Change {
                at_nanos: at_ms * 1_000_000,
                change: if is_prefetch {
                    Intervention::Prefetch(value)
                } else {
                    Intervention::Watermark(f64::from(value % 100 + 1) / 100.0)
                },
            })
            .collect();
        let mut whole = Simulation::new(&scenario).expect("a valid scenario");
        let skipped = whole.plan_changes(&plan);
        prop_assert!(skipped.is_empty(), "{skipped:?}");
        whole.run();
        let summary = whole.summary();
        prop_assert!(summary.conservation.holds, "{:?}", summary.conservation);
        let r = summary.rabbitmq.as_ref().expect("a RabbitMQ summary");
        // The largest prefetch in force at any time bounds what one consumer held.
        let largest = plan
            .iter()
            .filter_map(|c| match c.change {
                Intervention::Prefetch(n) => Some(n),
                _ => None,
            })
            .chain([prefetch])
            .collect::<Vec<_>>();
        if !largest.contains(&0) {
            let bound = u64::from(*largest.iter().max().unwrap());
            prop_assert!(r.max_consumer_unacked <= bound, "{} > prefetch {bound}", r.max_consumer_unacked);
            for row in 0..whole.series().len() {
                prop_assert!(whole.series().consumer_unacked_max[row] <= bound as f64);
            }
        }
        prop_assert_eq!(r.messages_unacknowledged, r.unacked_per_consumer.iter().map(|u| u64::from(*u)).sum::<u64>());
        prop_assert_eq!(summary.lag.final_messages, r.messages_ready);
        if let Some(max) = max_length {
            if overflow == "drop-head" {
                prop_assert!(r.messages_ready <= max);
            }
        }
        if dlx {
            // Every message that left for the dead-letter exchange has its reason (the
            // reject-publish-dlx copies come on top of the conservation's count).
            prop_assert_eq!(
                summary.counts.dead_lettered
                    + r.rejected_publishes * u64::from(overflow == "reject-publish-dlx" && r.publisher_confirms),
                r.dead_lettered_rejected + r.dead_lettered_expired + r.dead_lettered_maxlen + r.dead_lettered_delivery_limit
            );
        } else {
            prop_assert_eq!(summary.counts.dead_lettered, 0);
        }
        prop_assert!(r.paged_out == 0 || !quorum, "quorum queues never page");
        // A producer never has more unconfirmed than its window; fire-and-forget producers
        // never hear of a refusal, confirming ones always do.
        if let Some(Some((window, _))) = confirms {
            prop_assert!(r.max_unconfirmed_publishes <= u64::from(window));
            prop_assert!(r.max_blocked_publishes <= u64::from(window));
            prop_assert_eq!(summary.counts.pushed_back, r.held_back_publishes);
        }
        if r.publisher_confirms {
            prop_assert_eq!(r.lost_unconfirmed, 0);
        } else {
            // Every refusal went unseen: no producer was told "full".
            prop_assert_eq!(summary.counts.refused_full, 0);
        }

        let mut sliced = Simulation::new(&scenario).expect("a valid scenario");
        sliced.plan_changes(&plan);
        let end = sliced.end_time();
        while let RunStatus::Running = sliced.run_slice(end, slice_events) {}
        prop_assert_eq!(sliced.fingerprint(), whole.fingerprint());
    }
}
