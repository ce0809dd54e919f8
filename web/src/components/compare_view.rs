//! The compare view: the current scenario against another design (a preset) on the same
//! seed, both run in frame-sized slices, their lag and goodput overlaid and the numbers that
//! matter side by side — the playground's side of `spillway report --compare`.

use std::cell::RefCell;
use std::rc::Rc;

use plotters_canvas::CanvasBackend;
use spillway_charts::timeline::ChartData;
use spillway_charts::{overlay, palette};
use spillway_core::{PRESETS, Preset, Scenario, Unit};
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

use super::frame_slices::use_frame_slices;
use crate::comparison::Comparison;
use crate::state::ThemeChoice;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The baseline: the scenario in the editor.
    pub scenario: Rc<Scenario>,
    pub theme: ThemeChoice,
    /// Closes the view (back to the live charts).
    pub on_close: Callback<()>,
}

/// The overlays drawn: id, title, series column, unit.
const OVERLAYS: [(&str, &str, &str, Unit); 2] = [
    (
        "compare-lag",
        "Lag, messages waiting",
        "queue_depth",
        Unit::Messages,
    ),
    (
        "compare-goodput",
        "Goodput",
        "completed_per_second",
        Unit::PerSecond,
    ),
];

#[function_component(CompareView)]
pub fn compare_view(props: &Props) -> Html {
    let other = use_state(|| default_other(&props.scenario));
    let comparison: Rc<RefCell<Option<Comparison>>> = use_mut_ref(|| None);
    let problem = use_state(|| None::<String>);
    let frame = use_frame_slices(comparison.clone(), problem.clone());
    let canvases = use_memo((), |_| [NodeRef::default(), NodeRef::default()]);

    // Redraw the overlays after every frame.
    {
        let comparison = comparison.clone();
        let canvases = canvases.clone();
        let theme = props.theme;
        let end = props.scenario.duration.as_secs_f64();
        use_effect_with((*frame, theme), move |_| {
            if let Some(c) = comparison.borrow().as_ref() {
                draw(c, &canvases[..], theme, end);
            }
        });
    }

    let start = {
        let comparison = comparison.clone();
        let problem = problem.clone();
        let frame = frame.clone();
        let base = props.scenario.clone();
        let other = other.clone();
        Callback::from(move |_: MouseEvent| {
            let design = Preset::find(&other).and_then(|p| p.scenario().ok());
            let Some(design) = design else {
                problem.set(Some(format!("no preset {}", *other)));
                return;
            };
            match Comparison::new(&base, &design) {
                Ok(c) => {
                    *comparison.borrow_mut() = Some(c);
                    problem.set(None);
                    frame.set(*frame + 1);
                }
                Err(errors) => problem.set(Some(errors.to_string())),
            }
        })
    };
    let choose = {
        let other = other.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                other.set(select.value());
            }
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };

    let state = comparison.borrow();
    let names: Vec<String> = state
        .as_ref()
        .map(|c| c.runs.iter().map(|(name, _)| name.clone()).collect())
        .unwrap_or_default();
    let progress = state.as_ref().map(|c| {
        let done: f64 = c
            .runs
            .iter()
            .map(|(_, s)| {
                let sim = s.simulation();
                sim.now().as_secs_f64() / sim.end_time().as_secs_f64().max(1e-9)
            })
            .fold(1.0, f64::min);
        (c.finished(), done)
    });
    let swatch = |index: usize| {
        html! {
            <svg class="swatch" width="12" height="3" viewBox="0 0 12 3" aria-hidden="true"><rect width="12" height="3" rx="1.5" fill={palette::css(palette::design(index))} /></svg>
        }
    };
    html! {
        <section class="compare" aria-label="Compare designs" data-testid="compare">
            <div class="compare-head">
                <span>{"Compare "}<strong>{props.scenario.name.clone()}</strong>{" with "}</span>
                <select aria-label="Design to compare with" data-testid="compare-with" onchange={choose}>
                    { for PRESETS.iter().map(|p| html! {
                        <option value={p.name} selected={*other == p.name}>{p.name}</option>
                    }) }
                </select>
                <button class="primary small" onclick={start} data-testid="compare-run">{"Run both"}</button>
                <span class="muted">{"same seed for both"}</span>
                if let Some((finished, done)) = progress {
                    <span class="muted" data-testid="compare-progress" data-finished={finished.to_string()}>
                        { if finished { "done".to_string() } else { format!("{:.0}%", done * 100.0) } }
                    </span>
                }
                <button class="ghost small" onclick={close}>{"Back to live charts"}</button>
            </div>
            if let Some(problem) = (*problem).clone() {
                <p class="problem">{problem}</p>
            }
            <div class="compare-body">
                { for OVERLAYS.iter().zip(canvases.iter()).map(|((id, title, _, _), node)| html! {
                    <figure class="chart">
                        <figcaption>
                            <span class="chart-title">{*title}</span>
                            <span class="legend">
                                { for names.iter().enumerate().map(|(i, name)| html! {
                                    <span class="key">{swatch(i)}{name.clone()}</span>
                                }) }
                            </span>
                        </figcaption>
                        <div class="canvas-box">
                            <canvas ref={node.clone()} role="img" data-chart={*id} aria-label={format!("{title}, every design")} />
                        </div>
                    </figure>
                }) }
                if let Some(c) = state.as_ref() {
                    <table class="compare-table" data-testid="compare-table">
                        <thead><tr><th></th>{ for names.iter().enumerate().map(|(i, n)| html! { <th>{swatch(i)}{n.clone()}</th> }) }</tr></thead>
                        <tbody>
                            { for c.rows().into_iter().map(|row| html! {
                                <tr>
                                    <td>{row.label}</td>
                                    { for row.values.iter().enumerate().map(|(i, v)| {
                                        let class = match (i, row.better) {
                                            (0, _) | (_, None) => None,
                                            (_, Some(true)) => Some("better"),
                                            (_, Some(false)) => Some("worse"),
                                        };
                                        html! { <td class={classes!(class)}>{v.clone()}</td> }
                                    }) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                }
            </div>
        </section>
    }
}

/// The design to offer first: the preset's "fixed" variant when there is one.
fn default_other(base: &Scenario) -> String {
    let fixed = format!("{}-fixed", base.name);
    let candidates = [fixed.as_str(), "sqs-trap-fixed", "steady"];
    candidates
        .iter()
        .find(|name| Preset::find(name).is_some() && **name != base.name)
        .map_or_else(|| PRESETS[0].name.to_string(), |name| (*name).to_string())
}

fn draw(comparison: &Comparison, canvases: &[NodeRef], theme: ThemeChoice, end: f64) {
    let pixel_ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let end = comparison
        .runs
        .iter()
        .map(|(_, s)| s.simulation().end_time().as_secs_f64())
        .fold(end, f64::max);
    let designs: Vec<overlay::Design> = comparison
        .runs
        .iter()
        .enumerate()
        .map(|(index, (_, session))| overlay::Design {
            series: session.simulation().series(),
            color: palette::design(index),
        })
        .collect();
    let context = ChartData {
        series: comparison.runs[0].1.simulation().series(),
        end_seconds: end,
        changes: &[],
        theme: theme.palette(),
        pixel_ratio,
    };
    for ((_, _, column, unit), node) in OVERLAYS.iter().zip(canvases) {
        let Some(canvas) = node.cast::<HtmlCanvasElement>() else {
            continue;
        };
        super::charts_view::fit_to_box(&canvas, pixel_ratio);
        if let Some(backend) = CanvasBackend::with_canvas_object(canvas) {
            let _ = overlay::draw(backend, column, *unit, &designs, &context);
        }
    }
}
