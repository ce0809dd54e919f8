//! Snapshots of what `spillway` tells a user who got something wrong: one case per realistic
//! mistake (a typo in a key, a unit left off, a value out of range, a combination that cannot
//! work, a broken file, a bad flag). Each snapshot holds the command, its exit code, stderr
//! (stdout too when there is any) and the numbered input, so a reviewer can check that the
//! `file:line:column: key.path` really points at the mistake.
//!
//! After an intended change to a message: `INSTA_UPDATE=always cargo test -p spillway-cli
//! --test errors` (or `cargo insta review`), then read the diff.

use std::path::PathBuf;

use assert_cmd::Command;

/// A scenario that validates; most cases change one line of it.
const VALID: &str = r#"name = "orders"
duration = "10m"

[[producers]]
name = "checkout"
rate = "50/s"

[queue]
capacity = 1000

[consumers]
count = 4
service_time = { distribution = "exponential", mean = "60ms" }
"#;

/// Where the cases' files go; replaced by `[TMP]` in snapshots.
fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `VALID` with `from` replaced by `to` (which must be there, so a case cannot silently test
/// the valid file).
fn edit(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "`{from}` is not in VALID");
    VALID.replacen(from, to, 1)
}

/// `VALID` followed by more tables.
fn with(extra: &str) -> String {
    format!("{VALID}{extra}")
}

/// Runs `spillway ARGS`, with `FILE` in the arguments standing for the case's scenario file
/// (written from `input`), and renders what a user would see.
fn render(case: &str, args: &[&str], input: Option<(&str, &str)>) -> String {
    let dir = scratch_dir();
    let file = input.map(|(extension, text)| {
        let path = dir.join(format!("{case}.{extension}"));
        std::fs::write(&path, text).unwrap();
        path
    });
    let args: Vec<String> = args
        .iter()
        .map(|arg| match (*arg, &file) {
            ("FILE", Some(path)) => path.display().to_string(),
            (arg, _) => arg.replace("[TMP]", &dir.display().to_string()),
        })
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(&args)
        .output()
        .unwrap();
    let stable = |bytes: Vec<u8>| {
        String::from_utf8(bytes)
            .unwrap()
            .replace(&dir.display().to_string(), "[TMP]")
    };
    let mut text = format!(
        "$ spillway {}\nexit code: {}\n--- stderr\n{}",
        stable(args.join(" ").into_bytes()),
        out.status
            .code()
            .map_or("killed by a signal".to_string(), |c| c.to_string()),
        stable(out.stderr)
    );
    let stdout = stable(out.stdout);
    if !stdout.is_empty() {
        text.push_str("--- stdout\n");
        text.push_str(&stdout);
    }
    if let Some((extension, input)) = input {
        text.push_str(&format!("--- input: {case}.{extension}\n"));
        for (number, line) in input.lines().enumerate() {
            text.push_str(&format!("{:>3} | {line}\n", number + 1));
        }
    }
    text
}

/// One snapshot test per case, named after it.
/// `toml!(name, "validate", text)` writes `name.toml`; `json!` writes `name.json`;
/// `cli!(name, [args])` runs without a scenario file.
macro_rules! toml {
    ($name:ident, $command:literal, $text:expr) => {
        #[test]
        fn $name() {
            let text: String = $text.into();
            let rendered = render(
                stringify!($name),
                &[$command, "FILE"],
                Some(("toml", &text)),
            );
            insta::assert_snapshot!(stringify!($name), rendered);
        }
    };
}

macro_rules! json {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            let text: String = $text.into();
            let rendered = render(
                stringify!($name),
                &["validate", "FILE"],
                Some(("json", &text)),
            );
            insta::assert_snapshot!(stringify!($name), rendered);
        }
    };
}

macro_rules! cli {
    ($name:ident, [$($arg:literal),*]) => {
        #[test]
        fn $name() {
            let rendered = render(stringify!($name), &[$($arg),*], None);
            insta::assert_snapshot!(stringify!($name), rendered);
        }
    };
}

// ---------------------------------------------------------------------------------------
// Unknown keys and names: each should say where and suggest the intended one.

toml!(
    unknown_key_in_queue,
    "validate",
    edit("capacity = 1000", "capacty = 1000")
);
toml!(
    unknown_key_in_consumers,
    "validate",
    edit("count = 4", "count = 4\nconcurency = 8")
);
toml!(
    unknown_key_in_producer,
    "run",
    edit("rate = \"50/s\"", "rate = \"50/s\"\narival = \"constant\"")
);
toml!(
    unknown_top_level_key,
    "validate",
    edit("duration = \"10m\"", "duraton = \"10m\"")
);
toml!(
    unknown_table_name,
    "validate",
    edit("[consumers]", "[consumer]")
);
toml!(
    unknown_key_in_service_time,
    "validate",
    edit("mean = \"60ms\"", "meen = \"60ms\"")
);
toml!(
    unknown_key_in_metrics,
    "validate",
    with("\n[metrics]\nsample_intervall = \"5s\"\n")
);
toml!(
    unknown_key_in_downstream,
    "validate",
    with("\n[downstream]\npool = 10\nlatency = { distribution = \"constant\", value = \"5ms\" }\n")
);
toml!(
    unknown_key_in_autoscaler,
    "validate",
    with("\n[autoscaler]\nmetric = \"lag-messages\"\ntarget = 100\nmax = 20\ncooldow = \"1m\"\n")
);
toml!(
    unknown_overflow_policy,
    "validate",
    edit(
        "capacity = 1000",
        "capacity = 1000\noverflow = \"drop-newest\""
    )
);
toml!(
    unknown_distribution,
    "validate",
    edit("\"exponential\"", "\"exponentail\"")
);
toml!(
    unknown_fault_kind,
    "validate",
    with("\n[[faults]]\nkind = \"consumer-crashed\"\nat = \"2m\"\ncount = 2\n")
);
toml!(
    unknown_assertion_metric,
    "run",
    with("\n[[assert]]\np99_latncy = \"< 2s\"\n")
);

// ---------------------------------------------------------------------------------------
// Units: rates and durations written the way people might, but not the way the file wants.

toml!(
    rate_written_in_words,
    "validate",
    edit("\"50/s\"", "\"5 per minute\"")
);
toml!(
    rate_with_unknown_unit,
    "validate",
    edit("\"50/s\"", "\"10/fortnight\"")
);
toml!(negative_rate, "validate", edit("\"50/s\"", "\"-3/s\""));
toml!(
    duration_without_unit,
    "validate",
    edit("duration = \"10m\"", "duration = 600")
);
toml!(
    service_time_as_bare_float,
    "validate",
    edit("mean = \"60ms\"", "mean = 0.06")
);
toml!(
    duration_string_without_unit,
    "validate",
    edit("mean = \"60ms\"", "mean = \"60\"")
);
toml!(
    duration_in_words,
    "validate",
    edit("duration = \"10m\"", "duration = \"ten minutes\"")
);

// ---------------------------------------------------------------------------------------
// Values out of range.

toml!(
    negative_capacity,
    "validate",
    edit("capacity = 1000", "capacity = -5")
);
toml!(
    zero_capacity_that_drops,
    "validate",
    edit(
        "capacity = 1000",
        "capacity = 0\noverflow = \"drop-oldest\""
    )
);
toml!(
    fractional_capacity,
    "validate",
    edit("capacity = 1000", "capacity = 10.5")
);
toml!(zero_consumers, "run", edit("count = 4", "count = 0"));
toml!(
    negative_consumers,
    "validate",
    edit("count = 4", "count = -2")
);
toml!(
    zero_concurrency,
    "validate",
    edit("count = 4", "count = 4\nconcurrency = 0")
);
toml!(
    error_probability_over_one,
    "validate",
    edit("count = 4", "count = 4\nerror_probability = 1.5")
);
toml!(
    poison_share_negative,
    "validate",
    edit("rate = \"50/s\"", "rate = \"50/s\"\npoison_share = -0.1")
);
toml!(
    zero_duration,
    "validate",
    edit("duration = \"10m\"", "duration = \"0s\"")
);
toml!(
    sine_amplitude_over_one,
    "validate",
    edit(
        "rate = \"50/s\"",
        "rate = \"50/s\"\nprofile = { kind = \"sine\", period = \"1h\", amplitude = 1.5 }"
    )
);
toml!(
    retry_with_zero_attempts,
    "validate",
    edit(
        "rate = \"50/s\"",
        "rate = \"50/s\"\nretry = { max_attempts = 0 }"
    )
);
toml!(
    breaker_threshold_over_100_percent,
    "validate",
    with(
        "\n[downstream]\npool_size = 10\nlatency = { distribution = \"constant\", value = \"5ms\" }\n\n[downstream.breaker]\nfailure_rate_threshold = 150\n"
    )
);
toml!(
    autoscaler_max_below_min,
    "validate",
    with("\n[autoscaler]\nmetric = \"lag-messages\"\ntarget = 100\nmin = 5\nmax = 2\n")
);
toml!(
    too_many_series_points,
    "validate",
    edit("duration = \"10m\"", "duration = \"24h\"").replace(
        "[queue]",
        "[metrics]\nsample_interval = \"10ms\"\n\n[queue]"
    )
);
toml!(
    zero_max_events,
    "validate",
    with("\n[limits]\nmax_events = 0\n")
);

// ---------------------------------------------------------------------------------------
// Combinations that cannot work.

toml!(
    high_watermark_on_unbounded_queue,
    "validate",
    edit("capacity = 1000", "high_watermark = 0.8")
);
toml!(
    high_watermark_over_one,
    "validate",
    edit("capacity = 1000", "capacity = 1000\nhigh_watermark = 80")
);
toml!(
    fault_until_before_at,
    "validate",
    with("\n[[faults]]\nkind = \"traffic\"\nat = \"5m\"\nuntil = \"3m\"\nmultiplier = 3\n")
);
toml!(
    downstream_fault_without_downstream,
    "validate",
    with("\n[[faults]]\nkind = \"downstream-slow\"\nat = \"2m\"\nmultiplier = 10\n")
);
toml!(
    traffic_fault_without_multiplier,
    "validate",
    with("\n[[faults]]\nkind = \"traffic\"\nat = \"2m\"\nuntil = \"4m\"\n")
);
toml!(
    consumer_crash_without_count,
    "validate",
    with("\n[[faults]]\nkind = \"consumer-crash\"\nat = \"2m\"\n")
);
toml!(
    consumer_crash_with_until,
    "validate",
    with("\n[[faults]]\nkind = \"consumer-crash\"\nat = \"2m\"\ncount = 2\nuntil = \"4m\"\n")
);
toml!(
    share_on_a_traffic_fault,
    "validate",
    with("\n[[faults]]\nkind = \"traffic\"\nat = \"2m\"\nmultiplier = 2\nshare = 0.5\n")
);
toml!(
    block_overflow_with_zero_timeout,
    "validate",
    edit(
        "capacity = 1000",
        "capacity = 1000\noverflow = \"block\"\nblock_timeout = \"0s\""
    )
);
toml!(
    shedding_without_a_threshold,
    "validate",
    with("\n[shedding]\nbelow_priority = 2\n")
);
toml!(
    uniform_min_above_max,
    "validate",
    edit(
        "{ distribution = \"exponential\", mean = \"60ms\" }",
        "{ distribution = \"uniform\", min = \"80ms\", max = \"20ms\" }"
    )
);
toml!(
    grpc_budget_with_an_aws_field,
    "validate",
    edit(
        "rate = \"50/s\"",
        "rate = \"50/s\"\nretry = { max_attempts = 3, budget = { kind = \"grpc\", quota = 500 } }"
    )
);
toml!(
    retry_base_above_cap,
    "validate",
    edit(
        "rate = \"50/s\"",
        "rate = \"50/s\"\nretry = { max_attempts = 5, base = \"30s\", cap = \"10s\" }"
    )
);
toml!(
    schedule_steps_out_of_order,
    "validate",
    edit(
        "rate = \"50/s\"",
        "rate = \"50/s\"\nprofile = { kind = \"schedule\", steps = [\n  { at = \"0s\", multiplier = 1 },\n  { at = \"5m\", multiplier = 3 },\n  { at = \"2m\", multiplier = 1 },\n] }"
    )
);
toml!(
    duplicate_producer_names,
    "validate",
    edit(
        "[queue]",
        "[[producers]]\nname = \"checkout\"\nrate = \"5/s\"\n\n[queue]"
    )
);
toml!(
    empirical_weights_mismatch,
    "validate",
    edit(
        "{ distribution = \"exponential\", mean = \"60ms\" }",
        "{ distribution = \"empirical\", values = [\"10ms\", \"50ms\", \"2s\"], weights = [0.9, 0.1] }"
    )
);
toml!(
    assertion_without_operator,
    "run",
    with("\n[[assert]]\np99_latency = \"2s\"\n")
);
toml!(
    several_problems_at_once,
    "validate",
    edit("count = 4", "count = 0\nerror_probability = 2")
        .replace("capacity = 1000", "high_watermark = 0.5")
);

// ---------------------------------------------------------------------------------------
// Missing pieces.

toml!(empty_file, "validate", "");
toml!(
    no_consumers_table,
    "validate",
    VALID.split("[consumers]").next().unwrap()
);
toml!(
    producer_without_rate,
    "validate",
    edit("rate = \"50/s\"\n", "")
);
toml!(
    empty_producer_list,
    "validate",
    "producers = []\n\n[consumers]\ncount = 1\nservice_time = { distribution = \"constant\", value = \"10ms\" }\n"
);

// ---------------------------------------------------------------------------------------
// Wrong types.

toml!(
    count_as_string,
    "validate",
    edit("count = 4", "count = \"four\"")
);
toml!(
    capacity_as_words,
    "validate",
    edit("capacity = 1000", "capacity = \"lots\"")
);
toml!(
    probability_as_percentage_string,
    "validate",
    edit("count = 4", "count = 4\nerror_probability = \"5%\"")
);
toml!(
    seed_as_string,
    "validate",
    edit("duration = \"10m\"", "duration = \"10m\"\nseed = \"lucky\"")
);
toml!(
    producers_as_table_not_array,
    "validate",
    edit("[[producers]]", "[producers]")
);
toml!(
    service_time_as_plain_duration,
    "validate",
    edit(
        "{ distribution = \"exponential\", mean = \"60ms\" }",
        "\"60ms\""
    )
);
toml!(
    boolean_as_string,
    "validate",
    edit(
        "capacity = 1000",
        "capacity = 1000\ndead_letter_queue = \"yes\""
    )
);

// ---------------------------------------------------------------------------------------
// Malformed TOML.

toml!(
    unclosed_string,
    "validate",
    edit("rate = \"50/s\"", "rate = \"50/s")
);
toml!(
    missing_equals_sign,
    "validate",
    edit("capacity = 1000", "capacity 1000")
);
toml!(
    unclosed_inline_table,
    "validate",
    edit("mean = \"60ms\" }", "mean = \"60ms\"")
);
toml!(
    duplicate_key,
    "validate",
    edit("capacity = 1000", "capacity = 1000\ncapacity = 2000")
);
toml!(
    duplicate_table,
    "validate",
    with("\n[queue]\norder = \"priority\"\n")
);
toml!(
    yaml_instead_of_toml,
    "validate",
    "name: orders\nproducers:\n  - rate: 50/s\n"
);

// ---------------------------------------------------------------------------------------
// Malformed or wrong JSON.

json!(
    json_trailing_comma,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" }, ],\n  \"consumers\": { \"count\": 4, \"service_time\": { \"distribution\": \"constant\", \"value\": \"60ms\" } }\n}\n"
);
json!(
    json_unclosed_object,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" } ],\n  \"consumers\": { \"count\": 4\n"
);
json!(
    json_unknown_key,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" } ],\n  \"queue\": { \"capacty\": 100 },\n  \"consumers\": { \"count\": 4, \"service_time\": { \"distribution\": \"constant\", \"value\": \"60ms\" } }\n}\n"
);
json!(
    json_count_as_string,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" } ],\n  \"consumers\": { \"count\": \"4\", \"service_time\": { \"distribution\": \"constant\", \"value\": \"60ms\" } }\n}\n"
);
json!(
    json_zero_consumers,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" } ],\n  \"consumers\": {\n    \"count\": 0,\n    \"service_time\": { \"distribution\": \"constant\", \"value\": \"60ms\" }\n  }\n}\n"
);
json!(
    json_fault_until_before_at,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" } ],\n  \"consumers\": { \"count\": 4, \"service_time\": { \"distribution\": \"constant\", \"value\": \"60ms\" } },\n  \"faults\": [\n    { \"kind\": \"traffic\", \"at\": \"1m\", \"until\": \"2m\", \"multiplier\": 2 },\n    { \"kind\": \"traffic\", \"at\": \"5m\", \"until\": \"3m\", \"multiplier\": 2 }\n  ]\n}\n"
);
json!(
    json_top_level_array,
    "[ { \"producers\": [ { \"rate\": \"50/s\" } ] } ]\n"
);
json!(
    json_trailing_garbage,
    "{\n  \"producers\": [ { \"rate\": \"50/s\" } ],\n  \"consumers\": { \"count\": 4, \"service_time\": { \"distribution\": \"constant\", \"value\": \"60ms\" } }\n}\n}\n"
);

// ---------------------------------------------------------------------------------------
// Bad command lines.

cli!(
    duration_flag_zero,
    ["run", "--preset", "steady", "--duration", "0s"]
);
cli!(
    duration_flag_banana,
    ["run", "--preset", "steady", "--duration", "banana"]
);
cli!(
    duration_flag_without_unit,
    ["run", "--preset", "steady", "--duration", "30"]
);
cli!(preset_misspelt, ["run", "--preset", "sustained-overlaod"]);
cli!(preset_unknown, ["run", "--preset", "black-friday"]);
cli!(run_missing_file, ["run", "[TMP]/does-not-exist.toml"]);
cli!(
    validate_missing_file,
    ["validate", "[TMP]/does-not-exist.toml"]
);
cli!(validate_a_directory, ["validate", "[TMP]"]);
cli!(validate_without_a_file, ["validate"]);
cli!(
    file_and_preset_together,
    ["run", "[TMP]/scenario.toml", "--preset", "steady"]
);
cli!(
    seed_flag_negative,
    ["run", "--preset", "steady", "--seed", "-1"]
);
cli!(unknown_subcommand, ["valdate", "scenario.toml"]);
cli!(unknown_flag, ["run", "--preset", "steady", "--jsn"]);
cli!(
    csv_into_missing_directory,
    [
        "run",
        "--preset",
        "steady",
        "--duration",
        "2s",
        "--csv",
        "[TMP]/no/such/dir/series.csv"
    ]
);
// The hardening issue's own hostile inputs, as a user meets them in the CLI.
toml!(
    rate_beyond_nanosecond_time,
    "run",
    edit("rate = \"50/s\"", "rate = \"1e12/s\"")
);
toml!(
    health_check_of_a_nanosecond_restarting_at_once,
    "run",
    with("\n[consumers.health_check]\ntimeout = \"1ns\"\nrestart_after = \"0s\"\n")
);
toml!(
    a_run_that_could_never_finish,
    "run",
    edit("rate = \"50/s\"", "rate = \"1e9/s\"")
);
cli!(
    duration_flag_that_overflows,
    ["run", "--preset", "steady", "--duration", "1000000d"]
);
cli!(
    set_a_count_that_overflows,
    [
        "run",
        "--preset",
        "steady",
        "--set",
        "consumers.concurrency=4294967296"
    ]
);
cli!(
    set_a_memory_budget_beyond_its_cap,
    [
        "run",
        "--preset",
        "steady",
        "--set",
        "limits.max_memory_mib=1000000"
    ]
);
cli!(
    plan_with_an_slo_metric_that_does_not_exist,
    [
        "plan",
        "--rate",
        "2000/s",
        "--service",
        "10ms",
        "--slo",
        "p99 < 2s"
    ]
);
cli!(
    sweep_with_a_range_in_two_units,
    [
        "sweep",
        "--preset",
        "steady",
        "--vary",
        "queue.block_timeout=100ms..1s:100ms"
    ]
);
