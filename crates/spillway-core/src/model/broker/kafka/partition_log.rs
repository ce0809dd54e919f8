//! One partition: an append-only log of records with offsets, and the consumer group's
//! offsets on it. The log keeps records from the group's committed offset on (older ones
//! can never be read again by the group, so they cost nothing here); retention deletes from
//! the log start, and what it deletes before the group processed it is lost.
//!
//! Offsets, lowest first: `start` ≤ `committed` … records the group may need again;
//! `processed` is the frontier of first-time processing (below it every record was processed
//! at least once: a record below it processed again is a duplicate); `fetched` is the
//! frontier of records ever handed to a member; `end` is the log-end offset.

use std::collections::VecDeque;

use crate::engine::time::SimTime;
use crate::model::message::QueuedMessage;

/// A partition's log and the group's offsets on it.
pub(crate) struct PartitionLog {
    /// Records from `start` to `end`.
    records: VecDeque<QueuedMessage>,
    /// Offset of `records[0]` (the log start offset, as far as the group can see).
    start: u64,
    /// The group's committed offset: the next record a new owner reads.
    pub committed: u64,
    /// Next record never processed.
    pub processed: u64,
    /// Next record never fetched by any member.
    pub fetched: u64,
    /// The owner's fetch position (next record its poll returns).
    pub position: u64,
    /// The owner's processing position: its next record to finish, committed at a commit.
    pub consumed: u64,
    /// The member owning the partition now (index into the group's members).
    pub owner: Option<u32>,
    /// Paused for a retry backoff until this pause id's resume (0: not paused).
    pub paused: u32,
    /// Records deleted by retention before they were processed.
    pub lost: u64,
    /// Records processed for the first time, for records/s.
    pub done: u64,
}

impl PartitionLog {
    pub fn new() -> Self {
        PartitionLog {
            records: VecDeque::new(),
            start: 0,
            committed: 0,
            processed: 0,
            fetched: 0,
            position: 0,
            consumed: 0,
            owner: None,
            paused: 0,
            lost: 0,
            done: 0,
        }
    }

    /// The log-end offset.
    #[inline]
    pub fn end(&self) -> u64 {
        self.start + self.records.len() as u64
    }

    /// Records the log holds.
    #[inline]
    pub fn len(&self) -> u64 {
        self.records.len() as u64
    }

    /// The consumer lag: log-end − committed.
    #[inline]
    pub fn lag(&self) -> u64 {
        self.end() - self.committed
    }

    /// Records never processed (appended, not yet processed once and not lost).
    #[inline]
    pub fn unprocessed(&self) -> u64 {
        self.end() - self.processed
    }

    /// Records fetched by some member and not yet processed once.
    #[inline]
    pub fn in_flight(&self) -> u64 {
        self.fetched.saturating_sub(self.processed)
    }

    /// Appends a record; returns its offset.
    #[inline]
    pub fn append(&mut self, record: QueuedMessage) -> u64 {
        self.records.push_back(record);
        self.end() - 1
    }

    /// The record at `offset`, if the log still has it.
    #[inline]
    pub fn get(&self, offset: u64) -> Option<QueuedMessage> {
        offset
            .checked_sub(self.start)
            .and_then(|i| self.records.get(i as usize).copied())
    }

    /// Records a failed delivery of the record at `offset`.
    pub fn set_deliveries(&mut self, offset: u64, deliveries: u16) {
        if let Some(i) = offset.checked_sub(self.start) {
            if let Some(record) = self.records.get_mut(i as usize) {
                *record = record.with_deliveries(deliveries);
            }
        }
    }

    /// The owner's next fetch starts at `offset` (or the log start, if retention deleted it:
    /// auto.offset.reset = earliest).
    pub fn seek(&mut self, offset: u64) {
        self.position = offset.max(self.start);
    }

    /// The owner's position and processing position restart at the committed offset (a new
    /// owner, or the owner's fetched records are thrown away).
    pub fn rewind_to_committed(&mut self) {
        self.committed = self.committed.max(self.start);
        self.position = self.committed;
        self.consumed = self.committed;
    }

    /// Commits the owner's processing position; drops what the group can never read again.
    pub fn commit(&mut self) {
        self.committed = self.committed.max(self.consumed);
        let droppable = self.committed.min(self.end()).saturating_sub(self.start);
        if droppable > 0 {
            self.records.drain(..droppable as usize);
            self.start += droppable;
        }
    }

    /// Marks the record at `offset` processed (or given up on) by its owner; returns whether
    /// it was the first time.
    #[inline]
    pub fn finish(&mut self, offset: u64, by_owner: bool) -> bool {
        if by_owner && offset >= self.consumed {
            self.consumed = offset + 1;
        }
        if offset >= self.processed {
            debug_assert_eq!(offset, self.processed, "first-time processing is in order");
            self.processed = offset + 1;
            self.fetched = self.fetched.max(self.processed);
            self.done += 1;
            true
        } else {
            false
        }
    }

    /// Deletes records appended before `cutoff` (retention by time) and beyond `keep`
    /// records (retention by size). Returns the records lost: deleted before they were ever
    /// fetched. (While a member holds fetched records, deletion stops below them.)
    pub fn enforce_retention(
        &mut self,
        cutoff: Option<SimTime>,
        keep: Option<u64>,
        lost_class: &mut dyn FnMut(u8),
    ) -> u64 {
        let mut delete = 0u64;
        if let Some(cutoff) = cutoff {
            delete = self.records.partition_point(|r| r.enqueued_at() < cutoff) as u64;
        }
        if let Some(keep) = keep {
            delete = delete.max((self.records.len() as u64).saturating_sub(keep));
        }
        if self.fetched > self.processed {
            // Records a member holds are processed as fetched (the consumer has them in
            // memory): deletion waits below them until they are done, so only records never
            // fetched are lost.
            delete = delete.min(self.processed.saturating_sub(self.start));
        }
        if delete == 0 {
            return 0;
        }
        let never_processed = self.processed.saturating_sub(self.start) as usize;
        for record in self
            .records
            .range(never_processed.min(delete as usize)..delete as usize)
        {
            lost_class(record.class);
        }
        self.records.drain(..delete as usize);
        self.start += delete;
        let lost = self.start.saturating_sub(self.processed);
        self.processed = self.processed.max(self.start);
        self.fetched = self.fetched.max(self.start);
        // A fetch below the log start resumes at it (auto.offset.reset = earliest).
        self.position = self.position.max(self.start);
        self.consumed = self.consumed.max(self.start);
        self.committed = self.committed.max(self.start);
        self.lost += lost;
        lost
    }

    /// When the oldest record the group has not processed was appended.
    pub fn oldest_unprocessed(&self) -> Option<SimTime> {
        self.get(self.processed).map(|r| r.created_at())
    }

    /// Bytes the log holds.
    pub fn allocated_bytes(&self) -> usize {
        self.records.capacity() * std::mem::size_of::<QueuedMessage>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimDuration;
    use crate::model::message::Message;

    fn record(at_secs: u64) -> QueuedMessage {
        let at = SimTime::ZERO + SimDuration::from_secs(at_secs);
        QueuedMessage::enqueue(Message::new(at, 0, false), at)
    }

    #[test]
    fn lag_is_log_end_minus_committed_and_commits_free_the_log() {
        let mut log = PartitionLog::new();
        for t in 0..10 {
            log.append(record(t));
        }
        assert_eq!((log.end(), log.lag()), (10, 10));
        for offset in 0..4 {
            assert!(log.finish(offset, true));
        }
        assert_eq!(log.lag(), 10, "processed but not committed is still lag");
        log.commit();
        assert_eq!((log.committed, log.lag(), log.start), (4, 6, 4));
        // A new owner starts at the committed offset; redoing nothing here.
        log.rewind_to_committed();
        assert_eq!(log.position, 4);
    }

    #[test]
    fn processing_again_below_the_frontier_is_a_duplicate() {
        let mut log = PartitionLog::new();
        for t in 0..5 {
            log.append(record(t));
        }
        for offset in 0..3 {
            log.finish(offset, true);
        }
        // The owner dies before committing: the next owner reads from 0 again.
        log.rewind_to_committed();
        assert!(!log.finish(0, true), "offset 0 again is a duplicate");
        assert!(!log.finish(2, true));
        assert!(log.finish(3, true), "offset 3 is new");
    }

    #[test]
    fn retention_loses_only_what_was_never_processed() {
        let mut log = PartitionLog::new();
        for t in 0..10 {
            log.append(record(t));
        }
        for offset in 0..3 {
            log.finish(offset, true);
        }
        // Delete everything appended before t = 6: offsets 0–5; 3, 4, 5 were never processed.
        let lost = log.enforce_retention(
            Some(SimTime::ZERO + SimDuration::from_secs(6)),
            None,
            &mut |_| {},
        );
        assert_eq!(lost, 3);
        assert_eq!(
            (log.start, log.processed, log.position, log.lag()),
            (6, 6, 6, 4)
        );
        // By size: keep 2 of the 4 left.
        assert_eq!(log.enforce_retention(None, Some(2), &mut |_| {}), 2);
        assert_eq!((log.start, log.end()), (8, 10));
    }
}
