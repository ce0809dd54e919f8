//! One run in the playground: the core's [`Simulation`] plus the live-knob changes made to it,
//! advanced in budgeted slices. Changes from a share link are replayed at their times, so a
//! link reproduces the run it was copied from.

use serde::{Deserialize, Serialize};
use spillway_core::{Intervention, RunStatus, Scenario, SimDuration, SimTime, Simulation};

/// A live change and the simulated time it was made at.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnobChange {
    /// Simulated time, nanoseconds.
    pub at_nanos: u64,
    /// What changed.
    pub change: Intervention,
}

impl KnobChange {
    /// Simulated time in seconds (for charts).
    pub fn at_seconds(&self) -> f64 {
        self.at_nanos as f64 / 1e9
    }
}

/// A run in progress.
pub struct Session {
    simulation: Simulation,
    /// Changes already applied, in time order.
    applied: Vec<KnobChange>,
    /// Changes still to replay (from a share link), in time order.
    planned: Vec<KnobChange>,
}

/// Most events one uninterrupted slice processes before the caller may check its clock.
pub const EVENTS_PER_SLICE: u64 = 20_000;

impl Session {
    /// A fresh run of `scenario` that replays `plan` (changes at their recorded times).
    pub fn new(scenario: &Scenario, mut plan: Vec<KnobChange>) -> Self {
        plan.sort_by_key(|change| change.at_nanos);
        plan.reverse(); // popped from the back, earliest first
        Session {
            simulation: Simulation::new(scenario),
            applied: Vec::new(),
            planned: plan,
        }
    }

    /// The simulation, for reading its series and summary.
    pub fn simulation(&self) -> &Simulation {
        &self.simulation
    }

    /// Live changes applied so far, in time order.
    pub fn changes(&self) -> &[KnobChange] {
        &self.applied
    }

    /// Whether the run has ended.
    pub fn finished(&self) -> bool {
        self.simulation.outcome().is_some()
    }

    /// Advances towards `target`, processing at most about `max_events` events; planned
    /// changes apply when their time is reached. Returns whether the run can go on.
    pub fn advance(&mut self, target: SimTime, max_events: u64) -> RunStatus {
        let mut left = max_events;
        loop {
            let next_change = self.planned.last().map(|c| SimTime::from_nanos(c.at_nanos));
            let slice_end = next_change.map_or(target, |at| at.min(target));
            let before = self.simulation.events_processed();
            let status = self.simulation.run_slice(slice_end, left);
            let done = self.simulation.events_processed() - before;
            if let RunStatus::Finished(_) = status {
                return status;
            }
            // Fewer events than allowed: everything due by `slice_end` has been processed.
            let reached = done < left;
            left -= done;
            if !reached {
                return status;
            }
            if next_change == Some(slice_end) {
                let change = self.planned.pop().expect("a planned change is due");
                // A link may carry an out-of-range change; it is skipped, not applied.
                let _ = self.apply(change.change);
                continue;
            }
            return status;
        }
    }

    /// Advances by `span` of simulated time (the step button), ignoring any event budget.
    pub fn step(&mut self, span: SimDuration) -> RunStatus {
        let target = self.simulation.now() + span;
        self.advance(target, u64::MAX)
    }

    /// Applies a live change now. Events already due at this instant are processed first,
    /// exactly as a replay that runs up to this time and then applies the change. The core
    /// refuses an out-of-range value or a finished run, with a message saying which.
    pub fn intervene(&mut self, change: Intervention) -> Result<(), String> {
        let now = self.simulation.now();
        self.simulation.run_until(now);
        self.apply(change)?;
        // A live change overrides whatever a replayed link still had planned.
        self.planned.clear();
        Ok(())
    }

    fn apply(&mut self, change: Intervention) -> Result<(), String> {
        let at_nanos = self.simulation.now().as_nanos();
        self.simulation.intervene(change)?;
        self.applied.push(KnobChange { at_nanos, change });
        Ok(())
    }

    /// Changes still to replay at their times, in time order.
    pub fn planned(&self) -> Vec<KnobChange> {
        self.planned.iter().rev().copied().collect()
    }

    /// Every change of this run, applied and still planned, in time order (a share link).
    pub fn plan(&self) -> Vec<KnobChange> {
        let mut plan = self.applied.clone();
        plan.extend(self.planned.iter().rev().copied());
        plan
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
        let mut live = Session::new(&scenario, vec![]);
        live.advance(SimTime::from_nanos(180_000_000_000), 777);
        while live.simulation().now() < SimTime::from_nanos(180_000_000_000) {
            live.advance(SimTime::from_nanos(180_000_000_000), 777);
        }
        live.intervene(Intervention::Consumers(6)).unwrap();
        live.advance(SimTime::from_nanos(300_000_000_000), 5);
        live.intervene(Intervention::RateMultiplier(2.0)).unwrap();
        run_in_slices(&mut live, 1234);

        for slice in [1, 333, EVENTS_PER_SLICE] {
            let mut replay = Session::new(&scenario, live.plan());
            run_in_slices(&mut replay, slice);
            assert_eq!(replay.changes(), live.changes(), "slice {slice}");
            assert_eq!(
                replay.simulation().fingerprint(),
                live.simulation().fingerprint(),
                "slice {slice}"
            );
        }
        let mut untouched = Session::new(&scenario, vec![]);
        run_in_slices(&mut untouched, EVENTS_PER_SLICE);
        assert_ne!(
            untouched.simulation().fingerprint(),
            live.simulation().fingerprint()
        );
    }

    #[test]
    fn the_event_budget_bounds_each_advance() {
        let mut session = Session::new(&overload(), vec![]);
        let end = session.simulation().end_time();
        session.advance(end, 100);
        assert_eq!(session.simulation().events_processed(), 100);
    }

    #[test]
    fn a_finished_run_refuses_changes() {
        let mut session = Session::new(&overload(), vec![]);
        let end = session.simulation().end_time();
        session.advance(end, u64::MAX);
        assert!(session.finished());
        assert!(session.intervene(Intervention::Consumers(5)).is_err());
    }
}
