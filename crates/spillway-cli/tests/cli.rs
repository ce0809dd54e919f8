//! The `spillway` binary as users and CI jobs run it: outputs, files and exit codes.

use std::path::PathBuf;

use assert_cmd::Command;

fn spillway() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spillway"))
}

fn scenario_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn output(command: &mut Command) -> (i32, String, String) {
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const VALID: &str = r#"
name = "small"
duration = "2m"

[[producers]]
rate = "10/s"

[queue]
capacity = 100

[consumers]
count = 2
service_time = { distribution = "exponential", mean = "100ms" }
"#;

#[test]
fn with_no_arguments_it_runs_the_default_preset() {
    let (code, stdout, _) = output(&mut spillway());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("steady · seed 1"), "{stdout}");
    for heading in ["max lag", "latency", "lost", "conservation OK"] {
        assert!(stdout.contains(heading), "missing {heading}: {stdout}");
    }
}

#[test]
fn json_output_is_one_object_with_the_documented_keys() {
    let (code, stdout, _) =
        output(spillway().args(["run", "--preset", "sustained-overload", "--json"]));
    assert_eq!(code, 1, "sustained-overload breaks its own SLO assertions");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "scenario",
        "seed",
        "outcome",
        "fingerprint",
        "capacity",
        "lag",
        "latency",
        "queue_wait",
        "counts",
        "lost",
        "conservation",
        "throughput",
        "utilisation",
        "classes",
        "assertions",
    ] {
        assert!(summary.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(summary["conservation"]["holds"], true);
    assert!(summary["counts"]["rejected"].as_u64().unwrap() > 0);
    assert_eq!(summary["assertions"][0]["passed"], false);
}

#[test]
fn csv_holds_the_time_series() {
    let path = std::env::temp_dir().join(format!("spillway-series-{}.csv", std::process::id()));
    let (code, _, stderr) = output(
        spillway()
            .args(["run", "--preset", "steady", "--duration", "1m", "--csv"])
            .arg(&path),
    );
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("time,queue_depth,lag_seconds,")
    );
    assert_eq!(lines.count(), 61, "one row per second from 0 to 60 s");
}

#[test]
fn a_kafka_run_names_the_worst_partition_and_writes_a_lag_column_per_partition() {
    let path = std::env::temp_dir().join(format!("spillway-kafka-{}.csv", std::process::id()));
    let (code, stdout, stderr) = output(
        spillway()
            .args([
                "run",
                "--preset",
                "kafka-hot-key",
                "--duration",
                "2m",
                "--csv",
            ])
            .arg(&path),
    );
    assert_eq!(code, 0, "{stderr}");
    // acct-7's partition: toPositive(murmur2("acct-7")) % 12.
    let hot = spillway_core::kafka_partition_for_key(b"acct-7", 12);
    assert!(
        stdout.contains(&format!("worst partition {hot}: ")),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let first = header
        .iter()
        .position(|c| *c == "partition_0_lag")
        .expect("partition columns");
    assert_eq!(header.len() - first, 12, "{header:?}");
    // The hot partition's column ends far above every other.
    let last: Vec<f64> = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let lags = &last[first..];
    let hot_lag = lags[hot as usize];
    assert!(
        lags.iter()
            .enumerate()
            .all(|(p, l)| p == hot as usize || *l * 10.0 < hot_lag),
        "{lags:?}"
    );
}

#[test]
fn seed_and_duration_flags_override_the_scenario() {
    let (_, a, _) = output(spillway().args([
        "run",
        "--preset",
        "steady",
        "--seed",
        "7",
        "--duration",
        "30s",
        "--json",
    ]));
    let a: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(a["seed"], 7);
    assert_eq!(a["simulated_seconds"], 30.0);
}

#[test]
fn the_duration_flag_is_held_to_the_same_rules_as_the_file() {
    // Too long for u64 nanoseconds: refused with the same words as a file's `duration`.
    let file = scenario_file(
        "forever.toml",
        &VALID.replace("duration = \"2m\"", "duration = \"1000000d\""),
    );
    let (code, _, from_file) = output(spillway().arg("validate").arg(&file));
    assert_eq!(code, 2, "{from_file}");
    assert!(
        from_file.contains("forever.toml:3:12: duration: `1000000d` overflows"),
        "{from_file}"
    );
    let (code, stdout, from_flag) =
        output(spillway().args(["run", "--preset", "steady", "--duration", "1000000d"]));
    assert_eq!(code, 2, "{stdout}{from_flag}");
    assert!(stdout.is_empty());
    assert!(from_flag.contains("`1000000d` overflows"), "{from_flag}");
    // Representable, but more time-series points than a run may keep: the scenario's own
    // check applies to the flag (it used to run and fill memory).
    let (code, stdout, stderr) =
        output(spillway().args(["run", "--preset", "steady", "--duration", "100y"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "--duration 100y: metrics.sample_interval: 1s over 100years is more than 1000000 points"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = output(spillway().args(["run", "--duration", "0s"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--duration 0s: duration: must be > 0"),
        "{stderr}"
    );
}

#[test]
fn json_scenarios_use_the_same_schema() {
    let json = r#"{ "name": "j", "duration": "1m", "producers": [ { "rate": "5/s" } ],
                    "consumers": { "count": 1, "service_time": { "distribution": "constant", "value": "50ms" } } }"#;
    let path = scenario_file("scenario.json", json);
    let (code, stdout, stderr) = output(spillway().arg("run").arg(&path));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("j · seed 1"));
}

#[test]
fn a_typo_in_a_key_names_the_line_column_and_closest_key() {
    let path = scenario_file(
        "typo.toml",
        &VALID.replace("capacity = 100", "capacty = 100"),
    );
    let (code, stdout, stderr) = output(spillway().arg("run").arg(&path));
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("typo.toml:9:1: queue.capacty: unknown field `capacty`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `capacity`?"), "{stderr}");
}

#[test]
fn a_negative_capacity_is_rejected_with_its_location() {
    let path = scenario_file(
        "negative.toml",
        &VALID.replace("capacity = 100", "capacity = -5"),
    );
    let (code, _, stderr) = output(spillway().arg("validate").arg(&path));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("negative.toml:9:12: queue.capacity: must be ≥ 0, got -5"),
        "{stderr}"
    );
}

#[test]
fn semantic_errors_are_located_too() {
    let path = scenario_file("zero.toml", &VALID.replace("count = 2", "count = 0"));
    let (code, _, stderr) = output(spillway().arg("run").arg(&path));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("zero.toml:12:9: consumers.count: must be ≥ 1"),
        "{stderr}"
    );
}

#[test]
fn garbage_is_a_clear_error_not_a_panic() {
    for (name, text) in [
        ("garbage.toml", "\u{0}\u{1}not = [toml"),
        ("garbage.json", "{ \"producers\": [ }"),
        ("empty.toml", ""),
    ] {
        let path = scenario_file(name, text);
        let (code, _, stderr) = output(spillway().arg("run").arg(&path));
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.starts_with("error: 1 problem in the scenario:"),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn endless_or_huge_input_is_too_large_not_a_hang() {
    let huge = scenario_file("huge.toml", &format!("{VALID}\n#{}\n", "x".repeat(2 << 20)));
    // An endless pipe: a FIFO with a writer that never stops.
    let fifo = std::env::temp_dir().join(format!("spillway-cli-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let chunk = [b'#'; 4096];
            // Ends when the reader closes its end (EPIPE).
            while pipe.write_all(&chunk).is_ok() {}
        })
    };
    for path in [PathBuf::from("/dev/zero"), fifo.clone(), huge] {
        let (code, stdout, stderr) = output(
            spillway()
                .arg("validate")
                .arg(&path)
                .timeout(std::time::Duration::from_secs(30)),
        );
        assert_eq!(code, 2, "{}: {stdout}{stderr}", path.display());
        assert!(
            stderr.contains(&format!("{}: too large (over 1 MiB)", path.display())),
            "{stderr}"
        );
    }
    writer.join().unwrap();
    let _ = std::fs::remove_file(&fifo);
}

#[test]
fn json_in_a_toml_file_is_called_json() {
    let json = r#"{ "name": "j", "producers": [ { "rate": "5/s" } ] }"#;
    let path = scenario_file("actually-json.toml", json);
    let (code, _, stderr) = output(spillway().arg("validate").arg(&path));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "actually-json.toml:1:1: this looks like JSON (it starts with `{`) but was read as TOML"
        ),
        "{stderr}"
    );
    let path = scenario_file("actually-toml.json", VALID);
    let (code, _, stderr) = output(spillway().arg("validate").arg(&path));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("this looks like TOML but was read as JSON"),
        "{stderr}"
    );
}

/// Terminal escapes and bidi overrides from a file never reach the terminal raw.
fn assert_terminal_safe(text: &str) {
    for c in ['\u{1b}', '\u{202e}', '\u{2066}', '\u{7}'] {
        assert!(!text.contains(c), "raw {:?} in:\n{text}", c);
    }
}

#[test]
fn control_characters_and_bidi_controls_from_a_file_are_escaped_on_the_terminal() {
    let evil = r#"
name = "red\u001b[31m\u202Egnp.exe"
description = "clears\u001b[2J the screen\u2066"

[[producers]]
name = "p\u001b]0;title\u0007"
rate = "10/s"
classes = [ { name = "pay\u001b[5mments", share = 1, priority = 1 }, { name = "bulk\u202E", share = 1 } ]

[consumers]
count = 2
service_time = { distribution = "constant", value = "50ms" }

[downstream]
name = "db\u001b[0m"
pool_size = 4
latency = { distribution = "constant", value = "1ms" }
"#;
    let path = scenario_file("evil.toml", &format!("duration = \"1m\"\n{evil}"));
    let (code, stdout, stderr) = output(spillway().arg("run").arg(&path));
    assert_eq!(code, 0, "{stderr}");
    assert_terminal_safe(&stdout);
    assert!(
        stdout.starts_with("red\\u{1b}[31m\\u{202e}gnp.exe · seed 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("clears\\u{1b}[2J the screen\\u{2066}"),
        "{stdout}"
    );
    assert!(stdout.contains("pay\\u{1b}[5mments"), "{stdout}");
    assert!(stdout.contains("bulk\\u{202e}"), "{stdout}");
    assert!(stdout.contains("db\\u{1b}[0m: "), "{stdout}");
    let (code, stdout, _) = output(spillway().arg("validate").arg(&path));
    assert_eq!(code, 0);
    assert_terminal_safe(&stdout);
    // JSON output is JSON: the names are there exactly, escaped the JSON way.
    let (_, stdout, _) = output(spillway().arg("run").arg(&path).arg("--json"));
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["scenario"], "red\u{1b}[31m\u{202e}gnp.exe");
    assert!(!stdout.contains('\u{1b}'));
    // Errors: a key, a value and a file name holding escapes.
    let path = scenario_file(
        "bad\u{1b}[31m\u{202e}.toml",
        &format!("\"\\u001b[2J\\u202E\" = 1\n{VALID}"),
    );
    let (code, _, stderr) = output(spillway().arg("validate").arg(&path));
    assert_eq!(code, 2);
    assert_terminal_safe(&stderr);
    assert!(stderr.contains("bad\\u{1b}[31m\\u{202e}.toml:"), "{stderr}");
    assert!(stderr.contains("\\u{1b}[2J\\u{202e}"), "{stderr}");
    let (code, _, stderr) = output(spillway().args(["run", "--preset", "x\u{1b}[2J\u{202e}"]));
    assert_eq!(code, 2);
    assert_terminal_safe(&stderr);
}

#[test]
fn missing_files_and_unknown_presets_are_bad_input() {
    let (code, _, stderr) = output(spillway().args(["run", "/nonexistent/scenario.toml"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read /nonexistent/scenario.toml"),
        "{stderr}"
    );
    let (code, _, stderr) = output(spillway().args(["run", "--preset", "sustained-overlaod"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `sustained-overload`?"),
        "{stderr}"
    );
    let (code, _, stderr) = output(spillway().args(["run", "--duration", "soon"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--duration"), "{stderr}");
}

#[test]
fn a_failed_assertion_exits_1_and_says_which() {
    let text = format!("{VALID}\n[[assert]]\np99_latency = \"< 1ms\"\n");
    let path = scenario_file("slo.toml", &text);
    let (code, stdout, _) = output(spillway().arg("run").arg(&path));
    assert_eq!(code, 1);
    assert!(stdout.contains("FAIL p99_latency < 1ms"), "{stdout}");
    let passing = format!("{VALID}\n[[assert]]\np99_latency = \"< 10s\"\n");
    let (code, stdout, _) = output(
        spillway()
            .arg("run")
            .arg(scenario_file("slo-ok.toml", &passing)),
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("pass p99_latency < 10s"), "{stdout}");
}

#[test]
fn presets_are_listed_with_their_stories() {
    let (code, stdout, _) = output(spillway().arg("presets"));
    assert_eq!(code, 0);
    for name in [
        "steady",
        "sustained-overload",
        "spike-absorbed",
        "backpressure-retry-storm",
        "priority-shedding",
    ] {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with(name) && line.len() > name.len() + 20),
            "{name}: {stdout}"
        );
    }
}

#[test]
fn set_overrides_are_validated_like_the_file_and_name_the_flag() {
    let file = scenario_file("set.toml", VALID);
    let (code, stdout, _) = output(
        spillway()
            .args(["run", "--json", "--set", "consumers.count=7"])
            .arg(&file),
    );
    assert_eq!(code, 0);
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // 7 consumers at 100 ms: 70 msg/s of capacity.
    assert!((summary["capacity"]["capacity_per_second"].as_f64().unwrap() - 70.0).abs() < 1e-9);

    let (code, _, stderr) = output(
        spillway()
            .args(["run", "--set", "consumers.count=0"])
            .arg(&file),
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--set consumers.count=0: consumers.count: "),
        "{stderr}"
    );
    let (code, _, stderr) = output(
        spillway()
            .args(["run", "--set", "queue.capacty=5"])
            .arg(&file),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `capacity`"), "{stderr}");
    // --duration goes through the same path, so the file's checks apply to it.
    let (code, _, stderr) = output(spillway().args(["run", "--duration", "banana"]).arg(&file));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--duration banana: `banana` is not a duration"),
        "{stderr}"
    );
}

#[test]
fn changes_from_a_playground_export_replay_at_their_times() {
    let preset = spillway_core::Preset::find("sustained-overload").unwrap();
    // The playground's export: the scenario text and the live changes (six consumers at 3:00).
    let export = serde_json::json!({
        "scenario": preset.toml,
        "changes": [{ "at_nanos": 180_000_000_000u64, "change": { "knob": "consumers", "value": 6 } }],
    });
    let file = scenario_file("export.json", &export.to_string());
    let (code, stdout, stderr) = output(spillway().args(["run", "--json", "--changes"]).arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let with_changes: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let (_, stdout, _) =
        output(spillway().args(["run", "--json", "--preset", "sustained-overload"]));
    let without: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_ne!(with_changes["fingerprint"], without["fingerprint"]);
    // Six consumers (30 msg/s) drain a 20 msg/s load: nothing is rejected, the backlog is gone.
    assert_eq!(with_changes["counts"]["rejected"], 0);
    assert!(with_changes["lag"]["final_messages"].as_u64().unwrap() < 50);
    assert!(without["counts"]["rejected"].as_u64().unwrap() > 1000);

    let bad = scenario_file(
        "bad-changes.json",
        r#"[{"at_nanos": 1, "change": {"knob": "consumers", "value": 0}}]"#,
    );
    let (code, _, stderr) = output(
        spillway()
            .args(["run", "--preset", "steady", "--changes"])
            .arg(&bad),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("change 1 (consumers → 0"), "{stderr}");
}

#[test]
fn changes_this_build_cannot_read_are_listed_with_the_refused_ones() {
    // A list from a newer build: an unknown knob and a value of the wrong type are named by
    // their place in the list, beside an out-of-range change, instead of failing the file.
    let file = scenario_file(
        "changes-unknown.json",
        r#"[{"at_nanos": 1000000000, "change": {"knob": "consumers", "value": 8}},
            {"at_nanos": 2000000000, "change": {"knob": "disk_free_limit", "value": 8}},
            {"at_nanos": 3000000000, "change": {"knob": "consumers", "value": 0}},
            {"at_nanos": 4000000000, "change": {"knob": "consumers", "value": "many"}}]"#,
    );
    let (code, _, stderr) = output(
        spillway()
            .args(["run", "--preset", "steady", "--changes"])
            .arg(&file),
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("3 change(s) cannot be replayed"),
        "{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().skip(1).map(str::trim).collect();
    assert!(
        lines[0].starts_with("change 2 (knob `disk_free_limit` at 2.000 s)"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("change 3 (consumers → 0 at 3.000 s)"),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with("change 4 (knob `consumers` at 4.000 s)"),
        "{stderr}"
    );
}
