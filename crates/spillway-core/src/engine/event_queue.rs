//! The future event list: ordered by (time, insertion sequence), so events at the same time run
//! in the order they were scheduled and every run is exactly reproducible.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::engine::time::SimTime;

/// An entry: (time, sequence) packed into one 128-bit key, so that the heap's comparisons
/// are a single branch-free 128-bit compare.
struct Scheduled<E> {
    key: u128,
    event: E,
}

impl<E> Scheduled<E> {
    #[inline]
    fn new(time: SimTime, sequence: u64, event: E) -> Self {
        Scheduled {
            key: u128::from(time.as_nanos()) << 64 | u128::from(sequence),
            event,
        }
    }

    #[inline]
    fn time(&self) -> SimTime {
        SimTime::from_nanos((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
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
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of future events.
///
/// Most events schedule exactly one successor (the next arrival, the next service), so the
/// event being handled stays in the heap's top slot until then and its successor takes the
/// slot: one sift-down instead of a pop and a push. Order is unchanged: (time, sequence).
pub(crate) struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_sequence: u64,
    /// The top entry has been handed out and may be overwritten.
    top_taken: bool,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(64),
            next_sequence: 0,
            top_taken: false,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `time`, after every event already scheduled at that time.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let entry = Scheduled::new(time, sequence, event);
        if self.top_taken {
            self.top_taken = false;
            if let Some(mut top) = self.heap.peek_mut() {
                *top = entry; // sifts down when `top` drops
                return;
            }
        }
        self.heap.push(entry);
    }

    /// Returns the earliest event if it is due at or before `horizon`, removing it (lazily:
    /// its slot is reused by the next [`schedule`](Self::schedule) call).
    #[inline]
    pub fn pop_due(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        self.release_taken_top();
        let top = self.heap.peek()?;
        if top.time() > horizon {
            return None;
        }
        let due = (top.time(), top.event);
        self.top_taken = true;
        Some(due)
    }

    /// Removes a handed-out top entry that no `schedule` call reused.
    #[inline]
    fn release_taken_top(&mut self) {
        if self.top_taken {
            self.top_taken = false;
            self.heap.pop();
        }
    }

    /// Time of the earliest pending event.
    pub fn next_time(&mut self) -> Option<SimTime> {
        self.release_taken_top();
        self.heap.peek().map(|scheduled| scheduled.time())
    }

    /// Bytes the event list holds (its allocated slots), for the memory budget.
    pub fn allocated_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<Scheduled<E>>()
    }

    /// Pending events.
    pub fn len(&mut self) -> usize {
        self.release_taken_top();
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
    fn a_successor_scheduled_while_handling_takes_the_right_place() {
        let mut queue = EventQueue::default();
        for t in [10, 20, 30] {
            queue.schedule(SimTime::from_nanos(t), t);
        }
        let mut order = Vec::new();
        while let Some((time, event)) = queue.pop_due(SimTime::MAX) {
            order.push(event);
            // Some events schedule one successor, one schedules two, the rest none.
            match event {
                10 => queue.schedule(SimTime::from_nanos(25), 25),
                20 => queue.schedule(time, 21),
                25 => {
                    queue.schedule(SimTime::from_nanos(40), 40);
                    queue.schedule(SimTime::from_nanos(26), 26);
                }
                _ => {}
            }
        }
        assert_eq!(order, [10, 20, 21, 25, 26, 30, 40]);
        assert_eq!(queue.len(), 0);
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
