//! `spillway report`: a review of one design, or of several side by side on the same seed —
//! one self-contained HTML file (charts inlined as SVG) and a Markdown version (charts as SVG
//! files beside it). The charts are the playground's, drawn by the same functions
//! (`spillway-charts`), so what a review shows is what the playground showed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use html_escape::encode_text as esc;
use spillway_charts::timeline::{self, ChartData};
use spillway_charts::{overlay, palette, svg};
use spillway_core::{ChartSpec, MetricUnit, Scenario, Simulation, Summary, TimeSeries, Unit};

use crate::Failure;
use crate::args::ReportOptions;
use crate::run::{bad_scenario, flag_overrides, load_file, load_preset, run_with_progress};

/// One design under review: its scenario, where it came from, and its run.
struct Design {
    scenario: Scenario,
    origin: String,
    summary: Summary,
    series: TimeSeries,
}

/// Which way is better for a row of the table.
#[derive(Clone, Copy, PartialEq)]
enum Better {
    Lower,
    Higher,
    /// A context figure: differences are shown, not judged.
    Neither,
}

/// How a row's value reads.
#[derive(Clone, Copy)]
enum Kind {
    Metric(MetricUnit),
    PerSecond,
    Hours,
}

/// A row of "the numbers that matter".
struct Row {
    label: &'static str,
    kind: Kind,
    better: Better,
    read: fn(&Summary) -> Option<f64>,
}

const ROWS: &[Row] = &[
    Row {
        label: "offered load (offered / capacity)",
        kind: Kind::Metric(MetricUnit::Ratio),
        better: Better::Neither,
        read: |s| Some(s.capacity.offered_load).filter(|v| v.is_finite()),
    },
    Row {
        label: "max lag (messages waiting)",
        kind: Kind::Metric(MetricUnit::Count),
        better: Better::Lower,
        read: |s| Some(s.lag.max_messages as f64),
    },
    Row {
        label: "max lag (oldest unfinished message)",
        kind: Kind::Metric(MetricUnit::Duration),
        better: Better::Lower,
        read: |s| Some(s.lag.max_seconds),
    },
    Row {
        label: "lag at the end",
        kind: Kind::Metric(MetricUnit::Duration),
        better: Better::Lower,
        read: |s| Some(s.lag.final_seconds),
    },
    Row {
        label: "time over the lag alert",
        kind: Kind::Metric(MetricUnit::Duration),
        better: Better::Lower,
        read: |s| Some(s.lag.seconds_over_alert),
    },
    Row {
        label: "p99 end-to-end latency",
        kind: Kind::Metric(MetricUnit::Duration),
        better: Better::Lower,
        read: |s| (s.latency.count > 0).then_some(s.latency.p99),
    },
    Row {
        label: "p99 queue wait",
        kind: Kind::Metric(MetricUnit::Duration),
        better: Better::Lower,
        read: |s| (s.queue_wait.count > 0).then_some(s.queue_wait.p99),
    },
    Row {
        label: "goodput",
        kind: Kind::PerSecond,
        better: Better::Higher,
        read: |s| Some(s.work.goodput_per_second),
    },
    Row {
        label: "lost (rejected, dropped, failed, expired)",
        kind: Kind::Metric(MetricUnit::Count),
        better: Better::Lower,
        read: |s| Some(s.lost as f64),
    },
    Row {
        label: "lost / produced",
        kind: Kind::Metric(MetricUnit::Ratio),
        better: Better::Lower,
        read: |s| Some(s.lost as f64 / s.counts.produced.max(1) as f64),
    },
    Row {
        label: "dead-lettered",
        kind: Kind::Metric(MetricUnit::Count),
        better: Better::Lower,
        read: |s| Some(s.counts.dead_lettered as f64),
    },
    Row {
        label: "wasted work (share of consumer time)",
        kind: Kind::Metric(MetricUnit::Ratio),
        better: Better::Lower,
        read: |s| Some(s.work.wasted_ratio),
    },
    Row {
        label: "utilisation",
        kind: Kind::Metric(MetricUnit::Ratio),
        better: Better::Neither,
        read: |s| Some(s.utilisation),
    },
    Row {
        label: "cost (consumer-hours)",
        kind: Kind::Hours,
        better: Better::Lower,
        read: |s| Some(s.work.consumer_hours),
    },
];

/// A compared value against the baseline's.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Baseline,
    Same,
    Better,
    Worse,
    Different,
}

/// How `value` compares with `base` for a row judged by `better`: within 1% (or both
/// practically zero) is the same.
fn verdict(better: Better, base: Option<f64>, value: Option<f64>) -> Verdict {
    let (Some(base), Some(value)) = (base, value) else {
        return if base.is_none() && value.is_none() {
            Verdict::Same
        } else {
            Verdict::Different
        };
    };
    let scale = base.abs().max(value.abs());
    if scale < 1e-9 || (value - base).abs() <= 0.01 * scale {
        return Verdict::Same;
    }
    match better {
        Better::Neither => Verdict::Different,
        Better::Lower if value < base => Verdict::Better,
        Better::Higher if value > base => Verdict::Better,
        _ => Verdict::Worse,
    }
}

/// One design's cell of a row: its value as text, judged against the baseline's.
struct Cell {
    shown: String,
    verdict: Verdict,
    /// The change from the baseline (`−77%`), empty when there is none to show.
    change: String,
}

impl Cell {
    /// Whether the cell differs from the baseline enough to mark.
    fn marked(&self) -> bool {
        !matches!(self.verdict, Verdict::Baseline | Verdict::Same)
    }
}

/// Every design's cell of `row`, the baseline first (the HTML and the Markdown render them).
fn judged_cells(row: &Row, designs: &[Design]) -> Vec<Cell> {
    let base_value = (row.read)(&designs[0].summary);
    designs
        .iter()
        .enumerate()
        .map(|(index, design)| {
            let value = (row.read)(&design.summary);
            let verdict = if index == 0 {
                Verdict::Baseline
            } else {
                verdict(row.better, base_value, value)
            };
            Cell {
                shown: format_value(row.kind, value),
                verdict,
                change: change_text(base_value, value),
            }
        })
        .collect()
}

fn format_value(kind: Kind, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "—".into();
    };
    match kind {
        Kind::Metric(unit) => unit.format(value),
        Kind::PerSecond => format!("{}/s", spillway_charts::format::format_count(value)),
        Kind::Hours => format!("{value:.1} h"),
    }
}

/// The change from `base` to `value`, as a person reads it: `+35%`, `−80%`, `×12`.
fn change_text(base: Option<f64>, value: Option<f64>) -> String {
    match (base, value) {
        (Some(base), Some(value)) if base.abs() > 1e-12 => {
            let ratio = value / base;
            if ratio >= 3.0 {
                format!("×{ratio:.1}")
            } else if ratio > 0.0 && ratio <= 0.1 {
                format!("÷{:.0}", 1.0 / ratio)
            } else {
                let percent = (ratio - 1.0) * 100.0;
                let sign = if percent < 0.0 { "−" } else { "+" };
                format!("{sign}{:.0}%", percent.abs())
            }
        }
        (Some(_), Some(value)) if value.abs() > 1e-12 => "from 0".into(),
        _ => String::new(),
    }
}

/// Runs the review.
pub(crate) fn report(options: ReportOptions) -> Result<(), Failure> {
    let html_path = options.html.clone();
    let markdown_path = options
        .markdown
        .clone()
        .unwrap_or_else(|| html_path.with_extension("md"));
    if html_path == markdown_path {
        return Err(Failure::BadInput(format!(
            "--html and --markdown are both {}: give them different paths",
            html_path.display()
        )));
    }
    let charts_dir = charts_dir(&markdown_path);
    for path in [&html_path, &markdown_path] {
        check_writable(path)?;
    }

    let overrides = flag_overrides(&options.scenario);
    let base = match (&options.scenario.file, &options.scenario.preset) {
        (Some(file), _) => (load_file(file)?, file.display().to_string()),
        (None, Some(name)) => (load_preset(name)?, format!("preset {name}")),
        (None, None) => {
            return Err(Failure::BadInput(
                "report needs a scenario: a FILE or --preset NAME (and --compare OTHER for a side-by-side review)".into(),
            ));
        }
    };
    let mut loaded = vec![base];
    for other in &options.compare {
        loaded.push(load_design(other)?);
    }
    if loaded.len() > palette::DESIGNS.len() {
        return Err(Failure::BadInput(format!(
            "--compare: at most {} designs side by side (got {})",
            palette::DESIGNS.len(),
            loaded.len()
        )));
    }
    // Same load and seed: every design runs on the baseline's seed, after the flags.
    let mut prepared = Vec::with_capacity(loaded.len());
    let mut seed = None;
    for (scenario, origin) in loaded {
        let mut scenario = scenario.with_overrides(&overrides).map_err(bad_scenario)?;
        match seed {
            None => seed = Some(scenario.seed),
            Some(seed) => scenario.seed = seed,
        }
        prepared.push((scenario, origin));
    }
    crate::run::stop_on_ctrl_c();
    let mut designs = Vec::with_capacity(prepared.len());
    for (scenario, origin) in prepared {
        let mut simulation = Simulation::new(&scenario).map_err(bad_scenario)?;
        run_with_progress(&mut simulation);
        designs.push(Design {
            summary: simulation.summary(),
            series: simulation.series().clone(),
            scenario,
            origin,
        });
    }

    let charts = render_charts(&designs)?;
    let html = html_report(&designs, &charts);
    write(&html_path, &html)?;
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| Failure::BadInput(format!("cannot create {}: {e}", charts_dir.display())))?;
    let mut links = Vec::new();
    for chart in &charts {
        let mut files = Vec::new();
        for (index, drawing) in chart.drawings.iter().enumerate() {
            let Some(drawing) = drawing else {
                files.push(None);
                continue;
            };
            let name = format!("{}-{}.svg", chart.id, index + 1);
            write(&charts_dir.join(&name), drawing)?;
            files.push(Some(name));
        }
        links.push(files);
    }
    let markdown = markdown_report(&designs, &charts, &links, &charts_dir);
    write(&markdown_path, &markdown)?;
    eprintln!(
        "wrote {} and {} (charts in {})",
        html_path.display(),
        markdown_path.display(),
        charts_dir.display()
    );
    Ok(())
}

/// `--compare OTHER`: a scenario file, or a preset's name.
fn load_design(other: &str) -> Result<(Scenario, String), Failure> {
    let path = Path::new(other);
    if path.exists() {
        return Ok((load_file(path)?, other.to_string()));
    }
    if spillway_core::Preset::find(other).is_some() {
        return Ok((load_preset(other)?, format!("preset {other}")));
    }
    Err(Failure::BadInput(format!(
        "--compare {other}: no such file, and no preset of that name (spillway presets lists them)"
    )))
}

/// Where the Markdown's chart files go: `report.md` → `report-charts/`.
fn charts_dir(markdown: &Path) -> PathBuf {
    let stem = markdown
        .file_stem()
        .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    markdown.with_file_name(format!("{stem}-charts"))
}

/// Fails before any run if `path` cannot be written (its directory is missing, or it is a
/// directory), so a long review never ends in "cannot write".
fn check_writable(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(Failure::BadInput(format!(
            "{} is a directory: give a file path",
            path.display()
        )));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Failure::BadInput(format!(
            "cannot write {}: directory {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|e| Failure::BadInput(format!("cannot write {}: {e}", path.display())))
}

/// One chart row of the review: a chart id, its title, and each design's drawing of it
/// (`None` where that design has no such chart); or an overlay of all designs.
struct RenderedChart {
    id: String,
    title: String,
    /// Legend per drawing: (label, CSS colour).
    legends: Vec<Vec<(String, String)>>,
    drawings: Vec<Option<String>>,
}

const CHART_SIZE: (u32, u32) = (720, 260);

fn render_charts(designs: &[Design]) -> Result<Vec<RenderedChart>, Failure> {
    let theme = palette::LIGHT;
    let end = designs
        .iter()
        .map(|d| d.scenario.duration.as_secs_f64())
        .fold(0.0, f64::max);
    fn data(design: &Design, end_seconds: f64) -> ChartData<'_> {
        ChartData {
            series: &design.series,
            end_seconds,
            changes: &[],
            theme: palette::LIGHT,
            pixel_ratio: 1.0,
        }
    }
    let drawing_error = |e: String| Failure::BadInput(format!("cannot draw a chart: {e}"));
    let mut out = Vec::new();
    if designs.len() > 1 {
        let overlays: [(&str, &str, &str, Unit); 3] = [
            (
                "compare-lag",
                "Lag, messages waiting — every design",
                "queue_depth",
                Unit::Messages,
            ),
            (
                "compare-lag-seconds",
                "Lag, oldest unfinished message — every design",
                "lag_seconds",
                Unit::Seconds,
            ),
            (
                "compare-goodput",
                "Goodput — every design",
                "completed_per_second",
                Unit::PerSecond,
            ),
        ];
        for (id, title, column, unit) in overlays {
            let lines: Vec<overlay::Design> = designs
                .iter()
                .enumerate()
                .map(|(index, design)| overlay::Design {
                    series: &design.series,
                    color: palette::design(index),
                })
                .collect();
            let context = data(&designs[0], end);
            let drawing = svg::render(CHART_SIZE, |backend| {
                overlay::draw(backend, column, unit, &lines, &context)
            })
            .map_err(drawing_error)?;
            let legend = designs
                .iter()
                .enumerate()
                .map(|(index, d)| {
                    (
                        d.scenario.name.clone(),
                        palette::css(palette::design(index)),
                    )
                })
                .collect();
            out.push(RenderedChart {
                id: id.into(),
                title: title.into(),
                legends: vec![legend],
                drawings: vec![Some(drawing)],
            });
        }
    }
    // Each design's own charts, the baseline's order first, then charts only others have.
    let specs: Vec<Vec<ChartSpec>> = designs
        .iter()
        .map(|d| spillway_core::charts_for(&d.scenario))
        .collect();
    let mut ids: Vec<&'static str> = Vec::new();
    for chart in specs.iter().flatten() {
        if !ids.contains(&chart.id) {
            ids.push(chart.id);
        }
    }
    for id in ids {
        let mut title = String::new();
        let mut drawings = Vec::new();
        let mut legends = Vec::new();
        for (design, charts) in designs.iter().zip(&specs) {
            match charts.iter().find(|c| c.id == id) {
                Some(spec) => {
                    if title.is_empty() {
                        title = spec.title.clone();
                    }
                    let chart_data = data(design, end);
                    let drawing = svg::render(CHART_SIZE, |b| timeline::draw(b, spec, &chart_data))
                        .map_err(drawing_error)?;
                    drawings.push(Some(drawing));
                    legends.push(
                        timeline::legend(spec, &theme)
                            .into_iter()
                            .map(|(label, color)| (label.to_string(), palette::css(color)))
                            .collect(),
                    );
                }
                None => {
                    drawings.push(None);
                    legends.push(Vec::new());
                }
            }
        }
        out.push(RenderedChart {
            id: id.into(),
            title,
            legends,
            drawings,
        });
    }
    Ok(out)
}

/// The effective scenario (after flags and the shared seed) as TOML, for the appendix.
fn scenario_text(scenario: &Scenario) -> String {
    toml::to_string(scenario).unwrap_or_else(|e| format!("# cannot show the scenario: {e}"))
}

fn outcome_text(summary: &Summary) -> String {
    let mut text = format!("{:?}", summary.outcome).to_lowercase();
    if let Some(limit) = &summary.truncated_by {
        let _ = write!(text, " ({limit})");
    }
    text
}

fn assertions_text(summary: &Summary) -> String {
    let passed = summary.assertions.iter().filter(|a| a.passed).count();
    format!("{passed} of {} passed", summary.assertions.len())
}

const STYLE: &str = r#"
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2937; margin: 2rem auto; max-width: 1400px; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #e5e7eb; padding-bottom: .3rem; }
.muted { color: #6b7280; } code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
table { border-collapse: collapse; margin: .8rem 0; } th, td { padding: .35rem .8rem; border-bottom: 1px solid #e5e7eb; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f9fafb; }
td.better { background: #dcfce7; } td.worse { background: #fee2e2; } td.different { background: #fef9c3; }
td .change { display: block; font-size: 12px; color: #4b5563; }
.swatch { display: inline-block; width: 12px; height: 3px; border-radius: 2px; margin: 0 .35rem .2rem .8rem; vertical-align: middle; }
.charts { display: grid; gap: 1rem; } .charts.single { max-width: 960px; } .chart h3 { font-size: .95rem; margin: .2rem 0; }
.chart svg { width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 4px; }
.missing { border: 1px dashed #d1d5db; border-radius: 4px; padding: 2rem; color: #6b7280; text-align: center; }
details pre { background: #f9fafb; padding: .8rem; overflow: auto; max-height: 32rem; }
.legend { font-size: 13px; color: #4b5563; }
"#;

fn html_report(designs: &[Design], charts: &[RenderedChart]) -> String {
    let names: Vec<&str> = designs.iter().map(|d| d.scenario.name.as_str()).collect();
    let title = if designs.len() == 1 {
        format!("Review: {}", names[0])
    } else {
        format!("Review: {}", names.join(" vs "))
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    let base = &designs[0];
    let _ = writeln!(
        h,
        "<p class=\"muted\">Simulated by Spillway {} · seed {} · {} simulated{}</p>",
        env!("CARGO_PKG_VERSION"),
        base.scenario.seed,
        base.scenario.duration,
        if designs.len() > 1 {
            " · every design on the same seed; the first is the baseline, and each other design's cells are green where it does better, red where worse"
        } else {
            ""
        }
    );
    for design in designs {
        if !design.scenario.description.is_empty() {
            let _ = writeln!(
                h,
                "<p><strong>{}</strong> — {} <span class=\"muted\">({})</span></p>",
                esc(&design.scenario.name),
                esc(&design.scenario.description),
                esc(&design.origin)
            );
        }
    }
    h.push_str(&load_note_html(designs));

    h.push_str("<h2>The numbers that matter</h2>\n<table><thead><tr><th></th>");
    for (index, design) in designs.iter().enumerate() {
        let _ = write!(
            h,
            "<th><span class=\"swatch\" style=\"background:{}\"></span>{}</th>",
            palette::css(palette::design(index)),
            esc(&design.scenario.name)
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    let text_row = |h: &mut String, label: &str, cells: Vec<String>| {
        let _ = write!(h, "<tr><td>{}</td>", esc(label));
        for cell in cells {
            let _ = write!(h, "<td>{}</td>", esc(&cell));
        }
        h.push_str("</tr>\n");
    };
    text_row(
        &mut h,
        "outcome",
        designs.iter().map(|d| outcome_text(&d.summary)).collect(),
    );
    for row in ROWS {
        let _ = write!(h, "<tr><td>{}</td>", esc(row.label));
        for cell in judged_cells(row, designs) {
            let class = match cell.verdict {
                Verdict::Better => " class=\"better\"",
                Verdict::Worse => " class=\"worse\"",
                Verdict::Different => " class=\"different\"",
                _ => "",
            };
            let change = if cell.marked() {
                format!("<span class=\"change\">{}</span>", esc(&cell.change))
            } else {
                String::new()
            };
            let _ = write!(h, "<td{class}>{}{change}</td>", esc(&cell.shown));
        }
        h.push_str("</tr>\n");
    }
    text_row(
        &mut h,
        "assertions",
        designs
            .iter()
            .map(|d| assertions_text(&d.summary))
            .collect(),
    );
    text_row(
        &mut h,
        "fingerprint",
        designs
            .iter()
            .map(|d| d.summary.fingerprint.clone())
            .collect(),
    );
    h.push_str("</tbody></table>\n");

    if designs.iter().any(|d| !d.summary.assertions.is_empty()) {
        h.push_str("<h2>Checks</h2>\n");
        for design in designs.iter().filter(|d| !d.summary.assertions.is_empty()) {
            let _ = write!(
                h,
                "<h3>{}</h3><table><thead><tr><th>check</th><th>actual</th><th>result</th></tr></thead><tbody>",
                esc(&design.scenario.name)
            );
            for check in &design.summary.assertions {
                let class = if check.passed { "better" } else { "worse" };
                let _ = write!(
                    h,
                    "<tr><td><code>{}</code></td><td>{}</td><td class=\"{class}\">{}</td></tr>",
                    esc(&check.check),
                    esc(&format_actual(&check.check, check.actual)),
                    if check.passed { "passed" } else { "FAILED" }
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }

    h.push_str("<h2>Charts</h2>\n<p class=\"legend\">Shaded: faults active. Same time axis on every chart.</p>\n");
    for chart in charts {
        let columns = chart.drawings.len();
        let _ = write!(
            h,
            "<div class=\"chart\" data-chart=\"{}\"><h3>{}</h3><div class=\"charts{}\" style=\"grid-template-columns: repeat({columns}, 1fr)\">",
            html_escape::encode_double_quoted_attribute(&chart.id),
            esc(&chart.title),
            if columns == 1 { " single" } else { "" }
        );
        for (index, drawing) in chart.drawings.iter().enumerate() {
            h.push_str("<div>");
            if columns > 1 || designs.len() > 1 && chart.drawings.len() > 1 {
                let _ = write!(
                    h,
                    "<div class=\"legend\"><strong>{}</strong></div>",
                    esc(&designs[index].scenario.name)
                );
            }
            match drawing {
                Some(svg) => {
                    h.push_str(svg);
                    h.push_str("<div class=\"legend\">");
                    for (label, color) in &chart.legends[index.min(chart.legends.len() - 1)] {
                        let _ = write!(
                            h,
                            "<span class=\"swatch\" style=\"background:{}\"></span>{}",
                            html_escape::encode_double_quoted_attribute(color),
                            esc(label)
                        );
                    }
                    h.push_str("</div>");
                }
                None => h.push_str("<div class=\"missing\">not in this design</div>"),
            }
            h.push_str("</div>");
        }
        h.push_str("</div></div>\n");
    }

    h.push_str("<h2>Scenarios</h2>\n");
    for design in designs {
        let _ = writeln!(
            h,
            "<details><summary><strong>{}</strong> <span class=\"muted\">{} — as run, after flags and the shared seed</span></summary><pre>{}</pre></details>",
            esc(&design.scenario.name),
            esc(&design.origin),
            esc(&scenario_text(&design.scenario))
        );
    }
    h.push_str("</body></html>\n");
    h
}

/// Says whether the designs faced the same load (offered rates within 1%).
fn load_note(designs: &[Design]) -> Option<String> {
    let base = designs[0].summary.capacity.offered_per_second;
    let differs = designs[1..].iter().any(|d| {
        let offered = d.summary.capacity.offered_per_second;
        (offered - base).abs() > 0.01 * base.abs().max(offered.abs())
    });
    differs.then(|| {
        let rates: Vec<String> = designs
            .iter()
            .map(|d| {
                format!(
                    "{} {}/s",
                    d.scenario.name,
                    spillway_charts::format::format_count(d.summary.capacity.offered_per_second)
                )
            })
            .collect();
        format!(
            "The designs did not face the same load (offered: {}): compare their producers before their results.",
            rates.join(", ")
        )
    })
}

fn load_note_html(designs: &[Design]) -> String {
    load_note(designs).map_or_else(String::new, |note| {
        format!(
            "<p class=\"worse\" style=\"padding:.5rem;background:#fee2e2\">{}</p>\n",
            esc(&note)
        )
    })
}

fn format_actual(check: &str, value: f64) -> String {
    let unit = check
        .split_whitespace()
        .next()
        .and_then(|name| spillway_core::METRICS.iter().find(|m| m.name == name))
        .map_or(MetricUnit::Count, |m| m.unit);
    unit.format(value)
}

fn markdown_report(
    designs: &[Design],
    charts: &[RenderedChart],
    links: &[Vec<Option<String>>],
    charts_dir: &Path,
) -> String {
    let dir = charts_dir
        .file_name()
        .map_or_else(String::new, |d| d.to_string_lossy().into_owned());
    let md = |text: &str| text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let names: Vec<String> = designs.iter().map(|d| md(&d.scenario.name)).collect();
    let mut m = String::new();
    let _ = writeln!(m, "# Review: {}\n", names.join(" vs "));
    let _ = writeln!(
        m,
        "Simulated by Spillway {} · seed {} · {} simulated.{}\n",
        env!("CARGO_PKG_VERSION"),
        designs[0].scenario.seed,
        designs[0].scenario.duration,
        if designs.len() > 1 {
            " Every design on the same seed; the first is the baseline. **▲ better**, **▼ worse** than the baseline, **≠** different."
        } else {
            ""
        }
    );
    for design in designs
        .iter()
        .filter(|d| !d.scenario.description.is_empty())
    {
        let _ = writeln!(
            m,
            "- **{}** — {} ({})",
            md(&design.scenario.name),
            md(&design.scenario.description),
            md(&design.origin)
        );
    }
    if let Some(note) = load_note(designs) {
        let _ = writeln!(m, "\n> **Note:** {}", md(&note));
    }
    let _ = writeln!(m, "\n## The numbers that matter\n");
    let _ = writeln!(m, "| | {} |", names.join(" | "));
    let _ = writeln!(m, "|---|{}", "---:|".repeat(designs.len()));
    let text_row = |m: &mut String, label: &str, cells: Vec<String>| {
        let cells: Vec<String> = cells.iter().map(|c| md(c)).collect();
        let _ = writeln!(m, "| {label} | {} |", cells.join(" | "));
    };
    text_row(
        &mut m,
        "outcome",
        designs.iter().map(|d| outcome_text(&d.summary)).collect(),
    );
    for row in ROWS {
        let cells: Vec<String> = judged_cells(row, designs)
            .into_iter()
            .map(|cell| match cell.verdict {
                Verdict::Better => format!("**▲ {}** ({})", cell.shown, cell.change),
                Verdict::Worse => format!("**▼ {}** ({})", cell.shown, cell.change),
                Verdict::Different => format!("≠ {} ({})", cell.shown, cell.change),
                _ => cell.shown,
            })
            .collect();
        let _ = writeln!(m, "| {} | {} |", row.label, cells.join(" | "));
    }
    text_row(
        &mut m,
        "assertions",
        designs
            .iter()
            .map(|d| assertions_text(&d.summary))
            .collect(),
    );
    text_row(
        &mut m,
        "fingerprint",
        designs
            .iter()
            .map(|d| format!("`{}`", d.summary.fingerprint))
            .collect(),
    );
    for design in designs.iter().filter(|d| !d.summary.assertions.is_empty()) {
        let _ = writeln!(
            m,
            "\n### Checks: {}\n\n| check | actual | result |\n|---|---:|---|",
            md(&design.scenario.name)
        );
        for check in &design.summary.assertions {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} |",
                md(&check.check),
                format_actual(&check.check, check.actual),
                if check.passed { "passed" } else { "**FAILED**" }
            );
        }
    }
    let _ = writeln!(m, "\n## Charts\n");
    for (chart, files) in charts.iter().zip(links) {
        let _ = writeln!(m, "### {}\n", md(&chart.title));
        for (index, file) in files.iter().enumerate() {
            let who = if files.len() > 1 {
                format!("{}: ", names[index])
            } else {
                String::new()
            };
            match file {
                Some(file) => {
                    let _ = writeln!(m, "{who}![{}]({dir}/{file})\n", md(&chart.title));
                }
                None => {
                    let _ = writeln!(m, "{who}not in this design\n");
                }
            }
        }
    }
    let _ = writeln!(m, "## Scenarios (as run)\n");
    for design in designs {
        let _ = writeln!(
            m,
            "### {} ({})\n\n```toml\n{}```\n",
            md(&design.scenario.name),
            md(&design.origin),
            scenario_text(&design.scenario).replace("```", "` ` `")
        );
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_within_one_percent_is_the_same_and_direction_decides_the_colour() {
        assert_eq!(
            verdict(Better::Lower, Some(100.0), Some(100.5)),
            Verdict::Same
        );
        assert_eq!(
            verdict(Better::Lower, Some(100.0), Some(50.0)),
            Verdict::Better
        );
        assert_eq!(
            verdict(Better::Lower, Some(100.0), Some(150.0)),
            Verdict::Worse
        );
        assert_eq!(
            verdict(Better::Higher, Some(100.0), Some(150.0)),
            Verdict::Better
        );
        assert_eq!(
            verdict(Better::Neither, Some(1.0), Some(2.0)),
            Verdict::Different
        );
        assert_eq!(verdict(Better::Lower, Some(0.0), Some(0.0)), Verdict::Same);
        assert_eq!(verdict(Better::Lower, None, Some(1.0)), Verdict::Different);
    }

    #[test]
    fn changes_read_as_percentages_or_multiples() {
        assert_eq!(change_text(Some(100.0), Some(135.0)), "+35%");
        assert_eq!(change_text(Some(100.0), Some(20.0)), "−80%");
        assert_eq!(change_text(Some(2.0), Some(24.0)), "×12.0");
        assert_eq!(change_text(Some(0.0), Some(3.0)), "from 0");
        assert_eq!(change_text(Some(48_000.0), Some(22.0)), "÷2182");
    }
}
