//! Semantic checks on a deserialised scenario: each problem as (key path, message).

use super::schema::*;
use super::units::Capacity;
use crate::metrics::assertion::Assertion;

/// The most time-series points one run may record.
pub const MAX_SERIES_POINTS: f64 = 1_000_000.0;

/// Every problem found, as (key path, message). Empty means valid.
pub(crate) fn validate(scenario: &Scenario) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut problem = |path: String, message: String| problems.push((path, message));

    if scenario.duration.sim().as_nanos() == 0 {
        problem("duration".into(), "must be > 0".into());
    }
    if scenario.producers.is_empty() {
        problem(
            "producers".into(),
            "at least one producer is needed, e.g. [[producers]] rate = \"10/s\"".into(),
        );
    }
    let mut names = std::collections::BTreeSet::new();
    let mut class_count = 0usize;
    for (index, producer) in scenario.producers.iter().enumerate() {
        let at = |key: &str| format!("producers[{index}].{key}");
        if !producer.name.is_empty() && !names.insert(producer.name.as_str()) {
            problem(
                at("name"),
                format!(
                    "`{}` names two producers; names must be unique",
                    producer.name
                ),
            );
        }
        check_profile(&producer.profile, &at("profile"), &mut problem);
        class_count += producer.classes.len().max(1);
        for (class_index, class) in producer.classes.iter().enumerate() {
            let at = |key: &str| format!("producers[{index}].classes[{class_index}].{key}");
            if class.name.is_empty() {
                problem(at("name"), "must not be empty".into());
            }
            if !(class.share.is_finite() && class.share > 0.0) {
                problem(at("share"), format!("must be > 0, got {}", class.share));
            }
        }
        if let Some(retry) = &producer.retry {
            check_retry(retry, &at("retry"), &mut problem);
        }
        if !(0.0..=1.0).contains(&producer.poison_share) {
            problem(
                at("poison_share"),
                format!("must be between 0 and 1, got {}", producer.poison_share),
            );
        }
    }
    if class_count > 255 {
        problem(
            "producers".into(),
            format!("at most 255 classes in all, got {class_count}"),
        );
    }

    let queue = &scenario.queue;
    if let Some(mark) = queue.high_watermark {
        if !(mark > 0.0 && mark <= 1.0) {
            problem(
                "queue.high_watermark".into(),
                format!("must be a fraction of capacity in (0, 1], got {mark}"),
            );
        } else if queue.capacity == Capacity::Unbounded {
            problem(
                "queue.high_watermark".into(),
                "needs a bounded queue: set queue.capacity".into(),
            );
        }
    }
    if queue.overflow == OverflowPolicy::Block && queue.block_timeout.sim().as_nanos() == 0 {
        problem(
            "queue.block_timeout".into(),
            "must be > 0 when overflow = \"block\"".into(),
        );
    }

    let consumers = &scenario.consumers;
    if consumers.count == 0 {
        problem("consumers.count".into(), "must be ≥ 1".into());
    }
    if consumers.concurrency == 0 {
        problem("consumers.concurrency".into(), "must be ≥ 1".into());
    }
    if u64::from(consumers.count) * u64::from(consumers.concurrency) > 10_000_000 {
        problem(
            "consumers".into(),
            "count × concurrency must be ≤ 10,000,000".into(),
        );
    }
    if !(0.0..=1.0).contains(&consumers.error_probability) {
        problem(
            "consumers.error_probability".into(),
            format!(
                "must be between 0 and 1, got {}",
                consumers.error_probability
            ),
        );
    }
    check_distribution(
        &consumers.service_time,
        "consumers.service_time",
        &mut problem,
    );
    if let Some(retry) = &consumers.retry {
        check_retry(retry, "consumers.retry", &mut problem);
    }

    let interval = scenario.metrics.sample_interval.as_secs_f64();
    if interval <= 0.0 {
        problem("metrics.sample_interval".into(), "must be > 0".into());
    } else if scenario.duration.as_secs_f64() / interval > MAX_SERIES_POINTS {
        problem(
            "metrics.sample_interval".into(),
            format!(
                "{} over {} is more than {MAX_SERIES_POINTS} points; use a longer interval",
                scenario.metrics.sample_interval, scenario.duration
            ),
        );
    }
    if let Some(downstream) = &scenario.downstream {
        if downstream.pool_size == 0 {
            problem("downstream.pool_size".into(), "must be ≥ 1".into());
        }
        if downstream.timeout.sim().as_nanos() == 0 {
            problem("downstream.timeout".into(), "must be > 0".into());
        }
        if !(0.0..=1.0).contains(&downstream.error_probability) {
            problem(
                "downstream.error_probability".into(),
                format!(
                    "must be between 0 and 1, got {}",
                    downstream.error_probability
                ),
            );
        }
        check_distribution(&downstream.latency, "downstream.latency", &mut problem);
        if let Some(breaker) = &downstream.breaker {
            for (key, value) in [
                ("failure_rate_threshold", breaker.failure_rate_threshold),
                ("slow_call_rate_threshold", breaker.slow_call_rate_threshold),
            ] {
                if let Some(value) = value {
                    if !(value > 0.0 && value <= 100.0) {
                        problem(
                            format!("downstream.breaker.{key}"),
                            format!("a percentage in (0, 100], got {value}"),
                        );
                    }
                }
            }
            for (key, value) in [
                ("window_size", breaker.window_size),
                ("half_open_calls", breaker.half_open_calls),
            ] {
                if value == Some(0) {
                    problem(format!("downstream.breaker.{key}"), "must be ≥ 1".into());
                }
            }
        }
    }
    if let Some(check) = &consumers.health_check {
        if check.timeout.sim().as_nanos() == 0 {
            problem(
                "consumers.health_check.timeout".into(),
                "must be > 0".into(),
            );
        }
    }
    if let Some(autoscaler) = &scenario.autoscaler {
        if autoscaler.min == 0 {
            problem("autoscaler.min".into(), "must be ≥ 1".into());
        }
        if autoscaler.max < autoscaler.min {
            problem(
                "autoscaler.max".into(),
                format!("must be ≥ min ({})", autoscaler.min),
            );
        }
        if autoscaler.max > 10_000 {
            problem("autoscaler.max".into(), "must be ≤ 10,000".into());
        }
        if !(autoscaler.target.is_finite() && autoscaler.target > 0.0) {
            problem(
                "autoscaler.target".into(),
                format!("must be > 0, got {}", autoscaler.target),
            );
        }
        if autoscaler.evaluation_period.sim().as_nanos() == 0 {
            problem("autoscaler.evaluation_period".into(), "must be > 0".into());
        }
    }
    if let Some(limiter) = &scenario.rate_limiter {
        if limiter.rate.per_second() <= 0.0 {
            problem("rate_limiter.rate".into(), "must be > 0".into());
        }
        if limiter.burst == Some(0) {
            problem("rate_limiter.burst".into(), "must be ≥ 1".into());
        }
    }
    if let Some(shedding) = &scenario.shedding {
        if shedding.when_lag_over.is_none() && shedding.when_depth_over.is_none() {
            problem(
                "shedding".into(),
                "set when_lag_over, when_depth_over or both".into(),
            );
        }
    }
    for (index, fault) in scenario.faults.iter().enumerate() {
        let at = |key: &str| format!("faults[{index}].{key}");
        if let Some(until) = fault.until() {
            if until <= fault.at() {
                problem(at("until"), format!("must be after `at` ({})", fault.at()));
            }
        }
        let mut check = |key: &str, value: f64, valid: bool, what: &str| {
            if !valid {
                problem(at(key), format!("{what}, got {value}"));
            }
        };
        match *fault {
            FaultSpec::Traffic { multiplier, .. }
            | FaultSpec::DownstreamSlow { multiplier, .. } => check(
                "multiplier",
                multiplier,
                multiplier.is_finite() && multiplier >= 0.0,
                "must be ≥ 0",
            ),
            FaultSpec::DownstreamErrors { probability, .. } => check(
                "probability",
                probability,
                (0.0..=1.0).contains(&probability),
                "must be between 0 and 1",
            ),
            FaultSpec::Poison { share, .. } => check(
                "share",
                share,
                (0.0..=1.0).contains(&share),
                "must be between 0 and 1",
            ),
            FaultSpec::ConsumerCrash { count: 0, .. } => problem(
                at("count"),
                "how many consumers crash: must be ≥ 1, got 0".into(),
            ),
            FaultSpec::DownstreamReadOnly { .. }
            | FaultSpec::DownstreamDown { .. }
            | FaultSpec::ConsumerCrash { .. } => {}
        }
        let is_downstream = matches!(
            fault.kind(),
            FaultKind::DownstreamSlow
                | FaultKind::DownstreamErrors
                | FaultKind::DownstreamReadOnly
                | FaultKind::DownstreamDown
        );
        if is_downstream && scenario.downstream.is_none() {
            problem(
                at("kind"),
                format!("`{}` needs a [downstream] table", fault.kind().name()),
            );
        }
    }
    if scenario.limits.max_events == 0 {
        problem("limits.max_events".into(), "must be > 0".into());
    }
    if scenario.limits.max_memory_mib == 0 {
        problem("limits.max_memory_mib".into(), "must be > 0".into());
    }
    if scenario.limits.max_events_per_instant < 1_000 {
        problem(
            "limits.max_events_per_instant".into(),
            format!(
                "must be at least 1000 (a busy instant is normal), got {}",
                scenario.limits.max_events_per_instant
            ),
        );
    }
    if scenario.limits.max_live_messages == 0 {
        problem("limits.max_live_messages".into(), "must be > 0".into());
    }
    for (index, table) in scenario.assertions.iter().enumerate() {
        if let Err(message) = Assertion::from_table(table) {
            let key = table
                .keys()
                .next()
                .map(|k| format!(".{k}"))
                .unwrap_or_default();
            problem(format!("assert[{index}]{key}"), message);
        }
    }
    problems
}

fn check_profile(profile: &RateProfileSpec, path: &str, problem: &mut impl FnMut(String, String)) {
    match profile {
        RateProfileSpec::Steady => {}
        RateProfileSpec::Schedule { steps } => {
            if steps.is_empty() {
                problem(
                    format!("{path}.steps"),
                    "a schedule needs at least one step".into(),
                );
            }
            for (index, step) in steps.iter().enumerate() {
                if !(step.multiplier.is_finite() && step.multiplier >= 0.0) {
                    problem(
                        format!("{path}.steps[{index}].multiplier"),
                        format!("must be ≥ 0, got {}", step.multiplier),
                    );
                }
                if index > 0 && step.at <= steps[index - 1].at {
                    problem(
                        format!("{path}.steps[{index}].at"),
                        "steps must be in increasing time order".into(),
                    );
                }
            }
        }
        RateProfileSpec::OnOff {
            on,
            off,
            off_multiplier,
        } => {
            if on.sim().as_nanos() == 0 {
                problem(format!("{path}.on"), "must be > 0".into());
            }
            if off.sim().as_nanos() == 0 {
                problem(format!("{path}.off"), "must be > 0".into());
            }
            if !(off_multiplier.is_finite() && *off_multiplier >= 0.0) {
                problem(
                    format!("{path}.off_multiplier"),
                    format!("must be ≥ 0, got {off_multiplier}"),
                );
            }
        }
        RateProfileSpec::Sine { period, amplitude } => {
            if period.sim().as_nanos() == 0 {
                problem(format!("{path}.period"), "must be > 0".into());
            }
            if !(0.0..=1.0).contains(amplitude) {
                problem(
                    format!("{path}.amplitude"),
                    format!("must be between 0 and 1, got {amplitude}"),
                );
            }
        }
    }
}

fn check_retry(retry: &RetrySpec, path: &str, problem: &mut impl FnMut(String, String)) {
    if retry.max_attempts == 0 || retry.max_attempts > 100 {
        problem(
            format!("{path}.max_attempts"),
            format!(
                "must be between 1 and 100 (1 = no retries), got {}",
                retry.max_attempts
            ),
        );
    }
    if retry.base > retry.cap {
        problem(
            format!("{path}.base"),
            format!("must not exceed cap ({})", retry.cap),
        );
    }
    if let Some(RetryBudgetSpec::Grpc {
        max_tokens,
        token_ratio,
    }) = &retry.budget
    {
        if !(max_tokens.is_finite() && *max_tokens > 0.0) {
            problem(
                format!("{path}.budget.max_tokens"),
                format!("must be > 0, got {max_tokens}"),
            );
        }
        if !(token_ratio.is_finite() && *token_ratio >= 0.0) {
            problem(
                format!("{path}.budget.token_ratio"),
                format!("must be ≥ 0, got {token_ratio}"),
            );
        }
    }
}

fn check_distribution(
    spec: &DistributionSpec,
    path: &str,
    problem: &mut impl FnMut(String, String),
) {
    let positive = |value: f64| value.is_finite() && value > 0.0;
    match spec {
        DistributionSpec::Constant { .. } => {}
        DistributionSpec::Exponential { mean } => {
            if mean.sim().as_nanos() == 0 {
                problem(format!("{path}.mean"), "must be > 0".into());
            }
        }
        DistributionSpec::Lognormal { mean, .. } => {
            if mean.sim().as_nanos() == 0 {
                problem(format!("{path}.mean"), "must be > 0".into());
            }
        }
        DistributionSpec::Uniform { min, max } => {
            if min > max {
                problem(
                    format!("{path}.min"),
                    format!("must not exceed max ({max})"),
                );
            }
        }
        DistributionSpec::Pareto { min, shape } => {
            if min.sim().as_nanos() == 0 {
                problem(format!("{path}.min"), "must be > 0".into());
            }
            if !positive(*shape) {
                problem(format!("{path}.shape"), format!("must be > 0, got {shape}"));
            }
        }
        DistributionSpec::Empirical { values, weights } => {
            if values.is_empty() {
                problem(format!("{path}.values"), "needs at least one value".into());
            }
            if !weights.is_empty() {
                if weights.len() != values.len() {
                    problem(
                        format!("{path}.weights"),
                        format!("has {} weights for {} values", weights.len(), values.len()),
                    );
                } else if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
                    || weights.iter().sum::<f64>() <= 0.0
                {
                    problem(
                        format!("{path}.weights"),
                        "weights must be ≥ 0 with a positive sum".into(),
                    );
                }
            }
        }
    }
}
