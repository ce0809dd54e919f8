//! Live knobs: change consumers, the arrival-rate multiplier and the queue capacity (SQS: the
//! visibility timeout) while the run goes; each change applies at the current simulated time
//! and is marked on the charts.
//! Below them, the scenario's SLO checks as they stand.

use std::rc::Rc;

use spillway_core::{Intervention, Scenario, Summary};
use yew::prelude::*;

use crate::session::KnobChange;
use crate::state::{Action, Notice, clock_text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub scenario: Rc<Scenario>,
    pub consumers: u32,
    pub capacity: Option<u64>,
    pub changes: Rc<Vec<KnobChange>>,
    /// Changes from a link or a reload, replayed when the run reaches their time.
    pub planned: Rc<Vec<KnobChange>>,
    pub finished: bool,
    pub on_action: Callback<Action>,
    pub summary: Rc<Summary>,
    pub good_text: Rc<str>,
    pub generation: u64,
}

#[function_component(LiveKnobs)]
pub fn live_knobs(props: &Props) -> Html {
    let knob = |change: Intervention| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::Knob(change)))
    };
    let multiplier = props
        .changes
        .iter()
        .rev()
        .find_map(|c| match c.change {
            Intervention::RateMultiplier(x) => Some(x),
            _ => None,
        })
        .unwrap_or(1.0);
    let on_multiplier = {
        let on_action = props.on_action.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                if let Ok(value) = input.value().parse::<f64>() {
                    on_action.emit(Action::Knob(Intervention::RateMultiplier(value)));
                }
            }
        })
    };
    let on_watermark = {
        let on_action = props.on_action.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                if let Ok(value) = input.value().parse::<f64>() {
                    on_action.emit(Action::Knob(Intervention::Watermark(value)));
                }
            }
        })
    };
    let capacity_input = use_node_ref();
    let on_capacity = {
        let on_action = props.on_action.clone();
        let capacity_input = capacity_input.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(input) = capacity_input.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            match input.value().trim().parse::<u64>() {
                Ok(capacity) => on_action.emit(Action::Knob(Intervention::QueueCapacity(capacity))),
                Err(_) => on_action.emit(Action::Notify(Notice::Problem(format!(
                    "queue capacity: `{}` is not a whole number of messages",
                    input.value()
                )))),
            }
        })
    };
    let visibility_input = use_node_ref();
    let on_visibility = {
        let on_action = props.on_action.clone();
        let visibility_input = visibility_input.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(input) = visibility_input.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            match input
                .value()
                .trim()
                .trim_end_matches('s')
                .trim()
                .parse::<f64>()
            {
                Ok(seconds) => {
                    on_action.emit(Action::Knob(Intervention::VisibilityTimeout(seconds)))
                }
                Err(_) => on_action.emit(Action::Notify(Notice::Problem(format!(
                    "visibility timeout: `{}` is not a number of seconds",
                    input.value()
                )))),
            }
        })
    };
    let sqs = props.scenario.sqs.as_ref();
    let visibility_now = props
        .changes
        .iter()
        .rev()
        .find_map(|c| match c.change {
            Intervention::VisibilityTimeout(x) => Some(x),
            _ => None,
        })
        .or_else(|| sqs.map(|q| q.visibility_timeout.as_secs_f64()));
    let workers = sqs.map(|_| {
        props
            .consumers
            .saturating_mul(props.scenario.consumers.concurrency)
    });
    let n = props.consumers;
    let kafka = props.scenario.kafka.as_ref();
    let partitions_now = kafka.map(|k| {
        props
            .changes
            .iter()
            .rev()
            .find_map(|c| match c.change {
                Intervention::Partitions(n) => Some(n),
                _ => None,
            })
            .unwrap_or(k.partitions)
    });
    let rabbit = props.scenario.rabbitmq.as_ref();
    let latest = |pick: fn(&Intervention) -> Option<f64>| {
        props.changes.iter().rev().find_map(|c| pick(&c.change))
    };
    let prefetch_now = rabbit.map(|r| {
        latest(|c| match c {
            Intervention::Prefetch(n) => Some(f64::from(*n)),
            _ => None,
        })
        .map_or(r.prefetch, |n| n as u32)
    });
    let watermark_now = rabbit.map(|r| {
        latest(|c| match c {
            Intervention::Watermark(x) => Some(*x),
            _ => None,
        })
        .unwrap_or(r.high_watermark)
    });
    // A Kafka consumer is a group member: each change of the count is a rebalance.
    let consumers_label = if kafka.is_some() {
        "Group members"
    } else {
        "Consumers"
    };
    let capacity_text = props
        .capacity
        .map_or("unbounded".to_string(), |c| c.to_string());
    html! {
        <aside class="knobs-panel" aria-label="Live knobs">
            <section>
                <h2>{"Live knobs"}</h2>
                <p class="muted small-print">{"Apply now, mid-run; marked on the charts."}</p>
                <div class="knob">
                    <span class="knob-label" id="k-consumers">{consumers_label}
                        if let Some(workers) = workers {
                            <span class="muted" data-testid="workers-now">{format!(" · {workers} workers")}</span>
                        }
                    </span>
                    <div class="stepper" role="group" aria-labelledby="k-consumers">
                        <button onclick={knob(Intervention::Consumers(n.saturating_sub(1).max(1)))}
                            disabled={props.finished || n <= 1} aria-label="Remove a consumer" data-testid="consumers-minus">{"−"}</button>
                        <output data-testid="consumers-now" aria-live="polite">{n}</output>
                        <button onclick={knob(Intervention::Consumers(n + 1))}
                            disabled={props.finished} aria-label="Add a consumer" data-testid="consumers-plus">{"+"}</button>
                        <button class="small" onclick={knob(Intervention::Consumers(n.saturating_mul(2)))}
                            disabled={props.finished} aria-label="Double the consumers" data-testid="consumers-double">{"×2"}</button>
                    </div>
                </div>
                if let Some(p) = partitions_now {
                    <div class="knob">
                        <span class="knob-label" id="k-partitions">{"Partitions"}
                            <span class="muted">{" · add only; keys move"}</span>
                        </span>
                        <div class="stepper" role="group" aria-labelledby="k-partitions">
                            <output data-testid="partitions-now" aria-live="polite">{p}</output>
                            <button onclick={knob(Intervention::Partitions(p + 1))}
                                disabled={props.finished} aria-label="Add a partition" data-testid="partitions-plus">{"+"}</button>
                            <button class="small" onclick={knob(Intervention::Partitions(p.saturating_mul(2)))}
                                disabled={props.finished} aria-label="Double the partitions" data-testid="partitions-double">{"×2"}</button>
                        </div>
                    </div>
                }
                if let Some(p) = prefetch_now {
                    <div class="knob">
                        <span class="knob-label" id="k-prefetch">{"Prefetch"}
                            <span class="muted">{" · per consumer"}</span>
                        </span>
                        <div class="stepper" role="group" aria-labelledby="k-prefetch">
                            <button onclick={knob(Intervention::Prefetch(if p == 0 { 1000 } else { (p / 2).max(1) }))}
                                disabled={props.finished || p == 1} aria-label="Halve the prefetch" data-testid="prefetch-halve">{"÷2"}</button>
                            <output data-testid="prefetch-now" aria-live="polite">{if p == 0 { "unlimited".to_string() } else { p.to_string() }}</output>
                            <button onclick={knob(Intervention::Prefetch(p.saturating_mul(2).min(spillway_core::MAX_PREFETCH)))}
                                disabled={props.finished || p == 0 || p >= spillway_core::MAX_PREFETCH} aria-label="Double the prefetch" data-testid="prefetch-double">{"×2"}</button>
                            <button class="small" onclick={knob(Intervention::Prefetch(1))}
                                disabled={props.finished || p == 1} aria-label="Prefetch 1" data-testid="prefetch-one">{"1"}</button>
                        </div>
                    </div>
                }
                if let Some(w) = watermark_now {
                    <div class="knob">
                        <label class="knob-label" for="k-watermark">{"Memory watermark"}<output data-testid="watermark-now">{format!(" {:.0}%", w * 100.0)}</output></label>
                        <input id="k-watermark" type="range" min="0.05" max="1" step="0.05" value={w.to_string()}
                            onchange={on_watermark} disabled={props.finished} data-testid="watermark" />
                    </div>
                }
                <div class="knob">
                    <label class="knob-label" for="k-rate">{"Arrival rate ×"}<output>{format!(" {multiplier:.1}")}</output></label>
                    <input id="k-rate" type="range" min="0" max="3" step="0.1" value={multiplier.to_string()}
                        onchange={on_multiplier} disabled={props.finished} data-testid="rate-multiplier" />
                </div>
                if let Some(seconds) = visibility_now {
                    <form class="knob" onsubmit={on_visibility}>
                        <label class="knob-label" for="k-visibility">{"Visibility timeout (s)"}</label>
                        <div class="pair">
                            <input id="k-visibility" ref={visibility_input} inputmode="decimal" placeholder={format!("{seconds}")}
                                key={format!("{}-{seconds}", props.generation)} data-testid="visibility-now" />
                            <button class="small" type="submit" disabled={props.finished}>{"Set"}</button>
                        </div>
                    </form>
                } else if kafka.is_none() && rabbit.is_none() {
                <form class="knob" onsubmit={on_capacity}>
                    <label class="knob-label" for="k-capacity">{"Queue capacity"}</label>
                    <div class="pair">
                        <input id="k-capacity" ref={capacity_input} inputmode="numeric" placeholder={capacity_text.clone()}
                            key={format!("{}-{capacity_text}", props.generation)} data-testid="capacity-now" />
                        <button class="small" type="submit" disabled={props.finished}>{"Set"}</button>
                    </div>
                </form>
                }
            </section>
            <section>
                <h2>{"Changes"}</h2>
                if props.changes.is_empty() && props.planned.is_empty() {
                    <p class="muted small-print">{"None yet."}</p>
                } else {
                    <ol class="changes" data-testid="changes">
                        { for props.changes.iter().map(|c| html! {
                            <li><span class="time">{clock_text(spillway_core::SimTime::from_nanos(c.at_nanos))}</span>{" "}{c.change.to_string()}</li>
                        }) }
                        { for props.planned.iter().map(|c| html! {
                            <li class="planned" title="Replayed when the run reaches this time">
                                <span class="time">{clock_text(spillway_core::SimTime::from_nanos(c.at_nanos))}</span>{" "}{c.change.to_string()}
                                <span class="muted">{" (planned)"}</span>
                            </li>
                        }) }
                    </ol>
                }
            </section>
            <section>
                <h2>{"SLO checks"}</h2>
                if props.summary.assertions.is_empty() {
                    <p class="muted small-print">{"This scenario has no [[assert]] checks."}</p>
                } else {
                    <ul class="checks">
                        { for props.summary.assertions.iter().map(|a| html! {
                            <li class={if a.passed { "pass" } else { "fail" }}>
                                <span aria-hidden="true">{ if a.passed { "✓ " } else { "✗ " } }</span>
                                <span class="sr-only">{ if a.passed { "passes: " } else { "fails: " } }</span>
                                {a.check.clone()}
                            </li>
                        }) }
                    </ul>
                    <p class="muted small-print">{"So far; final when the run ends."}</p>
                }
            </section>
            <section>
                <h2>{"Run"}</h2>
                <p class="muted small-print" title="A hash of every event so far: the same scenario, seed and changes give the same fingerprint, here and in the CLI">
                    {"Fingerprint "}<code data-testid="fingerprint">{props.summary.fingerprint.clone()}</code>
                </p>
            </section>
        </aside>
    }
}
