//! `spillway plan`: the fewest consumers that meet an SLO — what queueing theory says, what
//! simulation says (replications in parallel, one simulation per thread), and where the two
//! part ways.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::str::FromStr;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use spillway_core::planning::{
    AnalyticPoint, CountSearch, CountTrial, Workload, analytic_minimum, run_replication,
    simulated_only,
};
use spillway_core::scenario::Override;
use spillway_core::{Assertion, MAX_CONSUMERS, METRICS, MetricUnit, Scenario, Summary};

use crate::Failure;
use crate::args::{PlanOptions, ScenarioArgs, ServiceLaw};
use crate::report::terminal_safe;
use crate::run::{apply_each, bad_scenario, flag_overrides, key_path, load_scenario};

/// A plain queue that the flags fill in: each flag becomes a key-path override, validated
/// exactly like a file (and named in errors as the user wrote it).
const PLAIN_QUEUE: &str = r#"
name = "plain queue"
description = "A plain queue described by spillway plan's flags"
duration = "10m"

[[producers]]
name = "arrivals"
rate = "1/s"

[consumers]
count = 1
service_time = { distribution = "exponential", mean = "1s" }
"#;

/// Most replications per count (or sweep point).
pub(crate) const MAX_REPLICATIONS: u32 = 10_000;

/// Everything the plan found, for `--json`.
#[derive(Serialize)]
struct Plan<'a> {
    scenario: &'a str,
    slos: Vec<String>,
    workload: &'a Workload,
    consumers_of_work: u32,
    consumers_to_keep_up: u32,
    max_consumers: u32,
    analytic: Vec<AnalyticPoint>,
    analytic_minimum: Option<u32>,
    simulated_only: Vec<String>,
    replications: u32,
    simulated_seconds: f64,
    trials: Vec<&'a CountTrial>,
    simulated_minimum: Option<u32>,
    recommended: Option<u32>,
    /// With --backlog: how long the scenario's own count takes to catch up.
    #[serde(skip_serializing_if = "Option::is_none")]
    backlog: Option<BacklogAnswer>,
}

/// "How long until we are caught up with K consumers?"
#[derive(Serialize)]
struct BacklogAnswer {
    messages: u64,
    within_seconds: f64,
    /// The scenario's count (K).
    consumers: u32,
    /// backlog / (capacity − arrival rate); absent when K cannot keep up.
    analytic_seconds: Option<f64>,
    /// Mean and 95% CI over the replications; absent if some replication never caught up.
    simulated_seconds: Option<spillway_core::planning::Estimate>,
    never_caught_up: bool,
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

/// The scenario with `messages` waiting at the start, run long enough to see the goal
/// (`--catch-up-within`, default 1 h) met or missed, and that goal as an SLO.
fn with_backlog(
    scenario: Scenario,
    messages: u64,
    options: &PlanOptions,
) -> Result<(Scenario, Assertion, f64), Failure> {
    let within_text = options.catch_up_within.as_str();
    let slo = Assertion::parse("catch_up_seconds", &format!("< {within_text}")).map_err(|e| {
        Failure::BadInput(format!(
            "--catch-up-within {}: {e}",
            terminal_safe(within_text)
        ))
    })?;
    let within = within_text
        .parse::<spillway_core::scenario::Duration>()
        .map(|d| d.as_secs_f64())
        .map_err(|e| {
            Failure::BadInput(format!(
                "--catch-up-within {}: {e}",
                terminal_safe(within_text)
            ))
        })?;
    let mut overrides = vec![Override::written_as(
        key_path("initial_backlog"),
        messages.to_string(),
        format!("--backlog {messages}"),
    )];
    // The runs must outlast the goal, or "caught up" could never be seen.
    let needed = within * 1.25;
    if scenario.duration.as_secs_f64() < needed {
        overrides.push(Override::written_as(
            key_path("duration"),
            toml_string(&format!("{}s", needed.ceil())),
            format!("--catch-up-within {within_text} (runs last 1.25× the goal)"),
        ));
    }
    Ok((apply_each(scenario, &overrides)?, slo, within))
}

pub(crate) fn plan(options: PlanOptions) -> Result<(), Failure> {
    if options.list_metrics {
        for metric in METRICS {
            println!("{:<22} {}", metric.name, metric.description);
        }
        return Ok(());
    }
    let mut scenario = plan_scenario(&options)?;
    let mut slos = match options.backlog {
        // A backlog to drain is a goal of its own: other SLOs are optional beside it.
        Some(_) if options.slos.is_empty() && scenario.assertions.is_empty() => Vec::new(),
        _ => slos(&options, &scenario)?,
    };
    let backlog_goal = match options.backlog {
        Some(messages) => {
            let (with_backlog, slo, within) = with_backlog(scenario, messages, &options)?;
            scenario = with_backlog;
            slos.push(slo);
            Some(within)
        }
        None => None,
    };
    if options.replications > MAX_REPLICATIONS {
        return Err(Failure::BadInput(format!(
            "--replications: at most {MAX_REPLICATIONS}, got {} (the interval narrows with the \
             square root: 100 replications are already 3× tighter than 10)",
            options.replications
        )));
    }
    if options.replications < 2 {
        return Err(Failure::BadInput(format!(
            "--replications: at least 2 are needed for a confidence interval, got {}",
            options.replications
        )));
    }
    if !(1..=MAX_CONSUMERS).contains(&options.max_consumers) {
        return Err(Failure::BadInput(format!(
            "--max-consumers: must be between 1 and {MAX_CONSUMERS}, got {}",
            options.max_consumers
        )));
    }
    let workload = Workload::from_scenario(&scenario).map_err(bad_scenario)?;
    let most = options.max_consumers;

    let minimum = analytic_minimum(&workload, &slos, most);
    let table = analytic_table(&workload, minimum.as_ref(), most);
    let without_closed_form: Vec<String> = simulated_only(&workload, &slos)
        .iter()
        .map(|s| s.to_string())
        .collect();

    // The search starts where theory points (or where the pool first keeps up).
    let start = minimum
        .as_ref()
        .map_or(workload.consumers_to_keep_up(), |p| p.consumers);
    // An unbounded queue below the keep-up count grows without end: a short run may still
    // meet the SLO (it starts empty), but no such count is ever recommended.
    let fewest = if workload.waiting_room.is_none() {
        workload.consumers_to_keep_up().min(most)
    } else {
        1
    };
    let mut search = CountSearch::new(start, fewest, most);
    let mut trials: BTreeMap<u32, CountTrial> = BTreeMap::new();
    let bar = progress_bar();
    // No count up to the limit keeps up with an unbounded queue: nothing to simulate.
    let hopeless = workload.waiting_room.is_none() && workload.consumers_to_keep_up() > most;
    while let Some(count) = search.next().filter(|_| !hopeless) {
        bar.set_message(format!("simulating {count} consumers"));
        let trial = simulate_count(&scenario, count, &slos, options.replications, &bar)?;
        search.record(count, trial.meets);
        trials.insert(count, trial);
    }
    bar.finish_and_clear();
    let simulated = search.answer();
    let backlog = match backlog_goal {
        Some(within) => {
            let current = scenario.consumers.count;
            let trial = match trials.get(&current) {
                Some(trial) => trial.clone(),
                None => simulate_count(&scenario, current, &slos, options.replications, &bar)?,
            };
            let simulated = trial
                .slos
                .iter()
                .find(|v| v.slo.starts_with("catch_up_seconds"))
                .map(|v| v.estimate);
            Some(BacklogAnswer {
                messages: scenario.initial_backlog,
                within_seconds: within,
                consumers: current,
                analytic_seconds: finite(workload.drain_seconds(current)),
                simulated_seconds: simulated.filter(|e| e.mean.is_finite()),
                never_caught_up: simulated.is_some_and(|e| !e.mean.is_finite()),
            })
        }
        None => None,
    };

    let plan = Plan {
        scenario: &scenario.name,
        slos: slos.iter().map(ToString::to_string).collect(),
        workload: &workload,
        consumers_of_work: workload.consumers_of_work(),
        consumers_to_keep_up: workload.consumers_to_keep_up(),
        max_consumers: most,
        analytic: table,
        analytic_minimum: minimum.as_ref().map(|p| p.consumers),
        simulated_only: without_closed_form,
        replications: options.replications,
        simulated_seconds: scenario.duration.as_secs_f64(),
        trials: trials.values().collect(),
        simulated_minimum: simulated,
        recommended: simulated,
        backlog,
    };
    if options.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&plan).expect("plans serialise")
        );
    } else {
        print_plan(&plan, &slos, &scenario);
    }
    match simulated {
        Some(_) => Ok(()),
        None => Err(Failure::Violated),
    }
}

/// The scenario to size: a file or preset, or the plain queue the flags describe.
fn plan_scenario(options: &PlanOptions) -> Result<Scenario, Failure> {
    let args = &options.scenario;
    if args.file.is_some() || args.preset.is_some() {
        if options.stddev.is_some() {
            return Err(Failure::BadInput(
                "--stddev describes a plain queue's service (with --rate and --service); a \
                 scenario file has its own consumers.service_time"
                    .into(),
            ));
        }
        return load_scenario(args, "steady");
    }
    let (Some(rate), Some(service)) = (&options.rate, &options.service) else {
        return Err(Failure::BadInput(
            "give a scenario file (or --preset), or describe a plain queue with --rate and \
             --service, e.g. spillway plan --rate 2000/s --service 10ms --slo 'p99_queue_wait < 2s'"
                .into(),
        ));
    };
    let key = key_path;
    let quoted = |text: &str| toml_string(text);
    let service_time = match options.distribution {
        ServiceLaw::Exponential => {
            format!(
                "{{ distribution = \"exponential\", mean = {} }}",
                quoted(service)
            )
        }
        ServiceLaw::Constant => {
            format!(
                "{{ distribution = \"constant\", value = {} }}",
                quoted(service)
            )
        }
        ServiceLaw::Lognormal => {
            let stddev = options.stddev.as_deref().ok_or_else(|| {
                Failure::BadInput(
                    "--distribution lognormal needs --stddev, e.g. --stddev 30ms".into(),
                )
            })?;
            format!(
                "{{ distribution = \"lognormal\", mean = {}, stddev = {} }}",
                quoted(service),
                quoted(stddev)
            )
        }
    };
    if options.stddev.is_some() && options.distribution != ServiceLaw::Lognormal {
        return Err(Failure::BadInput(
            "--stddev is for --distribution lognormal (exponential and constant service \
             have no separate spread)"
                .into(),
        ));
    }
    let mut overrides = vec![
        Override::written_as(
            key("producers[0].rate"),
            quoted(rate),
            format!("--rate {rate}"),
        ),
        Override::written_as(
            key("consumers.service_time"),
            service_time,
            format!("--service {service}"),
        ),
    ];
    if let Some(capacity) = &options.capacity {
        let value = match capacity.trim().parse::<u64>() {
            Ok(n) => n.to_string(),
            Err(_) => quoted(capacity),
        };
        overrides.push(Override::written_as(
            key("queue.capacity"),
            value,
            format!("--capacity {capacity}"),
        ));
    }
    overrides.extend(flag_overrides(&ScenarioArgs {
        file: None,
        preset: None,
        seed: args.seed,
        duration: args.duration.clone(),
        overrides: args.overrides.clone(),
    }));
    let template =
        Scenario::from_toml(PLAIN_QUEUE, "plain queue").expect("the plain queue template is valid");
    apply_each(template, &overrides)
}

/// `text` as a TOML string literal (quotes and escapes: a flag value stays one value).
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `--slo` values, or the scenario's own `[[assert]]` checks.
fn slos(options: &PlanOptions, scenario: &Scenario) -> Result<Vec<Assertion>, Failure> {
    if options.slos.is_empty() {
        let own: Result<Vec<Assertion>, String> = scenario
            .assertions
            .iter()
            .map(Assertion::from_table)
            .collect();
        let own = own.map_err(|e| Failure::BadInput(format!("the scenario's [[assert]]: {e}")))?;
        if own.is_empty() {
            return Err(Failure::BadInput(
                "give an SLO to plan for, e.g. --slo 'p99_queue_wait < 2s' (or add [[assert]] \
                 checks to the scenario); `spillway plan --list-metrics` lists the metrics"
                    .into(),
            ));
        }
        return Ok(own);
    }
    options
        .slos
        .iter()
        .map(|text| {
            let split = text.find(['<', '>', '=']).ok_or_else(|| {
                Failure::BadInput(format!(
                    "--slo `{}`: write METRIC OP VALUE, e.g. 'p99_queue_wait < 2s'",
                    terminal_safe(text)
                ))
            })?;
            let (metric, condition) = text.split_at(split);
            Assertion::parse(metric.trim(), condition)
                .map_err(|e| Failure::BadInput(format!("--slo `{}`: {e}", terminal_safe(text))))
        })
        .collect()
}

/// The analytic rows to show: from the first count that keeps up (or 1 for a loss system)
/// to two past the analytic minimum, at most 8 rows ending at the minimum + 2.
fn analytic_table(
    workload: &Workload,
    minimum: Option<&AnalyticPoint>,
    most: u32,
) -> Vec<AnalyticPoint> {
    let floor = if workload.waiting_room.is_some() {
        1
    } else {
        workload.consumers_to_keep_up()
    };
    let last = minimum
        .map_or(floor.saturating_add(3), |p| p.consumers.saturating_add(2))
        .min(most);
    let first = floor.max(last.saturating_sub(7)).min(last);
    (first..=last)
        .map(|c| AnalyticPoint::at(workload, c))
        .collect()
}

/// Simulates `count` consumers `replications` times in parallel and judges the SLOs.
fn simulate_count(
    scenario: &Scenario,
    count: u32,
    slos: &[Assertion],
    replications: u32,
    bar: &ProgressBar,
) -> Result<CountTrial, Failure> {
    let point = format!("consumers.count={count}");
    let at_count = scenario
        .with_overrides(&[Override::from_str(&point).expect("a valid override")])
        .map_err(bad_scenario)?;
    let summaries: Vec<Summary> = (0..replications)
        .into_par_iter()
        .map(|r| {
            let summary = run_replication(&at_count, &point, r).map_err(bad_scenario);
            bar.inc(1);
            summary
        })
        .collect::<Result<_, _>>()?;
    Ok(CountTrial::judge(count, slos, &summaries))
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} · {pos} replications run · {elapsed}")
            .expect("static template"),
    );
    bar
}

fn print_plan(plan: &Plan, slos: &[Assertion], scenario: &Scenario) {
    let w = plan.workload;
    println!(
        "plan · {} · SLO {}",
        terminal_safe(plan.scenario),
        plan.slos.join(" and ")
    );
    println!();
    row(
        "load",
        &format!(
            "{:.1} msg/s (arrivals c² {:.2}) · {} per message (service c² {}) · {} slot(s) per consumer · {}",
            w.arrival_rate,
            w.arrival_scv,
            MetricUnit::Duration.format(w.mean_service),
            w.service_scv.map_or("∞".into(), |c| format!("{c:.2}")),
            w.concurrency,
            match w.waiting_room {
                None => "unbounded queue".to_string(),
                Some(0) => "no waiting room (a loss system)".to_string(),
                Some(n) => format!("waiting room {n}"),
            }
        ),
    );
    row(
        "work",
        &format!(
            "λ·E[S] = {:.1} consumers' worth: at least {}; {}",
            w.offered_erlangs() / f64::from(w.concurrency),
            plan.consumers_of_work,
            if w.waiting_room.is_none() {
                format!(
                    "at 100% busy a queue never drains, so {} is the fewest that keep up",
                    plan.consumers_to_keep_up
                )
            } else {
                "a bounded queue refuses what it cannot hold".to_string()
            }
        ),
    );
    println!();
    match plan.analytic.first() {
        Some(first) if !plan.analytic.is_empty() => {
            println!("analytic · {}", first.model);
            println!(
                "  {:>9}  {:>7}  {:>8}  {:>10}  {:>10}  {:>9}",
                "consumers", "busy", "P(wait)", "mean wait", "p99 wait", "blocking"
            );
            for p in &plan.analytic {
                let mark = if plan.analytic_minimum == Some(p.consumers) {
                    " ←"
                } else {
                    ""
                };
                println!(
                    "  {:>9}  {:>6.1}%  {:>8.4}  {:>10}  {:>10}  {:>8.3}%{mark}",
                    p.consumers,
                    p.utilisation * 100.0,
                    p.wait_probability,
                    duration(p.mean_wait),
                    duration(p.p99_wait),
                    p.blocking * 100.0
                );
            }
        }
        _ => {}
    }
    match plan.analytic_minimum {
        Some(c) => {
            let p = AnalyticPoint::at(w, c);
            println!(
                "  → {c} consumers meet {} (busy {:.1}%, headroom {:.1}%)",
                closed_form_slos(w, slos),
                p.utilisation * 100.0,
                (1.0 - p.utilisation) * 100.0
            );
        }
        None if plan.simulated_only.len() == slos.len() => println!(
            "  → no closed form for {}: simulation only",
            plan.simulated_only.join(", ")
        ),
        None => println!("  → no count up to the limit meets the SLO in theory"),
    }
    if !plan.simulated_only.is_empty() && plan.simulated_only.len() < slos.len() {
        println!(
            "  (no closed form for {}: the simulation checks it)",
            plan.simulated_only.join(", ")
        );
    }
    if !w.caveats.is_empty() {
        println!("  the analytic answer may be unsafe here:");
        for caveat in &w.caveats {
            println!("    - {caveat}");
        }
    }
    println!();
    println!(
        "simulated · {} replications × {} per count, independent seeds; an SLO counts as met \
         when it holds at the far end of its 95% confidence interval",
        plan.replications,
        MetricUnit::Duration.format(plan.simulated_seconds),
    );
    let names: Vec<&str> = slos.iter().map(|s| s.metric().name).collect();
    print!("  {:>9}", "consumers");
    for name in &names {
        print!("  {name:>26}");
    }
    println!("  verdict");
    for trial in &plan.trials {
        print!("  {:>9}", trial.consumers);
        for (verdict, slo) in trial.slos.iter().zip(slos) {
            let unit = slo.metric().unit;
            let cell = format!(
                "{} ± {}",
                value(unit, verdict.estimate.mean),
                value(unit, verdict.estimate.ci95.unwrap_or(0.0))
            );
            print!("  {cell:>26}");
        }
        let verdict = match (trial.meets, trial.truncated) {
            (true, _) => "meets".to_string(),
            (false, 0) => "fails".to_string(),
            (false, n) => format!("fails ({n} run(s) hit a limit)"),
        };
        println!("  {verdict}");
    }
    match (plan.simulated_minimum, plan.analytic_minimum) {
        (Some(sim), Some(theory)) => {
            let diff = i64::from(sim) - i64::from(theory);
            let pct = diff as f64 / f64::from(theory) * 100.0;
            let verdict = match diff {
                0 => "the analytic answer holds".to_string(),
                d if d > 0 => format!(
                    "the analytic answer is unsafe: {d} more consumer(s) than theory (+{pct:.0}%)"
                ),
                d => format!(
                    "theory is conservative here by {} consumer(s) ({pct:.0}%)",
                    -d
                ),
            };
            println!("  → {sim} consumers: {verdict}");
        }
        (Some(sim), None) => println!("  → {sim} consumers"),
        (None, _) if plan.trials.is_empty() => println!(
            "  → not simulated: even {} consumers cannot keep up (λ·E[S] is {:.3e} consumers' worth)",
            plan.max_consumers,
            plan.workload.offered_erlangs() / f64::from(plan.workload.concurrency)
        ),
        (None, _) => println!(
            "  → no count up to {} meets the SLO in simulation{}",
            plan.trials.last().map_or(0, |t| t.consumers),
            if scenario.autoscaler.is_some() {
                " (the autoscaler changes the count during the run)"
            } else {
                ""
            }
        ),
    }
    if let Some(b) = &plan.backlog {
        let seconds = |v: f64| MetricUnit::Duration.format(v);
        println!();
        println!(
            "backlog · {} messages waiting at the start · goal: caught up within {}",
            MetricUnit::Count.format(b.messages as f64),
            seconds(b.within_seconds)
        );
        let analytic = b
            .analytic_seconds
            .map_or_else(|| "never (this count cannot keep up)".to_string(), seconds);
        let simulated = match (&b.simulated_seconds, b.never_caught_up) {
            (Some(e), _) => format!("{} ± {}", seconds(e.mean), seconds(e.ci95.unwrap_or(0.0))),
            (None, true) => "not caught up within the run in at least one replication".into(),
            (None, false) => "—".into(),
        };
        row(
            &format!("with {}", b.consumers),
            &format!(
                "caught up after {analytic} (backlog / spare capacity) · simulated {simulated}"
            ),
        );
        match (plan.analytic_minimum, plan.recommended) {
            (_, Some(c)) => row(
                "to meet it",
                &format!(
                    "at least {c} consumers catch up within {}",
                    seconds(b.within_seconds)
                ),
            ),
            (Some(c), None) => row(
                "to meet it",
                &format!("theory says {c}; no simulated count confirmed it"),
            ),
            _ => {}
        }
    }
    println!();
    match plan.recommended {
        Some(c) => println!("recommended: {c} consumers"),
        None => println!("recommended: none found — raise --max-consumers or revisit the design"),
    }
}

fn closed_form_slos(w: &Workload, slos: &[Assertion]) -> String {
    let probe = AnalyticPoint::at(w, 1);
    let names: Vec<String> = slos
        .iter()
        .filter(|s| probe.metric(w, s.metric().name).is_some())
        .map(ToString::to_string)
        .collect();
    names.join(" and ")
}

fn duration(seconds: f64) -> String {
    // Beyond what nanosecond time holds (~584 years) a wait is off the scale, not a number.
    if seconds.is_finite() && seconds < 1.8e10 {
        MetricUnit::Duration.format(seconds)
    } else {
        "∞".into()
    }
}

fn value(unit: MetricUnit, v: f64) -> String {
    if v.is_finite() && !(unit == MetricUnit::Duration && v >= 1.8e10) {
        unit.format(v)
    } else {
        "∞".into()
    }
}

fn row(label: &str, text: &str) {
    println!("  {label:<10} {text}");
}
