//! `spillway plan`, `sweep` and `merge` as a user runs them: the textbook answers, the
//! simulated answer against the analytic one, and the shard/merge contract.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use spillway_core::analytic::{erlang_b, mmc_wait_quantile};

fn spillway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(args)
        .output()
        .expect("spillway runs")
}

fn json(args: &[&str]) -> Value {
    let out = spillway(args);
    assert!(
        out.status.success(),
        "spillway {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn stderr(args: &[&str]) -> String {
    let out = spillway(args);
    assert_eq!(out.status.code(), Some(2), "{args:?} should be bad input");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn row_at(plan: &Value, table: &str, consumers: u64) -> Value {
    plan[table]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["consumers"] == consumers)
        .unwrap_or_else(|| panic!("no {table} row for {consumers}: {plan:#}"))
        .clone()
}

#[test]
fn the_articles_sizing_and_erlang_b_in_a_loss_system() {
    // "2,000 msg/s at 100 msg/s per consumer: you need at least 20."
    let plan = json(&[
        "plan",
        "--rate",
        "2000/s",
        "--service",
        "10ms",
        "--slo",
        "p99_queue_wait < 2s",
        "--duration",
        "2m",
        "--json",
    ]);
    assert_eq!(plan["consumers_of_work"], 20);
    assert_eq!(plan["consumers_to_keep_up"], 21);
    assert!(plan["recommended"].as_u64().unwrap() >= 21);

    // Erlang B: 25 Erlangs on 30 servers block 5.26% (tolerance 5e-5); the simulated loss
    // system (capacity = 0) contains it in its 95% interval.
    let plan = json(&[
        "plan",
        "--rate",
        "25/s",
        "--service",
        "1s",
        "--capacity",
        "0",
        "--slo",
        "blocking_ratio < 6%",
        "--duration",
        "1h",
        "--replications",
        "10",
        "--json",
    ]);
    assert_eq!(plan["analytic_minimum"], 30);
    let analytic = row_at(&plan, "analytic", 30);
    assert!((analytic["blocking"].as_f64().unwrap() - 0.0526).abs() < 5e-5);
    assert_eq!(analytic["model"], "M/M/c/c (Erlang B)");
    let simulated = row_at(&plan, "trials", 30);
    let estimate = &simulated["slos"][0]["estimate"];
    let (mean, ci) = (
        estimate["mean"].as_f64().unwrap(),
        estimate["ci95"].as_f64().unwrap(),
    );
    assert!(
        (mean - ci..=mean + ci).contains(&erlang_b(30, 25.0)),
        "simulated blocking {mean} ± {ci}"
    );
}

#[test]
fn the_simulated_minimum_equals_the_analytic_one_for_m_m_c() {
    // λ = 200/s, E[S] = 50 ms (10 Erlangs). The SLO sits between the exact p99 waits of 12
    // and 13 consumers, so both answers must be 13.
    let (p12, p13) = (
        mmc_wait_quantile(200.0, 20.0, 12, 0.99),
        mmc_wait_quantile(200.0, 20.0, 13, 0.99),
    );
    let slo = format!("p99_queue_wait < {:.1}ms", (p12 * p13).sqrt() * 1000.0);
    let plan = json(&[
        "plan",
        "--rate",
        "200/s",
        "--service",
        "50ms",
        "--slo",
        &slo,
        "--duration",
        "5m",
        "--json",
    ]);
    assert_eq!(plan["analytic_minimum"], 13, "{plan:#}");
    assert_eq!(plan["simulated_minimum"], 13, "{plan:#}");
    // The search brackets and bisects: it never simulates a count twice and stays short.
    let trials = plan["trials"].as_array().unwrap();
    assert!(trials.len() <= 4, "{} counts simulated", trials.len());
    assert_eq!(row_at(&plan, "trials", 12)["meets"], false);
}

#[test]
fn bursty_arrivals_need_more_consumers_than_theory_says() {
    // The same mean rate (200/s) in 10 s bursts at 400/s: the closed forms see Poisson
    // arrivals at 200/s and answer 12; simulation needs 22 (measured: +10, +83%).
    let dir = tempdir();
    let file = dir.join("bursty.toml");
    std::fs::write(
        &file,
        r#"name = "bursty orders"
duration = "5m"
[[producers]]
name = "orders"
rate = "400/s"
profile = { kind = "on-off", on = "10s", off = "10s" }
[consumers]
count = 12
service_time = { distribution = "exponential", mean = "50ms" }
"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let args = ["plan", path, "--slo", "p99_queue_wait < 150ms"];
    let plan = json(&[&args[..], &["--json"]].concat());
    let analytic = plan["analytic_minimum"].as_u64().unwrap();
    let simulated = plan["simulated_minimum"].as_u64().unwrap();
    assert_eq!(analytic, 12);
    assert!(
        simulated >= analytic + 8,
        "simulated {simulated} vs analytic {analytic}"
    );
    assert_eq!(plan["workload"]["caveats"][0], "bursty-arrivals");
    let text = String::from_utf8(spillway(&args).stdout).unwrap();
    assert!(
        text.contains("the analytic answer may be unsafe here"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "the analytic answer is unsafe: {} more consumer(s) than theory",
            simulated - analytic
        )),
        "{text}"
    );
}

#[test]
fn plan_refuses_what_it_cannot_answer() {
    assert!(stderr(&["plan", "--rate", "2000/s", "--service", "10ms"]).contains("give an SLO"));
    assert!(stderr(&["plan", "--rate", "2000/s"]).contains("--rate and --service"));
    let e = stderr(&[
        "plan",
        "--rate",
        "2000/s",
        "--service",
        "10ms",
        "--slo",
        "p99_wait < 2s",
    ]);
    assert!(
        e.contains("unknown metric `p99_wait`; did you mean `p99_queue_wait`?"),
        "{e}"
    );
    let e = stderr(&[
        "plan",
        "--rate",
        "fast",
        "--service",
        "10ms",
        "--slo",
        "utilisation < 70%",
    ]);
    assert!(e.contains("--rate fast"), "{e}");
    let e = stderr(&[
        "plan",
        "--rate",
        "1/s",
        "--service",
        "1s",
        "--slo",
        "utilisation < 70%",
        "--replications",
        "1",
    ]);
    assert!(e.contains("at least 2"), "{e}");
    let e = stderr(&[
        "plan",
        "--rate",
        "1/s",
        "--service",
        "1s",
        "--slo",
        "utilisation < 70%",
        "--distribution",
        "lognormal",
    ]);
    assert!(e.contains("needs --stddev"), "{e}");
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "spillway-planning-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sweep_to(dir: &Path, name: &str, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let json_path = dir.join(format!("{name}.json"));
    let csv_path = dir.join(format!("{name}.csv"));
    let mut args = vec![
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=3..6",
        "--vary",
        "producers[0].rate=40/s,50/s",
        "--replications",
        "3",
        "--duration",
        "2m",
        "--json",
        json_path.to_str().unwrap(),
        "--csv",
        csv_path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = spillway(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        std::fs::read(json_path).unwrap(),
        std::fs::read(csv_path).unwrap(),
    )
}

#[test]
fn shards_merge_into_exactly_the_unsharded_sweep() {
    let dir = tempdir();
    let (whole_json, whole_csv) = sweep_to(&dir, "whole", &[]);
    let whole: Value = serde_json::from_slice(&whole_json).unwrap();
    assert_eq!(whole["rows"].as_array().unwrap().len(), 8);
    for count in [2, 3, 9] {
        let mut parts = Vec::new();
        for index in (1..=count).rev() {
            let shard = format!("{index}/{count}");
            sweep_to(&dir, &format!("shard-{index}"), &["--shard", &shard]);
            parts.push(dir.join(format!("shard-{index}.json")));
        }
        let merged_json = dir.join("merged.json");
        let merged_csv = dir.join("merged.csv");
        let mut args = vec!["merge".to_string()];
        args.extend(parts.iter().map(|p| p.to_str().unwrap().to_string()));
        args.extend(
            [
                "--json",
                merged_json.to_str().unwrap(),
                "--csv",
                merged_csv.to_str().unwrap(),
            ]
            .map(String::from),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = spillway(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::read(&merged_json).unwrap() == whole_json,
            "{count} shards: JSON differs"
        );
        assert!(
            std::fs::read(&merged_csv).unwrap() == whole_csv,
            "{count} shards: CSV differs"
        );
        // A shard missing or given twice is refused, naming it.
        let first = parts[0].to_str().unwrap();
        let e = stderr(&["merge", first]);
        assert!(e.contains("missing"), "{e}");
        let e = stderr(&["merge", first, first]);
        assert!(
            e.contains(&format!("shard {count}/{count} is given twice")),
            "{e}"
        );
    }
}

#[test]
fn a_point_rerun_alone_gives_the_same_bits() {
    let dir = tempdir();
    let (whole, _) = sweep_to(&dir, "grid", &[]);
    let whole: Value = serde_json::from_slice(&whole).unwrap();
    let out = spillway(&[
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=5",
        "--vary",
        "producers[0].rate=50/s",
        "--replications",
        "3",
        "--duration",
        "2m",
        "--json",
        dir.join("alone.json").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let alone: Value =
        serde_json::from_slice(&std::fs::read(dir.join("alone.json")).unwrap()).unwrap();
    let row = whole["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["settings"]["consumers.count"] == "5" && r["settings"]["producers[0].rate"] == "50/s"
        })
        .unwrap();
    assert_eq!(alone["rows"][0]["metrics"], row["metrics"]);
    // Different points do differ (the seeds follow the point).
    assert_ne!(whole["rows"][0]["metrics"], row["metrics"]);
}

#[test]
fn sweep_and_merge_refuse_bad_input_by_name() {
    let e = stderr(&["sweep", "-p", "steady", "--vary", "consumers.count=0..3"]);
    assert!(
        e.contains("--vary consumers.count=0: consumers.count: must be ≥ 1"),
        "{e}"
    );
    let e = stderr(&["sweep", "-p", "steady", "--vary", "consumers.count=3..1"]);
    assert!(e.contains("ends before it starts"), "{e}");
    let e = stderr(&[
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=3",
        "--shard",
        "4/3",
    ]);
    assert!(e.contains("I/N"), "{e}");
    let dir = tempdir();
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"not\": \"a sweep\"}").unwrap();
    let e = stderr(&["merge", junk.to_str().unwrap()]);
    assert!(e.contains("not a `spillway sweep --json` output"), "{e}");
}

#[test]
fn stress_says_what_gave_first_and_when() {
    // steady: 50 msg/s against 67 msg/s of capacity, a 1,000-message queue. At 2× (100 msg/s)
    // the backlog grows 33 msg/s and fills the queue in ~30 s: refusals are what give first.
    let out = spillway(&["stress", "-p", "steady", "--json"]);
    assert_eq!(out.status.code(), Some(1), "something gave: exit 1");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["factor"], 2.0);
    assert_eq!(report["hold_seconds"], 1800.0);
    let first = &report["gave"][0];
    assert_eq!(first["what"], "queue-full", "{report:#}");
    let at = first["at_seconds"].as_f64().unwrap();
    assert!(
        (20.0..60.0).contains(&at),
        "filled at {at} s; 1,000 / 33 msg/s ≈ 30 s"
    );
    assert!(
        report["held"]
            .as_array()
            .unwrap()
            .contains(&Value::from("breaker-open"))
    );
    // At 1.2× (60 msg/s, 90% busy) it holds for 10 minutes: exit 0.
    let out = spillway(&["stress", "-p", "steady", "--factor", "1.2", "--for", "10m"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing gave"));
    // Bad flags name themselves.
    assert!(stderr(&["stress", "-p", "steady", "--factor", "0"]).contains("--factor: must be"));
    let e = stderr(&["stress", "-p", "steady", "--for", "1000000d"]);
    assert!(e.contains("--for 1000000d"), "{e}");
}

#[test]
fn plan_and_sweep_refuse_what_would_mislead_or_waste_a_run() {
    // A load no count up to the limit can keep up with is not "met" by a run that served
    // nothing: nothing is recommended, and the plan exits 1.
    let out = spillway(&[
        "plan",
        "--rate",
        "100/s",
        "--service",
        "1000d",
        "--slo",
        "p99_queue_wait < 2s",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not simulated: even 2000 consumers cannot keep up"),
        "{text}"
    );
    assert!(text.contains("recommended: none found"), "{text}");
    // Outputs are checked before the sweep runs; absurd thread counts are refused.
    let e = stderr(&[
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=3..4",
        "--json",
        "/tmp/same",
        "--csv",
        "/tmp/same",
    ]);
    assert!(e.contains("one would overwrite the other"), "{e}");
    let e = stderr(&[
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=3..4",
        "--json",
        "/nonexistent/x.json",
    ]);
    assert!(
        e.contains("the directory /nonexistent does not exist"),
        "{e}"
    );
    let e = stderr(&[
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=3..4",
        "--jobs",
        "100000",
    ]);
    assert!(e.contains("--jobs: must be between 1 and 256"), "{e}");
    let e = stderr(&[
        "plan",
        "--rate",
        "1/s",
        "--service",
        "1s",
        "--slo",
        "utilisation < 70%",
        "--replications",
        "1000000",
    ]);
    assert!(e.contains("--replications: at most 10000"), "{e}");
    // A stress shorter than one sample would see nothing and call it "held".
    let e = stderr(&["stress", "-p", "steady", "--for", "1ns"]);
    assert!(e.contains("at least one sample interval"), "{e}");
}

#[test]
fn a_sweep_draws_its_metric_and_a_merged_sweep_draws_the_same_chart() {
    let dir = tempdir().join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let base = [
        "sweep",
        "-p",
        "steady",
        "--duration",
        "5m",
        "--replications",
        "3",
        "--vary",
        "consumers.count=3..6",
    ];
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let out = spillway(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // One parameter: a point (mean) and a whisker (95% CI) per consumer count.
    run(&["--chart", &p("one.svg")]);
    let one = std::fs::read_to_string(dir.join("one.svg")).unwrap();
    assert_eq!(one.matches("<circle").count(), 4, "one point per count");
    assert!(one.contains("consumers.count") && one.contains("p99_queue_wait"));
    // Two shards merged draw exactly the unsharded chart.
    run(&["--shard", "1/2", "--json", &p("s1.json")]);
    run(&["--shard", "2/2", "--json", &p("s2.json")]);
    let out = spillway(&[
        "merge",
        &p("s1.json"),
        &p("s2.json"),
        "--chart",
        &p("merged.svg"),
        "--json",
        &p("m.json"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("merged.svg")).unwrap(),
        one
    );
    // Two parameters: a heat map, one cell per pair, each holding its value.
    run(&[
        "--vary",
        "producers[0].rate=40/s,50/s",
        "--metric",
        "max_lag_messages",
        "--chart",
        &p("two.svg"),
    ]);
    let two = std::fs::read_to_string(dir.join("two.svg")).unwrap();
    assert!(two.contains("producers[0].rate") && two.contains("max_lag_messages"));
    let cells = two.matches("<rect").count();
    assert!(
        cells >= 8,
        "4 × 2 cells (plus the scale), got {cells} rectangles"
    );
    // The chart path is checked with the others before anything runs.
    let e = stderr(&[
        "sweep",
        "-p",
        "steady",
        "--vary",
        "consumers.count=3..4",
        "--chart",
        &p("same"),
        "--csv",
        &p("same"),
    ]);
    assert!(e.contains("--csv and --chart are both"), "{e}");
}

#[test]
fn a_backlog_is_drained_in_the_time_theory_gives_and_sized_to_a_goal() {
    // 200,000 waiting, 2,000/s arriving, 100/s per consumer: c consumers catch up after
    // 200,000 / (100c − 2,000) s, so within 10 minutes needs 100c ≥ 2,333: 24 consumers
    // (25 catch up in 400 s, 23 in 667 s — the goal sits between them with margin).
    let plan = json(&[
        "plan",
        "--rate",
        "2000/s",
        "--service",
        "10ms",
        "--backlog",
        "200000",
        "--catch-up-within",
        "10m",
        "--set",
        "consumers.count=25",
        "--json",
    ]);
    assert_eq!(plan["analytic_minimum"], 24, "{plan:#}");
    assert_eq!(plan["recommended"], 24, "{plan:#}");
    let backlog = &plan["backlog"];
    assert_eq!(backlog["messages"], 200_000);
    assert_eq!(backlog["consumers"], 25);
    let analytic = backlog["analytic_seconds"].as_f64().unwrap();
    assert!(
        (analytic - 400.0).abs() < 1e-6,
        "25 consumers: 200,000 / 500 = 400 s"
    );
    // The simulated drain with 25 is the fluid time within a few percent (the queue empties
    // a little after the fluid line crosses zero).
    let simulated = backlog["simulated_seconds"]["mean"].as_f64().unwrap();
    assert!((simulated - 400.0).abs() < 20.0, "simulated {simulated} s");
    // The run is stretched past the goal so a miss can be seen: 1.25 × 10 min.
    assert_eq!(plan["simulated_seconds"], 750.0);
}

#[test]
fn a_backlog_that_does_not_fit_is_refused_where_it_is_set() {
    let e = stderr(&[
        "run",
        "-p",
        "steady",
        "--set",
        "queue.capacity=100",
        "--set",
        "initial_backlog=500",
    ]);
    assert!(
        e.contains("initial_backlog") && e.contains("do not fit in queue.capacity = 100"),
        "{e}"
    );
    let e = stderr(&[
        "plan",
        "--rate",
        "1/s",
        "--service",
        "1s",
        "--catch-up-within",
        "1h",
    ]);
    assert!(e.contains("--backlog"), "{e}");
}

#[test]
fn an_sqs_backlog_sitting_in_flight_is_not_caught_up() {
    let run = |preset: &str, backlog: &str| {
        let out = spillway(&[
            "run",
            "-p",
            preset,
            "--set",
            backlog,
            "--duration",
            "30m",
            "--json",
        ]);
        serde_json::from_slice::<Value>(&out.stdout).expect("a JSON summary")
    };
    // A backlog is a surge of its own: the trap's workers receive 20,000 messages within
    // seconds (visible drops to 0) but cannot finish them inside the visibility timeout, so
    // they churn — not caught up, however empty the visible count looks.
    let trap = run("sqs-visibility-trap", "initial_backlog=20000");
    assert_eq!(trap["lag"]["initial_backlog"], 20_000);
    assert!(
        trap["lag"].get("caught_up_seconds").is_none(),
        "{:#}",
        trap["lag"]
    );
    // The fix works the backlog off within the first minutes, before its surge at 5 min.
    let fixed = run("sqs-trap-fixed", "initial_backlog=2000");
    let at = fixed["lag"]["caught_up_seconds"]
        .as_f64()
        .expect("caught up");
    assert!(at > 10.0 && at < 300.0, "caught up after {at} s");
}

#[test]
fn recovery_is_measured_from_the_faults_end_and_a_metastable_run_never_recovers() {
    let lag = |preset: &str| {
        let out = spillway(&["run", "-p", preset, "--json"]);
        serde_json::from_slice::<Value>(&out.stdout).expect("a JSON summary")["lag"].clone()
    };
    // The storm outlives its one-minute fault: the lag is over the alert at the end.
    let storm = lag("retry-storm");
    assert_eq!(storm["never_recovered"], true, "{storm:#}");
    assert!(storm.get("recovery_seconds").is_none());
    // The fixed design's lag never reaches the alert after the fault: recovered at once.
    let fixed = lag("retry-storm-fixed");
    assert_eq!(fixed["recovery_seconds"], 0.0, "{fixed:#}");
    assert!(fixed.get("never_recovered").is_none());
    // Without faults there is nothing to recover from.
    assert!(lag("steady").get("recovery_seconds").is_none());
}
