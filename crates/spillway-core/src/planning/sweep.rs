//! Parameter sweeps: one or two key paths varied over lists or ranges, R replications per
//! point, every summary metric as a mean with its 95% confidence interval. A point's seeds
//! derive from the base seed and the point's own settings (not its position), so any subset
//! — a shard on another machine, one point re-run alone — gives the same bits, and shard
//! outputs merge into exactly the unsharded result.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::engine::random::stream_seed;
use crate::engine::simulation::{OutcomeKind, Simulation};
use crate::metrics::registry::METRICS;
use crate::metrics::summary::Summary;
use crate::planning::estimate::Estimate;
use crate::scenario::{Override, Scenario, ScenarioErrors};

/// Most values one `--vary` may expand to.
pub const MAX_VALUES_PER_VARY: usize = 10_000;
/// Most points in one sweep.
pub const MAX_POINTS: usize = 1_000_000;
/// Most parameters varied at once.
pub const MAX_VARIES: usize = 2;

/// One varied parameter: a key path and the values it takes, as the user wrote them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vary {
    /// Key path, e.g. `consumers.count`.
    pub key: String,
    /// Values in order, e.g. `10`, `12`, … or `1000/s`, `2000/s`.
    pub values: Vec<String>,
}

impl FromStr for Vary {
    type Err = String;

    /// `KEY=A..B:STEP` (inclusive; the step defaults to 1; both ends and the step in one
    /// unit, e.g. `100ms..1000ms:100ms`) or `KEY=V1,V2,…`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (key, spec) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: write KEY=A..B:STEP or KEY=V1,V2,…"))?;
        let key = key.trim();
        // The key must be a key path an override accepts.
        Override::from_str(&format!("{key}=0")).map_err(|e| e.to_string())?;
        let spec = spec.trim();
        let values = if let Some((from, rest)) = spec.split_once("..") {
            let (to, step) = match rest.split_once(':') {
                Some((to, step)) => (to, Some(step)),
                None => (rest, None),
            };
            range(key, from.trim(), to.trim(), step.map(str::trim))?
        } else {
            let values: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).collect();
            if values.iter().any(String::is_empty) {
                return Err(format!("{key}: `{spec}` has an empty value in its list"));
            }
            values
        };
        if values.len() > MAX_VALUES_PER_VARY {
            return Err(format!(
                "{key}: {} values; a sweep varies a parameter over at most {MAX_VALUES_PER_VARY}",
                values.len()
            ));
        }
        Ok(Vary {
            key: key.to_string(),
            values,
        })
    }
}

impl fmt::Display for Vary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.values.join(","))
    }
}

/// Splits `1000/s` into (1000, "/s").
fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let end = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(end);
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some((value, unit.trim()))
}

fn decimals(text: &str) -> usize {
    text.split_once('.').map_or(0, |(_, frac)| {
        frac.chars().take_while(char::is_ascii_digit).count()
    })
}

fn range(key: &str, from: &str, to: &str, step: Option<&str>) -> Result<Vec<String>, String> {
    fn parse<'t>(key: &str, what: &str, text: &'t str) -> Result<(f64, &'t str), String> {
        number_and_unit(text)
            .ok_or_else(|| format!("{key}: the range's {what} `{text}` is not a number"))
    }
    let (a, unit) = parse(key, "start", from)?;
    let (b, unit_b) = parse(key, "end", to)?;
    let (s, unit_s) = match step {
        Some(step) => parse(key, "step", step)?,
        None => (1.0, unit),
    };
    if unit != unit_b || unit != unit_s {
        return Err(format!(
            "{key}: write the range's ends and step in one unit (got `{from}`, `{to}`{})",
            step.map(|s| format!(", `{s}`")).unwrap_or_default()
        ));
    }
    if s <= 0.0 {
        return Err(format!(
            "{key}: the step must be > 0, got {}",
            step.unwrap_or("1")
        ));
    }
    if b < a {
        return Err(format!(
            "{key}: the range ends before it starts ({from}..{to})"
        ));
    }
    let count = ((b - a) / s * (1.0 + 1e-12)).floor() + 1.0;
    if count > MAX_VALUES_PER_VARY as f64 {
        return Err(format!(
            "{key}: {from}..{to} in steps of {} is {count} values; a sweep varies a parameter \
             over at most {MAX_VALUES_PER_VARY}",
            step.unwrap_or("1")
        ));
    }
    let places = decimals(from)
        .max(decimals(to))
        .max(step.map_or(0, decimals));
    Ok((0..count as usize)
        .map(|i| format!("{:.*}{unit}", places, a + s * i as f64))
        .collect())
}

/// One point of a sweep: its position and settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepPoint {
    /// Position in the full sweep (first parameter outermost).
    pub index: usize,
    /// `(key, value)` per varied parameter.
    pub settings: Vec<(String, String)>,
}

impl SweepPoint {
    /// The point's identity for seeding: `consumers.count=12;producers[0].rate=1000/s`.
    pub fn key(&self) -> String {
        let parts: Vec<String> = self
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.join(";")
    }

    /// The settings as overrides.
    pub fn overrides(&self) -> Vec<Override> {
        self.settings
            .iter()
            .map(|(k, v)| {
                Override::from_str(&format!("{k}={v}")).expect("keys checked when parsed")
            })
            .collect()
    }
}

/// Shard `index` of `count` (1-based, as `3/16`): every `count`-th point from `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, 1-based.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}`: write the shard as I/N with 1 ≤ I ≤ N, e.g. 3/16");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a sweep is: the scenario, what varies, and how many replications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The scenario's name.
    pub scenario: String,
    /// A digest of the whole scenario, so shards of different scenarios never merge.
    pub scenario_digest: String,
    /// The base seed every point's seeds derive from.
    pub seed: u64,
    /// Replications per point.
    pub replications: u32,
    /// What varies (first outermost).
    pub vary: Vec<Vary>,
    /// Points in the whole sweep.
    pub points: usize,
}

impl SweepSpec {
    /// A sweep of `scenario` over `vary` with `replications` per point; every point's
    /// scenario is checked like a file before anything runs.
    pub fn new(scenario: &Scenario, vary: Vec<Vary>, replications: u32) -> Result<Self, String> {
        if vary.is_empty() || vary.len() > MAX_VARIES {
            return Err(format!(
                "a sweep varies 1 or {MAX_VARIES} parameters (--vary KEY=…), got {}",
                vary.len()
            ));
        }
        if replications == 0 {
            return Err("--replications must be at least 1".into());
        }
        if vary.len() == 2 && vary[0].key == vary[1].key {
            return Err(format!("{} is varied twice", vary[0].key));
        }
        let points = vary
            .iter()
            .try_fold(1usize, |n, v| n.checked_mul(v.values.len()));
        let points = points.filter(|&n| n <= MAX_POINTS).ok_or_else(|| {
            format!("the sweep has more than {MAX_POINTS} points; narrow a range")
        })?;
        Ok(SweepSpec {
            scenario: scenario.name.clone(),
            scenario_digest: format!("{:016x}", stream_seed(0, &scenario.to_toml())),
            seed: scenario.seed,
            replications,
            vary,
            points,
        })
    }

    /// Every point, in order.
    pub fn points(&self) -> impl Iterator<Item = SweepPoint> + '_ {
        (0..self.points).map(move |index| {
            let mut rest = index;
            let mut settings = vec![(String::new(), String::new()); self.vary.len()];
            for (slot, vary) in self.vary.iter().enumerate().rev() {
                let n = vary.values.len();
                settings[slot] = (vary.key.clone(), vary.values[rest % n].clone());
                rest /= n;
            }
            SweepPoint { index, settings }
        })
    }

    /// The points of `shard` (all of them without one).
    pub fn shard_points(&self, shard: Option<Shard>) -> Vec<SweepPoint> {
        self.points()
            .filter(|p| shard.is_none_or(|s| p.index % s.count == s.index - 1))
            .collect()
    }

    /// Checks every point's scenario (a value out of range at one point is bad input, said
    /// before any run starts). Returns the first problem, naming the point.
    pub fn check(&self, scenario: &Scenario) -> Result<(), String> {
        for vary in &self.vary {
            for value in &vary.values {
                let text = format!("{}={value}", vary.key);
                let o = Override::from_str(&text).map_err(|e| e.to_string())?;
                let o = Override::written_as(o.path, o.value, format!("--vary {text}"));
                scenario.with_overrides(&[o]).map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// The scenario at `point`.
pub fn point_scenario(scenario: &Scenario, point: &SweepPoint) -> Result<Scenario, ScenarioErrors> {
    scenario.with_overrides(&point.overrides())
}

/// The seed of replication `replication` at a point identified by `point_key`.
pub fn replication_seed(base_seed: u64, point_key: &str, replication: u32) -> u64 {
    stream_seed(
        base_seed,
        &format!("replication {replication} at {point_key}"),
    )
}

/// Runs one replication of `scenario` at a point: its seed replaced by the derived one.
/// Fails only as [`Simulation::new`] does (a run that could never finish within its limits).
pub fn run_replication(
    scenario: &Scenario,
    point_key: &str,
    replication: u32,
) -> Result<Summary, ScenarioErrors> {
    let mut scenario = scenario.clone();
    scenario.seed = replication_seed(scenario.seed, point_key, replication);
    let mut simulation = Simulation::new(&scenario)?;
    simulation.run();
    Ok(simulation.summary())
}

/// One point's results: every registered metric over the replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Position in the full sweep.
    pub index: usize,
    /// The varied values, by key.
    pub settings: BTreeMap<String, String>,
    /// Replications run.
    pub replications: u32,
    /// Replications that ended early on a run limit (their metrics still count).
    pub truncated: u32,
    /// Replications that broke a scenario assertion.
    pub failed_assertions: u32,
    /// Mean and 95% CI per metric; `null` when a replication gave no finite value.
    pub metrics: BTreeMap<String, Option<Estimate>>,
}

impl SweepRow {
    /// Aggregates a point's replication summaries (in replication order).
    pub fn new(point: &SweepPoint, summaries: &[Summary]) -> Self {
        let metrics = METRICS
            .iter()
            .map(|metric| {
                let values: Vec<f64> = summaries.iter().map(|s| (metric.read)(s)).collect();
                let estimate = values
                    .iter()
                    .all(|v| v.is_finite())
                    .then(|| Estimate::from_samples(&values));
                (metric.name.to_string(), estimate)
            })
            .collect();
        SweepRow {
            index: point.index,
            settings: point.settings.iter().cloned().collect(),
            replications: summaries.len() as u32,
            truncated: summaries
                .iter()
                .filter(|s| s.outcome == OutcomeKind::Truncated)
                .count() as u32,
            failed_assertions: summaries.iter().filter(|s| !s.passed()).count() as u32,
            metrics,
        }
    }
}

/// A sweep's results, or one shard's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    /// What was swept.
    pub sweep: SweepSpec,
    /// The shard these rows are, or `None` for the whole sweep.
    pub shard: Option<Shard>,
    /// One row per point, in index order.
    pub rows: Vec<SweepRow>,
}

impl SweepResults {
    /// Merges shard outputs into the whole sweep's: every shard of one sweep, each once.
    pub fn merge(parts: Vec<SweepResults>) -> Result<SweepResults, String> {
        let first = parts.first().ok_or("nothing to merge")?;
        let sweep = first.sweep.clone();
        let count = first.shard.map_or(1, |s| s.count);
        let mut seen = vec![false; count];
        for (i, part) in parts.iter().enumerate() {
            if part.sweep != sweep {
                return Err(format!(
                    "input {} is a different sweep (scenario, seed, replications or --vary differ)",
                    i + 1
                ));
            }
            let shard = part.shard.unwrap_or(Shard { index: 1, count: 1 });
            if shard.count != count {
                return Err(format!(
                    "input {} is shard {shard} but the first is one of {count}",
                    i + 1
                ));
            }
            if std::mem::replace(&mut seen[shard.index - 1], true) {
                return Err(format!("shard {shard} is given twice"));
            }
        }
        let missing: Vec<String> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| !**s)
            .map(|(i, _)| format!("{}/{count}", i + 1))
            .collect();
        if !missing.is_empty() {
            return Err(format!("shard(s) {} missing", missing.join(", ")));
        }
        let mut rows: Vec<SweepRow> = parts.into_iter().flat_map(|p| p.rows).collect();
        rows.sort_by_key(|r| r.index);
        if rows.len() != sweep.points || rows.iter().enumerate().any(|(i, r)| r.index != i) {
            return Err(format!(
                "the shards hold {} rows for a sweep of {} points",
                rows.len(),
                sweep.points
            ));
        }
        Ok(SweepResults {
            sweep,
            shard: None,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_expand_like_people_write_them() {
        let v: Vary = "consumers.count=10..16:2".parse().unwrap();
        assert_eq!(v.values, ["10", "12", "14", "16"]);
        let v: Vary = "producers[0].rate=1000/s..2000/s:500/s".parse().unwrap();
        assert_eq!(v.values, ["1000/s", "1500/s", "2000/s"]);
        let v: Vary = "queue.high_watermark=0.5..0.8:0.1".parse().unwrap();
        assert_eq!(v.values, ["0.5", "0.6", "0.7", "0.8"]);
        let v: Vary = "producers[0].rate=1000/s,2000/s".parse().unwrap();
        assert_eq!(v.values, ["1000/s", "2000/s"]);
        assert!(
            "consumers.count=1..5:0"
                .parse::<Vary>()
                .unwrap_err()
                .contains("step must be > 0")
        );
        assert!(
            "consumers.count=5..1"
                .parse::<Vary>()
                .unwrap_err()
                .contains("ends before")
        );
        assert!(
            "x=100ms..1s:100ms"
                .parse::<Vary>()
                .unwrap_err()
                .contains("one unit")
        );
        assert!(
            "consumers.count=1..1000000"
                .parse::<Vary>()
                .unwrap_err()
                .contains("at most")
        );
        assert!("consumers.count".parse::<Vary>().is_err());
    }

    #[test]
    fn shards_partition_the_points_and_seeds_follow_the_point() {
        let scenario = crate::Preset::find("steady").unwrap().scenario().unwrap();
        let vary = vec![
            "consumers.count=4..8".parse().unwrap(),
            "producers[0].rate=40/s,50/s,60/s".parse().unwrap(),
        ];
        let spec = SweepSpec::new(&scenario, vary, 3).unwrap();
        assert_eq!(spec.points, 15);
        let all: Vec<usize> = spec.shard_points(None).iter().map(|p| p.index).collect();
        let mut union: Vec<usize> = (1..=4)
            .flat_map(|i| spec.shard_points(Some(Shard { index: i, count: 4 })))
            .map(|p| p.index)
            .collect();
        union.sort_unstable();
        assert_eq!(union, all);
        let p = &spec.shard_points(None)[4];
        assert_eq!(p.key(), "consumers.count=5;producers[0].rate=50/s");
        assert_ne!(
            replication_seed(1, &p.key(), 0),
            replication_seed(1, &p.key(), 1)
        );
        assert_ne!(
            replication_seed(1, &p.key(), 0),
            replication_seed(2, &p.key(), 0)
        );
        assert!("0/4".parse::<Shard>().is_err() && "5/4".parse::<Shard>().is_err());
    }
}
