//! `spillway run` and `spillway validate`.

use std::io::{IsTerminal, Read};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;
use spillway_core::scenario::{self, Format, KeySegment, Override, ScenarioErrors};
use spillway_core::{
    ChangeEntry, DEFAULT_PRESET, Preset, RunStatus, Scenario, SimDuration, Simulation,
    SortedChanges,
};

use crate::Failure;
use crate::args::{RunOptions, ScenarioArgs};
use crate::report;

/// Loads, runs and reports a scenario.
pub(crate) fn run(options: RunOptions) -> Result<(), Failure> {
    let replay = options.changes.as_deref().map(load_changes).transpose()?;
    let scenario = match (&options.scenario.file, &options.scenario.preset, &replay) {
        (Some(file), _, _) => load_file(file)?,
        (None, Some(name), _) => load_preset(name)?,
        (
            None,
            None,
            Some(Replay {
                scenario: Some(text),
                origin,
                ..
            }),
        ) => Scenario::from_toml(text, &format!("{origin}#scenario")).map_err(bad_scenario)?,
        (None, None, _) => load_preset(DEFAULT_PRESET)?,
    };
    let scenario = scenario
        .with_overrides(&flag_overrides(&options.scenario))
        .map_err(bad_scenario)?;

    let mut simulation = Simulation::new(&scenario).map_err(bad_scenario)?;
    if let Some(replay) = &replay {
        let mut skipped = simulation.plan_changes(&replay.changes.known);
        replay.changes.renumber(&mut skipped);
        let mut list: Vec<(usize, String)> = skipped
            .iter()
            .map(|s| {
                (
                    s.index,
                    format!("  {}", report::terminal_safe(&s.to_string())),
                )
            })
            .collect();
        list.extend(
            replay
                .changes
                .not_understood
                .iter()
                .map(|(place, line)| (*place, format!("  {}", report::terminal_safe(line)))),
        );
        list.sort();
        if !list.is_empty() {
            let lines: Vec<String> = list.into_iter().map(|(_, line)| line).collect();
            return Err(Failure::BadInput(format!(
                "{}: {} change(s) cannot be replayed:\n{}",
                replay.origin,
                lines.len(),
                lines.join("\n")
            )));
        }
    }
    stop_on_ctrl_c();
    run_with_progress(&mut simulation);
    let summary = simulation.summary();

    if let Some(path) = &options.csv {
        report::write_csv(simulation.series(), path).map_err(|e| {
            Failure::BadInput(format!("cannot write --csv {}: {e}", path.display()))
        })?;
    }
    if options.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("summaries serialise")
        );
    } else {
        report::print_summary(&scenario, &summary);
    }
    if summary.passed() {
        Ok(())
    } else {
        Err(Failure::Violated)
    }
}

/// Checks a file and says what is in it.
pub(crate) fn validate(file: &Path) -> Result<(), Failure> {
    let scenario = load_file(file)?;
    println!(
        "ok: {} — scenario `{}`: {} producer(s), {} consumer(s), {} simulated, {} assertion(s)",
        report::terminal_safe(&file.display().to_string()),
        report::terminal_safe(&scenario.name),
        scenario.producers.len(),
        scenario.consumers.count,
        scenario.duration,
        scenario.assertions.len()
    );
    Ok(())
}

pub(crate) fn load_file(file: &Path) -> Result<Scenario, Failure> {
    let origin = file.display().to_string();
    let text = read_capped(file, scenario::MAX_SCENARIO_BYTES).map_err(|e| match e {
        ReadError::TooLarge => bad_scenario(scenario::too_large(&origin)),
        ReadError::Io(e) => Failure::BadInput(format!("cannot read {origin}: {e}")),
    })?;
    let format = Format::from_file_name(&origin);
    let mut scenario =
        spillway_core::scenario::parse_scenario(&text, format, &origin).map_err(bad_scenario)?;
    if scenario.name.is_empty() {
        scenario.name = file
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    }
    Ok(scenario)
}

/// `--seed`, `--duration` and every `--set`, in that order, as key-path overrides: each is
/// validated exactly like the file's own value.
pub(crate) fn flag_overrides(options: &ScenarioArgs) -> Vec<Override> {
    let key = |name: &str| vec![KeySegment::Key(name.to_string())];
    let mut overrides = Vec::new();
    if let Some(seed) = options.seed {
        overrides.push(Override::written_as(
            key("seed"),
            seed.to_string(),
            format!("--seed {seed}"),
        ));
    }
    if let Some(duration) = &options.duration {
        // Quoted, so that TOML reads it as the string a duration is.
        overrides.push(Override::written_as(
            key("duration"),
            format!("{duration:?}"),
            format!("--duration {duration}"),
        ));
    }
    overrides.extend(options.overrides.iter().cloned());
    overrides
}

/// Live changes to replay, and the scenario they were recorded on, if the file has it.
struct Replay {
    origin: String,
    scenario: Option<String>,
    changes: SortedChanges,
}

/// A playground export or share payload (`{"scenario": "…", "changes": […]}`), or a bare
/// list of changes.
#[derive(Deserialize)]
#[serde(untagged)]
enum ChangesFile {
    Export {
        #[serde(default)]
        scenario: Option<String>,
        changes: Vec<ChangeEntry>,
    },
    List(Vec<ChangeEntry>),
}

fn load_changes(path: &Path) -> Result<Replay, Failure> {
    let origin = path.display().to_string();
    let text = read_capped(path, MAX_CHANGES_BYTES).map_err(|e| match e {
        ReadError::TooLarge => Failure::BadInput(format!(
            "--changes {origin}: too large (over {} MiB); a playground export or change list \
             is far smaller — is this the right file?",
            MAX_CHANGES_BYTES >> 20
        )),
        ReadError::Io(e) => Failure::BadInput(format!("cannot read --changes {origin}: {e}")),
    })?;
    let file: ChangesFile = serde_json::from_str(&text).map_err(|e| {
        Failure::BadInput(format!(
            "--changes {origin}: not a playground export or a list of changes \
             ({{\"at_nanos\": …, \"change\": {{\"knob\": …, \"value\": …}}}}): {e}"
        ))
    })?;
    let (scenario, changes) = match file {
        ChangesFile::Export { scenario, changes } => (scenario, changes),
        ChangesFile::List(changes) => (None, changes),
    };
    Ok(Replay {
        origin,
        scenario,
        changes: ChangeEntry::sort(changes),
    })
}

enum ReadError {
    TooLarge,
    Io(std::io::Error),
}

/// The largest `--changes` file: an export holds its scenario (≤ 1 MiB) and its changes.
const MAX_CHANGES_BYTES: usize = 16 << 20;

/// Reads at most `limit` bytes (and one more to tell), so that `/dev/zero`, an endless pipe
/// or a huge file ends with an error, not a hang or OOM.
fn read_capped(file: &Path, limit: usize) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(ReadError::Io)?;
    if bytes.len() > limit {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

pub(crate) fn load_preset(name: &str) -> Result<Scenario, Failure> {
    let preset = Preset::find(name).ok_or_else(|| {
        let hint = match Preset::closest(name) {
            Some(close) => format!("; did you mean `{close}`?"),
            None => String::new(),
        };
        Failure::BadInput(format!(
            "no preset named `{name}`{hint} (`spillway presets` lists them)"
        ))
    })?;
    preset.scenario().map_err(bad_scenario)
}

pub(crate) fn bad_scenario(errors: ScenarioErrors) -> Failure {
    let count = errors.0.len();
    let noun = if count == 1 { "problem" } else { "problems" };
    // One error per line: a line break inside one (a key or value that holds one) is escaped.
    let lines: Vec<String> = errors
        .0
        .iter()
        .map(|error| report::terminal_safe(&error.to_string()).into_owned())
        .collect();
    Failure::BadInput(format!(
        "{count} {noun} in the scenario:\n{}",
        lines.join("\n")
    ))
}

/// Events simulated between looks at Ctrl-C (~0.1 s of work).
const EVENTS_BETWEEN_CHECKS: u64 = 1 << 20;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// The first Ctrl-C ends the run where it is and reports it (as truncated: exit 1); a second
/// one exits at once (130, the shell's code for SIGINT).
pub(crate) fn stop_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::Relaxed) {
            std::process::exit(130);
        }
    });
}

/// Runs in slices of simulated time so a progress bar (on stderr, only when stdout is a
/// terminal) can follow along.
pub(crate) fn run_with_progress(simulation: &mut Simulation) {
    let end = simulation.end_time();
    let show = std::io::stdout().is_terminal();
    let bar = if show {
        ProgressBar::with_draw_target(
            Some(end.as_nanos() / 1_000_000_000),
            ProgressDrawTarget::stderr(),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulating {bar:40} {pos}/{len} s  {msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let slice = SimDuration::from_nanos((end.as_nanos() / 200).max(1));
    loop {
        if interrupted() {
            simulation.interrupt();
            break;
        }
        let target = simulation.now() + slice;
        // A bounded number of events per call, so Ctrl-C is seen within a fraction of a second
        // however dense the run.
        let status = simulation.run_slice(target, EVENTS_BETWEEN_CHECKS);
        bar.set_position(simulation.now().as_nanos() / 1_000_000_000);
        bar.set_message(format!("{} events", simulation.events_processed()));
        if let RunStatus::Finished(_) = status {
            break;
        }
    }
    bar.finish_and_clear();
}

/// The scenario named by FILE or --preset (default: `default`), with the flag overrides.
pub(crate) fn load_scenario(args: &ScenarioArgs, default: &str) -> Result<Scenario, Failure> {
    let scenario = match (&args.file, &args.preset) {
        (Some(file), _) => load_file(file)?,
        (None, Some(name)) => load_preset(name)?,
        (None, None) => load_preset(default)?,
    };
    scenario
        .with_overrides(&flag_overrides(args))
        .map_err(bad_scenario)
}

/// A key path written in code (`producers[0].rate`), as an override's path.
pub(crate) fn key_path(path: &str) -> Vec<KeySegment> {
    use std::str::FromStr;
    Override::from_str(&format!("{path}=0"))
        .expect("key paths written in code are valid")
        .path
}

/// Applies flag overrides one at a time, so that a value the scenario cannot even read is
/// blamed on its own flag (applied together, a parse error names the last one).
pub(crate) fn apply_each(scenario: Scenario, overrides: &[Override]) -> Result<Scenario, Failure> {
    overrides.iter().try_fold(scenario, |scenario, o| {
        scenario
            .with_overrides(std::slice::from_ref(o))
            .map_err(bad_scenario)
    })
}
