//! What the run targets share: a valid scenario, cut to a small budget, runs to an end and
//! conserves messages.

use spillway_core::{Scenario, SimDuration, Simulation, scenario::Duration};

/// Runs `scenario` with at most `max_events` events, 100,000 live messages and an hour of
/// simulated time, and panics (a finding) if conservation breaks.
pub fn run_within_budget(mut scenario: Scenario, max_events: u64) {
    scenario.limits.max_events = scenario.limits.max_events.min(max_events);
    scenario.limits.max_live_messages = scenario.limits.max_live_messages.min(100_000);
    scenario.duration = scenario
        .duration
        .min(Duration(SimDuration::from_secs(3600)));
    // Shortening the run cannot make it invalid, but a run starts only from a valid one.
    let Ok(mut simulation) = Simulation::new(&scenario) else {
        return;
    };
    simulation.run();
    let summary = simulation.summary();
    assert!(
        summary.conservation.holds,
        "conservation broken: {:?}",
        summary.conservation
    );
    let _ = simulation.series().len();
}
