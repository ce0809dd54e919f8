//! The node's memory as RabbitMQ's memory monitor sees it, every `memory_check_interval`:
//! a base use plus the messages held in RAM; the high watermark (`vm_memory_high_watermark`) that raises the memory alarm —
//! every publishing connection is blocked until use falls below it again, consumers are
//! not — and the paging threshold (`vm_memory_high_watermark_paging_ratio` of the
//! watermark) from which classic queues page messages to disk.

use crate::engine::time::SimTime;
use crate::scenario::RabbitSpec;

use super::resource_alarm::ResourceAlarm;

/// The node's memory monitor.
pub(crate) struct NodeMemory {
    node: u64,
    paging_ratio: f64,
    base: u64,
    message_bytes: u64,
    watermark: u64,
    paging: u64,
    /// The memory alarm.
    pub alarm: ResourceAlarm,
    /// Most memory used.
    pub peak: u64,
}

impl NodeMemory {
    pub fn new(spec: &RabbitSpec) -> Self {
        let (watermark, paging) = Self::thresholds(
            spec.node_memory.bytes(),
            spec.high_watermark,
            spec.paging_ratio,
        );
        NodeMemory {
            node: spec.node_memory.bytes(),
            paging_ratio: spec.paging_ratio,
            base: spec.base_memory.bytes(),
            message_bytes: spec.message_size.bytes(),
            watermark,
            paging,
            alarm: ResourceAlarm::default(),
            peak: spec.base_memory.bytes(),
        }
    }

    /// (watermark, paging threshold) in bytes; a paging ratio above 1 never pages.
    fn thresholds(node: u64, watermark: f64, paging_ratio: f64) -> (u64, u64) {
        let watermark = (node as f64 * watermark) as u64;
        let paging = if paging_ratio > 1.0 {
            u64::MAX
        } else {
            (watermark as f64 * paging_ratio) as u64
        };
        (watermark, paging)
    }

    /// The watermark becomes `fraction` of node memory (the paging threshold follows).
    pub fn set_watermark(&mut self, fraction: f64) {
        (self.watermark, self.paging) = Self::thresholds(self.node, fraction, self.paging_ratio);
    }

    /// Node memory, bytes.
    pub fn node(&self) -> u64 {
        self.node
    }

    /// Memory used with `in_ram` messages in RAM.
    #[inline]
    pub fn used(&self, in_ram: u64) -> u64 {
        self.base
            .saturating_add(in_ram.saturating_mul(self.message_bytes))
    }

    /// The watermark in bytes.
    pub fn watermark(&self) -> u64 {
        self.watermark
    }

    /// Whether `in_ram` messages put a classic queue above its paging threshold.
    #[inline]
    pub fn over_paging(&self, in_ram: u64) -> bool {
        self.used(in_ram) > self.paging
    }

    /// Memory use changed: its peak follows (the alarm waits for the monitor's next look).
    #[inline]
    pub fn observe(&mut self, in_ram: u64) {
        self.peak = self.peak.max(self.used(in_ram));
    }

    /// The memory monitor looks at use now: raises or clears the alarm. Returns true when
    /// the alarm cleared (blocked publishers may go on).
    pub fn check(&mut self, in_ram: u64, now: SimTime) -> bool {
        let used = self.used(in_ram);
        self.peak = self.peak.max(used);
        self.alarm.set(used > self.watermark, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimDuration;
    use crate::scenario::ByteSize;

    fn spec() -> RabbitSpec {
        RabbitSpec {
            node_memory: ByteSize(1000),
            base_memory: ByteSize(100),
            message_size: ByteSize(10),
            ..RabbitSpec::default()
        }
    }

    #[test]
    fn the_alarm_is_raised_above_the_watermark_and_cleared_at_or_below_it() {
        // Watermark 0.4 × 1000 = 400 bytes: 100 base + 30 messages × 10. The alarm is
        // raised above it (vm_memory_monitor: `ProcMem > MemLimit`).
        let mut memory = NodeMemory::new(&spec());
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        assert!(
            !memory.check(30, at(0)) && !memory.alarm.raised,
            "at the watermark: not above"
        );
        assert!(!memory.check(31, at(1)) && memory.alarm.raised, "above it");
        assert!(!memory.check(32, at(2)) && memory.alarm.raised);
        assert!(memory.check(30, at(5)), "back at it: cleared");
        assert!(!memory.alarm.raised);
        assert_eq!(memory.alarm.count, 1);
        assert_eq!(memory.alarm.seconds(at(9)), 4.0);
        assert_eq!(memory.peak, 420);
    }

    #[test]
    fn paging_starts_at_the_ratio_of_the_watermark() {
        // Paging at 0.5 × 400 = 200 bytes: above 10 messages.
        let memory = NodeMemory::new(&spec());
        assert!(!memory.over_paging(10));
        assert!(memory.over_paging(11));
        let never = NodeMemory::new(&RabbitSpec {
            paging_ratio: 1.5,
            ..spec()
        });
        assert!(!never.over_paging(1_000_000), "a ratio above 1 never pages");
    }
}
