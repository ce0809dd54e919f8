//! The consumer group: members, their partitions and the rebalance protocol, with the Java
//! client's rules.
//!
//! - A member joins (a consumer comes up) or leaves (scaled in, evicted, or its session timed
//!   out after a crash): the group rebalances. Every member rejoins at its next `poll()`,
//!   which comes after it finished the batch it holds; once all have rejoined, the
//!   JoinGroup/SyncGroup round trips take `rebalance_time`, then the new assignment holds.
//! - **Eager** (range, round-robin, sticky): a member revokes all its partitions when it
//!   rejoins and processes nothing until the rebalance completes: the whole group pauses.
//! - **Cooperative** (cooperative-sticky): members keep processing the partitions they own;
//!   only the partitions that move are revoked when the first rebalance completes, and a
//!   follow-up rebalance gives them to their new owners.
//! - A member that does not poll within `max.poll.interval` leaves the group (its partitions
//!   go to others, from the committed offset: what it processed and did not commit is
//!   processed again). It goes on with its batch unaware; at its next poll its commit fails
//!   and it rejoins as a new member: a second rebalance.
//! - A crashed member stays in the group, owning its partitions, until `session.timeout`
//!   passes; with static membership a restart within it takes its partitions back with no
//!   rebalance.

use std::collections::VecDeque;

use crate::engine::time::{SimDuration, SimTime};
use crate::model::message::QueuedMessage;
use crate::scenario::{Assignor, CommitMode, KafkaSpec};

use super::assignor;
use super::partition_log::PartitionLog;

/// A record a member's poll returned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fetched {
    pub partition: u32,
    pub offset: u64,
    pub record: QueuedMessage,
}

/// Where a member is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemberState {
    /// Polling and processing.
    Active,
    /// Crashed: still in the group until its session times out.
    Dead,
    /// Left the group (or was removed): its entry is history.
    Gone,
}

/// A group member: one consumer's membership.
pub(crate) struct Member {
    /// The pool's consumer.
    pub consumer: u32,
    /// Member-id order (join order; with static membership, the consumer's instance id).
    pub id: u64,
    pub state: MemberState,
    /// Evicted by `max.poll.interval`: no longer in the group, still processing its batch.
    pub zombie: bool,
    /// Partitions it owns, sorted.
    pub assigned: Vec<u32>,
    /// What it owned before it revoked everything (eager sticky keeps to it).
    pub previous: Vec<u32>,
    /// It has rejoined the rebalance in progress.
    pub joined: bool,
    /// Records its last poll returned, not started.
    pub batch: VecDeque<Fetched>,
    /// Polls made.
    pub polls: u32,
    /// When the poll that returned the batch it is working through was made (`None` while
    /// it has none: an idle member polls continuously, so it never exceeds the interval).
    busy_since: Option<SimTime>,
    /// Its one `max.poll.interval` timer is pending.
    deadline_armed: bool,
    /// When it crashed (or, static, stopped without LeaveGroup): its session times out
    /// `session.timeout` later.
    dead_since: SimTime,
    pub last_commit: SimTime,
    /// Where the next fetch starts among its partitions.
    cursor: usize,
}

impl Member {
    /// Still a member as the coordinator sees it: active, or crashed and not timed out.
    fn in_group(&self) -> bool {
        matches!(self.state, MemberState::Active | MemberState::Dead) && !self.zombie
    }
}

/// The group's rebalance state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GroupState {
    Stable,
    /// Waiting for the members to rejoin.
    Joining,
    /// All rejoined: the assignment lands when the round trips are over.
    Syncing,
    /// Cooperative: the moved partitions were revoked; the follow-up rebalance gives them
    /// to their new owners.
    Reassigning,
}

/// A timer the group asks for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum GroupTimer {
    /// The rebalance in progress completes (stale if `round` is not the latest).
    RebalanceDone { round: u32 },
    /// `member`'s batch may have outlasted `max.poll.interval` (one pending per member: it
    /// looks at the member's latest poll and re-arms itself).
    PollDeadline { member: u32 },
    /// `member`'s session times out if it is still dead.
    SessionExpiry { member: u32 },
}

/// Counters of the group's life.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GroupStats {
    /// Rebalances completed (a cooperative rebalance's follow-up counts as part of it).
    pub rebalances: u64,
    /// Time the group spent rebalancing, seconds.
    pub rebalancing_seconds: f64,
    /// Members removed for exceeding `max.poll.interval`.
    pub evictions: u64,
    /// Members removed after their session timed out.
    pub session_timeouts: u64,
    /// Commits that failed because the member had been removed from the group.
    pub failed_commits: u64,
    /// Static members that came back within the session timeout: no rebalance.
    pub static_rejoins: u64,
}

/// The consumer group.
pub(crate) struct ConsumerGroup {
    assignor: Assignor,
    commit: CommitMode,
    auto_commit_interval: SimDuration,
    max_poll_records: u32,
    max_poll_interval: SimDuration,
    session_timeout: SimDuration,
    rebalance_time: SimDuration,
    static_membership: bool,
    pub members: Vec<Member>,
    /// Per consumer: its current member.
    member_of: Vec<Option<u32>>,
    pub state: GroupState,
    /// A membership change came while syncing: rebalance again once this one lands.
    again: bool,
    /// The latest rebalance round (timers of older rounds are stale).
    round: u32,
    /// When the rebalance in progress started.
    since: SimTime,
    /// Cooperative follow-up: (partition, new owner) to hand over when it lands.
    handover: Vec<(u32, u32)>,
    next_id: u64,
    pub generation: u32,
    pub stats: GroupStats,
    /// Consumers with something new to do (a record for an idle member, a rebalance done).
    pub wake: Vec<u32>,
    /// Every idle member should look (a rebalance landed, a partition resumed).
    pub wake_all: bool,
    pub timers: Vec<(SimTime, GroupTimer)>,
    /// Some committed offset moved since the topic last counted its lag.
    pub offsets_moved: bool,
}

impl ConsumerGroup {
    pub fn new(spec: &KafkaSpec) -> Self {
        ConsumerGroup {
            assignor: spec.assignor,
            commit: spec.commit,
            auto_commit_interval: spec.auto_commit_interval.sim(),
            max_poll_records: spec.max_poll_records,
            max_poll_interval: spec.max_poll_interval.sim(),
            session_timeout: spec.session_timeout.sim(),
            rebalance_time: spec.rebalance_time.sim(),
            static_membership: spec.static_membership,
            members: Vec::new(),
            member_of: Vec::new(),
            state: GroupState::Stable,
            again: false,
            round: 0,
            since: SimTime::ZERO,
            handover: Vec::new(),
            next_id: 0,
            generation: 0,
            stats: GroupStats::default(),
            wake: Vec::new(),
            wake_all: false,
            timers: Vec::new(),
            offsets_moved: false,
        }
    }

    /// The run's first members, assigned at once (the group formed before the run).
    pub fn form(&mut self, consumers: u32, partitions: &mut [PartitionLog]) {
        for consumer in 0..consumers {
            let member = self.new_member(consumer);
            self.members[member as usize].joined = true;
        }
        let active = self.active_members();
        let owned = vec![Vec::new(); active.len()];
        let target = assignor::assign(self.assignor, partitions.len() as u32, &owned);
        for (&member, list) in active.iter().zip(target) {
            for &p in &list {
                partitions[p as usize].owner = Some(member);
            }
            self.members[member as usize].assigned = list;
        }
        self.generation = 1;
    }

    /// The current member of `consumer`, if it is in (or processing for) the group.
    #[inline]
    pub fn member_of(&self, consumer: u32) -> Option<u32> {
        self.member_of.get(consumer as usize).copied().flatten()
    }

    /// How long the rebalance in progress has taken by `now` (0 when stable).
    pub fn rebalancing_for(&self, now: SimTime) -> f64 {
        if self.rebalancing() {
            now.saturating_since(self.since).as_secs_f64()
        } else {
            0.0
        }
    }

    /// Whether the group is rebalancing.
    #[inline]
    pub fn rebalancing(&self) -> bool {
        self.state != GroupState::Stable
    }

    fn new_member(&mut self, consumer: u32) -> u32 {
        let index = self.members.len() as u32;
        let id = if self.static_membership {
            u64::from(consumer)
        } else {
            self.next_id
        };
        self.next_id += 1;
        self.members.push(Member {
            consumer,
            id,
            state: MemberState::Active,
            zombie: false,
            assigned: Vec::new(),
            previous: Vec::new(),
            joined: false,
            batch: VecDeque::new(),
            polls: 0,
            busy_since: None,
            deadline_armed: false,
            dead_since: SimTime::ZERO,
            last_commit: SimTime::ZERO,
            cursor: 0,
        });
        if self.member_of.len() <= consumer as usize {
            self.member_of.resize(consumer as usize + 1, None);
        }
        self.member_of[consumer as usize] = Some(index);
        index
    }

    /// Members in the group, in member-id order: active ones and crashed ones whose session
    /// has not timed out (the coordinator still counts them: a rebalance waits for them and
    /// gives them partitions, which stall), not evicted ones.
    fn active_members(&self) -> Vec<u32> {
        let mut active: Vec<u32> = (0..self.members.len() as u32)
            .filter(|&m| self.members[m as usize].in_group())
            .collect();
        active.sort_by_key(|&m| self.members[m as usize].id);
        active
    }

    /// Consumer `consumer` comes up (added, or restarted).
    pub fn member_up(&mut self, consumer: u32, now: SimTime, partitions: &mut [PartitionLog]) {
        if let Some(member) = self.member_of(consumer) {
            let m = &mut self.members[member as usize];
            if m.state == MemberState::Dead && self.static_membership {
                // The same group.instance.id within the session timeout: its partitions
                // are still its own, read again from the committed offsets.
                m.state = MemberState::Active;
                m.polls += 1;
                m.busy_since = None;
                m.assigned
                    .retain(|&p| partitions[p as usize].owner == Some(member));
                for &p in &m.assigned {
                    partitions[p as usize].rewind_to_committed();
                }
                self.stats.static_rejoins += 1;
                self.wake.push(consumer);
                return;
            }
        }
        let member = self.new_member(consumer);
        self.members[member as usize].joined = true;
        self.change(now, Some(member));
        self.wake.push(consumer);
    }

    /// Consumer `consumer` crashed: it stays in the group, owning its partitions (nobody
    /// reads them) until its session times out. Its fetched records are gone.
    pub fn member_down(&mut self, consumer: u32, now: SimTime, partitions: &mut [PartitionLog]) {
        let Some(member) = self.member_of(consumer) else {
            return;
        };
        let m = &mut self.members[member as usize];
        if m.state != MemberState::Active {
            return;
        }
        m.state = MemberState::Dead;
        m.dead_since = now;
        m.busy_since = None;
        m.batch.clear();
        if m.zombie {
            // Already out of the group: nothing to time out.
            m.state = MemberState::Gone;
            self.member_of[consumer as usize] = None;
        } else {
            for &p in &m.assigned {
                partitions[p as usize].rewind_to_committed();
            }
            self.timers.push((
                now + self.session_timeout,
                GroupTimer::SessionExpiry { member },
            ));
        }
        self.refresh_all_fetched(partitions);
    }

    /// Consumer `consumer` is scaled in: it commits and sends LeaveGroup at once — unless it
    /// is a static member, which sends none (KIP-345): the coordinator keeps it, and its
    /// partitions stall, until its session times out (or the same instance comes back).
    pub fn member_leaves(&mut self, consumer: u32, now: SimTime, partitions: &mut [PartitionLog]) {
        let Some(member) = self.member_of(consumer) else {
            return;
        };
        if self.members[member as usize].state == MemberState::Active
            && !self.members[member as usize].zombie
        {
            self.commit_member(member, partitions, now);
            if self.static_membership {
                return self.member_down(consumer, now, partitions);
            }
        }
        self.remove(member, now, partitions);
        self.member_of[consumer as usize] = None;
    }

    /// The topic's partition count changed: the leader sees new metadata and the group
    /// rebalances.
    pub fn metadata_changed(&mut self, now: SimTime) {
        self.departed(now, &mut []);
    }

    /// A group timer fired.
    pub fn timer(&mut self, timer: GroupTimer, now: SimTime, partitions: &mut [PartitionLog]) {
        match timer {
            GroupTimer::RebalanceDone { round } if round == self.round => {
                self.rebalance_done(now, partitions);
            }
            GroupTimer::RebalanceDone { .. } => {}
            GroupTimer::PollDeadline { member } => {
                let m = &mut self.members[member as usize];
                m.deadline_armed = false;
                let (Some(since), MemberState::Active, false) = (m.busy_since, m.state, m.zombie)
                else {
                    return;
                };
                let due = since + self.max_poll_interval;
                if now >= due {
                    // Too long between polls: the heartbeat thread sends LeaveGroup.
                    self.stats.evictions += 1;
                    m.zombie = true;
                    self.unassign(member, partitions);
                    self.departed(now, partitions);
                } else {
                    m.deadline_armed = true;
                    self.timers.push((due, GroupTimer::PollDeadline { member }));
                }
            }
            GroupTimer::SessionExpiry { member } => {
                let m = &self.members[member as usize];
                // A member that came back and crashed again has a later timer of its own.
                if m.state == MemberState::Dead && now >= m.dead_since + self.session_timeout {
                    self.stats.session_timeouts += 1;
                    let consumer = self.members[member as usize].consumer;
                    self.remove(member, now, partitions);
                    if self.member_of(consumer) == Some(member) {
                        self.member_of[consumer as usize] = None;
                    }
                }
            }
        }
    }

    fn remove(&mut self, member: u32, now: SimTime, partitions: &mut [PartitionLog]) {
        let was_in_group = {
            let m = &self.members[member as usize];
            m.state != MemberState::Gone && !m.zombie
        };
        self.unassign(member, partitions);
        let m = &mut self.members[member as usize];
        m.state = MemberState::Gone;
        m.batch.clear();
        self.refresh_all_fetched(partitions);
        if was_in_group {
            self.departed(now, partitions);
        }
    }

    /// The member's partitions lose their owner; the next owner reads from the committed
    /// offsets.
    fn unassign(&mut self, member: u32, partitions: &mut [PartitionLog]) {
        self.offsets_moved = true;
        let assigned = std::mem::take(&mut self.members[member as usize].assigned);
        for p in assigned {
            let log = &mut partitions[p as usize];
            if log.owner == Some(member) {
                log.owner = None;
                log.rewind_to_committed();
            }
        }
    }

    /// A member left the group: a rebalance, or one fewer to wait for.
    fn departed(&mut self, now: SimTime, _partitions: &mut [PartitionLog]) {
        match self.state {
            GroupState::Stable => self.change(now, None),
            GroupState::Joining => self.maybe_sync(now),
            GroupState::Syncing | GroupState::Reassigning => self.again = true,
        }
    }

    /// Membership changed: start a rebalance (or note one for after the current one).
    /// `joiner` sent the JoinGroup that starts it.
    fn change(&mut self, now: SimTime, joiner: Option<u32>) {
        match self.state {
            GroupState::Stable => {
                self.state = GroupState::Joining;
                self.since = now;
                for m in &mut self.members {
                    m.joined = false;
                }
                if let Some(joiner) = joiner {
                    self.members[joiner as usize].joined = true;
                }
                self.wake_all = true;
                self.maybe_sync(now);
            }
            GroupState::Joining => self.maybe_sync(now),
            GroupState::Syncing | GroupState::Reassigning => self.again = true,
        }
    }

    /// Every member has rejoined: the round trips start.
    fn maybe_sync(&mut self, now: SimTime) {
        if self.state != GroupState::Joining {
            return;
        }
        let waiting = self.members.iter().any(|m| m.in_group() && !m.joined);
        if !waiting {
            self.state = GroupState::Syncing;
            self.round += 1;
            self.timers.push((
                now + self.rebalance_time,
                GroupTimer::RebalanceDone { round: self.round },
            ));
        }
    }

    fn rebalance_done(&mut self, now: SimTime, partitions: &mut [PartitionLog]) {
        let count = partitions.len() as u32;
        if self.state == GroupState::Reassigning {
            for (p, member) in std::mem::take(&mut self.handover) {
                if self.members[member as usize].in_group()
                    && partitions[p as usize].owner.is_none()
                {
                    self.take(member, p, partitions);
                }
            }
            return self.settle(now);
        }
        let active = self.active_members();
        self.generation += 1;
        if self.assignor.cooperative() {
            let owned: Vec<Vec<u32>> = active
                .iter()
                .map(|&m| self.members[m as usize].assigned.clone())
                .collect();
            let target = assignor::assign(self.assignor, count, &owned);
            let moved = assignor::moved(&owned, &target, count);
            for &p in &moved {
                let owner = partitions[p as usize]
                    .owner
                    .expect("a moved partition had an owner");
                self.revoke(owner, p, partitions, now);
            }
            for (&member, list) in active.iter().zip(&target) {
                for &p in list {
                    if moved.contains(&p) {
                        self.handover.push((p, member));
                    } else if partitions[p as usize].owner.is_none() {
                        self.take(member, p, partitions);
                    }
                }
            }
            if !moved.is_empty() {
                self.state = GroupState::Reassigning;
                self.round += 1;
                self.timers.push((
                    now + self.rebalance_time,
                    GroupTimer::RebalanceDone { round: self.round },
                ));
                self.wake_all = true;
                return;
            }
        } else {
            let owned: Vec<Vec<u32>> = active
                .iter()
                .map(|&m| std::mem::take(&mut self.members[m as usize].previous))
                .collect();
            let target = assignor::assign(self.assignor, count, &owned);
            for (&member, list) in active.iter().zip(target) {
                for p in list {
                    self.take(member, p, partitions);
                }
            }
        }
        self.settle(now);
    }

    /// The rebalance is over; another starts at once if membership changed meanwhile.
    fn settle(&mut self, now: SimTime) {
        self.state = GroupState::Stable;
        self.stats.rebalances += 1;
        self.stats.rebalancing_seconds += now.saturating_since(self.since).as_secs_f64();
        self.wake_all = true;
        if std::mem::take(&mut self.again) {
            // Every member rejoins at its next poll (the idle ones at once).
            self.change(now, None);
        }
    }

    /// `member` becomes `p`'s owner, reading from the committed offset.
    fn take(&mut self, member: u32, p: u32, partitions: &mut [PartitionLog]) {
        let log = &mut partitions[p as usize];
        if let Some(previous) = log.owner.filter(|&o| o != member) {
            // A dead member still listed it: it is not its any more.
            self.members[previous as usize].assigned.retain(|&q| q != p);
        }
        let log = &mut partitions[p as usize];
        log.owner = Some(member);
        log.rewind_to_committed();
        let m = &mut self.members[member as usize];
        if let Err(at) = m.assigned.binary_search(&p) {
            m.assigned.insert(at, p);
        }
    }

    /// Cooperative revocation of `p` from `member`: it commits what it processed of it and
    /// drops the fetched records it has not started.
    fn revoke(&mut self, member: u32, p: u32, partitions: &mut [PartitionLog], _now: SimTime) {
        self.offsets_moved = true;
        let m = &mut self.members[member as usize];
        m.assigned.retain(|&q| q != p);
        m.batch.retain(|f| f.partition != p);
        let log = &mut partitions[p as usize];
        if self.commit != CommitMode::Record {
            // onPartitionsRevoked: the client commits the revoked partitions' positions.
            log.commit();
        }
        log.owner = None;
        log.rewind_to_committed();
        self.refresh_fetched(p, partitions);
    }

    /// Commits the positions of every partition `member` owns.
    fn commit_member(&mut self, member: u32, partitions: &mut [PartitionLog], now: SimTime) {
        self.offsets_moved = true;
        let m = &mut self.members[member as usize];
        m.last_commit = now;
        for &p in &m.assigned {
            let log = &mut partitions[p as usize];
            if log.owner == Some(member) {
                log.commit();
            }
        }
    }

    /// The fetched frontier of `p` after fetched records were thrown away: what some
    /// member still holds to process, at least the processed frontier.
    pub fn refresh_fetched(&self, p: u32, partitions: &mut [PartitionLog]) {
        let held = self
            .members
            .iter()
            .filter(|m| m.state == MemberState::Active)
            .flat_map(|m| m.batch.iter().rev().find(|f| f.partition == p))
            .map(|f| f.offset + 1)
            .max()
            .unwrap_or(0);
        let log = &mut partitions[p as usize];
        log.fetched = log.processed.max(held);
    }

    fn refresh_all_fetched(&self, partitions: &mut [PartitionLog]) {
        for p in 0..partitions.len() as u32 {
            if partitions[p as usize].fetched > partitions[p as usize].processed {
                self.refresh_fetched(p, partitions);
            }
        }
    }

    /// The consumer's poll loop: the next record of its batch, or a `poll()` — commits, a
    /// rejoin if the group is rebalancing, then a fetch from its unpaused partitions.
    pub fn next(
        &mut self,
        consumer: u32,
        now: SimTime,
        partitions: &mut [PartitionLog],
    ) -> Option<Fetched> {
        let member = self.member_of(consumer)?;
        let m = &mut self.members[member as usize];
        if m.state != MemberState::Active {
            return None;
        }
        if let Some(record) = m.batch.pop_front() {
            return Some(record);
        }
        // The batch is done: poll().
        m.polls += 1;
        m.busy_since = None;
        if m.zombie {
            // Its commit fails (CommitFailedException: it is not in the group) and it
            // rejoins as a new member.
            self.stats.failed_commits += 1;
            m.state = MemberState::Gone;
            let new = self.new_member(consumer);
            self.members[new as usize].joined = true;
            self.change(now, Some(new));
            return None;
        }
        let commit_due = match self.commit {
            CommitMode::Batch => true,
            CommitMode::Auto => now.saturating_since(m.last_commit) >= self.auto_commit_interval,
            CommitMode::Record => false,
        };
        if commit_due {
            self.commit_member(member, partitions, now);
        }
        let m = &mut self.members[member as usize];
        if self.state == GroupState::Joining && !m.joined {
            m.joined = true;
            if !self.assignor.cooperative() {
                // onJoinPrepare: commit (auto-commit), revoke everything.
                if self.commit == CommitMode::Auto {
                    self.commit_member(member, partitions, now);
                }
                let m = &mut self.members[member as usize];
                m.previous = m.assigned.clone();
                self.unassign(member, partitions);
            }
            self.maybe_sync(now);
        }
        if self.rebalancing() && !self.assignor.cooperative() {
            return None; // blocked in poll() until the new assignment arrives
        }
        self.fetch(member, partitions);
        let m = &mut self.members[member as usize];
        let first = m.batch.pop_front()?;
        m.busy_since = Some(now);
        if !m.deadline_armed {
            m.deadline_armed = true;
            self.timers.push((
                now + self.max_poll_interval,
                GroupTimer::PollDeadline { member },
            ));
        }
        Some(first)
    }

    /// Fills the member's batch with up to `max.poll.records` records from its unpaused
    /// partitions, a partition at a time, starting one further each poll.
    fn fetch(&mut self, member: u32, partitions: &mut [PartitionLog]) {
        let max = self.max_poll_records as usize;
        let m = &mut self.members[member as usize];
        let count = m.assigned.len();
        if count == 0 {
            return;
        }
        m.cursor = (m.cursor + 1) % count;
        for i in 0..count {
            if m.batch.len() >= max {
                break;
            }
            let p = m.assigned[(m.cursor + i) % count];
            let log = &mut partitions[p as usize];
            if log.paused != 0 || log.owner != Some(member) {
                continue;
            }
            debug_assert!(
                log.position >= log.committed,
                "fetching below the committed offset"
            );
            while m.batch.len() < max && log.position < log.end() {
                let offset = log.position;
                let record = log
                    .get(offset)
                    .expect("offsets below the end are in the log");
                m.batch.push_back(Fetched {
                    partition: p,
                    offset,
                    record,
                });
                log.position += 1;
            }
            log.fetched = log.fetched.max(log.position);
        }
    }

    /// Whether `member` is `p`'s owner and in the group (its commits count).
    #[inline]
    pub fn owns(&self, member: u32, p: u32, partitions: &[PartitionLog]) -> bool {
        partitions[p as usize].owner == Some(member) && !self.members[member as usize].zombie
    }

    /// Record-mode commit of one partition by its owner.
    pub fn commit_record(&mut self, member: u32, p: u32, partitions: &mut [PartitionLog]) {
        if self.commit == CommitMode::Record && self.owns(member, p, partitions) {
            partitions[p as usize].commit();
            self.offsets_moved = true;
        }
    }

    /// The member drops the records of `p` it fetched and has not started (a failed record
    /// pauses the partition; the fetch restarts at it).
    pub fn drop_fetched(&mut self, member: u32, p: u32, partitions: &mut [PartitionLog]) {
        self.members[member as usize]
            .batch
            .retain(|f| f.partition != p);
        self.refresh_fetched(p, partitions);
    }

    /// Members in the group now.
    pub fn size(&self) -> usize {
        self.active_members().len()
    }

    /// Bytes the batches hold.
    pub fn allocated_bytes(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.batch.capacity() * std::mem::size_of::<Fetched>())
            .sum()
    }
}
