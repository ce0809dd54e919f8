//! The producer's partitioner: a keyed record goes to `toPositive(murmur2(key)) % partitions`
//! exactly as the Java client's `BuiltInPartitioner` computes it, so a user can predict where
//! a key lands; a record without a key goes to a sticky partition (a batch at a time, then
//! another, KIP-480) or round-robin. Keys are drawn from the scenario's key distribution.

use crate::engine::random::RandomStream;
use crate::scenario::{KeySpec, NullKeyPartitioner};

/// The Java client's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`): MurmurHash2,
/// 32 bits, seed `0x9747b28c`, over the key's bytes.
pub fn murmur2(data: &[u8]) -> i32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = 0x9747_b28c ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, byte) in tail.iter().enumerate().rev() {
            h ^= u32::from(*byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition of a keyed record: `Utils.toPositive(Utils.murmur2(key)) % partitions`.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    (murmur2(key) as u32 & 0x7fff_ffff) % partitions
}

/// The name of key `index` of a uniform or Zipf key space: `key-{index}`.
pub fn key_name(index: u32) -> String {
    format!("key-{index}")
}

/// The partition of each key `key-0` … `key-{count-1}` over `partitions`. Partitions are
/// at most 10,000 (the scenario's limit), so two bytes a key: a million keys' table stays
/// small enough to sit in cache, and every record produced reads it.
fn key_space(count: u32, partitions: u32) -> Vec<u16> {
    const _: () = assert!(crate::scenario::MAX_PARTITIONS <= 1 << 16);
    (0..count)
        .map(|i| {
            let p = partition_for_key(key_name(i).as_bytes(), partitions);
            u16::try_from(p).expect("partitions fit in 16 bits (the scenario's limit)")
        })
        .collect()
}

/// How records are keyed: the partition of each key is computed once.
enum Keys {
    None,
    /// Partition of each key of the space.
    Uniform(Vec<u16>),
    /// Zipf over the key space (rank 1 = `key-0`): each key's partition and the cumulative
    /// weights, sampled by inverse transform (libm's `pow`, so every platform draws alike).
    Zipf(Vec<u16>, Vec<f64>),
    /// The hot key's partition and share; the rest uniform.
    Hot {
        partition: u32,
        share: f64,
        others: Vec<u16>,
    },
}

/// Picks each produced record's partition.
pub(crate) struct Partitioner {
    /// The key space's keys, to place again when partitions are added.
    key_count: u32,
    hot_key: Option<String>,
    partitions: u32,
    keys: Keys,
    null_keys: NullKeyPartitioner,
    sticky_batch: u32,
    /// The sticky partition and how many records went to it in this batch; the round-robin
    /// cursor.
    current: u32,
    sent_in_batch: u32,
    random: RandomStream,
}

impl Partitioner {
    pub fn new(
        partitions: u32,
        keys: &KeySpec,
        null_keys: NullKeyPartitioner,
        sticky_batch: u32,
        seed: u64,
    ) -> Self {
        let (key_count, hot_key) = match keys {
            KeySpec::None => (0, None),
            KeySpec::Uniform { count } | KeySpec::Zipf { count, .. } => (*count, None),
            KeySpec::Hot { key, count, .. } => (*count, Some(key.clone())),
        };
        let space = |count: u32| key_space(count, partitions);
        let keys = match keys {
            KeySpec::None => Keys::None,
            KeySpec::Uniform { count } => Keys::Uniform(space(*count)),
            KeySpec::Zipf { count, s } => {
                let mut total = 0.0;
                let cumulative = (1..=*count)
                    .map(|rank| {
                        total += 1.0 / libm::pow(f64::from(rank), *s);
                        total
                    })
                    .collect();
                Keys::Zipf(space(*count), cumulative)
            }
            KeySpec::Hot { key, share, count } => Keys::Hot {
                partition: partition_for_key(key.as_bytes(), partitions),
                share: *share,
                others: space(*count),
            },
        };
        let mut random = RandomStream::for_component(seed, "kafka:partitioner");
        let current = random.below(partitions);
        Partitioner {
            key_count,
            hot_key,
            partitions,
            keys,
            null_keys,
            sticky_batch,
            current,
            sent_in_batch: 0,
            random,
        }
    }

    /// The topic now has `partitions` partitions: every key is placed again (a key may move).
    pub fn set_partitions(&mut self, partitions: u32) {
        self.partitions = partitions;
        self.current %= partitions;
        let space = |count: u32| key_space(count, partitions);
        match &mut self.keys {
            Keys::None => {}
            Keys::Uniform(map) | Keys::Zipf(map, _) => *map = space(self.key_count),
            Keys::Hot {
                partition, others, ..
            } => {
                let key = self.hot_key.as_deref().unwrap_or_default();
                *partition = partition_for_key(key.as_bytes(), partitions);
                *others = space(self.key_count);
            }
        }
    }

    /// The partition of the next record produced.
    #[inline]
    pub fn next(&mut self) -> u32 {
        match &self.keys {
            Keys::None => self.null_key(),
            Keys::Uniform(space) => {
                u32::from(space[self.random.below(space.len() as u32) as usize])
            }
            Keys::Zipf(space, cumulative) => {
                let target = self.random.uniform() * cumulative[cumulative.len() - 1];
                let rank = cumulative.partition_point(|c| *c <= target);
                u32::from(space[rank.min(space.len() - 1)])
            }
            Keys::Hot {
                partition,
                share,
                others,
            } => {
                if self.random.uniform() < *share {
                    *partition
                } else {
                    u32::from(others[self.random.below(others.len() as u32) as usize])
                }
            }
        }
    }

    fn null_key(&mut self) -> u32 {
        match self.null_keys {
            NullKeyPartitioner::RoundRobin => {
                let partition = self.current;
                self.current = (self.current + 1) % self.partitions;
                partition
            }
            NullKeyPartitioner::Sticky => {
                if self.sent_in_batch == self.sticky_batch {
                    // The batch is full: a new sticky partition, another one when there is
                    // a choice.
                    self.sent_in_batch = 0;
                    if self.partitions > 1 {
                        let step = 1 + self.random.below(self.partitions - 1);
                        self.current = (self.current + step) % self.partitions;
                    }
                }
                self.sent_in_batch += 1;
                self.current
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Java client's own test values (`UtilsTest.testMurmur2`), and more computed by
    /// the Java client (quoted by Akka's Kafka-compatible sharding tests).
    #[test]
    fn murmur2_matches_the_java_client() {
        let cases: [(&[u8], i32); 11] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
            (b"1", -1_993_445_489),
            (b"12", 126_087_238),
            (b"123", -267_702_483),
            (b"1234", -1_614_185_708),
            (b"12345", -1_188_365_604),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "{}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn a_key_lands_where_the_java_client_puts_it() {
        // toPositive(-790332482) = 1357151166; % 12 = 6.
        assert_eq!(partition_for_key(b"foobar", 12), 1_357_151_166 % 12);
        assert_eq!(partition_for_key(b"abc", 7), 479_470_107 % 7);
    }

    #[test]
    fn sticky_fills_a_batch_then_moves_round_robin_deals() {
        let mut sticky = Partitioner::new(6, &KeySpec::None, NullKeyPartitioner::Sticky, 16, 1);
        let picks: Vec<u32> = (0..64).map(|_| sticky.next()).collect();
        for batch in picks.chunks(16) {
            assert!(batch.iter().all(|p| *p == batch[0]), "{picks:?}");
        }
        for pair in picks.chunks(16).collect::<Vec<_>>().windows(2) {
            assert_ne!(
                pair[0][0], pair[1][0],
                "a new batch goes to another partition"
            );
        }
        let mut dealer = Partitioner::new(4, &KeySpec::None, NullKeyPartitioner::RoundRobin, 16, 1);
        let first = dealer.next();
        let dealt: Vec<u32> = (0..8).map(|_| dealer.next()).collect();
        let expected: Vec<u32> = (1..=8).map(|i| (first + i) % 4).collect();
        assert_eq!(dealt, expected);
    }

    #[test]
    fn a_hot_key_takes_its_share_on_its_partition() {
        let spec = KeySpec::Hot {
            key: "account-42".into(),
            share: 0.5,
            count: 10_000,
        };
        let hot = partition_for_key(b"account-42", 24);
        let mut partitioner = Partitioner::new(24, &spec, NullKeyPartitioner::Sticky, 16, 7);
        let n = 100_000;
        let on_hot = (0..n).filter(|_| partitioner.next() == hot).count() as f64 / n as f64;
        // 0.5 from the key, plus the uniform half's 1/24.
        let expected = 0.5 + 0.5 / 24.0;
        assert!((on_hot - expected).abs() < 0.01, "{on_hot} vs {expected}");
    }

    #[test]
    fn zipf_keys_favour_the_first_rank() {
        let spec = KeySpec::Zipf {
            count: 1_000,
            s: 1.2,
        };
        let partitions = crate::scenario::MAX_PARTITIONS;
        let first = partition_for_key(b"key-0", partitions);
        let mut partitioner =
            Partitioner::new(partitions, &spec, NullKeyPartitioner::Sticky, 16, 3);
        let n = 50_000;
        let share = (0..n).filter(|_| partitioner.next() == first).count() as f64 / n as f64;
        // Rank k of Zipf(1000, 1.2) has weight k^-1.2 / H(1000, 1.2): rank 1's is ≈ 0.22, and
        // the few other keys that land on key-0's partition add theirs.
        let weight = |k: u32| 1.0 / f64::from(k).powf(1.2);
        let harmonic: f64 = (1..=1000).map(weight).sum();
        let expected: f64 = (1..=1000)
            .filter(|&k| partition_for_key(key_name(k - 1).as_bytes(), partitions) == first)
            .map(weight)
            .sum::<f64>()
            / harmonic;
        assert!(expected > 0.2, "rank 1 alone weighs ≈ 0.22: {expected}");
        assert!((share - expected).abs() < 0.01, "{share} vs {expected}");
    }
}
