//! Partition assignors, for one topic whose partitions every member subscribes to. Members
//! are ordered by member id (Spillway's ids sort in join order), as the Java client's
//! assignors sort them.
//!
//! - **range** (`RangeAssignor`): member i of M gets the consecutive range starting at
//!   `i·⌊P/M⌋ + min(i, P mod M)`, one longer for the first `P mod M` members.
//! - **round-robin** (`RoundRobinAssignor`): partition p goes to member `p mod M`.
//! - **sticky** and **cooperative-sticky** (`AbstractStickyAssignor`'s constrained
//!   assignment): every member ends with ⌊P/M⌋ or ⌈P/M⌉ partitions, exactly `P mod M` of
//!   them with ⌈P/M⌉; each member first keeps its own previous partitions (lowest first) up to
//!   its quota, then the partitions left over are dealt in ascending order to the members
//!   below ⌊P/M⌋ in turn, then to members that may still take one more. Cooperative-sticky
//!   computes the same target; the group revokes only the partitions whose owner changes
//!   (see [`moved`]).

use crate::scenario::Assignor;

/// The assignment for `members` members (in member-id order) over `partitions` partitions;
/// `owned[i]` is what member i owned before (used by the sticky assignors). Each member's
/// partitions come back sorted.
pub fn assign(assignor: Assignor, partitions: u32, owned: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let members = owned.len();
    if members == 0 {
        return Vec::new();
    }
    let mut assignment = match assignor {
        Assignor::Range => range(partitions, members),
        Assignor::RoundRobin => round_robin(partitions, members),
        Assignor::Sticky | Assignor::CooperativeSticky => sticky(partitions, owned),
    };
    for list in &mut assignment {
        list.sort_unstable();
    }
    assignment
}

fn range(partitions: u32, members: usize) -> Vec<Vec<u32>> {
    let m = members as u32;
    let (per, extra) = (partitions / m, partitions % m);
    (0..m)
        .map(|i| {
            let start = i * per + i.min(extra);
            let length = per + u32::from(i < extra);
            (start..start + length).collect()
        })
        .collect()
}

fn round_robin(partitions: u32, members: usize) -> Vec<Vec<u32>> {
    let mut assignment = vec![Vec::new(); members];
    for p in 0..partitions {
        assignment[p as usize % members].push(p);
    }
    assignment
}

fn sticky(partitions: u32, owned: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let members = owned.len();
    let m = members as u32;
    let min_quota = (partitions / m) as usize;
    let max_quota = partitions.div_ceil(m) as usize;
    let over_min_allowed = (partitions % m) as usize;
    let mut over_min = 0;
    let mut taken = vec![false; partitions as usize];
    let mut assignment: Vec<Vec<u32>> = vec![Vec::new(); members];
    // 1. Each member keeps its previous partitions, lowest first, up to its quota.
    for (i, previous) in owned.iter().enumerate() {
        let mut keep: Vec<u32> = previous
            .iter()
            .copied()
            .filter(|&p| p < partitions && !taken[p as usize])
            .collect();
        keep.sort_unstable();
        keep.dedup();
        let quota = if keep.len() >= max_quota && over_min < over_min_allowed {
            over_min += 1;
            max_quota
        } else {
            min_quota
        };
        keep.truncate(quota.min(keep.len()));
        for &p in &keep {
            taken[p as usize] = true;
        }
        assignment[i] = keep;
    }
    // 2. The rest, ascending: first to members below the minimum quota, in turn.
    let mut left = (0..partitions).filter(|&p| !taken[p as usize]);
    loop {
        let below: Vec<usize> = (0..members)
            .filter(|&i| assignment[i].len() < min_quota)
            .collect();
        if below.is_empty() {
            break;
        }
        let mut dealt = false;
        for i in below {
            let Some(p) = left.next() else {
                break;
            };
            assignment[i].push(p);
            dealt = true;
        }
        if !dealt {
            break;
        }
    }
    // 3. Then one more each to members that may go over the minimum, in member order.
    for list in &mut assignment {
        if over_min >= over_min_allowed {
            break;
        }
        if list.len() == min_quota {
            match left.next() {
                Some(p) => {
                    list.push(p);
                    over_min += 1;
                }
                None => break,
            }
        }
    }
    debug_assert!(left.next().is_none());
    assignment
}

/// The partitions whose owner changes from `before` to `after` (members in the same order;
/// a member new in `after` owned nothing): under cooperative rebalancing only these are
/// revoked, and they are assigned to their new owners in a follow-up rebalance.
pub fn moved(before: &[Vec<u32>], after: &[Vec<u32>], partitions: u32) -> Vec<u32> {
    let owner = |assignment: &[Vec<u32>]| {
        let mut owner = vec![None; partitions as usize];
        for (i, list) in assignment.iter().enumerate() {
            for &p in list {
                if p < partitions {
                    owner[p as usize] = Some(i);
                }
            }
        }
        owner
    };
    let (old, new) = (owner(before), owner(after));
    (0..partitions)
        .filter(|&p| old[p as usize].is_some() && old[p as usize] != new[p as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(members: usize) -> Vec<Vec<u32>> {
        vec![Vec::new(); members]
    }

    /// Hand-worked: what the Kafka docs' and the assignors' javadoc examples give.
    #[test]
    fn hand_worked_assignments() {
        // RangeAssignor javadoc: 3 partitions per topic, 2 consumers → C0 [0, 1], C1 [2].
        assert_eq!(assign(Assignor::Range, 3, &fresh(2)), [vec![0, 1], vec![2]]);
        // 7 over 3: 7/3 = 2 each, the first 7 mod 3 = 1 member one more.
        assert_eq!(
            assign(Assignor::Range, 7, &fresh(3)),
            [vec![0, 1, 2], vec![3, 4], vec![5, 6]]
        );
        // RoundRobinAssignor: dealt in turn.
        assert_eq!(
            assign(Assignor::RoundRobin, 7, &fresh(3)),
            [vec![0, 3, 6], vec![1, 4], vec![2, 5]]
        );
        // More members than partitions: the last members get nothing.
        assert_eq!(
            assign(Assignor::Range, 2, &fresh(4)),
            [vec![0], vec![1], vec![], vec![]]
        );
        // Sticky from nothing deals like round-robin.
        assert_eq!(
            assign(Assignor::Sticky, 7, &fresh(3)),
            [vec![0, 3, 6], vec![1, 4], vec![2, 5]]
        );
        // Sticky, a third member joins [0,2,4,6,8,10] / [1,3,5,7,9,11]: each keeps its lowest
        // four, the newcomer gets the four released (8, 9, 10, 11).
        let before = vec![vec![0, 2, 4, 6, 8, 10], vec![1, 3, 5, 7, 9, 11], vec![]];
        assert_eq!(
            assign(Assignor::Sticky, 12, &before),
            [vec![0, 2, 4, 6], vec![1, 3, 5, 7], vec![8, 9, 10, 11]]
        );
        // Range would move almost everything for the same join.
        assert_eq!(
            assign(Assignor::Range, 12, &before),
            [vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9, 10, 11]]
        );
        // Sticky, a member leaves: the two survivors keep theirs and share the orphans.
        let before = [vec![0, 3], vec![1, 4], vec![]];
        assert_eq!(
            assign(Assignor::Sticky, 6, &before[..]),
            [vec![0, 3], vec![1, 4], vec![2, 5]]
        );
        let survivors = vec![vec![0, 3], vec![2, 5]];
        assert_eq!(
            assign(Assignor::Sticky, 6, &survivors),
            [vec![0, 1, 3], vec![2, 4, 5]]
        );
    }

    #[test]
    fn cooperative_sticky_revokes_only_what_moves() {
        let before = vec![vec![0, 2, 4, 6, 8, 10], vec![1, 3, 5, 7, 9, 11], vec![]];
        let after = assign(Assignor::CooperativeSticky, 12, &before);
        assert_eq!(moved(&before, &after, 12), vec![8, 9, 10, 11]);
        // Nothing changes: nothing moves.
        assert!(moved(&after, &assign(Assignor::CooperativeSticky, 12, &after), 12).is_empty());
        // A new partition owned by nobody is not "moved": it is simply assigned.
        assert!(moved(&[vec![0]], &[vec![0, 1]], 2).is_empty());
    }

    /// Every assignor over 1–12 partitions × 1–6 members: every partition owned exactly
    /// once, and the balance each promises.
    #[test]
    fn every_partition_once_and_balanced() {
        for assignor in [
            Assignor::Range,
            Assignor::RoundRobin,
            Assignor::Sticky,
            Assignor::CooperativeSticky,
        ] {
            for p in 1..=12u32 {
                for m in 1..=6usize {
                    let a = assign(assignor, p, &fresh(m));
                    let mut all: Vec<u32> = a.iter().flatten().copied().collect();
                    all.sort_unstable();
                    assert_eq!(all, (0..p).collect::<Vec<_>>(), "{assignor:?} {p}×{m}");
                    let sizes: Vec<usize> = a.iter().map(Vec::len).collect();
                    let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                    assert!(hi - lo <= 1, "{assignor:?} {p}×{m}: {sizes:?}");
                    // The first P mod M members carry the extra one.
                    let extra = p as usize % m;
                    for (i, size) in sizes.iter().enumerate() {
                        assert_eq!(
                            *size,
                            p as usize / m + usize::from(i < extra),
                            "{assignor:?} {p}×{m}"
                        );
                    }
                }
            }
        }
    }

    /// The sticky assignors after one member joins or leaves: the minimum movement a
    /// balanced assignment allows, over 1–12 partitions × 1–6 members.
    #[test]
    fn sticky_moves_no_more_than_balance_needs() {
        for p in 1..=12u32 {
            for m in 1..=5usize {
                let start = assign(Assignor::Sticky, p, &fresh(m));
                // Join: the newcomer takes exactly its share, nobody else's partitions move.
                let mut joined = start.clone();
                joined.push(Vec::new());
                let after = assign(Assignor::Sticky, p, &joined);
                let moved_out = moved(&joined, &after, p);
                assert_eq!(moved_out, after[m], "{p}×{m} join: {start:?} → {after:?}");
                // Leave (the last member): only its partitions move.
                if m > 1 {
                    let mut left = start.clone();
                    let orphans = left.pop().unwrap();
                    let after = assign(Assignor::Sticky, p, &left);
                    let kept: usize = left
                        .iter()
                        .zip(&after)
                        .map(|(b, a)| b.iter().filter(|x| a.contains(x)).count())
                        .sum();
                    assert_eq!(kept, p as usize - orphans.len(), "{p}×{m} leave");
                }
            }
        }
    }

    /// The golden tables in docs/kafka-conformance.md, worked out from the rules on their
    /// own (not by this code), against what the assignors compute.
    #[test]
    fn golden_tables_match_the_doc() {
        let doc = include_str!("../../../../../../docs/kafka-conformance.md");
        let table = |heading: &str| -> Vec<Vec<String>> {
            let start = doc.find(heading).unwrap_or_else(|| panic!("no {heading}"));
            doc[start..]
                .lines()
                .skip_while(|l| !l.starts_with("|---"))
                .skip(1)
                .take_while(|l| l.starts_with('|'))
                .map(|l| {
                    l.trim_matches('|')
                        .split('|')
                        .map(|c| c.trim().to_string())
                        .collect()
                })
                .collect()
        };
        let cell = |a: &[Vec<u32>]| -> String {
            a.iter()
                .map(|list| {
                    if list.is_empty() {
                        "–".to_string()
                    } else {
                        list.iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(",")
                    }
                })
                .collect::<Vec<_>>()
                .join(" · ")
        };
        for (heading, assignor) in [
            ("### Range", Assignor::Range),
            ("### Round-robin", Assignor::RoundRobin),
            ("### Round-robin", Assignor::Sticky),
        ] {
            let rows = table(heading);
            assert_eq!(rows.len(), 12, "{heading}");
            for (p, row) in (1..=12u32).zip(&rows) {
                for (m, text) in row.iter().enumerate().skip(1) {
                    assert_eq!(
                        *text,
                        cell(&assign(assignor, p, &fresh(m))),
                        "{assignor:?} {p}×{m}"
                    );
                }
            }
        }
        let rows = table("### Cooperative-sticky");
        assert_eq!(rows.len(), 12);
        for (p, row) in (1..=12u32).zip(&rows) {
            for (m, text) in row.iter().enumerate().skip(1) {
                let mut before = assign(Assignor::CooperativeSticky, p, &fresh(m));
                before.push(Vec::new());
                let after = assign(Assignor::CooperativeSticky, p, &before);
                let moved = moved(&before, &after, p);
                let expected = if moved.is_empty() {
                    "–".to_string()
                } else {
                    moved
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                };
                assert_eq!(*text, expected, "cooperative-sticky join {p}×{m}");
            }
        }
    }
}
