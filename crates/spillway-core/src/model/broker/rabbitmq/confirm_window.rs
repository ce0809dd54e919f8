//! Publisher confirms with a bounded window: a producer in confirm mode keeps at most
//! `max_unconfirmed` publishes it has sent and not yet had confirmed — the pattern of
//! RabbitMQ's publisher guides ("publish in batches, wait for outstanding confirms"). A
//! publish is unconfirmed while an alarm blocks it, and for `confirm_latency` after the
//! queue accepted it. With its window full a producer does not publish: the send goes back
//! to its retry policy at once, so an alarm pushes back on the producers instead of piling
//! up blocked publishes until they time out.

use std::collections::VecDeque;

use crate::engine::time::{SimDuration, SimTime};

/// One producer's unconfirmed publishes.
#[derive(Default)]
struct Window {
    /// Blocked by an alarm.
    blocked: u32,
    /// When the accepted ones are confirmed, oldest first (one latency for all: in order).
    confirming: VecDeque<SimTime>,
}

impl Window {
    fn unconfirmed(&self) -> u64 {
        u64::from(self.blocked) + self.confirming.len() as u64
    }
}

/// Every producer's confirm window.
pub(crate) struct ConfirmWindows {
    max: u32,
    latency: SimDuration,
    /// The producer of each priority class.
    producer_of_class: Vec<u16>,
    windows: Vec<Window>,
}

impl ConfirmWindows {
    pub fn new(max: u32, latency: SimDuration) -> Self {
        ConfirmWindows {
            max,
            latency,
            producer_of_class: Vec::new(),
            windows: vec![Window::default()],
        }
    }

    /// The producer each priority class belongs to.
    pub fn set_publishers(&mut self, producer_of_class: Vec<u16>) {
        let producers = producer_of_class.iter().copied().max().map_or(1, |p| p + 1);
        self.windows
            .resize_with(usize::from(producers), Window::default);
        self.producer_of_class = producer_of_class;
    }

    fn window(&mut self, class: u8) -> &mut Window {
        let producer = self
            .producer_of_class
            .get(usize::from(class))
            .copied()
            .unwrap_or(0);
        &mut self.windows[usize::from(producer)]
    }

    /// Whether class `class`'s producer may publish now; if its window is full, how long
    /// until the next confirm is due (an alarm's blocked publishes: the caller decides).
    pub fn open(&mut self, class: u8, now: SimTime) -> Result<(), SimDuration> {
        let max = u64::from(self.max);
        let window = self.window(class);
        while window.confirming.front().is_some_and(|&at| at <= now) {
            window.confirming.pop_front();
        }
        if window.unconfirmed() < max {
            return Ok(());
        }
        Err(window
            .confirming
            .front()
            .map_or(SimDuration::from_secs(1), |&at| at.saturating_since(now)))
    }

    /// One of class `class`'s publishes was blocked (`+1`) or left the blocked ones (`-1`).
    pub fn blocked(&mut self, class: u8, change: i32) {
        let window = self.window(class);
        window.blocked = window.blocked.saturating_add_signed(change);
    }

    /// The queue accepted one of class `class`'s publishes: it is confirmed after the
    /// latency.
    pub fn accepted(&mut self, class: u8, now: SimTime) {
        let latency = self.latency;
        if latency == SimDuration::ZERO {
            return;
        }
        self.window(class).confirming.push_back(now + latency);
    }

    /// Bytes the windows hold (the run's memory guard counts them).
    pub fn allocated_bytes(&self) -> usize {
        self.windows
            .iter()
            .map(|w| w.confirming.capacity() * std::mem::size_of::<SimTime>())
            .sum()
    }

    /// The most one producer has unconfirmed now.
    pub fn most_unconfirmed(&self) -> u64 {
        self.windows
            .iter()
            .map(Window::unconfirmed)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_holds_the_producer_back_until_a_confirm_is_due() {
        let at = |ms: u64| SimTime::ZERO + SimDuration::from_millis(ms);
        let mut windows = ConfirmWindows::new(2, SimDuration::from_millis(10));
        // Classes 0 and 1 are producer 0's, class 2 producer 1's.
        windows.set_publishers(vec![0, 0, 1]);
        assert!(windows.open(0, at(0)).is_ok());
        windows.accepted(0, at(0));
        assert!(windows.open(1, at(4)).is_ok());
        windows.accepted(1, at(4));
        assert_eq!(windows.most_unconfirmed(), 2);
        assert_eq!(
            windows.open(0, at(5)),
            Err(SimDuration::from_millis(5)),
            "full: the first confirm is due at 10ms"
        );
        assert!(windows.open(2, at(5)).is_ok(), "another producer's window");
        assert!(windows.open(0, at(10)).is_ok(), "the first was confirmed");
    }

    #[test]
    fn blocked_publishes_fill_the_window_until_they_leave_it() {
        let mut windows = ConfirmWindows::new(1, SimDuration::ZERO);
        windows.set_publishers(vec![0]);
        windows.accepted(0, SimTime::ZERO);
        assert!(
            windows.open(0, SimTime::ZERO).is_ok(),
            "no latency: confirmed on arrival"
        );
        windows.blocked(0, 1);
        assert!(windows.open(0, SimTime::ZERO).is_err());
        windows.blocked(0, -1);
        assert!(windows.open(0, SimTime::ZERO).is_ok());
    }
}
