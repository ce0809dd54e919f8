//! Semantic checks on a deserialised scenario: each problem as (key path, message).

use super::schema::*;
use super::units::{Capacity, Duration, Rate};
use crate::metrics::assertion::Assertion;

/// The most time-series points one run may record.
pub const MAX_SERIES_POINTS: f64 = 1_000_000.0;
/// The shortest timeout or restart delay that means anything: a health check that kills a
/// consumer after a nanosecond, or a consumer back the instant it died, only makes a run
/// spin through kills and restarts at one instant.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);
/// The fastest rate, messages per second: time is whole nanoseconds, so more than 1e9/s
/// would be several arrivals per nanosecond.
pub const MAX_RATE_PER_SECOND: f64 = 1e9;
/// The largest rate or latency multiplier (profiles, faults).
pub const MAX_MULTIPLIER: f64 = 1e9;
/// The most producers in a scenario: each is at least one priority class, and a message
/// stores its class in a byte.
pub const MAX_PRODUCERS: usize = MAX_CLASSES;
/// The most priority classes across all producers (a message stores its class in a byte).
pub const MAX_CLASSES: usize = 255;
/// The most consumers (`consumers.count`, `autoscaler.max`; the live knob's limit too).
pub const MAX_CONSUMERS: u32 = crate::model::intervention::MAX_CONSUMERS;
/// The most messages one consumer works on at once.
pub const MAX_CONCURRENCY: u32 = 10_000;
/// The most consumer slots (consumers × concurrency) a pool may have: every slot costs memory
/// at setup and a look at each sample (the age of the oldest message in service), so this
/// keeps both to milliseconds.
pub const MAX_CONSUMER_SLOTS: u64 = crate::model::intervention::MAX_CONSUMER_SLOTS;
/// The largest memory budget a scenario may set (`limits.max_memory_mib`), MiB.
pub const MAX_MEMORY_MIB: u64 = 65_536;
/// The largest event budget a scenario may set (`limits.max_events`).
pub const MAX_EVENTS: u64 = 100_000_000_000;
/// The most scripted faults.
pub const MAX_FAULTS: usize = 1_000;
/// The largest circuit-breaker window (calls or seconds; the breaker keeps one entry each).
pub const MAX_BREAKER_WINDOW: u32 = 100_000;
/// The most messages alive at once that a scenario may allow (`limits.max_live_messages`);
/// about 1.3 GB of backlog.
pub const MAX_LIVE_MESSAGES: u64 = 100_000_000;

/// Every problem found, as (key path, message). Empty means valid.
/// Most messages `initial_backlog` may hold (1.2 GB of queue).
pub const MAX_INITIAL_BACKLOG: u64 = 100_000_000;

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
    if scenario.producers.len() > MAX_PRODUCERS {
        problem(
            "producers".into(),
            format!(
                "at most {MAX_PRODUCERS} producers, got {} (each producer is at least one \
                 priority class, and a message stores its class in a byte)",
                scenario.producers.len()
            ),
        );
    }
    // Every traffic fault at once: the most any producer's rate can be multiplied by.
    let traffic_peak: f64 = scenario
        .faults
        .iter()
        .filter_map(|fault| match *fault {
            FaultSpec::Traffic { multiplier, .. } => Some(multiplier),
            _ => None,
        })
        .filter(|m| m.is_finite())
        .map(|m| m.max(1.0))
        .product();
    let mut names = std::collections::BTreeSet::new();
    let mut class_count = 0usize;
    for (index, producer) in scenario.producers.iter().enumerate() {
        let at = |key: &str| format!("producers[{index}].{key}");
        if check_rate(producer.rate, &at("rate"), &mut problem) {
            let peak = producer.rate.per_second() * profile_peak(&producer.profile) * traffic_peak;
            if peak > MAX_RATE_PER_SECOND {
                problem(
                    at("rate"),
                    format!(
                        "{} peaks at {peak:e}/s with its profile and traffic faults, more than \
                         {MAX_RATE_PER_SECOND:e}/s: time is whole nanoseconds, so that is \
                         several arrivals per nanosecond",
                        producer.rate
                    ),
                );
            }
        }
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
        let before = class_count;
        class_count += producer.classes.len().max(1);
        // Too many producers is said once, above; here only classes the user wrote.
        let over = before <= MAX_CLASSES && class_count > MAX_CLASSES;
        if over && scenario.producers.len() <= MAX_PRODUCERS {
            problem(
                at("classes"),
                format!(
                    "at most {MAX_CLASSES} priority classes across all producers; this \
                     producer brings them to {class_count}"
                ),
            );
        }
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

    if let Some(sqs) = &scenario.sqs {
        check_sqs(sqs, scenario, &mut problem);
    }
    if let Some(kafka) = &scenario.kafka {
        check_kafka(kafka, scenario, &mut problem);
    }
    if let Some(thrashing) = &scenario.consumers.thrashing {
        if thrashing.above == 0 {
            problem(
                "consumers.thrashing.above".into(),
                "must be at least 1 (a consumer works on one message without slowing)".into(),
            );
        }
        if !(thrashing.slowdown.is_finite() && (0.0..=100.0).contains(&thrashing.slowdown)) {
            problem(
                "consumers.thrashing.slowdown".into(),
                format!(
                    "must be between 0 and 100 (a fraction of the service time per message), got {}",
                    thrashing.slowdown
                ),
            );
        }
        if !(thrashing.exponent.is_finite() && (1.0..=4.0).contains(&thrashing.exponent)) {
            problem(
                "consumers.thrashing.exponent".into(),
                format!("must be between 1 and 4, got {}", thrashing.exponent),
            );
        }
    }
    if let Some(rabbitmq) = &scenario.rabbitmq {
        check_rabbitmq(rabbitmq, scenario, &mut problem);
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
    if queue.overflow == OverflowPolicy::Block {
        check_timeout(queue.block_timeout, "queue.block_timeout", &mut problem);
    }
    if let Capacity::Bounded(capacity) = queue.capacity {
        if scenario.initial_backlog > capacity && scenario.sqs.is_none() && scenario.kafka.is_none()
        {
            problem(
                "initial_backlog".into(),
                format!(
                    "{} messages do not fit in queue.capacity = {capacity}",
                    scenario.initial_backlog
                ),
            );
        }
    }
    if scenario.initial_backlog > MAX_INITIAL_BACKLOG {
        problem(
            "initial_backlog".into(),
            format!(
                "at most {MAX_INITIAL_BACKLOG} messages (12 bytes each in the queue), got {}",
                scenario.initial_backlog
            ),
        );
    }
    if queue.capacity == Capacity::Bounded(0) {
        if queue.overflow != OverflowPolicy::Reject {
            problem(
                "queue.overflow".into(),
                "a queue with capacity = 0 has no waiting room (a loss system: a message that \
                 finds every consumer busy is refused, as in Erlang B); only overflow = \"reject\" \
                 means something there"
                    .into(),
            );
        }
        if queue.high_watermark.is_some() {
            problem(
                "queue.high_watermark".into(),
                "needs waiting room: a queue with capacity = 0 holds nothing to push back on"
                    .into(),
            );
        }
    }

    let consumers = &scenario.consumers;
    if consumers.count == 0 {
        problem("consumers.count".into(), "must be ≥ 1".into());
    } else if consumers.count > MAX_CONSUMERS {
        problem(
            "consumers.count".into(),
            format!("must be ≤ {MAX_CONSUMERS}, got {}", consumers.count),
        );
    }
    if consumers.concurrency == 0 {
        problem("consumers.concurrency".into(), "must be ≥ 1".into());
    } else if consumers.concurrency > MAX_CONCURRENCY {
        problem(
            "consumers.concurrency".into(),
            format!("must be ≤ {MAX_CONCURRENCY}, got {}", consumers.concurrency),
        );
    }
    // The pool can grow to the autoscaler's max; every consumer has `concurrency` slots.
    let (most_consumers, most_at) = match &scenario.autoscaler {
        Some(autoscaler) if autoscaler.max > consumers.count => (autoscaler.max, "autoscaler.max"),
        _ => (consumers.count, "consumers.count"),
    };
    let slots = u64::from(most_consumers) * u64::from(consumers.concurrency);
    if slots > MAX_CONSUMER_SLOTS {
        problem(
            "consumers.concurrency".into(),
            format!(
                "{most_at} ({most_consumers}) × concurrency ({}) is {slots} consumer slots; \
                 at most {MAX_CONSUMER_SLOTS}",
                consumers.concurrency
            ),
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
        check_timeout(downstream.timeout, "downstream.timeout", &mut problem);
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
            if let Some(size) = breaker.window_size {
                if size > MAX_BREAKER_WINDOW {
                    problem(
                        "downstream.breaker.window_size".into(),
                        format!("must be ≤ {MAX_BREAKER_WINDOW}, got {size}"),
                    );
                }
            }
            if let Some(wait) = breaker.wait_in_open {
                check_timeout(wait, "downstream.breaker.wait_in_open", &mut problem);
            }
        }
    }
    if let Some(check) = &consumers.health_check {
        check_timeout(
            check.timeout,
            "consumers.health_check.timeout",
            &mut problem,
        );
        check_timeout(
            check.restart_after,
            "consumers.health_check.restart_after",
            &mut problem,
        );
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
        if autoscaler.max > MAX_CONSUMERS {
            problem(
                "autoscaler.max".into(),
                format!("must be ≤ {MAX_CONSUMERS}, got {}", autoscaler.max),
            );
        }
        if !(autoscaler.target.is_finite() && autoscaler.target > 0.0) {
            problem(
                "autoscaler.target".into(),
                format!("must be > 0, got {}", autoscaler.target),
            );
        }
        check_timeout(
            autoscaler.evaluation_period,
            "autoscaler.evaluation_period",
            &mut problem,
        );
    }
    if let Some(limiter) = &scenario.rate_limiter {
        if limiter.rate.per_second() <= 0.0 {
            problem("rate_limiter.rate".into(), "must be > 0".into());
        } else {
            check_rate(limiter.rate, "rate_limiter.rate", &mut problem);
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
    if scenario.faults.len() > MAX_FAULTS {
        problem(
            "faults".into(),
            format!("at most {MAX_FAULTS} faults, got {}", scenario.faults.len()),
        );
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
                (0.0..=MAX_MULTIPLIER).contains(&multiplier),
                &format!("must be between 0 and {MAX_MULTIPLIER:e}"),
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
            FaultSpec::ConsumerCrash {
                count,
                restart_after,
                ..
            } => {
                if count == 0 {
                    problem(
                        at("count"),
                        "how many consumers crash: must be ≥ 1, got 0".into(),
                    );
                }
                if let Some(restart_after) = restart_after {
                    check_timeout(restart_after, &at("restart_after"), &mut problem);
                }
            }
            FaultSpec::DownstreamReadOnly { .. } | FaultSpec::DownstreamDown { .. } => {}
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
    } else if scenario.limits.max_memory_mib > MAX_MEMORY_MIB {
        problem(
            "limits.max_memory_mib".into(),
            format!(
                "must be ≤ {MAX_MEMORY_MIB} (64 GiB): a budget is a limit that holds, got {}",
                scenario.limits.max_memory_mib
            ),
        );
    }
    if scenario.limits.max_events > MAX_EVENTS {
        problem(
            "limits.max_events".into(),
            format!(
                "must be ≤ {MAX_EVENTS} (hours of work at any speed), got {}",
                scenario.limits.max_events
            ),
        );
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
    if !(1..=MAX_LIVE_MESSAGES).contains(&scenario.limits.max_live_messages) {
        problem(
            "limits.max_live_messages".into(),
            format!(
                "must be between 1 and {MAX_LIVE_MESSAGES} (about 1.3 GB of backlog), got {}",
                scenario.limits.max_live_messages
            ),
        );
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
                if !(0.0..=MAX_MULTIPLIER).contains(&step.multiplier) {
                    problem(
                        format!("{path}.steps[{index}].multiplier"),
                        format!(
                            "must be between 0 and {MAX_MULTIPLIER:e}, got {}",
                            step.multiplier
                        ),
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
            // Each switch is an event: a nanosecond burst would be an event storm.
            check_timeout(*on, &format!("{path}.on"), problem);
            check_timeout(*off, &format!("{path}.off"), problem);
            if on
                .sim()
                .as_nanos()
                .checked_add(off.sim().as_nanos())
                .is_none()
            {
                problem(
                    format!("{path}.off"),
                    format!("on + off ({on} + {off}) overflows: a cycle must be under 584 years"),
                );
            }
            if !(0.0..=MAX_MULTIPLIER).contains(off_multiplier) {
                problem(
                    format!("{path}.off_multiplier"),
                    format!("must be between 0 and {MAX_MULTIPLIER:e}, got {off_multiplier}"),
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

/// The SQS queue's settings, within AWS's limits (each error names the AWS limit).
fn check_sqs(sqs: &SqsSpec, scenario: &Scenario, problem: &mut impl FnMut(String, String)) {
    let hours_12 = Duration::from_secs(12 * 3_600);
    if sqs.visibility_timeout > hours_12 {
        problem(
            "sqs.visibility_timeout".into(),
            format!(
                "must be at most 12h (SQS's limit), got {}",
                sqs.visibility_timeout
            ),
        );
    }
    if let Some(count) = sqs.max_receive_count {
        if !(1..=1_000).contains(&count) {
            problem(
                "sqs.max_receive_count".into(),
                format!("must be between 1 and 1000 (SQS's redrive limits), got {count}"),
            );
        }
    }
    if !(1..=10).contains(&sqs.receive_batch) {
        problem(
            "sqs.receive_batch".into(),
            format!(
                "must be between 1 and 10 (ReceiveMessage's MaxNumberOfMessages), got {}",
                sqs.receive_batch
            ),
        );
    }
    if sqs.wait_time > Duration::from_secs(20) {
        problem(
            "sqs.wait_time".into(),
            format!(
                "must be at most 20s (ReceiveMessage's WaitTimeSeconds), got {}",
                sqs.wait_time
            ),
        );
    }
    let most = SqsSpec {
        in_flight_limit: None,
        ..sqs.clone()
    }
    .in_flight_limit();
    if let Some(limit) = sqs.in_flight_limit {
        if !(1..=most).contains(&limit) {
            problem(
                "sqs.in_flight_limit".into(),
                format!(
                    "must be between 1 and {most} (SQS's limit for this queue type), got {limit}"
                ),
            );
        }
    }
    if !(Duration::from_secs(60)..=Duration::from_secs(14 * 86_400)).contains(&sqs.retention) {
        problem(
            "sqs.retention".into(),
            format!(
                "must be between 60s and 14d (MessageRetentionPeriod), got {}",
                sqs.retention
            ),
        );
    }
    if sqs.delivery_delay > Duration::from_secs(900) {
        problem(
            "sqs.delivery_delay".into(),
            format!(
                "must be at most 15m (DelaySeconds), got {}",
                sqs.delivery_delay
            ),
        );
    }
    if sqs.delivery_delay >= sqs.retention {
        problem(
            "sqs.delivery_delay".into(),
            format!(
                "{} is not shorter than sqs.retention ({}): every message would expire before \
                 it could be received",
                sqs.delivery_delay, sqs.retention
            ),
        );
    }
    if !(1..=100_000).contains(&sqs.message_groups) {
        problem(
            "sqs.message_groups".into(),
            format!("must be between 1 and 100000, got {}", sqs.message_groups),
        );
    } else if sqs.message_groups > 1 && sqs.queue_type == SqsQueueType::Standard {
        problem(
            "sqs.message_groups".into(),
            "message groups need a FIFO queue: set sqs.type = \"fifo\"".into(),
        );
    }
    if !(0.0..=1.0).contains(&sqs.lost_send_responses) {
        problem(
            "sqs.lost_send_responses".into(),
            format!("must be between 0 and 1, got {}", sqs.lost_send_responses),
        );
    }
    if !(0.0..=1.0).contains(&sqs.duplicate_events) {
        problem(
            "sqs.duplicate_events".into(),
            format!("must be between 0 and 1, got {}", sqs.duplicate_events),
        );
    }
    check_timeout(
        sqs.duplicate_event_after,
        "sqs.duplicate_event_after",
        problem,
    );
    if sqs.duplicate_event_after > Duration::from_secs(86_400) {
        problem(
            "sqs.duplicate_event_after".into(),
            format!("must be at most 1d, got {}", sqs.duplicate_event_after),
        );
    }
    if sqs.content_based_deduplication && sqs.queue_type == SqsQueueType::Standard {
        problem(
            "sqs.content_based_deduplication".into(),
            "deduplication needs a FIFO queue: set sqs.type = \"fifo\"".into(),
        );
    }
    if !(Duration::from_secs(60)..=Duration::from_secs(14 * 86_400))
        .contains(&sqs.dead_letter_retention)
    {
        problem(
            "sqs.dead_letter_retention".into(),
            format!(
                "must be between 60s and 14d (the dead-letter queue's MessageRetentionPeriod), \
                 got {}",
                sqs.dead_letter_retention
            ),
        );
    }
    check_timeout(sqs.resend_after, "sqs.resend_after", problem);
    if sqs.resend_after > Duration::from_secs(3_600) {
        problem(
            "sqs.resend_after".into(),
            format!("must be at most 1h, got {}", sqs.resend_after),
        );
    }
    if let Some(heartbeat) = &sqs.heartbeat {
        check_timeout(heartbeat.every, "sqs.heartbeat.every", problem);
        if heartbeat.extend_to > hours_12 {
            problem(
                "sqs.heartbeat.extend_to".into(),
                format!(
                    "must be at most 12h (ChangeMessageVisibility's limit), got {}",
                    heartbeat.extend_to
                ),
            );
        } else if heartbeat.extend_to <= heartbeat.every {
            problem(
                "sqs.heartbeat.extend_to".into(),
                format!(
                    "must be longer than sqs.heartbeat.every ({}), got {}: the message would \
                     become visible between two heartbeats",
                    heartbeat.every, heartbeat.extend_to
                ),
            );
        }
    }
    if scenario.queue != QueueSpec::default() {
        problem(
            "queue".into(),
            "an SQS queue ([sqs]) replaces [queue]: it has no capacity, overflow or order; \
             remove [queue]"
                .into(),
        );
    }
    if scenario.shedding.is_some() {
        problem(
            "shedding".into(),
            "load shedding needs [queue]; SQS accepts every send".into(),
        );
    }
}

/// The most partitions a topic may have (a partition costs a log and a sample column).
pub const MAX_PARTITIONS: u32 = 10_000;
/// The most keys a key distribution may draw from (each key's partition is computed once).
pub const MAX_KEYS: u32 = 1_000_000;

/// The Kafka topic's and consumer group's settings (each error names the Kafka config).
fn check_kafka(kafka: &KafkaSpec, scenario: &Scenario, problem: &mut impl FnMut(String, String)) {
    if !(1..=MAX_PARTITIONS).contains(&kafka.partitions) {
        problem(
            "kafka.partitions".into(),
            format!(
                "must be between 1 and {MAX_PARTITIONS}, got {}",
                kafka.partitions
            ),
        );
    }
    let count_ok = |count: u32, problem: &mut dyn FnMut(String, String)| {
        if !(1..=MAX_KEYS).contains(&count) {
            problem(
                "kafka.keys.count".into(),
                format!("must be between 1 and {MAX_KEYS}, got {count}"),
            );
        }
    };
    match &kafka.keys {
        KeySpec::None => {}
        KeySpec::Uniform { count } => count_ok(*count, problem),
        KeySpec::Zipf { count, s } => {
            count_ok(*count, problem);
            if !(s.is_finite() && *s > 0.0 && *s <= 10.0) {
                problem(
                    "kafka.keys.s".into(),
                    format!("the Zipf skew must be in (0, 10], got {s}"),
                );
            }
        }
        KeySpec::Hot { key, share, count } => {
            count_ok(*count, problem);
            if !(0.0..=1.0).contains(share) {
                problem(
                    "kafka.keys.share".into(),
                    format!("must be between 0 and 1, got {share}"),
                );
            }
            if key.is_empty() || key.len() > 256 {
                problem(
                    "kafka.keys.key".into(),
                    "the hot key must be 1 to 256 bytes".into(),
                );
            }
        }
    }
    if !(1..=1_000_000).contains(&kafka.sticky_batch) {
        problem(
            "kafka.sticky_batch".into(),
            format!("must be between 1 and 1000000, got {}", kafka.sticky_batch),
        );
    }
    check_timeout(kafka.retention, "kafka.retention", problem);
    if kafka.retention_records == Some(0) {
        problem(
            "kafka.retention_records".into(),
            "must be at least 1 (leave it out for no size limit)".into(),
        );
    }
    if !(1..=100_000).contains(&kafka.max_poll_records) {
        problem(
            "kafka.max_poll_records".into(),
            format!(
                "must be between 1 and 100000 (max.poll.records), got {}",
                kafka.max_poll_records
            ),
        );
    }
    check_timeout(kafka.max_poll_interval, "kafka.max_poll_interval", problem);
    check_timeout(kafka.session_timeout, "kafka.session_timeout", problem);
    check_timeout(
        kafka.auto_commit_interval,
        "kafka.auto_commit_interval",
        problem,
    );
    check_timeout(kafka.rebalance_time, "kafka.rebalance_time", problem);
    check_timeout(kafka.retry_backoff, "kafka.retry_backoff", problem);
    let day = Duration::from_secs(86_400);
    for (value, key) in [
        (kafka.max_poll_interval, "kafka.max_poll_interval"),
        (kafka.session_timeout, "kafka.session_timeout"),
        (kafka.auto_commit_interval, "kafka.auto_commit_interval"),
        (kafka.rebalance_time, "kafka.rebalance_time"),
        (kafka.retry_backoff, "kafka.retry_backoff"),
    ] {
        if value > day {
            problem(key.into(), format!("must be at most 1d, got {value}"));
        }
    }
    if !(1..=10_000).contains(&kafka.attempts) {
        problem(
            "kafka.attempts".into(),
            format!("must be between 1 and 10000, got {}", kafka.attempts),
        );
    }
    if !(0.0..=1.0).contains(&kafka.slow_records) {
        problem(
            "kafka.slow_records".into(),
            format!("must be between 0 and 1, got {}", kafka.slow_records),
        );
    }
    if !(kafka.slow_factor.is_finite() && (1.0..=MAX_MULTIPLIER).contains(&kafka.slow_factor)) {
        problem(
            "kafka.slow_factor".into(),
            format!(
                "must be between 1 and {MAX_MULTIPLIER:e}, got {}",
                kafka.slow_factor
            ),
        );
    }
    if scenario.sqs.is_some() {
        problem(
            "kafka".into(),
            "a scenario has one broker: [kafka] or [sqs], not both".into(),
        );
    }
    if scenario.queue != QueueSpec::default() {
        problem(
            "queue".into(),
            "a Kafka topic ([kafka]) replaces [queue]: it has no capacity or overflow (its \
             log keeps every record until retention deletes it); remove [queue]"
                .into(),
        );
    }
    if scenario.shedding.is_some() {
        problem(
            "shedding".into(),
            "load shedding needs [queue]; a Kafka topic accepts every record".into(),
        );
    }
    if scenario.consumers.concurrency != 1 {
        problem(
            "consumers.concurrency".into(),
            format!(
                "a Kafka group member processes its records one at a time, in order (the \
                 poll loop); use more consumers or partitions instead, got {}",
                scenario.consumers.concurrency
            ),
        );
    }
    if scenario.consumers.retry.is_some() {
        problem(
            "consumers.retry".into(),
            "a Kafka member retries in place: set kafka.on_error, kafka.attempts and \
             kafka.retry_backoff instead"
                .into(),
        );
    }
    if scenario.consumers.health_check.is_some() {
        problem(
            "consumers.health_check".into(),
            "a Kafka group's liveness is max.poll.interval and session.timeout: set \
             kafka.max_poll_interval instead"
                .into(),
        );
    }
}

/// Most memory a node may have (1 PiB): products with message counts stay far from
/// overflow.
pub const MAX_NODE_MEMORY: u64 = 1 << 50;
/// Most free disk space a RabbitMQ node may start with (1 EiB).
const MAX_DISK: u64 = 1 << 60;
/// Largest confirm window a RabbitMQ producer may keep.
const MAX_UNCONFIRMED: u32 = 1_000_000;

fn check_rabbitmq(
    rabbit: &RabbitSpec,
    scenario: &Scenario,
    problem: &mut impl FnMut(String, String),
) {
    if rabbit.prefetch > crate::model::intervention::MAX_PREFETCH {
        problem(
            "rabbitmq.prefetch".into(),
            format!(
                "must be at most {} (basic.qos takes a 16-bit count; 0 is unlimited), got {}",
                crate::model::intervention::MAX_PREFETCH,
                rabbit.prefetch
            ),
        );
    }
    let memory = rabbit.node_memory.bytes();
    if !(1..=MAX_NODE_MEMORY).contains(&memory) {
        problem(
            "rabbitmq.node_memory".into(),
            format!("must be between 1B and 1PiB, got {}", rabbit.node_memory),
        );
    }
    if rabbit.base_memory.bytes() > MAX_NODE_MEMORY {
        problem(
            "rabbitmq.base_memory".into(),
            format!("must be at most 1PiB, got {}", rabbit.base_memory),
        );
    }
    if !(1..=(1 << 30)).contains(&rabbit.message_size.bytes()) {
        problem(
            "rabbitmq.message_size".into(),
            format!("must be between 1B and 1GiB, got {}", rabbit.message_size),
        );
    }
    if !(rabbit.high_watermark > 0.0 && rabbit.high_watermark <= 1.0) {
        problem(
            "rabbitmq.high_watermark".into(),
            format!(
                "must be a fraction of node_memory in (0, 1], got {}",
                rabbit.high_watermark
            ),
        );
    } else if (rabbit.base_memory.bytes() as f64) >= rabbit.high_watermark * memory as f64 {
        problem(
            "rabbitmq.base_memory".into(),
            format!(
                "{} is already above the watermark ({} of {}): the alarm would block \
                 publishers from the start",
                rabbit.base_memory, rabbit.high_watermark, rabbit.node_memory
            ),
        );
    }
    if !(rabbit.paging_ratio.is_finite()
        && rabbit.paging_ratio > 0.0
        && rabbit.paging_ratio <= 10.0)
    {
        problem(
            "rabbitmq.paging_ratio".into(),
            format!(
                "must be in (0, 10] (above 1 a queue never pages), got {}",
                rabbit.paging_ratio
            ),
        );
    }
    let second = Duration::from_secs(1);
    for (value, key) in [
        (rabbit.page_cost, "rabbitmq.page_cost"),
        (rabbit.quorum_cost, "rabbitmq.quorum_cost"),
    ] {
        if value > second {
            problem(
                key.into(),
                format!("must be at most 1s a message, got {value}"),
            );
        }
    }
    check_timeout(rabbit.publish_timeout, "rabbitmq.publish_timeout", problem);
    check_timeout(
        rabbit.memory_check_interval,
        "rabbitmq.memory_check_interval",
        problem,
    );
    if rabbit.memory_check_interval > Duration::from_secs(3600) {
        problem(
            "rabbitmq.memory_check_interval".into(),
            format!("must be at most 1h, got {}", rabbit.memory_check_interval),
        );
    }
    if rabbit.publish_timeout > Duration::from_secs(86_400) {
        problem(
            "rabbitmq.publish_timeout".into(),
            format!("must be at most 1d, got {}", rabbit.publish_timeout),
        );
    }
    if rabbit.max_length == Some(0) {
        problem(
            "rabbitmq.max_length".into(),
            "must be at least 1 (leave it out for no limit)".into(),
        );
    }
    if let Some(bytes) = rabbit.max_length_bytes {
        if bytes.bytes() < rabbit.message_size.bytes() {
            problem(
                "rabbitmq.max_length_bytes".into(),
                format!(
                    "{bytes} holds not even one message of {} (leave it out for no limit)",
                    rabbit.message_size
                ),
            );
        }
    }
    if let Some(ttl) = rabbit.message_ttl {
        check_timeout(ttl, "rabbitmq.message_ttl", problem);
    }
    if let Some(limit) = rabbit.delivery_limit {
        if rabbit.queue_type != RabbitQueueType::Quorum {
            problem(
                "rabbitmq.delivery_limit".into(),
                "x-delivery-limit is a quorum queue argument: set type = \"quorum\"".into(),
            );
        }
        if !(1..=10_000).contains(&limit) {
            problem(
                "rabbitmq.delivery_limit".into(),
                format!("must be between 1 and 10000, got {limit}"),
            );
        }
    }
    if rabbit.disk_free.bytes() > MAX_DISK {
        problem(
            "rabbitmq.disk_free".into(),
            format!("must be at most 1EiB, got {}", rabbit.disk_free),
        );
    } else if rabbit.disk_free_limit > rabbit.disk_free {
        problem(
            "rabbitmq.disk_free_limit".into(),
            format!(
                "{} is more than the {} free at the start: the disk alarm would block \
                 publishers from the start",
                rabbit.disk_free_limit, rabbit.disk_free
            ),
        );
    }
    if let Some(window) = rabbit.max_unconfirmed {
        if !rabbit.publisher_confirms {
            problem(
                "rabbitmq.max_unconfirmed".into(),
                "a confirm window needs confirms: set publisher_confirms = true (or leave \
                 max_unconfirmed out for fire-and-forget)"
                    .into(),
            );
        }
        if !(1..=MAX_UNCONFIRMED).contains(&window) {
            problem(
                "rabbitmq.max_unconfirmed".into(),
                format!("must be between 1 and {MAX_UNCONFIRMED}, got {window}"),
            );
        }
    } else if !rabbit.confirm_latency.is_zero() {
        problem(
            "rabbitmq.confirm_latency".into(),
            if rabbit.publisher_confirms {
                "only a confirm window waits for confirms: set max_unconfirmed too".into()
            } else {
                "fire-and-forget publishers wait for no confirm: set publisher_confirms = true \
                 and max_unconfirmed, or leave confirm_latency out"
                    .into()
            },
        );
    }
    if rabbit.confirm_latency > Duration::from_secs(3600) {
        problem(
            "rabbitmq.confirm_latency".into(),
            format!("must be at most 1h, got {}", rabbit.confirm_latency),
        );
    }
    if rabbit.overflow == RabbitOverflow::RejectPublishDlx && !rabbit.dead_letter_exchange {
        problem(
            "rabbitmq.overflow".into(),
            "reject-publish-dlx dead-letters what it rejects: set dead_letter_exchange = true \
             (or use reject-publish)"
                .into(),
        );
    }
    if scenario.sqs.is_some() || scenario.kafka.is_some() {
        problem(
            "rabbitmq".into(),
            "a scenario has one broker: [rabbitmq], [sqs] or [kafka], not two".into(),
        );
    }
    if scenario.queue != QueueSpec::default() {
        problem(
            "queue".into(),
            "a RabbitMQ queue ([rabbitmq]) replaces [queue]: set rabbitmq.max_length and \
             rabbitmq.overflow for a bounded queue; remove [queue]"
                .into(),
        );
    }
    if scenario.shedding.is_some() {
        problem(
            "shedding".into(),
            "load shedding needs [queue]; bound a RabbitMQ queue with rabbitmq.max_length".into(),
        );
    }
}

/// Timeouts and restart delays: at least [`MIN_TIMEOUT`].
fn check_timeout(value: Duration, path: &str, problem: &mut impl FnMut(String, String)) {
    if value < MIN_TIMEOUT {
        let got = if value.sim().as_nanos() == 0 {
            "0".to_string()
        } else {
            value.to_string()
        };
        problem(
            path.to_string(),
            format!(
                "must be at least {MIN_TIMEOUT}, got {got}: a shorter timeout or delay means \
                 nothing in a simulation of queues and only makes the run spin"
            ),
        );
    }
}

/// A rate of at most [`MAX_RATE_PER_SECOND`]; true when it is within it.
fn check_rate(rate: Rate, path: &str, problem: &mut impl FnMut(String, String)) -> bool {
    let within = rate.per_second() <= MAX_RATE_PER_SECOND;
    if !within {
        problem(
            path.to_string(),
            format!(
                "{rate} is more than {MAX_RATE_PER_SECOND:e} messages per second: time is whole \
                 nanoseconds, so that is several arrivals per nanosecond"
            ),
        );
    }
    within
}

/// The largest multiplier a rate profile applies (the base rate applies before a schedule's
/// first step).
fn profile_peak(profile: &RateProfileSpec) -> f64 {
    let peak = match profile {
        RateProfileSpec::Steady => 1.0,
        RateProfileSpec::Schedule { steps } => {
            steps.iter().map(|step| step.multiplier).fold(1.0, f64::max)
        }
        RateProfileSpec::OnOff { off_multiplier, .. } => off_multiplier.max(1.0),
        RateProfileSpec::Sine { amplitude, .. } => 1.0 + amplitude.clamp(0.0, 1.0),
    };
    if peak.is_finite() { peak } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Format, parse_scenario};

    const BASE: &str = r#"
duration = "10m"
[[producers]]
rate = "10/s"
[consumers]
count = 2
service_time = { distribution = "exponential", mean = "100ms" }
"#;

    /// The errors for BASE with `extra` appended (TOML), as one string.
    fn errors(extra: &str) -> String {
        match parse_scenario(&format!("{BASE}{extra}"), Format::Toml, "s.toml") {
            Ok(_) => String::new(),
            Err(errors) => errors.to_string(),
        }
    }

    fn assert_refused(extra: &str, expected: &[&str]) {
        let text = errors(extra);
        for part in expected {
            assert!(
                text.contains(part),
                "expected `{part}` in:\n{text}\nfor:\n{extra}"
            );
        }
    }

    #[test]
    fn rabbitmq_settings_outside_rabbitmq_limits_are_refused_where_they_are_written() {
        assert_eq!(
            errors("[rabbitmq]\n"),
            "",
            "RabbitMQ with 3.11's defaults is valid"
        );
        assert_refused(
            "[rabbitmq]\nprefetch = 70000\nhigh_watermark = 1.5\ndelivery_limit = 3\n",
            &[
                "rabbitmq.prefetch: must be at most 65535 (basic.qos takes a 16-bit count",
                "rabbitmq.high_watermark: must be a fraction of node_memory in (0, 1], got 1.5",
                "rabbitmq.delivery_limit: x-delivery-limit is a quorum queue argument",
            ],
        );
        assert_refused(
            "[rabbitmq]\nbase_memory = \"1GiB\"\noverflow = \"reject-publish-dlx\"\n",
            &[
                "rabbitmq.base_memory: 1GiB is already above the watermark",
                "rabbitmq.overflow: reject-publish-dlx dead-letters what it rejects",
            ],
        );
        assert_refused(
            "[rabbitmq]\n[kafka]\n[queue]\ncapacity = 10\n",
            &[
                "rabbitmq: a scenario has one broker",
                "queue: a RabbitMQ queue ([rabbitmq]) replaces [queue]",
            ],
        );
        assert_refused(
            "[rabbitmq]\ndisk_free = \"1GB\"\ndisk_free_limit = \"2GB\"\n\
             publisher_confirms = false\nmax_unconfirmed = 0\n",
            &[
                "rabbitmq.disk_free_limit: 2GB is more than the 1GB free at the start",
                "rabbitmq.max_unconfirmed: a confirm window needs confirms",
                "rabbitmq.max_unconfirmed: must be between 1 and 1000000, got 0",
            ],
        );
        assert_refused(
            "[rabbitmq]\nconfirm_latency = \"5ms\"\n",
            &["rabbitmq.confirm_latency: only a confirm window waits for confirms"],
        );
        assert_refused(
            "[rabbitmq]\npublisher_confirms = false\nconfirm_latency = \"5ms\"\n",
            &["rabbitmq.confirm_latency: fire-and-forget publishers wait for no confirm"],
        );
        assert_refused(
            "[rabbitmq]\nmax_unconfirmed = 10\nconfirm_latency = \"2h\"\n",
            &["rabbitmq.confirm_latency: must be at most 1h, got 2h"],
        );
        assert_refused(
            "[rabbitmq]\nnode_memory = \"lots\"\n",
            &["rabbitmq.node_memory: `lots` is not a size in bytes"],
        );
    }

    #[test]
    fn sqs_settings_beyond_aws_limits_are_refused_where_they_are_written() {
        assert_eq!(errors("[sqs]\n"), "", "SQS with AWS's defaults is valid");
        assert_refused(
            "[sqs]\nreceive_batch = 11\nwait_time = \"21s\"\nvisibility_timeout = \"12h1s\"\n",
            &[
                "sqs.receive_batch: must be between 1 and 10 (ReceiveMessage's MaxNumberOfMessages), got 11",
                "sqs.wait_time: must be at most 20s (ReceiveMessage's WaitTimeSeconds), got 21s",
                "sqs.visibility_timeout: must be at most 12h (SQS's limit)",
            ],
        );
        assert_refused(
            "[sqs]\nmax_receive_count = 1001\nretention = \"59s\"\ndelivery_delay = \"16m\"\n",
            &[
                "sqs.max_receive_count: must be between 1 and 1000",
                "sqs.retention: must be between 60s and 14d",
                "sqs.delivery_delay: must be at most 15m",
            ],
        );
        assert_refused(
            "[sqs]\ntype = \"fifo\"\nin_flight_limit = 20001\n",
            &["sqs.in_flight_limit: must be between 1 and 20000"],
        );
        assert_refused(
            "[sqs]\ndelivery_delay = \"15m\"\nretention = \"60s\"\n",
            &["sqs.delivery_delay: 15m is not shorter than sqs.retention (1m)"],
        );
        assert_refused(
            "[sqs]\nlost_send_responses = 1.5\nresend_after = \"2h\"\n",
            &[
                "sqs.lost_send_responses: must be between 0 and 1, got 1.5",
                "sqs.resend_after: must be at most 1h, got 2h",
            ],
        );
        assert_refused(
            "[sqs]\nduplicate_events = -0.1\nduplicate_event_after = \"2d\"\n\
             content_based_deduplication = true\ndead_letter_retention = \"15d\"\n",
            &[
                "sqs.duplicate_events: must be between 0 and 1, got -0.1",
                "sqs.duplicate_event_after: must be at most 1d, got 2d",
                "sqs.content_based_deduplication: deduplication needs a FIFO queue",
                "sqs.dead_letter_retention: must be between 60s and 14d",
            ],
        );
        assert_refused(
            "[sqs]\nmessage_groups = 4\n",
            &["sqs.message_groups: message groups need a FIFO queue"],
        );
        assert_refused(
            "[sqs]\nheartbeat = { every = \"30s\", extend_to = \"30s\" }\n",
            &["sqs.heartbeat.extend_to: must be longer than sqs.heartbeat.every"],
        );
        assert_refused(
            "[sqs]\n[queue]\ncapacity = 10\n",
            &["queue: an SQS queue ([sqs]) replaces [queue]"],
        );
    }

    #[test]
    fn the_base_is_valid() {
        assert_eq!(errors(""), "");
    }

    #[test]
    fn timeouts_and_restart_delays_have_a_floor_of_one_millisecond() {
        assert_refused(
            "[consumers.health_check]\ntimeout = \"1ns\"\n",
            &[
                "consumers.health_check.timeout: must be at least 1ms, got 1ns",
                "s.toml:9:",
            ],
        );
        assert_refused(
            "[consumers.health_check]\ntimeout = \"1s\"\nrestart_after = \"0s\"\n",
            &["consumers.health_check.restart_after: must be at least 1ms, got 0"],
        );
        assert_refused(
            "[downstream]\npool_size = 1\nlatency = { distribution = \"constant\", value = \"1ms\" }\ntimeout = \"999us\"\n",
            &["downstream.timeout: must be at least 1ms, got 999us"],
        );
        assert_refused(
            "[queue]\noverflow = \"block\"\nblock_timeout = \"10us\"\n",
            &["queue.block_timeout: must be at least 1ms"],
        );
        assert_refused(
            "[[faults]]\nkind = \"consumer-crash\"\nat = \"1m\"\ncount = 1\nrestart_after = \"0s\"\n",
            &["faults[0].restart_after: must be at least 1ms"],
        );
        assert_refused(
            "[autoscaler]\nmetric = \"lag-messages\"\ntarget = 10\nmax = 4\nevaluation_period = \"1ns\"\n",
            &["autoscaler.evaluation_period: must be at least 1ms"],
        );
        assert_eq!(
            errors("[consumers.health_check]\ntimeout = \"1ms\"\nrestart_after = \"1ms\"\n"),
            ""
        );
    }

    #[test]
    fn rates_beyond_one_per_nanosecond_are_refused() {
        let scenario = BASE.replace("\"10/s\"", "\"1e12/s\"");
        let text = parse_scenario(&scenario, Format::Toml, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(
                "producers[0].rate: 1000000000000/s is more than 1e9 messages per second"
            ),
            "{text}"
        );
        assert!(text.starts_with("s.toml:4:8:"), "{text}");
        let scenario = BASE.replace("\"10/s\"", "\"1e9/s\"");
        assert!(parse_scenario(&scenario, Format::Toml, "s.toml").is_ok());
        // The same producer through a 1000× traffic surge.
        let scenario = BASE.replace("\"10/s\"", "\"1e7/s\"");
        let text = parse_scenario(
            &format!("{scenario}[[faults]]\nkind = \"traffic\"\nat = \"1m\"\nmultiplier = 1000\n"),
            Format::Toml,
            "s.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(text.contains("peaks at 1e10/s"), "{text}");
        assert_refused(
            "[rate_limiter]\nrate = \"2e9/s\"\n",
            &["rate_limiter.rate: 2000000000/s is more than 1e9"],
        );
    }

    #[test]
    fn counts_above_their_caps_name_the_key() {
        let scenario = BASE.replace("count = 2", "count = 10001");
        let text = parse_scenario(&scenario, Format::Toml, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("consumers.count: must be ≤ 10000, got 10001"),
            "{text}"
        );
        assert_refused(
            "concurrency = 10001\n",
            &["consumers.concurrency: must be ≤ 10000, got 10001"],
        );
        assert_refused(
            "concurrency = 5000\n[autoscaler]\nmetric = \"lag-messages\"\ntarget = 10\nmax = 10000\n",
            &[
                "consumers.concurrency: autoscaler.max (10000) × concurrency (5000) is 50000000 consumer slots; at most 100000",
            ],
        );
        let producers: String = (0..299)
            .map(|i| format!("[[producers]]\nname = \"p{i}\"\nrate = 1\n"))
            .collect();
        assert_refused(&producers, &["producers: at most 255 producers, got 300"]);
        assert!(
            !errors(&producers).contains("classes"),
            "the cap names the key the user wrote: {}",
            errors(&producers)
        );
        let classes: String = (0..200)
            .map(|i| format!("{{ name = \"c{i}\", share = 1 }}, "))
            .collect();
        let two = format!(
            "[[producers]]\nname = \"a\"\nrate = 1\nclasses = [{classes}]\n[[producers]]\nname = \"b\"\nrate = 1\nclasses = [{classes}]\n"
        );
        assert_refused(
            &two,
            &[
                "producers[2].classes: at most 255 priority classes across all producers; this producer brings them to 401",
            ],
        );
        let faults: String = (0..1001)
            .map(|_| "[[faults]]\nkind = \"traffic\"\nat = \"1m\"\nmultiplier = 1\n")
            .collect();
        assert_refused(&faults, &["faults: at most 1000 faults, got 1001"]);
        assert_refused(
            "[downstream]\npool_size = 1\nlatency = { distribution = \"constant\", value = \"1ms\" }\nbreaker = { window_size = 4000000000 }\n",
            &["downstream.breaker.window_size: must be ≤ 100000, got 4000000000"],
        );
        assert_refused(
            "[limits]\nmax_live_messages = 9000000000000\n",
            &["limits.max_live_messages: must be between 1 and 100000000"],
        );
    }

    #[test]
    fn durations_that_overflow_nanoseconds_are_errors_naming_the_key() {
        let scenario = BASE.replace("\"10m\"", "\"1000000d\"");
        let text = parse_scenario(&scenario, Format::Toml, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with("s.toml:2:12: duration: `1000000d` overflows"),
            "{text}"
        );
        let text = errors("[consumers.health_check]\ntimeout = \"99999999999999999999999s\"\n");
        assert!(
            text.contains("consumers.health_check.timeout: `99999999999999999999999s` overflows"),
            "{text}"
        );
        let json = r#"{"duration": "600y", "producers": [{"rate": 1}],
            "consumers": {"count": 1, "service_time": {"distribution": "constant", "value": "1s"}}}"#;
        let text = parse_scenario(json, Format::Json, "s.json")
            .unwrap_err()
            .to_string();
        assert!(text.contains("duration: `600y` overflows"), "{text}");
    }

    #[test]
    fn an_on_off_cycle_longer_than_the_clock_is_refused() {
        let scenario = BASE.replace(
            "rate = \"10/s\"",
            "rate = \"10/s\"\nprofile = { kind = \"on-off\", on = \"400y\", off = \"400y\" }",
        );
        let text = parse_scenario(&scenario, Format::Toml, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("producers[0].profile.off: on + off"),
            "{text}"
        );
        assert!(text.contains("overflows"), "{text}");
    }

    #[test]
    fn every_preset_still_validates() {
        for preset in crate::PRESETS {
            preset.scenario().unwrap();
        }
    }
}
