//! The playground's root: owns the state, runs the frame timer, saves the run, wires the
//! keyboard shortcuts and lays out the panels.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::browser;
use crate::components::charts_view::ChartsView;
use crate::components::compare_view::CompareView;
use crate::components::live_knobs::LiveKnobs;
use crate::components::notice_bar::NoticeBar;
use crate::components::planner_view::PlannerView;
use crate::components::run_controls::RunControls;
use crate::components::scenario_panel::ScenarioPanel;
use crate::components::summary_cards::SummaryCards;
use crate::state::{Action, AppState, Notice, Speed, ThemeChoice};

/// The playground.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let (shared, problem) = browser::initial_run();
        let mut state = AppState::new(shared, browser::initial_theme());
        if let Some(draft) = browser::saved_draft(&state.good_text) {
            state.restore_draft(draft);
        }
        if let Some(problem) = problem {
            state.notice = Some(Notice::Problem(problem));
        }
        state
    });

    // The frame timer: while playing (or a Step is on its way), each frame schedules the next.
    {
        let dispatcher = state.dispatcher();
        let fast = state.speed == Speed::Max;
        use_effect_with((state.advancing(), state.ticks), move |(advancing, _)| {
            let timer = advancing.then(|| {
                Timeout::new(if fast { 0 } else { 16 }, move || {
                    dispatcher.dispatch(Action::Tick)
                })
            });
            move || drop(timer)
        });
    }

    // Save the run (scenario and live changes) whenever either changes.
    {
        let changes = state.session.borrow().changes().len();
        let state_for_save = state.clone();
        use_effect_with(
            (state.good_text.clone(), changes, state.generation),
            move |_| {
                browser::save_run(&state_for_save.shared_run());
            },
        );
    }

    // Keep a draft that does not validate yet, so a reload does not lose it either.
    use_effect_with(
        (
            state.good_text.clone(),
            state.editor_text.clone(),
            state.errors.is_empty(),
        ),
        |(good, draft, valid)| browser::save_draft(good, (!*valid).then_some(&**draft)),
    );

    use_effect_with(state.theme, |theme| browser::apply_theme(*theme));

    // Keyboard: space plays or pauses, "." steps, "r" resets — unless typing in a field.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "keydown", move |event| {
                    let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if event.ctrl_key() || event.meta_key() || event.alt_key() || typing(event) {
                        return;
                    }
                    let action = match event.key().as_str() {
                        " " => Action::TogglePlay,
                        "." => Action::Step,
                        "r" => Action::Reset,
                        _ => return,
                    };
                    event.prevent_default();
                    dispatcher.dispatch(action);
                })
            });
            move || drop(listener)
        });
    }

    // One stable callback, so panels whose other props did not change skip re-rendering.
    let on_action = use_callback(state.dispatcher(), |action: Action, dispatcher| {
        dispatcher.dispatch(action)
    });
    let on_copy_link = {
        let state = state.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |_| {
            let url = browser::share_url(&state.shared_run());
            let copied = browser::copy_to_clipboard(&url);
            dispatcher.dispatch(Action::Notify(Notice::Link { copied, url }));
        })
    };
    let theme_toggle = {
        let dispatcher = state.dispatcher();
        let next = match state.theme {
            ThemeChoice::Light => ThemeChoice::Dark,
            ThemeChoice::Dark => ThemeChoice::Light,
        };
        Callback::from(move |_| dispatcher.dispatch(Action::SetTheme(next)))
    };
    // What the main area shows: the live charts, the compare view or the planner.
    let view = use_state(|| View::Live);
    let toggle = |target: View| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| {
            view.set(if *view == target { View::Live } else { target })
        })
    };
    let toggle_compare = toggle(View::Compare);
    let toggle_plan = toggle(View::Plan);
    let close_view = {
        let view = view.clone();
        Callback::from(move |()| view.set(View::Live))
    };
    let session = state.session.borrow();
    let simulation = session.simulation();
    let summary = Rc::new(simulation.summary());
    let theme_label = match state.theme {
        ThemeChoice::Light => "Dark theme",
        ThemeChoice::Dark => "Light theme",
    };

    html! {
        <div class="app">
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">{"≋"}</span>
                    <h1>{"Spillway"}</h1>
                    <span class="tagline">{"a queue does not create capacity"}</span>
                </div>
                <RunControls
                    playing={state.playing}
                    finished={session.finished()}
                    speed={state.speed}
                    now={simulation.now()}
                    end={simulation.end_time()}
                    events={simulation.events_processed()}
                    seed={state.scenario.seed}
                    on_action={on_action.clone()}
                />
                <div class="topbar-actions">
                    <button class="ghost" onclick={toggle_plan} data-testid="planner-toggle" aria-pressed={(*view == View::Plan).to_string()}
                        title="The fewest consumers meeting an SLO: theory and simulation">{"Plan"}</button>
                    <button class="ghost" onclick={toggle_compare} data-testid="compare-toggle" aria-pressed={(*view == View::Compare).to_string()}
                        title="Run this scenario and another design side by side on the same seed">{"Compare"}</button>
                    <button class="ghost" onclick={on_copy_link} title="Copy a link that reproduces this run">{"Copy link"}</button>
                    <button class="ghost" onclick={theme_toggle} aria-label={theme_label}>
                        { if state.theme == ThemeChoice::Light { "☾" } else { "☀" } }
                    </button>
                </div>
            </header>
            <ScenarioPanel
                presets={spillway_core::PRESETS}
                preset={state.preset}
                scenario={state.scenario.clone()}
                editor_text={state.editor_text.clone()}
                errors={state.errors.clone()}
                on_action={on_action.clone()}
            />
            <main class="main">
                if let Some(notice) = state.notice.clone() {
                    <NoticeBar notice={notice} on_action={on_action.clone()} />
                }
                <SummaryCards summary={summary.clone()} />
                if *view == View::Compare {
                    <CompareView scenario={state.scenario.clone()} theme={state.theme} on_close={close_view} />
                } else if *view == View::Plan {
                    <PlannerView scenario={state.scenario.clone()} theme={state.theme} on_close={close_view} />
                } else {
                    <ChartsView
                        session={crate::components::SessionHandle(state.session.clone())}
                        frame={state.frame}
                        theme={state.theme}
                        scenario={state.scenario.clone()}
                        scenario_text={state.good_text.clone()}
                    />
                }
            </main>
            <LiveKnobs
                scenario={state.scenario.clone()}
                consumers={simulation.consumers_running()}
                capacity={simulation.queue_capacity()}
                changes={Rc::new(session.changes().to_vec())}
                planned={Rc::new(session.planned())}
                finished={session.finished()}
                on_action={on_action}
                summary={summary}
                good_text={state.good_text.clone()}
                generation={state.generation}
            />
        </div>
    }
}

/// What the main area shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Live,
    Compare,
    Plan,
}

/// Whether a key event comes from a text field (where space and letters are typing).
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        })
}
