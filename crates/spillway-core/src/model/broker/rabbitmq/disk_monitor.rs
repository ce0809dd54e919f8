//! The node's free disk space as RabbitMQ's disk monitor (`rabbit_disk_monitor`) sees it: the
//! space free on the data directory's disk when the run starts, less the message bodies the
//! node has written there — a classic queue's paged-out messages, a quorum queue's log of
//! every message it holds. Below `disk_free_limit` the disk alarm is raised and, like the
//! memory alarm, it blocks every publishing connection until free space is above the limit
//! again; consumers go on, and their acks free the space.

use crate::engine::time::SimTime;
use crate::scenario::RabbitSpec;

use super::resource_alarm::ResourceAlarm;

/// The disk monitor.
pub(crate) struct DiskMonitor {
    free_at_start: u64,
    limit: u64,
    message_bytes: u64,
    /// The disk alarm.
    pub alarm: ResourceAlarm,
    /// Least free space seen by the monitor.
    pub min_free: u64,
}

impl DiskMonitor {
    pub fn new(spec: &RabbitSpec) -> Self {
        DiskMonitor {
            free_at_start: spec.disk_free.bytes(),
            limit: spec.disk_free_limit.bytes(),
            message_bytes: spec.message_size.bytes(),
            alarm: ResourceAlarm::default(),
            min_free: spec.disk_free.bytes(),
        }
    }

    /// Free space with `on_disk` message bodies written.
    #[inline]
    pub fn free(&self, on_disk: u64) -> u64 {
        self.free_at_start
            .saturating_sub(on_disk.saturating_mul(self.message_bytes))
    }

    /// Share of the space free at the start that `on_disk` message bodies take, 0–1.
    pub fn used_share(&self, on_disk: u64) -> f64 {
        let start = self.free_at_start.max(1);
        (start - self.free(on_disk).min(start)) as f64 / start as f64
    }

    /// `disk_free_limit`, bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The monitor looks at free space now: raises the alarm when it is below the limit,
    /// clears it when it is at or above it (`rabbit_disk_monitor`: `Free < Limit`).
    pub fn check(&mut self, on_disk: u64, now: SimTime) {
        let free = self.free(on_disk);
        self.min_free = self.min_free.min(free);
        self.alarm.set(free < self.limit, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimDuration;
    use crate::scenario::ByteSize;

    #[test]
    fn the_disk_alarm_is_raised_below_the_limit_and_cleared_at_or_above_it() {
        // 1,000 bytes free, limit 400, 10-byte messages: at 60 on disk 400 are free (not
        // below the limit); at 61, 390.
        let mut disk = DiskMonitor::new(&RabbitSpec {
            disk_free: ByteSize(1000),
            disk_free_limit: ByteSize(400),
            message_size: ByteSize(10),
            ..RabbitSpec::default()
        });
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        disk.check(60, at(0));
        assert!(!disk.alarm.raised, "at the limit: not below it");
        disk.check(61, at(1));
        assert!(disk.alarm.raised, "below it");
        disk.check(200, at(2));
        assert!(disk.alarm.raised);
        assert_eq!(disk.free(200), 0, "free space never goes negative");
        disk.check(60, at(4));
        assert!(!disk.alarm.raised, "back at the limit: cleared");
        assert_eq!((disk.alarm.count, disk.alarm.seconds(at(9))), (1, 3.0));
        assert_eq!(disk.min_free, 0);
    }
}
