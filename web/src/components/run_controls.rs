//! Play, pause, step, reset, speed and the simulated clock.

use spillway_core::SimTime;
use yew::prelude::*;

use crate::state::{Action, Speed, clock_text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub playing: bool,
    pub finished: bool,
    pub speed: Speed,
    pub now: SimTime,
    pub end: SimTime,
    pub events: u64,
    pub seed: u64,
    pub on_action: Callback<Action>,
}

#[function_component(RunControls)]
pub fn run_controls(props: &Props) -> Html {
    let send = |action: Action| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let progress = if props.end.as_nanos() == 0 {
        0.0
    } else {
        props.now.as_nanos() as f64 / props.end.as_nanos() as f64
    };
    let on_seed = {
        let on_action = props.on_action.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                match input.value().trim().parse::<u64>() {
                    Ok(seed) => {
                        on_action.emit(Action::Form(crate::scenario_form::FormEdit::Seed(seed)))
                    }
                    Err(_) => on_action.emit(Action::Notify(crate::state::Notice::Problem(
                        format!("seed: `{}` is not a whole number ≥ 0", input.value()),
                    ))),
                }
            }
        })
    };
    let (play_label, play_icon) = if props.playing {
        ("Pause", "❚❚")
    } else {
        ("Play", "▶")
    };
    html! {
        <div class="run-controls" role="group" aria-label="Run controls">
            <button class="primary play" onclick={send(Action::TogglePlay)}
                disabled={props.finished} aria-keyshortcuts="Space"
                aria-label={play_label} title={format!("{play_label} (space)")}>
                <span aria-hidden="true">{play_icon}</span>{" "}{play_label}
            </button>
            <button onclick={send(Action::Step)} disabled={props.finished}
                aria-keyshortcuts="." title="Advance one sample (.)">{"Step"}</button>
            <button onclick={send(Action::Reset)} aria-keyshortcuts="r"
                title="Start again from zero, without the live changes (r)">{"Reset"}</button>
            <div class="speeds" role="radiogroup" aria-label="Speed">
                { for Speed::ALL.iter().map(|speed| html! {
                    <button role="radio" class={classes!("speed", (*speed == props.speed).then_some("selected"))}
                        aria-checked={(*speed == props.speed).to_string()}
                        onclick={send(Action::SetSpeed(*speed))}>{speed.label()}</button>
                }) }
            </div>
            <label class="seed">{"Seed "}
                <input type="number" min="0" value={props.seed.to_string()} onchange={on_seed}
                    data-testid="seed" aria-label="Random seed" />
            </label>
            <div class="clock" aria-live="off">
                <span class="clock-now" data-testid="clock" data-seconds={(props.now.as_nanos() as f64 / 1e9).to_string()}>{clock_text(props.now)}</span>
                <span class="clock-end">{" / "}{clock_text(props.end)}</span>
                <progress max="1" value={progress.to_string()} aria-label="Run progress"></progress>
                <span class="events" data-testid="events" data-raw={props.events.to_string()}>{spillway_charts::format::format_count(props.events as f64)}{" events"}</span>
            </div>
        </div>
    }
}
