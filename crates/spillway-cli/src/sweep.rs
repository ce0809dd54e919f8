//! `spillway sweep` and `spillway merge`: a scenario over a grid of values, R replications a
//! point, in parallel across cores (one simulation per thread, never split), with results as
//! JSON and CSV that shard and merge back byte for byte.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use spillway_core::METRICS;
use spillway_core::planning::{
    Shard, SweepPoint, SweepResults, SweepRow, SweepSpec, Vary, point_scenario, run_replication,
};
use spillway_core::{MetricUnit, Summary};

use crate::Failure;
use crate::args::SweepOptions;
use crate::report::terminal_safe;
use crate::run::{bad_scenario, load_scenario};

/// Most bytes a shard output may have (a 1,000,000-point sweep is ~1 GB; refuse beyond).
const MAX_RESULTS_BYTES: u64 = 2 << 30;

pub(crate) fn sweep(options: SweepOptions) -> Result<(), Failure> {
    let scenario = load_scenario(&options.scenario, "steady")?;
    let vary = options
        .vary
        .iter()
        .map(|text| {
            text.parse::<Vary>()
                .map_err(|e| Failure::BadInput(format!("--vary {}: {e}", terminal_safe(text))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shard = match (options.shard.as_deref(), options.job_shards) {
        (Some(text), _) => Some(
            text.parse::<Shard>()
                .map_err(|e| Failure::BadInput(format!("--shard {e}")))?,
        ),
        (None, Some(count)) => Some(job_shard(count)?),
        (None, None) => None,
    };
    let metric = find_metric(&options.metric)?;
    let spec = SweepSpec::new(&scenario, vary, options.replications).map_err(Failure::BadInput)?;
    spec.check(&scenario)
        .map_err(|e| Failure::BadInput(terminal_safe(&e).into_owned()))?;
    if options.replications > crate::plan::MAX_REPLICATIONS {
        return Err(Failure::BadInput(format!(
            "--replications: at most {}, got {}",
            crate::plan::MAX_REPLICATIONS,
            options.replications
        )));
    }
    check_outputs(
        options.json.as_deref(),
        options.csv.as_deref(),
        options.chart.as_deref(),
    )?;
    if let Some(jobs) = options.jobs {
        if !(1..=MAX_JOBS).contains(&jobs) {
            return Err(Failure::BadInput(format!(
                "--jobs: must be between 1 and {MAX_JOBS} (one simulation per thread; more \
                 threads than cores only wait), got {jobs}"
            )));
        }
        // Only fails if a pool already exists; this is the first use.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global();
    }

    let points = spec.shard_points(shard);
    if options.dry_run {
        println!(
            "{}: {} of {} points × {} replication(s) = {} runs{}",
            shard.map_or("whole sweep".to_string(), |s| format!("shard {s}")),
            points.len(),
            spec.points,
            spec.replications,
            points.len() as u64 * u64::from(spec.replications),
            points
                .first()
                .map(|p| format!("; first point {}", terminal_safe(&p.key())))
                .unwrap_or_default()
        );
        return Ok(());
    }
    let runs = points.len() as u64 * u64::from(spec.replications);
    let bar = progress_bar(runs);
    let rows = run_points(&scenario, &spec, &points, &bar)?;
    bar.finish_and_clear();
    let results = SweepResults {
        sweep: spec,
        shard,
        rows,
    };
    write_outputs(&results, options.json.as_deref(), options.csv.as_deref())?;
    if let Some(path) = &options.chart {
        crate::sweep_chart::write(&results, metric, path)?;
    }
    print_table(&results, metric.name, metric.unit);
    Ok(())
}

fn find_metric(name: &str) -> Result<&'static spillway_core::Metric, Failure> {
    METRICS.iter().find(|m| m.name == name).ok_or_else(|| {
        Failure::BadInput(format!(
            "--metric `{}`: not a metric (`spillway plan --list-metrics` lists them)",
            terminal_safe(name)
        ))
    })
}

/// Every (point, replication) pair runs as its own task; rows are assembled in point order,
/// replications in replication order, so the numbers do not depend on thread timing.
fn run_points(
    scenario: &spillway_core::Scenario,
    spec: &SweepSpec,
    points: &[SweepPoint],
    bar: &ProgressBar,
) -> Result<Vec<SweepRow>, Failure> {
    let scenarios = points
        .iter()
        .map(|p| point_scenario(scenario, p).map_err(bad_scenario))
        .collect::<Result<Vec<_>, _>>()?;
    let keys: Vec<String> = points.iter().map(SweepPoint::key).collect();
    let replications = spec.replications as usize;
    let summaries: Vec<Summary> = (0..points.len() * replications)
        .into_par_iter()
        .map(|task| {
            let (point, replication) = (task / replications, task % replications);
            let summary = run_replication(&scenarios[point], &keys[point], replication as u32)
                .map_err(|e| point_failure(&points[point], e));
            bar.inc(1);
            summary
        })
        .collect::<Result<_, _>>()?;
    Ok(points
        .iter()
        .zip(summaries.chunks(replications))
        .map(|(point, runs)| SweepRow::new(point, runs))
        .collect())
}

/// This pod's shard of a Kubernetes Indexed Job: JOB_COMPLETION_INDEX (0-based) + 1 of `count`.
fn job_shard(count: usize) -> Result<Shard, Failure> {
    let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
        Failure::BadInput(
            "--job-shards: JOB_COMPLETION_INDEX is not set (Kubernetes sets it in the pods of \
             an Indexed Job; elsewhere use --shard I/N)"
                .into(),
        )
    })?;
    let zero_based: usize = index.trim().parse().map_err(|_| {
        Failure::BadInput(format!(
            "--job-shards: JOB_COMPLETION_INDEX is `{}`, not a whole number",
            terminal_safe(&index)
        ))
    })?;
    format!("{}/{count}", zero_based.saturating_add(1))
        .parse::<Shard>()
        .map_err(|e| {
            Failure::BadInput(format!(
                "--job-shards {count} with JOB_COMPLETION_INDEX={zero_based}: {e} (the Job's \
                 completions must equal --job-shards)"
            ))
        })
}

/// The merge inputs: files as given, directories as the `.json` files in them (sorted).
fn merge_inputs(inputs: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, Failure> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(input)
                .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", input.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(Failure::BadInput(format!(
                    "{}: no .json shard outputs in this directory",
                    input.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Most threads `--jobs` may ask for.
const MAX_JOBS: usize = 256;

/// Output paths are checked before any run: a sweep's hours are not lost to a typo.
fn check_outputs(
    json: Option<&Path>,
    csv: Option<&Path>,
    chart: Option<&Path>,
) -> Result<(), Failure> {
    let outputs = [("--json", json), ("--csv", csv), ("--chart", chart)];
    for (i, (a_flag, a)) in outputs.iter().enumerate() {
        for (b_flag, b) in &outputs[i + 1..] {
            if let (Some(a), Some(b)) = (a, b) {
                if a == b {
                    return Err(Failure::BadInput(format!(
                        "{a_flag} and {b_flag} are both {}: one would overwrite the other",
                        a.display()
                    )));
                }
            }
        }
    }
    for (flag, path) in outputs {
        let Some(path) = path else { continue };
        if path.is_dir() {
            return Err(Failure::BadInput(format!(
                "{flag} {}: is a directory; give a file name",
                path.display()
            )));
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if parent.is_some_and(|p| !p.is_dir()) {
            return Err(Failure::BadInput(format!(
                "{flag} {}: the directory {} does not exist",
                path.display(),
                parent.unwrap().display()
            )));
        }
    }
    Ok(())
}

/// A point that cannot run, named by its settings.
fn point_failure(point: &SweepPoint, errors: spillway_core::ScenarioErrors) -> Failure {
    match bad_scenario(errors) {
        Failure::BadInput(message) => {
            Failure::BadInput(format!("at {}: {message}", terminal_safe(&point.key())))
        }
        other => other,
    }
}

pub(crate) fn merge(
    inputs: &[std::path::PathBuf],
    json: Option<&Path>,
    csv: Option<&Path>,
    chart: Option<(&Path, &str)>,
) -> Result<(), Failure> {
    let chart = chart
        .map(|(path, name)| Ok::<_, Failure>((path, find_metric(name)?)))
        .transpose()?;
    check_outputs(json, csv, chart.map(|(path, _)| path))?;
    let parts = merge_inputs(inputs)?
        .iter()
        .map(|path| {
            let origin = path.display().to_string();
            let file = std::fs::File::open(path)
                .map_err(|e| Failure::BadInput(format!("cannot read {origin}: {e}")))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            if size > MAX_RESULTS_BYTES {
                return Err(Failure::BadInput(format!(
                    "{origin}: {size} bytes is larger than a sweep output can be"
                )));
            }
            serde_json::from_reader::<_, SweepResults>(std::io::BufReader::new(file)).map_err(|e| {
                Failure::BadInput(format!(
                    "{origin}: not a `spillway sweep --json` output: {e}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let merged = SweepResults::merge(parts).map_err(Failure::BadInput)?;
    if let Some((path, metric)) = chart {
        crate::sweep_chart::write(&merged, metric, path)?;
    }
    if json.is_none() && csv.is_none() {
        println!("{}", to_json(&merged));
        return Ok(());
    }
    write_outputs(&merged, json, csv)
}

fn to_json(results: &SweepResults) -> String {
    serde_json::to_string_pretty(results).expect("results serialise")
}

fn write_outputs(
    results: &SweepResults,
    json: Option<&Path>,
    csv: Option<&Path>,
) -> Result<(), Failure> {
    let cannot = |flag: &str, path: &Path, e: String| {
        Failure::BadInput(format!("cannot write {flag} {}: {e}", path.display()))
    };
    if let Some(path) = json {
        std::fs::write(path, to_json(results) + "\n")
            .map_err(|e| cannot("--json", path, e.to_string()))?;
    }
    if let Some(path) = csv {
        write_csv(results, path).map_err(|e| cannot("--csv", path, e.to_string()))?;
    }
    Ok(())
}

/// One row per point: index, the varied values, replications, then `<metric>_mean` and
/// `<metric>_ci95` for every metric (empty when undefined).
fn write_csv(results: &SweepResults, path: &Path) -> Result<(), csv::Error> {
    let mut out = csv::Writer::from_path(path)?;
    let mut header = vec!["index".to_string()];
    header.extend(results.sweep.vary.iter().map(|v| v.key.clone()));
    header.extend(["replications", "truncated", "failed_assertions"].map(String::from));
    for metric in METRICS {
        header.push(format!("{}_mean", metric.name));
        header.push(format!("{}_ci95", metric.name));
    }
    out.write_record(&header)?;
    for row in &results.rows {
        let mut record = vec![row.index.to_string()];
        record.extend(
            results
                .sweep
                .vary
                .iter()
                .map(|v| row.settings.get(&v.key).cloned().unwrap_or_default()),
        );
        record.extend(
            [row.replications, row.truncated, row.failed_assertions].map(|n| n.to_string()),
        );
        for metric in METRICS {
            match row.metrics.get(metric.name).copied().flatten() {
                Some(e) => {
                    record.push(e.mean.to_string());
                    record.push(e.ci95.map(|h| h.to_string()).unwrap_or_default());
                }
                None => record.extend([String::new(), String::new()]),
            }
        }
        out.write_record(&record)?;
    }
    out.flush()?;
    Ok(())
}

fn progress_bar(runs: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} sweeping {bar:40} {pos}/{len} runs · {elapsed} elapsed, ~{eta} left",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar
}

/// The chosen metric per point, as a table on stdout.
fn print_table(results: &SweepResults, metric: &str, unit: MetricUnit) {
    let spec = &results.sweep;
    println!(
        "sweep · {} · {} point(s){} × {} replication(s) · {metric} (mean ± 95% CI)",
        terminal_safe(&spec.scenario),
        results.rows.len(),
        results
            .shard
            .map(|s| format!(" (shard {s} of {} points)", spec.points))
            .unwrap_or_default(),
        spec.replications
    );
    let keys: Vec<&str> = spec.vary.iter().map(|v| v.key.as_str()).collect();
    let mut header = String::new();
    for key in &keys {
        header.push_str(&format!("  {:>18}", terminal_safe(key)));
    }
    println!("{header}  {metric:>24}");
    for row in &results.rows {
        let mut line = String::new();
        for key in &keys {
            let value = row.settings.get(*key).map(String::as_str).unwrap_or("");
            line.push_str(&format!("  {:>18}", terminal_safe(value)));
        }
        let cell = match row.metrics.get(metric).copied().flatten() {
            Some(e) => match e.ci95 {
                Some(h) => format!("{} ± {}", unit.format(e.mean), unit.format(h)),
                None => unit.format(e.mean),
            },
            None => "—".into(),
        };
        let note = if row.truncated > 0 {
            format!("  ({} run(s) hit a limit)", row.truncated)
        } else {
            String::new()
        };
        println!("{line}  {cell:>24}{note}");
    }
}
