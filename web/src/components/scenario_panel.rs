//! The scenario: a preset picker with each preset's story, a form for the knobs that matter
//! and the raw TOML for everything else, with errors shown where they are typed.

use std::rc::Rc;

use spillway_core::scenario::{ArrivalPattern, OverflowPolicy};
use spillway_core::{Preset, Scenario};
use yew::prelude::*;

use crate::scenario_form::{FormEdit, FormValues};
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub presets: &'static [Preset],
    pub preset: Option<&'static str>,
    pub scenario: Rc<Scenario>,
    pub editor_text: Rc<str>,
    pub errors: Rc<[String]>,
    pub on_action: Callback<Action>,
}

#[function_component(ScenarioPanel)]
pub fn scenario_panel(props: &Props) -> Html {
    let on_preset = {
        let on_action = props.on_action.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Some(preset) = Preset::find(&select.value()) {
                    on_action.emit(Action::LoadPreset(preset.name));
                }
            }
        })
    };
    let values = FormValues::of(&props.scenario);
    html! {
        <aside class="scenario-panel" aria-label="Scenario">
            <section>
                <label class="field-label" for="preset">{"Scenario"}</label>
                <select id="preset" data-testid="preset" onchange={on_preset}>
                    if props.preset.is_none() {
                        <option value="" selected=true>{format!("{} (edited)", props.scenario.name)}</option>
                    }
                    { for props.presets.iter().map(|preset| html! {
                        <option value={preset.name} selected={props.preset == Some(preset.name)}>{preset.name}</option>
                    }) }
                </select>
                <p class="story" data-testid="story">{props.scenario.description.clone()}</p>
            </section>
            <DesignForm values={values} on_action={props.on_action.clone()} />
            <Editor text={props.editor_text.clone()} errors={props.errors.clone()} on_action={props.on_action.clone()} />
        </aside>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    values: FormValues,
    on_action: Callback<Action>,
}

/// Sends `FormEdit`s built from a text input's committed value.
fn text_edit(on_action: &Callback<Action>, make: fn(String) -> FormEdit) -> Callback<Event> {
    let on_action = on_action.clone();
    Callback::from(move |event: Event| {
        if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
            on_action.emit(Action::Form(make(input.value())));
        } else if let Some(select) = event.target_dyn_into::<web_sys::HtmlSelectElement>() {
            on_action.emit(Action::Form(make(select.value())));
        }
    })
}

fn number_edit(
    on_action: &Callback<Action>,
    field: &'static str,
    make: fn(u32) -> FormEdit,
) -> Callback<Event> {
    let on_action = on_action.clone();
    Callback::from(move |event: Event| {
        if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
            match input.value().trim().parse::<u32>() {
                Ok(number) => on_action.emit(Action::Form(make(number))),
                Err(_) => on_action.emit(Action::Notify(crate::state::Notice::Problem(format!(
                    "{field}: `{}` is not a whole number",
                    input.value()
                )))),
            }
        }
    })
}

#[function_component(DesignForm)]
fn design_form(props: &FormProps) -> Html {
    let v = &props.values;
    let a = &props.on_action;
    let arrivals = text_edit(a, |value| {
        FormEdit::Arrivals(if value == "constant" {
            ArrivalPattern::Constant
        } else {
            ArrivalPattern::Poisson
        })
    });
    let overflow = text_edit(a, |value| {
        FormEdit::Overflow(match value.as_str() {
            "drop-oldest" => OverflowPolicy::DropOldest,
            "block" => OverflowPolicy::Block,
            "shed-lowest-priority" => OverflowPolicy::ShedLowestPriority,
            _ => OverflowPolicy::Reject,
        })
    });
    let overflow_name = match v.overflow {
        OverflowPolicy::Reject => "reject",
        OverflowPolicy::DropOldest => "drop-oldest",
        OverflowPolicy::Block => "block",
        OverflowPolicy::ShedLowestPriority => "shed-lowest-priority",
    };
    let custom_service = !matches!(
        v.service_distribution.as_str(),
        "constant" | "exponential" | "lognormal"
    );
    let rate_label = if v.producer_name.is_empty() {
        "Arrival rate".to_string()
    } else {
        format!("Arrival rate ({})", v.producer_name)
    };
    html! {
        <section class="design-form" aria-label="Design">
            <h2>{"Design"}</h2>
            <div class="form-grid">
                <label for="f-rate">{rate_label}</label>
                <input id="f-rate" data-testid="rate" value={v.rate.clone()} onchange={text_edit(a, FormEdit::Rate)} />
                <label for="f-arrivals">{"Arrivals"}</label>
                <select id="f-arrivals" onchange={arrivals}>
                    <option value="poisson" selected={v.arrivals == ArrivalPattern::Poisson}>{"poisson"}</option>
                    <option value="constant" selected={v.arrivals == ArrivalPattern::Constant}>{"constant"}</option>
                </select>
                <label for="f-shape">{"Traffic shape"}</label>
                <select id="f-shape" data-testid="shape" onchange={text_edit(a, FormEdit::Shape)}>
                    if v.shape == "schedule" {
                        <option value="" selected=true>{"schedule (in the TOML)"}</option>
                    }
                    { for [("steady", "steady"), ("sine", "daily wave (sine)"), ("on-off", "bursts (on/off)")].iter().map(|(value, label)| html! {
                        <option value={*value} selected={*value == v.shape}>{*label}</option>
                    }) }
                </select>
                if !v.sqs {
                    <label for="f-capacity">{"Queue capacity"}</label>
                    <input id="f-capacity" data-testid="capacity" value={v.capacity.clone()} onchange={text_edit(a, FormEdit::Capacity)} />
                    <label for="f-overflow">{"When full"}</label>
                    <select id="f-overflow" onchange={overflow}>
                        { for ["reject", "drop-oldest", "block", "shed-lowest-priority"].iter().map(|name| html! {
                            <option value={*name} selected={*name == overflow_name}>{*name}</option>
                        }) }
                    </select>
                }
                <label for="f-consumers">{"Consumers"}</label>
                <input id="f-consumers" data-testid="consumers" type="number" min="1" value={v.consumers.to_string()}
                    onchange={number_edit(a, "consumers", FormEdit::Consumers)} />
                <label for="f-service">{"Service time"}</label>
                <div class="pair">
                    <select id="f-service" aria-label="Service-time distribution" onchange={text_edit(a, FormEdit::ServiceDistribution)}>
                        if custom_service {
                            <option selected=true value="">{v.service_distribution.clone()}</option>
                        }
                        { for ["exponential", "constant", "lognormal"].iter().map(|name| html! {
                            <option value={*name} selected={*name == v.service_distribution}>{*name}</option>
                        }) }
                    </select>
                    <input aria-label="Mean service time" value={v.service_mean.clone()} disabled={custom_service}
                        onchange={text_edit(a, FormEdit::ServiceMean)} />
                </div>
                <label for="f-retries">{"Producer retries"}</label>
                <div class="pair">
                    <input id="f-retries" type="number" min="0" value={v.retry_attempts.to_string()}
                        onchange={number_edit(a, "retries", FormEdit::RetryAttempts)} />
                    <input aria-label="First retry backoff" value={v.retry_base.clone()} disabled={v.retry_attempts == 0}
                        onchange={text_edit(a, FormEdit::RetryBase)} />
                </div>
                <label for="f-duration">{"Duration"}</label>
                <input id="f-duration" value={v.duration.clone()} onchange={text_edit(a, FormEdit::Duration)} />
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EditorProps {
    text: Rc<str>,
    errors: Rc<[String]>,
    on_action: Callback<Action>,
}

/// The raw TOML. Edits apply with the Apply button or Ctrl+Enter; a draft with errors stays
/// in the editor, marked, while the last valid scenario keeps running.
#[function_component(Editor)]
fn editor(props: &EditorProps) -> Html {
    let draft = use_state(|| props.text.to_string());
    {
        let draft = draft.clone();
        use_effect_with(props.text.clone(), move |text| draft.set(text.to_string()));
    }
    let on_input = {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(area) = event.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                draft.set(area.value());
            }
        })
    };
    let apply = {
        let draft = draft.clone();
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::EditText((*draft).clone())))
    };
    let on_keydown = {
        let draft = draft.clone();
        let on_action = props.on_action.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                event.prevent_default();
                on_action.emit(Action::EditText((*draft).clone()));
            }
        })
    };
    let dirty = *draft != *props.text;
    let invalid = !props.errors.is_empty();
    html! {
        <section class="editor" aria-label="Scenario TOML">
            <div class="editor-head">
                <h2><label for="toml">{"Scenario TOML"}</label></h2>
                <button class={classes!("small", dirty.then_some("primary"))} onclick={apply}
                    data-testid="apply-toml" title="Apply (Ctrl+Enter)">{"Apply"}</button>
            </div>
            <textarea id="toml" data-testid="toml" spellcheck="false" value={(*draft).clone()}
                oninput={on_input} onkeydown={on_keydown} aria-invalid={invalid.to_string()}
                aria-describedby="toml-errors" class={classes!(invalid.then_some("invalid"))} />
            <div id="toml-errors" class="errors" role="alert" data-testid="toml-errors">
                { for props.errors.iter().map(|error| html! { <p>{error}</p> }) }
                if invalid {
                    <p class="hint">{"The last valid scenario keeps running until this is fixed."}</p>
                }
            </div>
        </section>
    }
}
