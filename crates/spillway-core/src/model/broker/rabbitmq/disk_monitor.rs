//! The node's free disk space as RabbitMQ's disk monitor (`rabbit_disk_monitor`) sees it: the
//! space free on the data directory's disk when the run starts, less the message bodies the
//! node has written there — a classic queue's paged-out messages, a quorum queue's log of
//! every message it holds. Below `disk_free_limit` the disk alarm is raised and, like the
//! memory alarm, it blocks every publishing connection until free space is above the limit
//! again; consumers go on, and their acks free the space.

use crate::engine::time::SimTime;
use crate::scenario::RabbitSpec;

/// The disk monitor.
pub(crate) struct DiskMonitor {
    free_at_start: u64,
    limit: u64,
    message_bytes: u64,
    /// The alarm is raised (publishers are blocked).
    pub alarm: bool,
    alarm_since: SimTime,
    /// Alarms raised, and the time closed ones lasted.
    pub alarms: u64,
    alarm_nanos: u128,
    /// Least free space seen by the monitor.
    pub min_free: u64,
}

impl DiskMonitor {
    pub fn new(spec: &RabbitSpec) -> Self {
        DiskMonitor {
            free_at_start: spec.disk_free.bytes(),
            limit: spec.disk_free_limit.bytes(),
            message_bytes: spec.message_size.bytes(),
            alarm: false,
            alarm_since: SimTime::ZERO,
            alarms: 0,
            alarm_nanos: 0,
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
        if !self.alarm && free < self.limit {
            self.alarm = true;
            self.alarm_since = now;
            self.alarms += 1;
        } else if self.alarm && free >= self.limit {
            self.alarm = false;
            self.alarm_nanos += u128::from(now.saturating_since(self.alarm_since).as_nanos());
        }
    }

    /// Seconds spent in alarm up to `now` (an alarm still raised counts to `now`).
    pub fn alarm_seconds(&self, now: SimTime) -> f64 {
        let open = if self.alarm {
            u128::from(now.saturating_since(self.alarm_since).as_nanos())
        } else {
            0
        };
        (self.alarm_nanos + open) as f64 / 1e9
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
        assert!(!disk.alarm, "at the limit: not below it");
        disk.check(61, at(1));
        assert!(disk.alarm, "below it");
        disk.check(200, at(2));
        assert!(disk.alarm);
        assert_eq!(disk.free(200), 0, "free space never goes negative");
        disk.check(60, at(4));
        assert!(!disk.alarm, "back at the limit: cleared");
        assert_eq!((disk.alarms, disk.alarm_seconds(at(9))), (1, 3.0));
        assert_eq!(disk.min_free, 0);
    }
}
