//! The simulated answer's search over the consumer count: bracket the smallest count that
//! meets the SLO by stepping out from a starting guess (steps doubling), then bisect the
//! bracket. Each count is simulated once; the driver runs its replications (in parallel in
//! the CLI, in time slices in the tab) and records the verdict.

use std::collections::BTreeMap;

/// The search state: counts tried and whether each met the SLO.
#[derive(Clone, Debug)]
pub struct CountSearch {
    start: u32,
    fewest: u32,
    most: u32,
    tried: BTreeMap<u32, bool>,
}

impl CountSearch {
    /// A search over `fewest..=most`, first trying `start` (e.g. the analytic answer).
    pub fn new(start: u32, fewest: u32, most: u32) -> Self {
        let fewest = fewest.max(1);
        let most = most.max(fewest);
        CountSearch {
            start: start.clamp(fewest, most),
            fewest,
            most,
            tried: BTreeMap::new(),
        }
    }

    /// Records whether `count` met the SLO.
    pub fn record(&mut self, count: u32, meets: bool) {
        self.tried.insert(count, meets);
    }

    /// The counts tried so far and their verdicts, in count order.
    pub fn tried(&self) -> &BTreeMap<u32, bool> {
        &self.tried
    }

    /// The largest count that failed (the bracket's lower end).
    fn highest_failing(&self) -> Option<u32> {
        self.tried
            .iter()
            .rev()
            .find(|(_, meets)| !**meets)
            .map(|(c, _)| *c)
    }

    /// The smallest count above every failure that met the SLO (the bracket's upper end).
    fn lowest_passing_above(&self, floor: Option<u32>) -> Option<u32> {
        self.tried
            .iter()
            .find(|(c, meets)| **meets && floor.is_none_or(|f| **c > f))
            .map(|(c, _)| *c)
    }

    /// The next count to simulate, or `None` when the search is over.
    pub fn next(&self) -> Option<u32> {
        if self.tried.is_empty() {
            return Some(self.start);
        }
        let fail = self.highest_failing();
        let pass = self.lowest_passing_above(fail);
        match (fail, pass) {
            (Some(fail), Some(pass)) => (pass - fail > 1).then(|| fail + (pass - fail) / 2),
            (Some(fail), None) => {
                if fail >= self.most {
                    return None;
                }
                // Step up from the start, doubling the step with each failure.
                let failures = self.tried.values().filter(|m| !**m).count() as u32;
                let step = 1u32.checked_shl(failures - 1).unwrap_or(u32::MAX);
                Some(fail.saturating_add(step).min(self.most))
            }
            (None, Some(pass)) => {
                if pass <= self.fewest {
                    return None;
                }
                let passes = self.tried.values().filter(|m| **m).count() as u32;
                let step = 1u32.checked_shl(passes - 1).unwrap_or(u32::MAX);
                Some(pass.saturating_sub(step).max(self.fewest))
            }
            (None, None) => None,
        }
    }

    /// The answer once the search is over: the smallest count that met the SLO with the
    /// one below it failing (or being the lower limit); `None` if nothing up to the upper
    /// limit met it.
    pub fn answer(&self) -> Option<u32> {
        self.lowest_passing_above(self.highest_failing())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a search against a known threshold; returns the answer and the counts tried.
    fn search(start: u32, threshold: u32, most: u32) -> (Option<u32>, usize) {
        let mut s = CountSearch::new(start, 1, most);
        while let Some(count) = s.next() {
            assert!(!s.tried().contains_key(&count), "{count} simulated twice");
            s.record(count, count >= threshold);
        }
        (s.answer(), s.tried().len())
    }

    #[test]
    fn finds_the_threshold_from_any_start_in_few_steps() {
        for threshold in [1, 2, 7, 20, 21, 64, 999] {
            for start in [1, 5, 20, 22, 100, 1000] {
                let (answer, tried) = search(start, threshold, 10_000);
                assert_eq!(
                    answer,
                    Some(threshold),
                    "start {start} threshold {threshold}"
                );
                // Bracketing + bisection: logarithmic, not a scan.
                let distance = f64::from(start.abs_diff(threshold) + 1);
                assert!(tried as f64 <= 2.0 * distance.log2() + 3.0, "{tried} tries");
            }
        }
    }

    #[test]
    fn says_so_when_nothing_meets_the_slo() {
        assert_eq!(search(10, 50, 40), (None, search(10, 50, 40).1));
        let mut s = CountSearch::new(3, 1, 5);
        while let Some(c) = s.next() {
            s.record(c, false);
        }
        assert_eq!(s.answer(), None);
        assert_eq!(s.tried().keys().max(), Some(&5));
    }

    #[test]
    fn a_noisy_pass_below_a_failure_does_not_end_the_search_early() {
        let mut s = CountSearch::new(10, 1, 100);
        s.record(10, true);
        s.record(9, false);
        s.record(5, true); // noise: a pass below a failure
        assert_eq!(s.next(), None);
        assert_eq!(s.answer(), Some(10));
    }
}

/// One SLO at one count: its estimate over the replications and the verdict.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SloVerdict {
    /// The SLO as written, e.g. `p99_queue_wait < 2s`.
    pub slo: String,
    /// The metric over the replications.
    pub estimate: crate::planning::Estimate,
    /// True when the SLO holds at the confidence interval's far end (the upper end for a
    /// `<` SLO): met with 95% confidence, not just on average.
    pub meets: bool,
}

/// A consumer count simulated: each SLO's verdict, and whether all hold.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CountTrial {
    /// Consumers.
    pub consumers: u32,
    /// Replications run.
    pub replications: u32,
    /// Replications that hit a run limit (a count that cannot keep up may grow without
    /// bound): such a count fails.
    pub truncated: u32,
    /// Per SLO.
    pub slos: Vec<SloVerdict>,
    /// Every SLO met, and no replication truncated.
    pub meets: bool,
}

impl CountTrial {
    /// Judges `summaries` (one per replication, in order) against `slos`.
    pub fn judge(
        consumers: u32,
        slos: &[crate::Assertion],
        summaries: &[crate::Summary],
    ) -> CountTrial {
        let truncated = summaries
            .iter()
            .filter(|s| s.outcome == crate::OutcomeKind::Truncated)
            .count() as u32;
        let verdicts: Vec<SloVerdict> = slos
            .iter()
            .map(|slo| {
                let values: Vec<f64> = summaries.iter().map(|s| slo.actual(s)).collect();
                let estimate = crate::planning::Estimate::from_samples(&values);
                let meets = if values.iter().any(|v| !v.is_finite()) {
                    false
                } else if slo.is_upper_bound() {
                    slo.holds_for(estimate.high())
                } else if slo.holds_for(estimate.low()) {
                    true
                } else {
                    // `==`: every replication must hold it.
                    values.iter().all(|&v| slo.holds_for(v)) && estimate.ci95 == Some(0.0)
                };
                SloVerdict {
                    slo: slo.to_string(),
                    estimate,
                    meets,
                }
            })
            .collect();
        // A run that produced work but served none says nothing good about its waits (an
        // empty histogram reads as zero): such a count fails.
        let served_nothing = summaries
            .iter()
            .any(|s| s.counts.produced > 0 && s.counts.completed == 0 && s.queue_wait.count == 0);
        CountTrial {
            consumers,
            replications: summaries.len() as u32,
            truncated,
            meets: truncated == 0 && !served_nothing && verdicts.iter().all(|v| v.meets),
            slos: verdicts,
        }
    }
}
