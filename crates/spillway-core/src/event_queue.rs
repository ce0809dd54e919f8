//! The future event list: ordered by (time, insertion sequence), so events at the same time run
//! in the order they were scheduled and every run is exactly reproducible.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

struct Scheduled<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.sequence) == (other.time, other.sequence)
    }
}
impl<E> Eq for Scheduled<E> {}
impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Scheduled<E> {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest event on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

/// A priority queue of future events.
pub(crate) struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_sequence: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(64),
            next_sequence: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `time`, after every event already scheduled at that time.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Scheduled {
            time,
            sequence,
            event,
        });
    }

    /// Removes and returns the earliest event if it is due at or before `horizon`.
    #[inline]
    pub fn pop_due(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.time > horizon {
            return None;
        }
        self.heap
            .pop()
            .map(|scheduled| (scheduled.time, scheduled.event))
    }

    /// Time of the earliest pending event.
    pub fn next_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|scheduled| scheduled.time)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_time_events_come_out_in_insertion_order() {
        let mut queue = EventQueue::default();
        let t = SimTime::from_nanos(10);
        queue.schedule(SimTime::from_nanos(20), "late");
        queue.schedule(t, "first");
        queue.schedule(t, "second");
        queue.schedule(SimTime::from_nanos(5), "early");
        queue.schedule(t, "third");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop_due(SimTime::MAX))
            .map(|(_, e)| e)
            .collect();
        assert_eq!(order, ["early", "first", "second", "third", "late"]);
    }

    #[test]
    fn nothing_after_the_horizon_is_returned() {
        let mut queue = EventQueue::default();
        queue.schedule(SimTime::from_nanos(10), ());
        assert!(queue.pop_due(SimTime::from_nanos(9)).is_none());
        assert_eq!(queue.len(), 1);
        assert!(queue.pop_due(SimTime::from_nanos(10)).is_some());
    }
}
