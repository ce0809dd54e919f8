//! `cargo xtask bench`: the benchmark model run natively, in SimPy and as WebAssembly side by
//! side in one run, and the memory cost of a 10M-message backlog. Prints medians and ratios and
//! writes target/bench-results.json.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::{cargo, step, tools, workspace_root};

pub(crate) fn run(quick: bool) -> Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli()?;
    tools::ensure_node()?;
    let python = tools::ensure_simpy()?;

    if !quick {
        step(
            "criterion: cargo bench -p spillway-core",
            cargo(&["bench", "-p", "spillway-core", "--bench", "engine"]),
        )?;
    }
    println!(
        "\n==> side by side: native, WebAssembly, SimPy (M/M/8, ρ = 0.9, metrics on), {ROUNDS} interleaved rounds"
    );
    // Interleaved rounds: this machine's speed drifts, so each ratio compares runs made
    // moments apart, and the report gives medians over rounds.
    let simpy_script = workspace_root().join("crates/xtask/bench/mmc_simpy.py");
    let mut rounds = Vec::new();
    let mut sqs_rounds: Vec<(f64, f64)> = Vec::new();
    let mut kafka_rounds: Vec<f64> = Vec::new();
    let mut rabbit_rounds: Vec<f64> = Vec::new();
    for round in 1..=ROUNDS {
        let native =
            json_output(release_example("throughput", &["5"]))?["events_per_second_median"]
                .as_f64()
                .context("native result")?;
        let (wasm, wasm_sqs) = wasm_events_per_second()?;
        let sqs =
            json_output(release_example("throughput", &["5", "sqs"]))?["events_per_second_median"]
                .as_f64()
                .context("native SQS result")?;
        let kafka = json_output(release_example("throughput", &["5", "kafka"]))?
            ["events_per_second_median"]
            .as_f64()
            .context("native Kafka result")?;
        kafka_rounds.push(kafka);
        let rabbit = json_output(release_example("throughput", &["5", "rabbitmq"]))?
            ["events_per_second_median"]
            .as_f64()
            .context("native RabbitMQ result")?;
        rabbit_rounds.push(rabbit);
        let mut simpy_command = std::process::Command::new(&python);
        simpy_command.arg(&simpy_script).args(["10000", "1"]);
        let simpy = json_output(simpy_command)?["events_per_second_median"]
            .as_f64()
            .context("SimPy result")?;
        println!(
            "  round {round}: native {native:>11.0}  wasm {wasm:>11.0} ({:.2}×)  SimPy {simpy:>8.0} (native {:.0}×)",
            wasm / native,
            native / simpy
        );
        println!(
            "           SQS model: native {sqs:>11.0}  wasm {wasm_sqs:>11.0} ({:.2}×)",
            wasm_sqs / sqs
        );
        println!("           Kafka model: native {kafka:>11.0}");
        println!("           RabbitMQ model: native {rabbit:>11.0}");
        rounds.push((native, wasm, simpy));
        sqs_rounds.push((sqs, wasm_sqs));
    }
    let memory = json_output(release_example("backlog_memory", &[]))?;
    let column = |pick: fn(&(f64, f64, f64)) -> f64| median(rounds.iter().map(pick).collect());
    let native_rate = column(|r| r.0);
    let wasm_rate = column(|r| r.1);
    let simpy_rate = column(|r| r.2);
    let wasm_ratio = column(|r| r.1 / r.0);
    let simpy_ratio = column(|r| r.0 / r.2);
    let sqs_native = median(sqs_rounds.iter().map(|r| r.0).collect());
    let sqs_wasm = median(sqs_rounds.iter().map(|r| r.1).collect());
    let sqs_ratio = median(sqs_rounds.iter().map(|r| r.1 / r.0).collect());
    let kafka_native = median(kafka_rounds.clone());
    let rabbit_native = median(rabbit_rounds.clone());
    let bytes = memory["bytes_per_message_peak"]
        .as_f64()
        .context("memory result")?;
    let sweep = sweep_bench(if quick { 1 } else { 3 })?;
    let playground = crate::web::bench()?;
    let results = json!({
        "model": "M/M/8, rho = 0.9, metrics on",
        "rounds": ROUNDS,
        "native_events_per_second_median": native_rate,
        "wasm_events_per_second_median": wasm_rate,
        "simpy_events_per_second_median": simpy_rate,
        "wasm_over_native_median": wasm_ratio,
        "native_over_simpy_median": simpy_ratio,
        "sqs": {
            "model": "8 workers on SQS standard, rho = 0.9, batches of 10, 5 s visibility, redrive after 5",
            "native_events_per_second_median": sqs_native,
            "wasm_events_per_second_median": sqs_wasm,
            "wasm_over_native_median": sqs_ratio,
        },
        "kafka": {
            "model": "48 partitions, 12 members, rho = 0.8, uniform keys, cooperative-sticky, slow records, two member crashes",
            "native_events_per_second_median": kafka_native,
        },
        "rabbitmq": {
            "model": "16 consumers x 2 handlers, rho = 0.9, classic queue, prefetch 10, 2% requeued, two consumer crashes",
            "native_events_per_second_median": rabbit_native,
        },
        "backlog": memory,
        "sweep": sweep,
        "playground": playground,
    });
    println!();
    println!("  native       {native_rate:>12.0} events/s (median)");
    println!(
        "  WebAssembly  {wasm_rate:>12.0} events/s (median, Node.js)   WASM/native = {wasm_ratio:.2} (median of per-round ratios)"
    );
    println!(
        "  SimPy        {simpy_rate:>12.0} events/s (median)           native/SimPy = {simpy_ratio:.0}×"
    );
    println!(
        "  SQS model    {sqs_native:>12.0} events/s native · {sqs_wasm:.0} WebAssembly   WASM/native = {sqs_ratio:.2}"
    );
    println!("  Kafka model  {kafka_native:>12.0} events/s native (48 partitions, 12 members)");
    println!(
        "  RabbitMQ     {rabbit_native:>12.0} events/s native (16 consumers × 2, prefetch 10)"
    );
    println!("  backlog      {bytes:>12.2} bytes per waiting message (10M messages, peak heap)");
    println!(
        "  sweep        200 points × 10 replications of 1 h M/M/c: {:.1} s on 1 thread, {:.1} s on {} (median; {:.2}× faster)",
        sweep["one_thread_seconds_median"]
            .as_f64()
            .unwrap_or(f64::NAN),
        sweep["all_threads_seconds_median"]
            .as_f64()
            .unwrap_or(f64::NAN),
        sweep["threads"],
        sweep["speedup_median"].as_f64().unwrap_or(f64::NAN)
    );
    let number = |key: &str| playground[key].as_f64().unwrap_or(f64::NAN);
    println!(
        "  playground   1 h at 2,000 msg/s in {:.2} s (median) · {:.0} chart frames/s · {:.1} ms per redraw · {:.1}M events/s with drawing",
        number("run_seconds"),
        number("frames_per_second"),
        number("chart_draw_ms"),
        number("events_per_second") / 1e6
    );
    println!(
        "  wasm size    {} KB ({} KB gzipped)",
        number("wasm_bytes") as u64 / 1024,
        number("wasm_gzip_bytes") as u64 / 1024
    );
    let path = workspace_root().join("target/bench-results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)?;
    println!("\n  written to {}", path.display());
    Ok(())
}

const ROUNDS: usize = 5;

/// `spillway sweep` of 200 points × 10 replications of a 1-hour M/M/c scenario, on one thread
/// and on every core, interleaved `rounds` times: wall-clock medians and the speedup.
fn sweep_bench(rounds: usize) -> Result<Value> {
    step(
        "build the CLI (release)",
        cargo(&["build", "-q", "--release", "-p", "spillway-cli"]),
    )?;
    let root = workspace_root();
    let binary = root.join("target/release/spillway");
    let scenario = root.join("target/bench-sweep-mmc.toml");
    // λ = 10/s, E[S] = 0.5 s (5 Erlangs): 36,000 messages an hour per run.
    std::fs::write(
        &scenario,
        "name = \"sweep bench M/M/c\"\nduration = \"1h\"\n\n[[producers]]\nrate = \"10/s\"\n\n\
         [consumers]\ncount = 6\nservice_time = { distribution = \"exponential\", mean = \"500ms\" }\n",
    )?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let time = |jobs: usize| -> Result<f64> {
        let started = std::time::Instant::now();
        let status = std::process::Command::new(&binary)
            .arg("sweep")
            .arg(&scenario)
            .args(["--vary", "consumers.count=6..205", "--replications", "10"])
            .args(["--jobs", &jobs.to_string()])
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            bail!("spillway sweep failed: {status}");
        }
        Ok(started.elapsed().as_secs_f64())
    };
    println!(
        "\n==> sweep: 200 points × 10 replications of 1 h M/M/c, 1 thread vs {threads}, {rounds} round(s)"
    );
    let mut pairs = Vec::new();
    for round in 1..=rounds {
        let one = time(1)?;
        let all = time(threads)?;
        println!(
            "  round {round}: 1 thread {one:.1} s · {threads} threads {all:.1} s ({:.2}×)",
            one / all
        );
        pairs.push((one, all));
    }
    Ok(json!({
        "points": 200,
        "replications": 10,
        "simulated_per_run": "1h",
        "threads": threads,
        "one_thread_seconds_median": median(pairs.iter().map(|p| p.0).collect()),
        "all_threads_seconds_median": median(pairs.iter().map(|p| p.1).collect()),
        "speedup_median": median(pairs.iter().map(|p| p.0 / p.1).collect()),
    }))
}

/// `cargo run --release` of one of spillway-core's examples.
fn release_example(name: &str, args: &[&str]) -> std::process::Command {
    let mut command = cargo(&[
        "run",
        "-q",
        "--release",
        "-p",
        "spillway-core",
        "--example",
        name,
        "--",
    ]);
    command.args(args);
    command
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn json_output(mut command: std::process::Command) -> Result<Value> {
    let out = command.output().context("starting a benchmark")?;
    if !out.status.success() {
        bail!("benchmark failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .context("no JSON in benchmark output")?;
    Ok(serde_json::from_str(line)?)
}

/// The WASM benchmark's medians: the M/M/8 model and the SQS model.
fn wasm_events_per_second() -> Result<(f64, f64)> {
    let out = cargo(&[
        "test",
        "--release",
        "-p",
        "spillway-core",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "wasm_bench",
        "--",
        "--nocapture",
    ])
    .output()
    .context("running the WASM benchmark")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        bail!("WASM benchmark failed:\n{text}");
    }
    let find = |label: &str| {
        text.lines()
            .find_map(|line| line.split(label).nth(1))
            .and_then(|value| value.trim().parse().ok())
            .with_context(|| format!("the WASM benchmark printed no {label}"))
    };
    Ok((
        find("WASM_EVENTS_PER_SECOND_MEDIAN ")?,
        find("WASM_SQS_EVENTS_PER_SECOND_MEDIAN ")?,
    ))
}
