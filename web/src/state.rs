//! The playground's one state and the actions that change it. The reducer drives the core
//! (through [`Session`]) and never models anything itself.

use std::cell::RefCell;
use std::rc::Rc;

use spillway_core::{
    Intervention, LimitHit, Preset, RunOutcome, Scenario, SimDuration, SimTime, SortedChanges,
};
use yew::Reducible;

use crate::clock;
use crate::scenario_form::{self, FormEdit};
use crate::session::{EVENTS_PER_SLICE, KnobChange, Session};
use crate::share::SharedRun;

/// Simulated seconds per wall-clock second, or as fast as the frame budget allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speed {
    X1,
    X10,
    X60,
    X600,
    Max,
}

impl Speed {
    /// Every speed, slowest first.
    pub const ALL: [Speed; 5] = [Speed::X1, Speed::X10, Speed::X60, Speed::X600, Speed::Max];

    /// Button label.
    pub fn label(self) -> &'static str {
        match self {
            Speed::X1 => "1×",
            Speed::X10 => "10×",
            Speed::X60 => "60×",
            Speed::X600 => "600×",
            Speed::Max => "max",
        }
    }

    /// Simulated seconds per wall second; `None` for as fast as possible.
    pub fn factor(self) -> Option<f64> {
        match self {
            Speed::X1 => Some(1.0),
            Speed::X10 => Some(10.0),
            Speed::X60 => Some(60.0),
            Speed::X600 => Some(600.0),
            Speed::Max => None,
        }
    }
}

/// Light or dark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    Light,
    Dark,
}

impl ThemeChoice {
    /// The chart colours of this theme.
    pub fn palette(self) -> spillway_charts::palette::Theme {
        match self {
            ThemeChoice::Light => spillway_charts::palette::LIGHT,
            ThemeChoice::Dark => spillway_charts::palette::DARK,
        }
    }

    /// The `data-theme` value and the stored name.
    pub fn name(self) -> &'static str {
        match self {
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }
}

/// A message for the user above the main view.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Something went wrong that the user should know (a bad link, a refused knob).
    Problem(String),
    /// The share link, shown so it can be copied by hand if the clipboard is unavailable.
    Link { copied: bool, url: String },
    /// A run limit ended the run early: the tab stays responsive and says which.
    Truncated(String),
}

/// What the Truncated notice says: when the run stopped, which limit, and what is shown.
pub fn truncated_text(at: SimTime, limit: &LimitHit) -> String {
    format!(
        "Truncated at {}: {limit}. The charts and summary show the run up to there.",
        clock_text(at)
    )
}

/// Most wall time one tick spends simulating, ms: leaves room in a frame for drawing.
pub const FRAME_BUDGET_MS: f64 = 12.0;
/// At max speed a run takes at least this many frames.
const MAX_SPEED_FRAMES: u64 = 90;

/// The whole app state.
#[derive(Clone)]
pub struct AppState {
    /// The run in progress (shared, mutated in place by the reducer).
    pub session: Rc<RefCell<Session>>,
    /// The scenario the run uses: the last valid text.
    pub scenario: Rc<Scenario>,
    /// Text of `scenario`.
    pub good_text: Rc<str>,
    /// What the editor holds; may be invalid.
    pub editor_text: Rc<str>,
    /// Problems with `editor_text`, one per line, as the CLI prints them.
    pub errors: Rc<[String]>,
    /// The preset the text came from, if it did.
    pub preset: Option<&'static str>,
    pub playing: bool,
    pub speed: Speed,
    /// Bumped whenever the charts have something new to draw (a sample, a change, a restart).
    pub frame: u64,
    /// Bumped on every timer tick (the next tick is scheduled on it).
    pub ticks: u64,
    /// Bumped when the run restarts (a new scenario, reset, a link).
    pub generation: u64,
    pub theme: ThemeChoice,
    pub notice: Option<Notice>,
    last_tick_ms: Option<f64>,
    /// Where a Step is heading: it advances frame by frame within the budget, like Play.
    step_target: Option<SimTime>,
}

/// Everything that can happen.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    LoadPreset(&'static str),
    /// The editor's text changed.
    EditText(String),
    /// A form field changed.
    Form(FormEdit),
    /// A share link (or saved state) to open.
    OpenShared(SharedRun),
    Play,
    Pause,
    TogglePlay,
    /// Advance one sample interval and pause.
    Step,
    /// Restart the scenario from zero, without the live changes.
    Reset,
    SetSpeed(Speed),
    /// The timer fired: advance the run within the frame budget.
    Tick,
    /// A live knob.
    Knob(Intervention),
    SetTheme(ThemeChoice),
    Notify(Notice),
    DismissNotice,
}

impl AppState {
    /// The starting state: `shared` if given, else the default preset.
    pub fn new(shared: Option<SharedRun>, theme: ThemeChoice) -> Self {
        let preset =
            Preset::find(spillway_core::DEFAULT_PRESET).expect("the default preset exists");
        let scenario = preset.scenario().expect("presets are valid");
        let (session, _) = Session::new(&scenario, Vec::new()).expect("presets are valid");
        let mut state = AppState {
            session: Rc::new(RefCell::new(session)),
            scenario: Rc::new(scenario),
            good_text: preset.toml.into(),
            editor_text: preset.toml.into(),
            errors: Rc::new([]),
            preset: Some(preset.name),
            playing: false,
            speed: Speed::X60,
            frame: 0,
            ticks: 0,
            generation: 0,
            theme,
            notice: None,
            last_tick_ms: None,
            step_target: None,
        };
        if let Some(shared) = shared {
            state.open_shared(shared);
        }
        state
    }

    /// Puts back an editor draft saved before a reload (with its errors, if it has any).
    pub fn restore_draft(&mut self, draft: String) {
        if *draft != *self.editor_text {
            self.take_text(draft);
        }
    }

    /// The run as a share payload: the scenario text and every live change.
    pub fn shared_run(&self) -> SharedRun {
        SharedRun::new(self.good_text.to_string(), self.session.borrow().plan())
    }

    fn open_shared(&mut self, shared: SharedRun) {
        match Scenario::from_toml(&shared.scenario, "link") {
            Ok(scenario) => {
                self.preset = matching_preset(&shared.scenario);
                self.restart(
                    scenario,
                    shared.scenario.as_str().into(),
                    shared.changes,
                    &shared.unread,
                );
            }
            Err(errors) => {
                self.notice = Some(Notice::Problem(format!(
                    "The link's scenario is not valid, so the last scenario is kept:\n{errors}"
                )));
            }
        }
    }

    /// Takes editor text: valid text becomes the scenario (and the run restarts); invalid text
    /// stays in the editor with its errors while the last valid scenario keeps running.
    fn take_text(&mut self, text: String) {
        match Scenario::from_toml(&text, "scenario") {
            Ok(scenario) => {
                self.preset = matching_preset(&text);
                let text: Rc<str> = text.into();
                self.restart(scenario, text, Vec::new(), &SortedChanges::default());
            }
            Err(errors) => {
                self.editor_text = text.into();
                self.errors = errors.0.iter().map(ToString::to_string).collect();
            }
        }
    }

    fn restart(
        &mut self,
        scenario: Scenario,
        text: Rc<str>,
        plan: Vec<KnobChange>,
        unread: &SortedChanges,
    ) {
        let (session, mut skipped) = match Session::new(&scenario, plan) {
            Ok(started) => started,
            Err(errors) => {
                self.notice = Some(Notice::Problem(format!(
                    "The scenario cannot run, so the last one is kept:\n{errors}"
                )));
                return;
            }
        };
        unread.renumber(&mut skipped);
        let mut list: Vec<(usize, String)> =
            skipped.iter().map(|s| (s.index, s.to_string())).collect();
        list.extend(unread.not_understood.iter().cloned());
        list.sort();
        if !list.is_empty() {
            let lines: Vec<String> = list.into_iter().map(|(_, line)| line).collect();
            self.notice = Some(Notice::Problem(format!(
                "{} live change(s) could not be replayed and were skipped:\n{}",
                lines.len(),
                lines.join("\n")
            )));
        }
        *self.session.borrow_mut() = session;
        self.scenario = Rc::new(scenario);
        self.good_text = text.clone();
        self.editor_text = text;
        self.errors = Rc::new([]);
        self.playing = false;
        self.step_target = None;
        self.last_tick_ms = None;
        self.generation += 1;
        self.frame += 1;
    }

    /// Whether the frame timer should run: playing, or a Step still on its way.
    pub fn advancing(&self) -> bool {
        self.playing || self.step_target.is_some()
    }

    fn tick(&mut self) {
        if !self.advancing() {
            return;
        }
        let started = clock::now_ms();
        let elapsed = self
            .last_tick_ms
            .map_or(16.0, |last| (started - last).clamp(0.0, 250.0));
        self.last_tick_ms = Some(started);
        let mut session = self.session.borrow_mut();
        let end = session.simulation().end_time();
        let target = match (self.step_target, self.speed.factor()) {
            (Some(step), _) => step.min(end),
            (None, factor) => match factor {
                Some(factor) => {
                    let span = SimDuration::from_secs_f64(factor * elapsed / 1e3);
                    (session.simulation().now() + span).min(end)
                }
                // As fast as the budget allows, but never the whole run in a handful of frames:
                // the charts should still show the run unfold (at least ~1.5 s at 60 fps).
                None => {
                    let span = SimDuration::from_nanos((end.as_nanos() / MAX_SPEED_FRAMES).max(1));
                    (session.simulation().now() + span).min(end)
                }
            },
        };
        let samples_before = session.simulation().series().len();
        loop {
            session.advance(target, EVENTS_PER_SLICE);
            if session.finished()
                || session.simulation().now() >= target
                || clock::now_ms() - started >= FRAME_BUDGET_MS
            {
                break;
            }
        }
        if session.finished() {
            self.playing = false;
            if let Some(RunOutcome::Truncated { at, limit }) = session.simulation().outcome() {
                self.notice = Some(Notice::Truncated(truncated_text(at, &limit)));
            }
        }
        if session.finished()
            || self
                .step_target
                .is_some_and(|step| session.simulation().now() >= step)
        {
            self.step_target = None;
        }
        // At slow speeds most ticks add no sample: redraw only when the series grew.
        if session.finished() || session.simulation().series().len() != samples_before {
            self.frame += 1;
        }
        drop(session);
        self.ticks += 1;
    }
}

/// The preset whose text this is, if the user has not changed it.
fn matching_preset(text: &str) -> Option<&'static str> {
    spillway_core::PRESETS
        .iter()
        .find(|preset| preset.toml == text)
        .map(|preset| preset.name)
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            Action::LoadPreset(name) => {
                if let Some(preset) = Preset::find(name) {
                    state.take_text(preset.toml.to_string());
                    state.preset = Some(preset.name);
                }
            }
            Action::EditText(text) => state.take_text(text),
            Action::Form(edit) => match scenario_form::apply(&state.editor_text, &edit) {
                Ok(text) => state.take_text(text),
                Err(problem) => state.errors = Rc::new([problem]),
            },
            Action::OpenShared(shared) => state.open_shared(shared),
            Action::Play => {
                if !state.session.borrow().finished() {
                    state.playing = true;
                    state.last_tick_ms = None;
                }
            }
            Action::Pause => {
                state.playing = false;
                state.step_target = None;
            }
            Action::TogglePlay => {
                let action = if state.playing {
                    Action::Pause
                } else {
                    Action::Play
                };
                return Rc::new(state).reduce(action);
            }
            Action::Step => {
                // One sample interval, advanced within the frame budget over as many frames
                // as it takes, so a Step can never freeze the tab.
                state.playing = false;
                let interval = state.scenario.metrics.sample_interval.sim();
                let now = state.session.borrow().simulation().now();
                state.step_target = Some(now + interval);
                state.last_tick_ms = None;
                state.ticks += 1;
                return Rc::new(state).reduce(Action::Tick);
            }
            Action::Reset => {
                let scenario = (*state.scenario).clone();
                let text = state.good_text.clone();
                state.restart(scenario, text, Vec::new(), &SortedChanges::default());
            }
            Action::SetSpeed(speed) => {
                state.speed = speed;
                state.last_tick_ms = None;
            }
            Action::Tick => state.tick(),
            Action::Knob(change) => {
                let result = state.session.borrow_mut().intervene(change);
                match result {
                    Ok(()) => state.frame += 1,
                    Err(problem) => state.notice = Some(Notice::Problem(problem)),
                }
            }
            Action::SetTheme(theme) => state.theme = theme,
            Action::Notify(notice) => state.notice = Some(notice),
            Action::DismissNotice => state.notice = None,
        }
        Rc::new(state)
    }
}

/// Simulated time as the clock shows it: `h:mm:ss`.
pub fn clock_text(time: SimTime) -> String {
    let total = time.as_nanos() / 1_000_000_000;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(state: AppState, actions: &[Action]) -> Rc<AppState> {
        actions
            .iter()
            .fold(Rc::new(state), |state, action| state.reduce(action.clone()))
    }

    #[test]
    fn a_bad_edit_shows_its_error_and_keeps_the_last_good_scenario() {
        let state = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[
                Action::LoadPreset("sustained-overload"),
                Action::EditText("name = \"x\"\n[queue]\ncapacity = -5\n".into()),
            ],
        );
        assert_eq!(state.scenario.name, "sustained-overload");
        assert!(
            state.errors[0].starts_with("scenario:3:12: queue.capacity"),
            "{:?}",
            state.errors
        );
        assert!(state.editor_text.contains("capacity = -5"));
        assert_eq!(state.preset, Some("sustained-overload"));
    }

    #[test]
    fn step_advances_one_sample_and_reset_starts_again() {
        let state = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[Action::Step, Action::Step],
        );
        let interval = state.scenario.metrics.sample_interval.sim();
        assert_eq!(
            state.session.borrow().simulation().now(),
            SimTime::ZERO + interval + interval
        );
        let state = state.reduce(Action::Reset);
        assert_eq!(state.session.borrow().simulation().now(), SimTime::ZERO);
    }

    #[test]
    fn max_speed_ticks_run_to_the_end_and_stop_playing() {
        let mut state = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[Action::SetSpeed(Speed::Max), Action::Play],
        );
        for _ in 0..10_000 {
            if !state.playing {
                break;
            }
            state = state.reduce(Action::Tick);
        }
        assert!(state.session.borrow().finished());
        assert!(!state.playing);
    }

    #[test]
    fn a_run_a_limit_ends_says_so_in_a_truncated_notice() {
        let text = format!(
            "{}\n[limits]\nmax_events = 20000\n",
            Preset::find("sustained-overload").unwrap().toml
        );
        let mut state = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[
                Action::EditText(text),
                Action::SetSpeed(Speed::Max),
                Action::Play,
            ],
        );
        assert!(state.errors.is_empty(), "{:?}", state.errors);
        for _ in 0..10_000 {
            if !state.playing {
                break;
            }
            state = state.reduce(Action::Tick);
        }
        assert!(!state.playing);
        match &state.notice {
            Some(Notice::Truncated(text)) => {
                assert!(text.starts_with("Truncated at 0:0"), "{text}");
                assert!(
                    text.contains("limits.max_events (20,000) reached"),
                    "{text}"
                );
            }
            other => panic!("no Truncated notice: {other:?}"),
        }
        // A run that completes says nothing.
        let state = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[Action::SetSpeed(Speed::Max), Action::Play],
        );
        let mut state = state;
        while state.playing {
            state = state.reduce(Action::Tick);
        }
        assert_eq!(state.notice, None);
    }

    #[test]
    fn slow_ticks_redraw_only_when_a_sample_was_added() {
        let playing = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[Action::SetSpeed(Speed::X1), Action::Play],
        );
        let frame = playing.frame;
        // The first tick at 1× advances ~16 ms of simulated time: no new sample yet.
        let ticked = playing.reduce(Action::Tick);
        assert_eq!((ticked.ticks, ticked.frame), (1, frame));
        let fast = ticked
            .reduce(Action::SetSpeed(Speed::Max))
            .reduce(Action::Tick);
        assert_eq!(fast.ticks, 2);
        assert!(fast.frame > frame);
    }

    #[test]
    fn knobs_apply_now_and_travel_in_the_shared_run() {
        let state = reduce(
            AppState::new(None, ThemeChoice::Light),
            &[
                Action::LoadPreset("sustained-overload"),
                Action::Step,
                Action::Knob(Intervention::Consumers(6)),
            ],
        );
        let shared = state.shared_run();
        assert_eq!(shared.changes.len(), 1);
        assert_eq!(shared.changes[0].at_nanos, 1_000_000_000);
        let opened = AppState::new(
            Some(SharedRun::decode(&shared.encode()).unwrap()),
            ThemeChoice::Dark,
        );
        assert_eq!(opened.preset, Some("sustained-overload"));
        assert_eq!(opened.session.borrow().plan(), shared.changes);
        let refused = state.reduce(Action::Knob(Intervention::Consumers(0)));
        assert!(matches!(&refused.notice, Some(Notice::Problem(p)) if p.contains("between 1 and")));
    }

    #[test]
    fn the_clock_reads_hours_minutes_seconds() {
        assert_eq!(
            clock_text(SimTime::from_nanos(3_725_000_000_000)),
            "1:02:05"
        );
    }
}
