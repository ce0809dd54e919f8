//! The live charts: one canvas per chart the core's registry ([`charts_for`]) gives the
//! scenario, redrawn from the run's series whenever the run advances, sized to its box at the
//! screen's pixel density. Also the exports.

use std::collections::VecDeque;
use std::rc::Rc;

use plotters_canvas::CanvasBackend;
use spillway_core::{ChartSpec, Rank, Scenario, charts_for};
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use super::SessionHandle;
use crate::browser;
use crate::clock;
use crate::export;
use crate::state::ThemeChoice;
use spillway_charts::palette;
use spillway_charts::timeline::{self as charts, ChartData};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub session: SessionHandle,
    pub frame: u64,
    pub theme: ThemeChoice,
    pub scenario: Rc<Scenario>,
    /// The scenario as the user wrote it (for the JSON export).
    pub scenario_text: Rc<str>,
}

/// Recent draw times, for the frame-rate readout.
#[derive(Default)]
struct FrameMeter {
    draws: VecDeque<f64>,
    last_draw_ms: f64,
}

impl FrameMeter {
    fn record(&mut self, at: f64, took: f64) -> f64 {
        self.draws.push_back(at);
        while self.draws.front().is_some_and(|t| at - t > 1_000.0) {
            self.draws.pop_front();
        }
        self.last_draw_ms = took;
        self.draws.len() as f64
    }
}

#[function_component(ChartsView)]
pub fn charts_view(props: &Props) -> Html {
    // The charts follow the scenario's models; one canvas each.
    let specs = use_memo(props.scenario.clone(), |scenario| charts_for(scenario));
    let canvases = use_memo(specs.len(), |count| {
        (0..*count).map(|_| NodeRef::default()).collect::<Vec<_>>()
    });
    let meter = use_mut_ref(FrameMeter::default);
    let container = use_node_ref();
    let resized = use_state(|| 0u32);

    // Redraw when the window is resized.
    {
        let resized = resized.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "resize", move |_| {
                    resized.set(*resized + 1)
                })
            });
            move || drop(listener)
        });
    }

    {
        let canvases = canvases.clone();
        let session = props.session.clone();
        let scenario = props.scenario.clone();
        let meter = meter.clone();
        let container = container.clone();
        use_effect_with(
            (
                props.frame,
                props.theme,
                *resized,
                props.session.clone(),
                specs.clone(),
            ),
            move |(_, theme, _, _, specs)| {
                let started = clock::now_ms();
                draw_all(specs, &canvases, &session, &scenario, *theme);
                let finished = clock::now_ms();
                let fps = meter.borrow_mut().record(finished, finished - started);
                if let Some(element) = container.cast::<web_sys::Element>() {
                    let _ = element.set_attribute("data-fps", &fps.to_string());
                    let _ = element
                        .set_attribute("data-draw-ms", &format!("{:.2}", finished - started));
                }
            },
        );
    }

    let theme = props.theme.palette();
    let exports = export_callbacks(props, &specs, &canvases, theme);
    html! {
        <section class="charts" ref={container} aria-label="Live charts">
            <div class="charts-head">
                <span class="muted">{"Shaded: faults active · "}
                    if props.scenario.kafka.is_some() {
                        <svg class="knob-mark" width="10" height="12" viewBox="0 0 10 12" aria-hidden="true"><rect width="10" height="12" fill={palette::css(palette::PRIMARY)} fill-opacity="0.25" /></svg>{" group rebalancing · "}
                    }
                    if props.scenario.rabbitmq.is_some() {
                        <svg class="knob-mark" width="10" height="12" viewBox="0 0 10 12" aria-hidden="true"><rect width="10" height="12" fill={palette::css(palette::WARNING)} fill-opacity="0.25" /></svg>{" memory or disk alarm (publishers blocked) · "}
                    }
                    <svg class="knob-mark" width="2" height="12" viewBox="0 0 2 12" aria-hidden="true"><rect width="2" height="12" fill={palette::css(palette::KNOB)} /></svg>{" live change"}</span>
                <div class="exports" role="group" aria-label="Export">
                    <span class="muted">{"Export"}</span>
                    <button class="small" onclick={exports.0} data-testid="export-csv">{"CSV"}</button>
                    <button class="small" onclick={exports.1} data-testid="export-json">{"JSON"}</button>
                    <button class="small" onclick={exports.2} data-testid="export-png">{"PNG"}</button>
                </div>
            </div>
            <div class="chart-grid" data-charts={specs.len().to_string()}>
                { for specs.iter().zip(canvases.iter()).map(|(spec, node)| html! {
                    <figure key={spec.id} class={classes!("chart", (spec.rank == Rank::Headline).then_some("headline"))}>
                        <figcaption>
                            <span class="chart-title">{spec.title.clone()}</span>
                            <span class="legend">
                                { for charts::legend(spec, &theme).into_iter().map(|(label, color)| html! {
                                    <span class="key"><svg class="swatch" width="12" height="3" viewBox="0 0 12 3" aria-hidden="true"><rect width="12" height="3" rx="1.5" fill={palette::css(color)} /></svg>{label}</span>
                                }) }
                            </span>
                        </figcaption>
                        <div class="canvas-box">
                            <canvas ref={node.clone()} role="img" data-chart={spec.id}
                                aria-label={format!("{} chart", spec.title)} />
                        </div>
                    </figure>
                }) }
            </div>
        </section>
    }
}

fn draw_all(
    specs: &[ChartSpec],
    canvases: &[NodeRef],
    session: &SessionHandle,
    scenario: &Scenario,
    theme: ThemeChoice,
) {
    let pixel_ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let session = session.0.borrow();
    let changes = session.changes();
    let data = ChartData {
        series: session.simulation().series(),
        end_seconds: scenario.duration.as_secs_f64(),
        changes,
        theme: theme.palette(),
        pixel_ratio,
    };
    for (spec, node) in specs.iter().zip(canvases) {
        let Some(canvas) = node.cast::<HtmlCanvasElement>() else {
            continue;
        };
        fit_to_box(&canvas, pixel_ratio);
        if let Some(backend) = CanvasBackend::with_canvas_object(canvas) {
            // A drawing error leaves the previous frame; the next frame tries again.
            let _ = charts::draw(backend, spec, &data);
        }
    }
}

/// Sizes the canvas's backing store to its box in device pixels (only when it changed:
/// resizing clears the canvas).
pub(crate) fn fit_to_box(canvas: &HtmlCanvasElement, pixel_ratio: f64) {
    let Some(parent) = canvas.parent_element() else {
        return;
    };
    let width = (f64::from(parent.client_width()) * pixel_ratio)
        .round()
        .max(1.0) as u32;
    let height = (f64::from(parent.client_height()) * pixel_ratio)
        .round()
        .max(1.0) as u32;
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
}

type ExportCallbacks = (
    Callback<MouseEvent>,
    Callback<MouseEvent>,
    Callback<MouseEvent>,
);

fn export_callbacks(
    props: &Props,
    specs: &[ChartSpec],
    canvases: &[NodeRef],
    theme: palette::Theme,
) -> ExportCallbacks {
    let name = props.scenario.name.clone();
    let csv = {
        let session = props.session.clone();
        let name = name.clone();
        Callback::from(move |_| {
            let session = session.0.borrow();
            let text = export::series_csv(session.simulation().series());
            browser::download_text(&format!("{name}-series.csv"), "text/csv", &text);
        })
    };
    let json = {
        let session = props.session.clone();
        let scenario_text = props.scenario_text.clone();
        let name = name.clone();
        Callback::from(move |_| {
            let session = session.0.borrow();
            let simulation = session.simulation();
            let text = export::run_json(
                &scenario_text,
                session.changes(),
                &simulation.summary(),
                simulation.series(),
            );
            browser::download_text(&format!("{name}-run.json"), "application/json", &text);
        })
    };
    let png = {
        // Every chart shown, scrolled into view or not, each with its title and legend.
        let captions: Vec<browser::Caption> = specs
            .iter()
            .map(|spec| browser::Caption {
                title: spec.title.clone(),
                keys: charts::legend(spec, &theme)
                    .into_iter()
                    .map(|(label, color)| (label.to_string(), palette::css(color)))
                    .collect(),
            })
            .collect();
        let canvases: Vec<NodeRef> = canvases.to_vec();
        Callback::from(move |_| {
            let charts: Vec<(HtmlCanvasElement, &browser::Caption)> = canvases
                .iter()
                .zip(&captions)
                .filter_map(|(node, caption)| {
                    let canvas = node.get()?.dyn_into().ok()?;
                    Some((canvas, caption))
                })
                .collect();
            browser::download_charts_png(
                &format!("{name}-charts.png"),
                &charts,
                &palette::css(theme.background),
                &palette::css(theme.text),
            );
        })
    };
    (csv, json, png)
}
