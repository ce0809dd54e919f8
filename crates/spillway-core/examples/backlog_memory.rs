//! Memory per waiting message with a 10M-message backlog, measured by a counting allocator.
//! `cargo run --release -p spillway-core --example backlog_memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use spillway_core::{Scenario, Simulation};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: forwarding the caller's layout unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SCENARIO: &str = r#"
name = "backlog"
duration = "1s"
[[producers]]
rate = "10000000/s"
arrivals = "constant"
[consumers]
count = 1
service_time = { distribution = "constant", value = "1000h" }
[limits]
max_live_messages = 20000000
"#;

fn main() {
    let scenario = Scenario::from_toml(SCENARIO, "backlog").expect("valid");
    let mut simulation = Simulation::new(&scenario).expect("a valid scenario");
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    simulation.run();
    let depth = simulation.queue_depth();
    let live = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "{{\"waiting_messages\": {depth}, \"bytes_per_message_live\": {:.2}, \"bytes_per_message_peak\": {:.2}, \"backlog_storage_bytes_per_message\": {:.2}}}",
        live as f64 / depth as f64,
        peak as f64 / depth as f64,
        simulation.backlog_bytes() as f64 / depth as f64
    );
}
