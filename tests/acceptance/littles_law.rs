//! Little's law, L = λW, with its three quantities measured independently over a
//! steady-state window (the first 10% of the run discarded as warm-up):
//!
//! - L, the time-average number of messages in the system: ∫ (queued + in service) dt / τ,
//!   from the engine's two time integrals, advanced at every change of queue length and of
//!   busy consumer slots. No message's timestamps enter it.
//! - λ, the arrival rate into the system: sends accepted in the window / τ (a count).
//! - W, the mean time in system: over the messages that completed in the window, each one's
//!   own completion time − enqueue time (the end-to-end latency histogram's exact sum; with
//!   no producer retries a message is enqueued when it is created). No time integral enters it.
//!
//! Nothing cancels: λ counts arrivals and W divides by completions, and the integral and the
//! per-message sum cover different messages at the window's edges. So the law holds only up to
//! the edge effects, and a mistake in any one measurement (an integral that forgets the
//! messages in service, a sojourn that is really just the queue wait, a count of the wrong
//! sends) shows up as a gap.
//!
//! Tolerance. Over a window of length τ, ∫N dt and Σ sojourns differ only by the parts of the
//! sojourns of messages in the system at the window's two edges, about (N(t₀) + N(T))·W; and
//! arrivals and completions differ by N(T) − N(t₀). With N ≈ L = λW the relative gap is of
//! order 3L/(λτ) = 3W/τ: under 0.1% for the runs below (W of a few seconds, τ of hours). The
//! test allows 1%, enough for N at the edges to be several times its mean, while computing L
//! from the waits, leaving the messages in service out of it, or leaving the service time out
//! of W moves the two sides apart by a fifth or more here (checked below, so the tolerance
//! cannot quietly grow loose enough to let such a mistake through).

use spillway_acceptance::queueing_scenario;
use spillway_core::scenario::{ArrivalPattern, DistributionSpec, Duration};
use spillway_core::{RunOutcome, Scenario, SimDuration, SimTime, Simulation};

const TOLERANCE: f64 = 0.01;

/// Cumulative measurements at one instant.
#[derive(Debug)]
struct Reading {
    seconds: f64,
    /// ∫ queue length dt, message-seconds.
    queued_area: f64,
    /// ∫ messages in service dt, message-seconds.
    in_service_area: f64,
    accepted: u64,
    refused: u64,
    /// Completed messages and the sum of their times in system (per message), seconds.
    completed: u64,
    sojourn_total: f64,
    /// Sum of the queue waits of messages that reached a consumer, seconds.
    wait_total: f64,
    /// Messages in the system now (queued + in service).
    in_system: u64,
}

fn read(simulation: &Simulation) -> Reading {
    let stats = simulation.queue_statistics();
    let summary = simulation.summary();
    Reading {
        seconds: stats.elapsed_seconds,
        queued_area: stats.queue_length_integral_nanos as f64 / 1e9,
        in_service_area: stats.in_service_integral_seconds,
        accepted: stats.accepted,
        refused: stats.refused,
        completed: summary.latency.count,
        sojourn_total: summary.latency.mean * summary.latency.count as f64,
        wait_total: stats.total_wait_seconds,
        in_system: summary.conservation.queued + summary.conservation.in_service,
    }
}

/// The law's three quantities over [warm-up, end], plus what a wrong measurement would give.
#[derive(Debug)]
struct Window {
    /// L: time-average messages in the system.
    l: f64,
    /// λ: accepted arrivals per second.
    lambda: f64,
    /// W: mean time in system per completed message, seconds.
    w: f64,
    /// L if the integral forgot the messages in service (queue only).
    l_queue_only: f64,
    /// L computed from the waits (Σ queue wait / τ) instead of measured over time.
    l_from_waits: f64,
    /// W if the sojourn were just the queue wait.
    w_wait_only: f64,
    /// Arrivals accepted and refused in the window.
    accepted: u64,
    refused: u64,
    /// Messages in the system at the window's start and end.
    edges: (u64, u64),
    tau: f64,
}

impl Window {
    fn relative_gap(l: f64, lambda_w: f64) -> f64 {
        (l - lambda_w).abs() / l
    }
}

fn measure(scenario: &Scenario) -> Window {
    let end = scenario.duration.sim().as_nanos();
    let mut simulation = Simulation::new(scenario).expect("a valid scenario");
    simulation.run_until(SimTime::ZERO + SimDuration::from_nanos(end / 10));
    let start = read(&simulation);
    let outcome = simulation.run();
    assert!(
        matches!(outcome, RunOutcome::Completed { .. }),
        "the run must reach its end time, got {outcome:?}"
    );
    let stop = read(&simulation);
    assert!(simulation.summary().conservation.holds);

    let tau = stop.seconds - start.seconds;
    let completed = stop.completed - start.completed;
    let queued_area = stop.queued_area - start.queued_area;
    let in_service_area = stop.in_service_area - start.in_service_area;
    let sojourn = stop.sojourn_total - start.sojourn_total;
    let waits = stop.wait_total - start.wait_total;
    assert!(
        completed > 10_000,
        "too few completions ({completed}) to judge"
    );
    Window {
        l: (queued_area + in_service_area) / tau,
        lambda: (stop.accepted - start.accepted) as f64 / tau,
        w: sojourn / completed as f64,
        l_queue_only: queued_area / tau,
        l_from_waits: waits / tau,
        // Waits are recorded at dequeue, so this counts the messages that started service in
        // the window (close to `completed`); the service part is what it leaves out.
        w_wait_only: waits / completed as f64,
        accepted: stop.accepted - start.accepted,
        refused: stop.refused - start.refused,
        edges: (start.in_system, stop.in_system),
        tau,
    }
}

fn assert_littles_law(label: &str, window: &Window) {
    let lambda_w = window.lambda * window.w;
    let gap = Window::relative_gap(window.l, lambda_w);
    let context = format!(
        "{label}: L = {:.5}, λ = {:.5}/s, W = {:.5} s, λW = {lambda_w:.5}, gap {:.4}%; {window:?}",
        window.l,
        window.lambda,
        window.w,
        gap * 100.0
    );
    println!("{context}");
    // The window is long enough: the edge effects, estimated from the messages actually in
    // the system at its two edges (each is off by about one sojourn in the integral-vs-sum
    // term and by one in the arrivals-vs-completions term), are far below the tolerance.
    let (first, last) = window.edges;
    let edge_estimate = 2.0 * (first + last) as f64 / (window.lambda * window.tau);
    assert!(
        edge_estimate < TOLERANCE / 10.0,
        "window too short (edge effects ≈ {:.3}%). {context}",
        edge_estimate * 100.0
    );
    assert!(gap < TOLERANCE, "Little's law fails. {context}");
    // The gap is the edge effects, not zero: were the two sides bookkeeping of one sum (L and
    // W from the same per-message times, λ the count W divides by), they would agree to
    // rounding error.
    assert!(
        gap > 1e-9,
        "L and λW agree exactly: they are not independent measurements. {context}"
    );
    // The tolerance is tight enough to catch a wrong measurement of either side.
    for (what, l, w) in [
        (
            "L without the messages in service",
            window.l_queue_only,
            window.w,
        ),
        ("L computed from the waits", window.l_from_waits, window.w),
        ("W as the queue wait only", window.l, window.w_wait_only),
    ] {
        let wrong_gap = Window::relative_gap(l, window.lambda * w);
        assert!(
            wrong_gap > 10.0 * TOLERANCE,
            "{what} would pass too (gap {:.3}%): the test cannot tell. {context}",
            wrong_gap * 100.0
        );
    }
}

#[test]
fn littles_law_holds_for_mmc_in_steady_state() {
    // M/M/4 at ρ = 0.8: λ = 3.2/s, 1 s mean service; L ≈ 5.6, W ≈ 1.75 s.
    let scenario = queueing_scenario(
        3.2,
        DistributionSpec::Exponential {
            mean: Duration::from_secs(1),
        },
        4,
        None,
        20_000,
        11,
    );
    let window = measure(&scenario);
    assert_eq!(window.refused, 0);
    assert_littles_law("M/M/4 ρ=0.8", &window);
}

#[test]
fn littles_law_holds_for_accepted_messages_when_a_finite_queue_rejects() {
    // M/M/2 with 10 waiting places, offered 1.2× capacity: a sixth or more of the arrivals
    // are turned away and never enter the system, so λ is the accepted rate, not the offered.
    let scenario = queueing_scenario(
        2.4,
        DistributionSpec::Exponential {
            mean: Duration::from_secs(1),
        },
        2,
        Some(10),
        20_000,
        12,
    );
    let window = measure(&scenario);
    let offered = window.accepted + window.refused;
    assert!(
        window.refused as f64 > 0.1 * offered as f64,
        "expected many rejections: {window:?}"
    );
    // With the offered rate instead of the accepted one the law would fail.
    let offered_rate = offered as f64 / window.tau;
    assert!(Window::relative_gap(window.l, offered_rate * window.w) > 10.0 * TOLERANCE);
    assert_littles_law("M/M/2/12 offered ρ=1.2", &window);
}

#[test]
fn the_queue_integral_is_measured_over_time_not_summed_from_the_waits() {
    // The steady-state law cannot tell a time integral from a sum of per-message waits: in the
    // long run they agree, which is the law. They differ by the messages still waiting, so
    // check the exact sample-path form, for a run that starts empty, at an instant T when most
    // of the backlog has not left yet: ∫₀ᵀ Q dt = Σ waits of messages that left the queue +
    // Σ ages of those still in it. D/D/1 in overload: a message exactly every second, each
    // taking 2 s, so after T = 1000 s about 500 wait, with ages A, A − 1 s, …, A − (n − 1) s
    // (A the oldest's): Σ ages = nA − n(n − 1)/2 seconds.
    let mut scenario = queueing_scenario(
        1.0,
        DistributionSpec::Constant {
            value: Duration::from_secs(2),
        },
        1,
        None,
        1_000,
        1,
    );
    scenario.producers[0].arrivals = ArrivalPattern::Constant;
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    simulation.run();
    let stats = simulation.queue_statistics();
    let summary = simulation.summary();
    let waiting = summary.conservation.queued as f64;
    // The lag is the age of the oldest unfinished message: the one in service, produced a
    // second (one gap) before the oldest one waiting.
    let oldest = summary.lag.final_seconds - 1.0;
    assert!(waiting > 400.0, "expected a backlog: {summary:?}");
    let integral = stats.queue_length_integral_nanos as f64 / 1e9;
    let departed_waits = stats.queue_time_nanos as f64 / 1e9;
    let still_waiting = waiting * oldest - waiting * (waiting - 1.0) / 2.0;
    let context = format!(
        "∫Q dt = {integral}, Σ waits of departed = {departed_waits}, Σ ages of the {waiting} \
         waiting = {still_waiting}"
    );
    println!("{context}");
    assert!(
        (integral - (departed_waits + still_waiting)).abs() < 1e-6 * integral,
        "{context}"
    );
    // An integral built from the waits of the messages that left would miss about half.
    assert!(departed_waits < 0.6 * integral, "{context}");
    // The consumer is busy from the first arrival on (service outlasts the gap between
    // arrivals), so the in-service integral is the elapsed time less at most one gap.
    let busy = stats.in_service_integral_seconds;
    assert!(
        (stats.elapsed_seconds - 1.0..=stats.elapsed_seconds).contains(&busy),
        "busy {busy} s of {} s",
        stats.elapsed_seconds
    );
}

#[test]
fn littles_law_holds_through_a_rabbitmq_queue_with_prefetch_and_requeues() {
    // The same M/M/4 at ρ = 0.8 through a RabbitMQ queue: prefetch 3 (messages wait in
    // the queue or in a consumer's buffer, both count as waiting), and 10% of the work
    // fails and is requeued to the head. L and λW must still agree.
    let mut scenario = queueing_scenario(
        3.2,
        DistributionSpec::Exponential {
            mean: Duration::from_secs(1),
        },
        4,
        None,
        20_000,
        13,
    );
    scenario.rabbitmq = Some(spillway_core::scenario::RabbitSpec {
        prefetch: 3,
        ..Default::default()
    });
    scenario.consumers.error_probability = 0.1;
    scenario.consumers.retry = Some(Default::default());
    let window = measure(&scenario);
    assert_littles_law("M/M/4 through RabbitMQ, prefetch 3", &window);
}
