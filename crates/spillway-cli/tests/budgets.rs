//! Runaway scenarios end with a clear `Truncated` report naming the limit, within the
//! memory budget. The harness measures the child's peak memory (getrusage), so the bound is
//! on what the process really held, not on how fast this machine is.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::Command;

fn scenario_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-budget-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `spillway` and returns (exit code, stdout, the largest peak RSS of any child so far
/// in MiB). Tests in this file run one at a time (see `serial`), so the peak is this run's.
fn run(args: &[&str]) -> (i32, String, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(args)
        .output()
        .unwrap();
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own; RUSAGE_CHILDREN covers reaped children.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        usage.ru_maxrss as u64 / 1024,
    )
}

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn an_unbounded_backlog_ends_at_the_memory_budget_not_out_of_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 100k msg/s into 10 consumers, an unbounded queue and no live-message limit to speak
    // of: the backlog grows by ~100k messages a second until the budget stops the run.
    let file = scenario_file(
        "backlog.toml",
        r#"
        name = "backlog"
        duration = "1h"
        [[producers]]
        rate = "100000/s"
        [queue]
        capacity = "unbounded"
        [consumers]
        count = 10
        service_time = { distribution = "constant", value = "100ms" }
        [limits]
        max_live_messages = 100000000
        max_memory_mib = 64
        "#,
    );
    let (code, stdout, peak_mib) = run(&["run", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("TRUNCATED: limits.max_memory_mib (64 MiB) exceeded"),
        "{stdout}"
    );
    // The budget counts what the run holds; the process adds its code, the histograms and
    // allocator slack.
    assert!(peak_mib < 64 + 48, "peak {peak_mib} MiB");
    // Without the budget the same run would hold ~4 GB by its end (1 h × 100k msg/s × 12 B).
}

#[test]
fn ctrl_c_stops_a_long_run_with_the_summary_so_far() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Legal and long: 1,000 msg/s for ten years is ~1e11 events, far past any patience.
    let file = scenario_file(
        "decade.toml",
        r#"
        name = "decade"
        duration = "3650d"
        [[producers]]
        rate = "1000/s"
        [consumers]
        count = 20
        service_time = { distribution = "exponential", mean = "10ms" }
        [metrics]
        sample_interval = "1h"
        [limits]
        max_events = 100000000000
        "#,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["run", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended on its own"
    );
    // SAFETY: sends SIGINT to the child we spawned and have not reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("TRUNCATED: interrupted (Ctrl-C)"),
        "the report names the interruption: {stdout}"
    );
    assert!(stdout.contains("conservation OK"), "{stdout}");
    assert!(stdout.contains(" events · fingerprint "), "{stdout}");
}

#[test]
fn a_run_that_could_never_finish_is_refused_before_it_starts() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A rate typed a thousand-fold too high into a bounded queue: every send is one event,
    // none piles up, so neither memory nor the progress guard would stop it — only
    // max_events, minutes later. It is refused at once instead, naming what to change.
    let file = scenario_file(
        "typo.toml",
        r#"
        name = "typo"
        duration = "1h"
        [[producers]]
        rate = "1e9/s"
        [queue]
        capacity = 10
        [consumers]
        count = 10
        service_time = { distribution = "constant", value = "1s" }
        "#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["run", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("limits.max_events: the producers send about 3,600,000,000,000 messages"),
        "{stderr}"
    );
    // Asking for part of it runs that part and says it was cut.
    let (code, stdout, _) = run(&[
        "run",
        file.to_str().unwrap(),
        "--set",
        "limits.max_events=100000",
    ]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("TRUNCATED: limits.max_events (100,000) reached"),
        "{stdout}"
    );
}

#[test]
fn an_endless_changes_file_is_refused_as_too_large_not_read_forever() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (code, _, peak_mib) = run(&["run", "--preset", "steady", "--changes", "/dev/zero"]);
    assert_eq!(code, 2);
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["run", "--preset", "steady", "--changes", "/dev/zero"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--changes /dev/zero: too large (over 16 MiB)"),
        "{stderr}"
    );
    assert!(
        peak_mib < 200,
        "held {peak_mib} MiB reading an endless file"
    );
}
