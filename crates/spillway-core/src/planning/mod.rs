//! Capacity planning: what queueing theory says a design needs ([`analytic_minimum`]), what
//! simulation says when the closed forms stop being true ([`CountSearch`] over replicated
//! runs), and parameter sweeps with confidence intervals ([`SweepSpec`]). Pure computation:
//! the CLI runs replications in parallel, the playground in time slices.

mod analytic_plan;
mod count_search;
mod estimate;
mod sweep;
mod workload;

pub use analytic_plan::{AnalyticPoint, analytic_minimum, simulated_only};
pub use count_search::{CountSearch, CountTrial, SloVerdict};
pub use estimate::{Estimate, student_t_975};
pub use sweep::{
    MAX_POINTS, MAX_VALUES_PER_VARY, MAX_VARIES, Shard, SweepPoint, SweepResults, SweepRow,
    SweepSpec, Vary, point_scenario, replication_seed, run_replication,
};
pub use workload::{Caveat, Workload, service_mean, service_scv};
