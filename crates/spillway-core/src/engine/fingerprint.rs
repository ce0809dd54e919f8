//! A running hash of the event log: two runs with the same fingerprint processed the same
//! events at the same times in the same order.

/// The hash state (FxHash-style word mixing: fast, stable across platforms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

impl Fingerprint {
    /// Mixes one event: its time, its kind and one identifying detail. The three are folded
    /// into one word first (detail rotated and kind in the top byte, so they rarely cancel),
    /// then mixed with one multiply: this runs on every event.
    #[inline]
    pub fn record(&mut self, time_nanos: u64, kind: u8, detail: u64) {
        let word = time_nanos ^ detail.rotate_left(29) ^ u64::from(kind) << 56;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }

    /// As 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_matters() {
        let (mut a, mut b) = (Fingerprint::default(), Fingerprint::default());
        a.record(1, 0, 0);
        a.record(2, 1, 0);
        b.record(2, 1, 0);
        b.record(1, 0, 0);
        assert_ne!(a, b);
    }
}
