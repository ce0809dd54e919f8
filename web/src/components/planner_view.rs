//! The planner panel: the fewest consumers meeting an SLO for the scenario in the editor —
//! the analytic curve and minimum, and simulated points with their 95% intervals, the
//! replications run in frame slices. The playground's side of `spillway plan`.

use std::cell::RefCell;
use std::rc::Rc;

use plotters_canvas::CanvasBackend;
use spillway_charts::sweep_chart::{self, SweepChart, SweepPoint};
use spillway_core::Scenario;
use web_sys::{HtmlCanvasElement, HtmlInputElement};
use yew::prelude::*;

use super::frame_slices::use_frame_slices;
use crate::planner::Planner;
use crate::state::ThemeChoice;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The scenario to size: the one in the editor.
    pub scenario: Rc<Scenario>,
    pub theme: ThemeChoice,
    /// Closes the panel (back to the live charts).
    pub on_close: Callback<()>,
}

#[function_component(PlannerView)]
pub fn planner_view(props: &Props) -> Html {
    let slo = use_state(|| "p99_queue_wait < 500ms".to_string());
    let replications = use_state(|| "5".to_string());
    let run_length = use_state(|| "10m".to_string());
    let planner: Rc<RefCell<Option<Planner>>> = use_mut_ref(|| None);
    let problem = use_state(|| None::<String>);
    let frame = use_frame_slices(planner.clone(), problem.clone());
    let canvas = use_node_ref();

    {
        let planner = planner.clone();
        let canvas = canvas.clone();
        let theme = props.theme;
        use_effect_with((*frame, theme), move |_| {
            if let (Some(p), Some(canvas)) = (
                planner.borrow().as_ref(),
                canvas.cast::<HtmlCanvasElement>(),
            ) {
                draw(p, &canvas, theme);
            }
        });
    }

    let input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(field) = event.target_dyn_into::<HtmlInputElement>() {
                state.set(field.value());
            }
        })
    };
    let start = {
        let planner = planner.clone();
        let problem = problem.clone();
        let frame = frame.clone();
        let scenario = props.scenario.clone();
        let (slo, replications, run_length) =
            (slo.clone(), replications.clone(), run_length.clone());
        Callback::from(move |_: MouseEvent| {
            let count = match replications.trim().parse::<u32>() {
                Ok(n) => n,
                Err(_) => {
                    problem.set(Some(format!(
                        "replications: `{}` is not a whole number",
                        *replications
                    )));
                    return;
                }
            };
            match Planner::new(&scenario, &slo, count, &run_length) {
                Ok(p) => {
                    *planner.borrow_mut() = Some(p);
                    problem.set(None);
                    frame.set(*frame + 1);
                }
                Err(error) => problem.set(Some(error)),
            }
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };

    let state = planner.borrow();
    html! {
        <section class="planner" aria-label="Plan the consumer count" data-testid="planner">
            <div class="compare-head">
                <span>{"Size "}<strong>{props.scenario.name.clone()}</strong>{" for"}</span>
                <input class="slo" type="text" aria-label="SLO" data-testid="planner-slo" value={(*slo).clone()} oninput={input(&slo)} />
                <label>{"replications "}<input class="short" type="text" aria-label="Replications per count" value={(*replications).clone()} oninput={input(&replications)} /></label>
                <label>{"each "}<input class="short" type="text" aria-label="Run length" value={(*run_length).clone()} oninput={input(&run_length)} /></label>
                <button class="primary small" onclick={start} data-testid="planner-run">{"Plan"}</button>
                if let Some(p) = state.as_ref() {
                    <span class="muted" data-testid="planner-progress" data-finished={p.finished().to_string()}>
                        { runs_text(p) }
                    </span>
                }
                <button class="ghost small" onclick={close}>{"Back to live charts"}</button>
            </div>
            if let Some(problem) = (*problem).clone() {
                <p class="problem" data-testid="planner-problem">{problem}</p>
            }
            if let Some(p) = state.as_ref() {
                <p class="planner-answer" data-testid="planner-answer">{answer(p)}</p>
                { for p.workload().caveats.iter().map(|c| html! { <p class="caveat">{format!("The analytic answer may be unsafe: {c}")}</p> }) }
            }
            <figure class="chart planner-chart">
                <figcaption>
                    <span class="chart-title">{"SLO metric against consumer count"}</span>
                    <span class="legend">{"● simulated mean, 95% CI · — analytic · red: the SLO"}</span>
                </figcaption>
                <div class="canvas-box">
                    <canvas ref={canvas} role="img" data-chart="planner" aria-label="SLO metric against consumer count" />
                </div>
            </figure>
        </section>
    }
}

fn runs_text(planner: &Planner) -> String {
    let (done, all) = planner.progress();
    format!("{done} of {all} runs")
}

/// The analytic and simulated answers in a sentence.
fn answer(planner: &Planner) -> String {
    let analytic = planner.analytic_minimum.map_or_else(
        || "theory has no closed form for this SLO".to_string(),
        |c| format!("theory says {c} consumers"),
    );
    let simulated = if planner.finished() {
        match planner.simulated_minimum() {
            Some(c) => format!("simulation says {c} (met with 95% confidence)"),
            None => format!(
                "no simulated count up to {} meets it",
                planner.counts.last().copied().unwrap_or(0)
            ),
        }
    } else {
        "simulating…".to_string()
    };
    format!("{}: {analytic}; {simulated}.", planner.slo())
}

fn draw(planner: &Planner, canvas: &HtmlCanvasElement, theme: ThemeChoice) {
    let pixel_ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    super::charts_view::fit_to_box(canvas, pixel_ratio);
    let points: Vec<SweepPoint> = planner
        .trials()
        .iter()
        .filter_map(|t| {
            let e = t.slos.first()?.estimate;
            let half = e.ci95.unwrap_or(0.0);
            Some(SweepPoint {
                x: f64::from(t.consumers),
                mean: e.mean,
                low: e.mean - half,
                high: e.mean + half,
            })
        })
        .collect();
    let metric = planner.slo().metric();
    let chart = SweepChart {
        parameter: "consumers",
        metric: metric.name,
        unit: metric.unit,
        points: &points,
        x_ticks: None,
        curve: Some(("analytic", &planner.curve)),
        threshold: Some(("SLO", planner.slo().threshold())),
        theme: theme.palette(),
        pixel_ratio,
    };
    if let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) {
        let _ = sweep_chart::draw(backend, &chart);
    }
}
