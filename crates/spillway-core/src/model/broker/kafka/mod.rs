//! An Apache Kafka topic and the consumer group reading it (the Java client's rules and
//! defaults, Kafka 3.7): producers append records to partitions chosen by key
//! (`partitioner.rs`); each partition is an append-only log with the group's offsets on it
//! (`partition_log.rs`); members own partitions, poll batches and process each partition
//! strictly in order, commit offsets and rebalance (`consumer_group.rs`, `assignor.rs`).
//!
//! A failed record pauses its partition for the retry backoff and the fetch restarts at it
//! (the member goes on with its other partitions): one poison record stalls its partition
//! for good under `retry-forever`, while every other partition flows.

pub(crate) mod assignor;
pub(crate) mod consumer_group;
pub(crate) mod partition_log;
pub(crate) mod partitioner;

use crate::engine::time::{SimDuration, SimTime};
use crate::model::message::{Message, QueuedMessage};
use crate::scenario::{ErrorPolicy, KafkaSpec};

pub(crate) use consumer_group::{ConsumerGroup, Fetched, GroupStats, GroupTimer};
use partition_log::PartitionLog;
use partitioner::Partitioner;

/// How often the broker deletes records past retention (`log.retention.check.interval.ms`).
pub const RETENTION_CHECK: SimDuration = SimDuration::from_secs(300);

/// What became of a record a member finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Finished {
    /// Processed for the first time.
    First,
    /// Processed again (its offset had been processed before and not committed).
    Duplicate,
}

/// What the error policy did with a failed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Its partition is paused; the record is tried again when the pause (`pause`) ends.
    Retry { partition: u32, pause: u32 },
    /// Published to the dead-letter topic (first time: counted).
    DeadLettered { first: bool },
    /// Skipped (first time: counted).
    Skipped { first: bool },
    /// Not the member's any more (evicted or revoked): dropped.
    Dropped,
}

/// Counters of the topic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TopicStats {
    /// Records processed again after a rebalance (offsets processed before, not committed).
    pub duplicates: u64,
    /// Records deleted by retention before they were processed.
    pub retention_lost: u64,
    /// Failed attempts retried in place.
    pub retries: u64,
    /// Records published to the dead-letter topic.
    pub dead_lettered: u64,
    /// Records skipped by the error policy.
    pub skipped: u64,
}

/// The topic and its consumer group.
pub(crate) struct KafkaTopic {
    partitions: Vec<PartitionLog>,
    partitioner: Partitioner,
    pub group: ConsumerGroup,
    retention: SimDuration,
    retention_records: Option<u64>,
    on_error: ErrorPolicy,
    attempts: u32,
    pub retry_backoff: SimDuration,
    slow_share: f64,
    pub slow_factor: f64,
    slow_seed: u64,
    next_pause: u32,
    pub stats: TopicStats,
    /// The partition the last record went to (its owner may be idle).
    pub last_appended: u32,
    /// Σ log-end − committed, as of the last look; `lag_stale` when offsets moved since.
    lag: u64,
    max_lag: u64,
    /// Records appended, and processed for the first time (or given up on), over the run:
    /// what the topic holds unprocessed is their difference less retention's losses.
    appended: u64,
    processed: u64,
}

impl KafkaTopic {
    pub fn new(spec: &KafkaSpec, consumers: u32, seed: u64) -> Self {
        let mut partitions: Vec<PartitionLog> =
            (0..spec.partitions).map(|_| PartitionLog::new()).collect();
        let mut group = ConsumerGroup::new(spec);
        group.form(consumers, &mut partitions);
        KafkaTopic {
            partitions,
            partitioner: Partitioner::new(
                spec.partitions,
                &spec.keys,
                spec.partitioner,
                spec.sticky_batch,
                seed,
            ),
            group,
            retention: spec.retention.sim(),
            retention_records: spec.retention_records,
            on_error: spec.on_error,
            attempts: spec.attempts,
            retry_backoff: spec.retry_backoff.sim(),
            slow_share: spec.slow_records,
            slow_factor: spec.slow_factor,
            slow_seed: crate::engine::random::stream_seed(seed, "kafka:slow-records"),
            next_pause: 0,
            stats: TopicStats::default(),
            last_appended: 0,
            lag: 0,
            max_lag: 0,
            appended: 0,
            processed: 0,
        }
    }

    /// The consumer lag now (Σ log-end − committed), recounted only when offsets moved.
    #[inline]
    pub fn lag_now(&mut self) -> u64 {
        if std::mem::take(&mut self.group.offsets_moved) {
            self.lag = self.partitions.iter().map(PartitionLog::lag).sum();
        }
        self.max_lag = self.max_lag.max(self.lag);
        self.lag
    }

    /// The consumer lag now, without recording it.
    #[inline]
    pub fn lag(&self) -> u64 {
        if self.group.offsets_moved {
            self.partitions.iter().map(PartitionLog::lag).sum()
        } else {
            self.lag
        }
    }

    /// The most lag seen.
    pub fn max_lag(&self) -> u64 {
        self.max_lag.max(self.lag)
    }

    /// A consumer came up.
    pub fn member_up(&mut self, consumer: u32, now: SimTime) {
        self.group.member_up(consumer, now, &mut self.partitions);
    }

    /// A consumer crashed.
    pub fn member_down(&mut self, consumer: u32, now: SimTime) {
        self.group.member_down(consumer, now, &mut self.partitions);
    }

    /// A consumer is scaled in.
    pub fn member_leaves(&mut self, consumer: u32, now: SimTime) {
        self.group
            .member_leaves(consumer, now, &mut self.partitions);
    }

    /// The topic grows to `count` partitions (more only): new empty logs, keys placed over
    /// the new count, and a rebalance to hand the new partitions out.
    pub fn add_partitions(&mut self, count: u32, now: SimTime) {
        let before = self.partitions.len() as u32;
        if count <= before {
            return;
        }
        self.partitions
            .extend((before..count).map(|_| PartitionLog::new()));
        self.partitioner.set_partitions(count);
        self.group.metadata_changed(now);
    }

    /// One of the group's timers fired.
    pub fn group_timer(&mut self, timer: GroupTimer, now: SimTime) {
        self.group.timer(timer, now, &mut self.partitions);
    }

    /// Whether retention by time can delete anything in a run of `duration`.
    pub fn retention_matters(&self, duration: SimDuration) -> bool {
        self.retention < duration
    }

    /// Appends a produced record to the partition its key (or the null-key partitioner)
    /// picks; retention by size deletes the oldest beyond it (`lost_class` hears of each
    /// deleted before it was processed).
    #[inline]
    pub fn append(&mut self, message: Message, now: SimTime, lost_class: &mut dyn FnMut(u8)) {
        let p = self.partitioner.next();
        self.last_appended = p;
        let log = &mut self.partitions[p as usize];
        log.append(QueuedMessage::enqueue(message, now));
        self.lag += 1;
        self.appended += 1;
        if let Some(keep) = self.retention_records {
            if log.len() > keep {
                self.stats.retention_lost += log.enforce_retention(None, Some(keep), lost_class);
                self.group.offsets_moved = true;
            }
        }
    }

    /// The owner of partition `p`'s consumer, if any.
    #[inline]
    pub fn owner_consumer(&self, p: u32) -> Option<u32> {
        let member = self.partitions[p as usize].owner?;
        Some(self.group.members[member as usize].consumer)
    }

    /// The consumer's next record: from its batch, or a poll.
    #[inline]
    pub fn next(&mut self, consumer: u32, now: SimTime) -> Option<Fetched> {
        self.group.next(consumer, now, &mut self.partitions)
    }

    /// Whether record `offset` of `partition` is slow (every time it is processed).
    #[inline]
    pub fn is_slow(&self, partition: u32, offset: u64) -> bool {
        if self.slow_share <= 0.0 {
            return false;
        }
        let mut x = self.slow_seed ^ (u64::from(partition) << 40) ^ offset;
        // SplitMix64's finaliser: a uniform draw from the record's identity.
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        ((x >> 11) as f64) / ((1u64 << 53) as f64) < self.slow_share
    }

    /// The full offset of a receipt's low 32 bits: offsets in flight are within 2³¹ of the
    /// partition's committed offset.
    #[inline]
    pub fn offset_of(&self, partition: u32, low: u32) -> u64 {
        let base = self.partitions[partition as usize].committed;
        let diff = low.wrapping_sub(base as u32) as i32;
        base.wrapping_add_signed(i64::from(diff))
    }

    /// The consumer finished the record.
    pub fn finished(&mut self, consumer: u32, partition: u32, offset: u64) -> Finished {
        let member = self.group.member_of(consumer);
        let by_owner = member.is_some_and(|m| self.group.owns(m, partition, &self.partitions));
        let first = self.partitions[partition as usize].finish(offset, by_owner);
        self.processed += u64::from(first);
        if let Some(m) = member {
            self.group.commit_record(m, partition, &mut self.partitions);
        }
        self.group.wake.push(consumer);
        if first {
            Finished::First
        } else {
            self.stats.duplicates += 1;
            Finished::Duplicate
        }
    }

    /// The consumer failed the record: the error policy decides.
    pub fn failed(
        &mut self,
        consumer: u32,
        partition: u32,
        offset: u64,
        record: QueuedMessage,
    ) -> Failure {
        self.group.wake.push(consumer);
        let Some(member) = self.group.member_of(consumer) else {
            return Failure::Dropped;
        };
        if !self.group.owns(member, partition, &self.partitions) {
            // Evicted or revoked: its retry would seek back and find the partition gone.
            // It drops the partition's fetched records (processing past the failed one
            // would skip it).
            self.group
                .drop_fetched(member, partition, &mut self.partitions);
            return Failure::Dropped;
        }
        let attempts_made = u32::from(record.deliveries()) + 1;
        let retry = match self.on_error {
            ErrorPolicy::RetryForever => true,
            ErrorPolicy::DeadLetter => attempts_made < self.attempts,
            ErrorPolicy::Skip => false,
        };
        if retry {
            self.stats.retries += 1;
            self.next_pause = self.next_pause.wrapping_add(1).max(1);
            let pause = self.next_pause;
            let log = &mut self.partitions[partition as usize];
            log.set_deliveries(offset, attempts_made.min(u32::from(u16::MAX)) as u16);
            log.paused = pause;
            log.seek(offset);
            self.group
                .drop_fetched(member, partition, &mut self.partitions);
            return Failure::Retry { partition, pause };
        }
        let first = self.partitions[partition as usize].finish(offset, true);
        self.processed += u64::from(first);
        self.group
            .commit_record(member, partition, &mut self.partitions);
        match self.on_error {
            ErrorPolicy::DeadLetter => {
                if first {
                    self.stats.dead_lettered += 1;
                }
                Failure::DeadLettered { first }
            }
            _ => {
                if first {
                    self.stats.skipped += 1;
                }
                Failure::Skipped { first }
            }
        }
    }

    /// A retry backoff ended: the partition resumes (stale if paused again since).
    pub fn resume(&mut self, partition: u32, pause: u32) -> bool {
        let log = &mut self.partitions[partition as usize];
        if log.paused != pause {
            return false;
        }
        log.paused = 0;
        if let Some(consumer) = self.owner_consumer(partition) {
            self.group.wake.push(consumer);
        }
        true
    }

    /// Deletes records past retention (`lost_class` hears of each deleted before it was
    /// processed).
    pub fn enforce_retention(&mut self, now: SimTime, lost_class: &mut dyn FnMut(u8)) {
        let Some(cutoff) = now.as_nanos().checked_sub(self.retention.as_nanos()) else {
            return;
        };
        let cutoff = SimTime::from_nanos(cutoff);
        for log in &mut self.partitions {
            self.stats.retention_lost += log.enforce_retention(Some(cutoff), None, lost_class);
        }
        self.group.offsets_moved = true;
    }

    /// Partitions.
    pub fn partitions(&self) -> &[PartitionLog] {
        &self.partitions
    }

    /// Records not yet processed (the sum of [`holds`](Self::holds)), without a look at
    /// every partition: the live-message limit asks at every arrival.
    #[inline]
    pub fn unprocessed(&self) -> u64 {
        self.appended - self.processed - self.stats.retention_lost
    }

    /// (never fetched, fetched and not yet processed): the records the topic holds.
    pub fn holds(&self) -> (u64, u64) {
        self.partitions.iter().fold((0, 0), |(w, f), log| {
            (w + log.unprocessed() - log.in_flight(), f + log.in_flight())
        })
    }

    /// When the oldest record not yet processed was produced.
    pub fn oldest_created_at(&self) -> Option<SimTime> {
        self.partitions
            .iter()
            .filter_map(PartitionLog::oldest_unprocessed)
            .min()
    }

    /// The partition with the largest lag and its lag.
    pub fn worst_partition(&self) -> (u32, u64) {
        self.partitions
            .iter()
            .enumerate()
            .map(|(p, log)| (p as u32, log.lag()))
            .max_by_key(|&(p, lag)| (lag, std::cmp::Reverse(p)))
            .unwrap_or((0, 0))
    }

    /// Bytes the logs and batches hold.
    pub fn allocated_bytes(&self) -> usize {
        self.partitions
            .iter()
            .map(PartitionLog::allocated_bytes)
            .sum::<usize>()
            + self.group.allocated_bytes()
    }

    /// The group's counters.
    pub fn group_stats(&self) -> GroupStats {
        self.group.stats
    }
}
