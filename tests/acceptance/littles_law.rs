//! Little's law, L = λW, on runs that start and end empty: the time-average queue length
//! (integrated over time) equals arrival rate × mean time in queue (summed over messages).

use spillway_acceptance::queueing_scenario;
use spillway_core::scenario::{DistributionSpec, Duration, OverflowPolicy};
use spillway_core::{RunOutcome, Simulation};

fn assert_littles_law(mut scenario: spillway_core::Scenario) {
    // Producers stop at 80% of the run, so the system drains and ends empty.
    let stop = Duration(spillway_core::SimDuration::from_nanos(
        scenario.duration.sim().as_nanos() / 10 * 8,
    ));
    for producer in &mut scenario.producers {
        producer.stop_at = Some(stop);
    }
    scenario.duration =
        Duration::from_secs(scenario.duration.sim().as_nanos() / 1_000_000_000 * 10);
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    let outcome = simulation.run();
    assert!(
        matches!(outcome, RunOutcome::Drained { .. }),
        "expected the run to drain, got {outcome:?}"
    );
    let stats = simulation.queue_statistics();
    assert!(stats.accepted > 1000);
    let elapsed = stats.elapsed_seconds;
    let l = stats.queue_length_integral_nanos as f64 / 1e9 / elapsed;
    let lambda = stats.accepted as f64 / elapsed;
    let w = stats.queue_time_nanos as f64 / 1e9 / stats.accepted as f64;
    assert!(l > 0.0);
    assert!(
        (l - lambda * w).abs() <= 1e-9 * l,
        "L = {l}, λW = {}",
        lambda * w
    );
}

#[test]
fn littles_law_holds_exactly_for_mm1() {
    let scenario = queueing_scenario(
        0.8,
        DistributionSpec::Exponential {
            mean: Duration::from_secs(1),
        },
        1,
        None,
        20_000,
        3,
    );
    assert_littles_law(scenario);
}

#[test]
fn littles_law_holds_with_multiple_servers_and_heavy_tails() {
    let service = DistributionSpec::Pareto {
        min: Duration::from_millis(200),
        shape: 1.8,
    };
    assert_littles_law(queueing_scenario(14.0, service, 8, None, 5_000, 4));
}

#[test]
fn littles_law_holds_when_the_queue_drops_messages() {
    let mut scenario = queueing_scenario(
        1.3,
        DistributionSpec::Exponential {
            mean: Duration::from_secs(1),
        },
        1,
        Some(20),
        10_000,
        5,
    );
    scenario.queue.overflow = OverflowPolicy::DropOldest;
    assert_littles_law(scenario);
}
