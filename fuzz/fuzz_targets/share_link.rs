//! Any URL fragment opened as a share link: a run or a message, never a panic, and the
//! scenario inside goes through the same parsing as the editor's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spillway_core::Scenario;
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
        // What the playground does with it next.
        let _ = Scenario::from_toml(&run.scenario, "link");
        assert_eq!(SharedRun::decode(&run.encode()).as_ref(), Ok(&run));
    }
});
