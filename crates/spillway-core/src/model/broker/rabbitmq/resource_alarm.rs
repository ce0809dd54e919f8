//! One of the node's resource alarms (memory or disk), as its monitor sets it at each look:
//! whether it is raised, how often it was, and for how long.

use crate::engine::time::SimTime;

/// A resource alarm's state and history.
#[derive(Default)]
pub(crate) struct ResourceAlarm {
    /// Raised now (publishers are blocked).
    pub raised: bool,
    since: SimTime,
    /// Times it was raised.
    pub count: u64,
    /// Time the alarms already cleared lasted.
    closed_nanos: u128,
}

impl ResourceAlarm {
    /// The monitor's look at `now`: the alarm is raised while `over` its limit, cleared
    /// otherwise. Returns true when it cleared.
    pub fn set(&mut self, over: bool, now: SimTime) -> bool {
        if over && !self.raised {
            self.raised = true;
            self.since = now;
            self.count += 1;
            false
        } else if !over && self.raised {
            self.raised = false;
            self.closed_nanos += u128::from(now.saturating_since(self.since).as_nanos());
            true
        } else {
            false
        }
    }

    /// Seconds spent raised up to `now` (an alarm still raised counts to `now`).
    pub fn seconds(&self, now: SimTime) -> f64 {
        let open = if self.raised {
            u128::from(now.saturating_since(self.since).as_nanos())
        } else {
            0
        };
        (self.closed_nanos + open) as f64 / 1e9
    }
}
