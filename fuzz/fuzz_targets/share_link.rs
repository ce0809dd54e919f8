//! Any URL fragment opened as a share link: a run or a message, never a panic. A decoded
//! run re-encodes to what it understood, and its scenario and live changes replay the way the
//! playground replays them, under a small budget (20,000 events, an hour simulated).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_core::{RunStatus, Scenario, SimDuration, SimTime, scenario::Duration};
use spillway_web::session::Session;
use spillway_web::share::SharedRun;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let links = [
        SharedRun::decode(text),
        SharedRun::from_fragment(text).unwrap_or(Err(String::new())),
    ];
    for run in links.into_iter().flatten() {
        // Re-encoding keeps what this build understood (unread entries are dropped).
        let again = SharedRun::decode(&run.encode()).expect("a re-encoded run decodes");
        assert_eq!((&again.scenario, &again.changes), (&run.scenario, &run.changes));
        assert!(again.unread.not_understood.is_empty());
        let Ok(mut scenario) = Scenario::from_toml(&run.scenario, "link") else {
            continue;
        };
        scenario.limits.max_events = scenario.limits.max_events.min(20_000);
        scenario.limits.max_live_messages = scenario.limits.max_live_messages.min(100_000);
        scenario.duration = scenario
            .duration
            .min(Duration(SimDuration::from_secs(3600)));
        let Ok((mut session, _skipped)) = Session::new(&scenario, run.changes.clone()) else {
            continue;
        };
        // Frame by frame, as the page plays it at max speed; the event limit ends it.
        let mut frames = 0;
        while let RunStatus::Running = session.advance(SimTime::MAX, 5_000) {
            frames += 1;
            assert!(frames < 10_000, "the replay makes no progress");
        }
        assert!(session.simulation().summary().conservation.holds);
    }
});
