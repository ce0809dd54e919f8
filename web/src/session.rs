//! One run in the playground: the core's [`Simulation`] plus the live-knob changes made to it,
//! advanced in budgeted slices. Changes from a share link are replayed at their times, so a
//! link reproduces the run it was copied from.

use spillway_core::{
    Change, Intervention, RunStatus, Scenario, ScenarioErrors, SimDuration, SimTime, Simulation,
    SkippedChange,
};

/// A live change and the simulated time it was made at (the core's [`Change`]).
pub type KnobChange = Change;

/// A run in progress. The core replays planned changes at their times; this adds the
/// playground's stepping by simulated time.
pub struct Session {
    simulation: Simulation,
}

/// Most memory a run in a tab may hold, MiB (a WebAssembly tab has far less than a process).
pub const TAB_MEMORY_MIB: u64 = 256;

/// Most events one uninterrupted slice processes before the caller may check its clock.
pub const EVENTS_PER_SLICE: u64 = 20_000;

impl Session {
    /// A fresh run of `scenario` that replays `plan` (changes at their recorded times);
    /// changes that cannot apply are returned so the page can say which were skipped.
    pub fn new(
        scenario: &Scenario,
        plan: Vec<KnobChange>,
    ) -> Result<(Self, Vec<SkippedChange>), ScenarioErrors> {
        let mut in_tab = scenario.clone();
        in_tab.limits.max_memory_mib = in_tab.limits.max_memory_mib.min(TAB_MEMORY_MIB);
        let mut simulation = Simulation::new(&in_tab)?;
        let skipped = simulation.plan_changes(&plan);
        Ok((Session { simulation }, skipped))
    }

    /// The simulation, for reading its series and summary.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// Live changes applied so far, in time order.
    pub fn changes(&self) -> &[KnobChange] {
        self.simulation.changes()
    }

    /// Whether the run has ended.
    pub fn finished(&self) -> bool {
        self.simulation.outcome().is_some()
    }

    /// Advances towards `target`, processing at most about `max_events` events; planned
    /// changes apply when their time is reached. Returns whether the run can go on.
    pub fn advance(&mut self, target: SimTime, max_events: u64) -> RunStatus {
        self.simulation.run_slice(target, max_events)
    }

    /// Advances by `span` of simulated time (the step button), ignoring any event budget.
    pub fn step(&mut self, span: SimDuration) -> RunStatus {
        let target = self.simulation.now() + span;
        self.advance(target, u64::MAX)
    }

    /// Applies a live change now (see [`Simulation::intervene`]); the core refuses an
    /// out-of-range value or a finished run, with a message saying which.
    pub fn intervene(&mut self, change: Intervention) -> Result<(), String> {
        self.simulation.intervene(change).map_err(|e| e.to_string())
    }

    /// Changes still to replay at their times, in time order.
    pub fn planned(&self) -> Vec<KnobChange> {
        self.simulation.planned_changes()
    }

    /// Every change of this run, applied and still planned, in time order (a share link).
    pub fn plan(&self) -> Vec<KnobChange> {
        self.simulation.change_log()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillway_core::Preset;

    fn overload() -> Scenario {
        Preset::find("sustained-overload")
            .unwrap()
            .scenario()
            .unwrap()
    }

    fn run_in_slices(session: &mut Session, events_per_slice: u64) {
        let end = session.simulation().end_time();
        while let RunStatus::Running = session.advance(end, events_per_slice) {}
    }

    #[test]
    fn a_replayed_plan_reproduces_a_live_run_whatever_the_slicing() {
        let scenario = overload();
        let mut live = Session::new(&scenario, vec![]).unwrap().0;
        live.advance(SimTime::from_nanos(180_000_000_000), 777);
        while live.simulation().now() < SimTime::from_nanos(180_000_000_000) {
            live.advance(SimTime::from_nanos(180_000_000_000), 777);
        }
        live.intervene(Intervention::Consumers(6)).unwrap();
        live.advance(SimTime::from_nanos(300_000_000_000), 5);
        live.intervene(Intervention::RateMultiplier(2.0)).unwrap();
        run_in_slices(&mut live, 1234);

        for slice in [1, 333, EVENTS_PER_SLICE] {
            let mut replay = Session::new(&scenario, live.plan()).unwrap().0;
            run_in_slices(&mut replay, slice);
            assert_eq!(replay.changes(), live.changes(), "slice {slice}");
            assert_eq!(
                replay.simulation().fingerprint(),
                live.simulation().fingerprint(),
                "slice {slice}"
            );
        }
        let mut untouched = Session::new(&scenario, vec![]).unwrap().0;
        run_in_slices(&mut untouched, EVENTS_PER_SLICE);
        assert_ne!(
            untouched.simulation().fingerprint(),
            live.simulation().fingerprint()
        );
    }

    #[test]
    fn the_event_budget_bounds_each_advance() {
        let mut session = Session::new(&overload(), vec![]).unwrap().0;
        let end = session.simulation().end_time();
        session.advance(end, 100);
        assert_eq!(session.simulation().events_processed(), 100);
    }

    #[test]
    fn out_of_range_changes_in_a_plan_are_skipped_and_named() {
        let plan = vec![
            KnobChange {
                at_nanos: 1_000_000_000,
                change: Intervention::Consumers(0),
            },
            KnobChange {
                at_nanos: 2_000_000_000,
                change: Intervention::Consumers(4),
            },
        ];
        let (session, skipped) = Session::new(&overload(), plan).unwrap();
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].index, 0);
        assert!(
            skipped[0].to_string().contains("consumers"),
            "{}",
            skipped[0]
        );
        assert_eq!(session.planned().len(), 1);
    }

    #[test]
    fn a_finished_run_refuses_changes() {
        let mut session = Session::new(&overload(), vec![]).unwrap().0;
        let end = session.simulation().end_time();
        session.advance(end, u64::MAX);
        assert!(session.finished());
        assert!(session.intervene(Intervention::Consumers(5)).is_err());
    }
}
