//! The planner panel's model: for the scenario in the editor and one SLO, what queueing
//! theory predicts per consumer count (the analytic curve and minimum) and what simulation
//! says (R replications per count, run one after another in time slices so the page never
//! freezes). Replication seeds derive exactly as `spillway plan` derives them, so the panel
//! and the CLI give the same numbers for the same scenario, SLO and replications.

use spillway_core::planning::{
    AnalyticPoint, CountTrial, Workload, analytic_minimum, replication_seed,
};
use spillway_core::{Assertion, Scenario, Summary};

use crate::session::Session;

/// Most counts simulated (the chart's points).
pub const MAX_COUNTS: usize = 8;

/// A plan in progress.
pub struct Planner {
    /// The scenario planned for (its run length as chosen).
    scenario: Scenario,
    workload: Workload,
    slo: Assertion,
    replications: u32,
    /// The analytic minimum, when the SLO has a closed form.
    pub analytic_minimum: Option<u32>,
    /// The counts simulated, ascending.
    pub counts: Vec<u32>,
    /// The analytic prediction of the SLO's metric at every count on the chart.
    pub curve: Vec<(f64, f64)>,
    /// Summaries per count, in replication order.
    summaries: Vec<Vec<Summary>>,
    /// The next (count index, replication) to start.
    next: (usize, u32),
    current: Option<(usize, Session)>,
}

impl Planner {
    /// Plans `scenario` for `slo` (`METRIC OP VALUE`, e.g. `p99_queue_wait < 2s`) with
    /// `replications` runs of `run_length` per count. An error names the input at fault.
    pub fn new(
        scenario: &Scenario,
        slo: &str,
        replications: u32,
        run_length: &str,
    ) -> Result<Self, String> {
        let split = slo.find(['<', '>', '=']).ok_or_else(|| {
            format!("SLO `{slo}`: write METRIC OP VALUE, e.g. p99_queue_wait < 2s")
        })?;
        let (metric, condition) = slo.split_at(split);
        let slo = Assertion::parse(metric.trim(), condition).map_err(|e| format!("SLO: {e}"))?;
        if !(2..=50).contains(&replications) {
            return Err(format!(
                "replications: between 2 and 50, got {replications}"
            ));
        }
        // Fields set directly, not through key-path overrides: those carry a TOML
        // round trip the page would otherwise not need (≈ 100 KB of WebAssembly).
        let length = run_length
            .trim()
            .parse::<spillway_core::scenario::Duration>()
            .map_err(|e| format!("run length `{run_length}`: {e}"))?;
        let mut scenario = scenario.clone();
        scenario.duration = length;
        let workload = Workload::from_scenario(&scenario).map_err(|e| e.to_string())?;
        // Below the keep-up count a queue only fills (a bounded one to its capacity): the
        // chart starts one count short of it, to show the cliff, except for a loss system
        // (no waiting room), where fewer consumers just lose more.
        let keep_up = if workload.waiting_room == Some(0) {
            1
        } else {
            workload.consumers_to_keep_up()
        };
        let most = spillway_core::MAX_CONSUMERS.min(keep_up.saturating_mul(4).max(64));
        let analytic = analytic_minimum(&workload, std::slice::from_ref(&slo), most);
        let analytic_minimum = analytic.as_ref().map(|p| p.consumers);
        // Around the analytic answer (or from where the pool keeps up), a few either side.
        let centre = analytic_minimum.unwrap_or(keep_up.saturating_add(2));
        let first = centre
            .saturating_sub(2)
            .max(keep_up.saturating_sub(1))
            .max(1);
        let counts: Vec<u32> = (first..).take(MAX_COUNTS).collect();
        let curve = counts
            .iter()
            .filter_map(|&c| {
                AnalyticPoint::at(&workload, c)
                    .metric(&workload, slo.metric().name)
                    .map(|v| (f64::from(c), v))
            })
            .collect();
        Ok(Planner {
            summaries: vec![Vec::new(); counts.len()],
            scenario,
            workload,
            slo,
            replications,
            analytic_minimum,
            counts,
            curve,
            next: (0, 0),
            current: None,
        })
    }

    /// The SLO, as written back.
    pub fn slo(&self) -> &Assertion {
        &self.slo
    }

    /// What the closed forms assume that this scenario breaks (bursts, retries, …).
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// Runs so far and in all.
    pub fn progress(&self) -> (u32, u32) {
        let done: usize = self.summaries.iter().map(Vec::len).sum();
        (done as u32, self.counts.len() as u32 * self.replications)
    }

    /// Whether every replication of every count has run.
    pub fn finished(&self) -> bool {
        let (done, all) = self.progress();
        done == all
    }

    /// Advances the current replication by about `max_events` events, starting the next one
    /// when it ends; true when the plan is complete.
    pub fn advance(&mut self, max_events: u64) -> Result<bool, String> {
        if self.current.is_none() {
            let (index, replication) = self.next;
            if index >= self.counts.len() {
                return Ok(true);
            }
            let count = self.counts[index];
            let point = format!("consumers.count={count}");
            let mut at_count = self.scenario.clone();
            at_count.consumers.count = count;
            at_count.seed = replication_seed(self.scenario.seed, &point, replication);
            let (session, _) = Session::new(&at_count, Vec::new()).map_err(|e| e.to_string())?;
            self.current = Some((index, session));
            self.next = if replication + 1 < self.replications {
                (index, replication + 1)
            } else {
                (index + 1, 0)
            };
        }
        if let Some((index, session)) = &mut self.current {
            let end = session.simulation().end_time();
            session.advance(end, max_events);
            if session.finished() {
                self.summaries[*index].push(session.simulation().summary());
                self.current = None;
            }
        }
        Ok(self.finished())
    }

    /// The verdict per count with all its replications run, as `spillway plan` judges it.
    pub fn trials(&self) -> Vec<CountTrial> {
        self.counts
            .iter()
            .zip(&self.summaries)
            .filter(|(_, s)| s.len() as u32 == self.replications)
            .map(|(&count, summaries)| {
                CountTrial::judge(count, std::slice::from_ref(&self.slo), summaries)
            })
            .collect()
    }

    /// The fewest simulated counts meeting the SLO with 95% confidence (among those run),
    /// provided every larger count run also meets it.
    pub fn simulated_minimum(&self) -> Option<u32> {
        let trials = self.trials();
        let first_failing_from_top = trials.iter().rposition(|t| !t.meets);
        match first_failing_from_top {
            Some(i) => trials.get(i + 1).map(|t| t.consumers),
            None => trials.first().map(|t| t.consumers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillway_core::Preset;
    use spillway_core::planning::run_replication;

    fn steady() -> Scenario {
        Preset::find("steady").unwrap().scenario().unwrap()
    }

    #[test]
    fn the_panel_gives_the_numbers_spillway_plan_gives() {
        let mut planner = Planner::new(&steady(), "p99_queue_wait < 500ms", 3, "3m").unwrap();
        let mut slices = 0;
        while !planner.advance(20_000).unwrap() {
            slices += 1;
            assert!(slices < 200_000, "the plan never finishes");
        }
        assert_eq!(
            planner.progress(),
            (
                planner.counts.len() as u32 * 3,
                planner.counts.len() as u32 * 3
            )
        );
        // The CLI's way: each replication run whole with the same derived seed.
        let trials = planner.trials();
        let count = planner.counts[0];
        let mut scenario = steady()
            .with_overrides(&[
                "duration=\"3m\"".parse().unwrap(),
                format!("consumers.count={count}").parse().unwrap(),
            ])
            .unwrap();
        scenario.name = steady().name;
        let cli: Vec<Summary> = (0..3)
            .map(|r| run_replication(&scenario, &format!("consumers.count={count}"), r).unwrap())
            .collect();
        let expected = CountTrial::judge(count, std::slice::from_ref(planner.slo()), &cli);
        assert_eq!(trials[0], expected);
        // More consumers never wait longer on the analytic curve.
        assert!(
            planner.curve.windows(2).all(|w| w[1].1 <= w[0].1 + 1e-12),
            "{:?}",
            planner.curve
        );
    }

    #[test]
    fn bad_inputs_name_themselves() {
        let e = Planner::new(&steady(), "p99_queue_wait 2s", 3, "3m")
            .err()
            .unwrap();
        assert!(e.contains("METRIC OP VALUE"), "{e}");
        let e = Planner::new(&steady(), "p99_queue_wiat < 2s", 3, "3m")
            .err()
            .unwrap();
        assert!(e.contains("p99_queue_wiat"), "{e}");
        let e = Planner::new(&steady(), "p99_queue_wait < 2s", 1, "3m")
            .err()
            .unwrap();
        assert!(e.contains("replications"), "{e}");
        let e = Planner::new(&steady(), "p99_queue_wait < 2s", 3, "soon")
            .err()
            .unwrap();
        assert!(
            e.contains("run length soon") || e.contains("duration"),
            "{e}"
        );
    }
}
