//! The form's knobs as edits of the scenario's TOML text: each edit changes one key and keeps
//! the rest of the text (comments, order, layout) as the user wrote it. The edited text then
//! goes through the same parser and validator as the editor and the CLI.

use spillway_core::Scenario;
use spillway_core::scenario::{
    ArrivalPattern, Capacity, DistributionSpec, OverflowPolicy, RateProfileSpec,
};
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value, value};

/// One form field's new value, as the user typed or picked it.
#[derive(Clone, Debug, PartialEq)]
pub enum FormEdit {
    /// The random seed.
    Seed(u64),
    /// Simulated length, e.g. "20m".
    Duration(String),
    /// The first producer's rate, e.g. "20/s".
    Rate(String),
    /// The first producer's arrival pattern.
    Arrivals(ArrivalPattern),
    /// The first producer's traffic shape: "steady", "sine" or "on-off" (typical settings
    /// scaled to the run; the TOML has the details).
    Shape(String),
    /// Queue capacity: a number or "unbounded".
    Capacity(String),
    /// What a full queue does.
    Overflow(OverflowPolicy),
    /// Number of consumers.
    Consumers(u32),
    /// Service-time distribution: "constant", "exponential" or "lognormal".
    ServiceDistribution(String),
    /// Mean service time, e.g. "200ms".
    ServiceMean(String),
    /// The first producer's retry attempts; 0 removes its retry policy.
    RetryAttempts(u32),
    /// The first producer's first backoff, e.g. "100ms".
    RetryBase(String),
}

/// The form's current values, read from the last valid scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct FormValues {
    pub seed: u64,
    pub duration: String,
    pub producer_name: String,
    pub rate: String,
    pub arrivals: ArrivalPattern,
    pub shape: String,
    pub capacity: String,
    pub overflow: OverflowPolicy,
    pub consumers: u32,
    pub service_distribution: String,
    pub service_mean: String,
    pub retry_attempts: u32,
    pub retry_base: String,
    /// The broker is SQS, Kafka or RabbitMQ: no `[queue]` capacity or overflow to edit.
    pub sqs: bool,
}

impl FormValues {
    /// What the form shows for `scenario`.
    pub fn of(scenario: &Scenario) -> Self {
        let producer = scenario.producers.first();
        let (service_distribution, service_mean) = match &scenario.consumers.service_time {
            DistributionSpec::Constant { value } => ("constant", value.to_string()),
            DistributionSpec::Exponential { mean } => ("exponential", mean.to_string()),
            DistributionSpec::Lognormal { mean, .. } => ("lognormal", mean.to_string()),
            DistributionSpec::Uniform { .. } => ("uniform", String::new()),
            DistributionSpec::Pareto { .. } => ("pareto", String::new()),
            DistributionSpec::Empirical { .. } => ("empirical", String::new()),
        };
        let retry = producer.and_then(|p| p.retry.as_ref());
        FormValues {
            seed: scenario.seed,
            duration: scenario.duration.to_string(),
            producer_name: producer.map(|p| p.name.clone()).unwrap_or_default(),
            rate: producer.map(|p| p.rate.to_string()).unwrap_or_default(),
            arrivals: producer.map(|p| p.arrivals).unwrap_or_default(),
            shape: match producer.map(|p| &p.profile) {
                None | Some(RateProfileSpec::Steady) => "steady",
                Some(RateProfileSpec::Sine { .. }) => "sine",
                Some(RateProfileSpec::OnOff { .. }) => "on-off",
                Some(RateProfileSpec::Schedule { .. }) => "schedule",
            }
            .into(),
            capacity: match scenario.queue.capacity {
                Capacity::Unbounded => "unbounded".into(),
                Capacity::Bounded(n) => n.to_string(),
            },
            overflow: scenario.queue.overflow,
            consumers: scenario.consumers.count,
            service_distribution: service_distribution.into(),
            service_mean,
            retry_attempts: retry.map_or(0, |r| r.max_attempts),
            retry_base: retry.map_or_else(|| "100ms".into(), |r| r.base.to_string()),
            sqs: scenario.sqs.is_some() || scenario.kafka.is_some() || scenario.rabbitmq.is_some(),
        }
    }
}

/// Applies `edit` to the TOML `text`, keeping everything else as written.
pub fn apply(text: &str, edit: &FormEdit) -> Result<String, String> {
    let mut document: DocumentMut = text
        .parse()
        .map_err(|e| format!("fix the TOML before using the form: {e}"))?;
    match edit {
        FormEdit::Seed(seed) => document["seed"] = value(*seed as i64),
        FormEdit::Duration(duration) => document["duration"] = value(duration.trim()),
        FormEdit::Rate(rate) => first_producer(&mut document)?["rate"] = value(rate.trim()),
        FormEdit::Arrivals(pattern) => {
            first_producer(&mut document)?["arrivals"] = value(kebab(pattern));
        }
        FormEdit::Shape(shape) => {
            let run = document
                .get("duration")
                .and_then(|d| d.as_str())
                .and_then(|d| d.parse::<spillway_core::scenario::Duration>().ok())
                .map_or(600.0, |d| d.as_secs_f64());
            let producer = first_producer(&mut document)?;
            let mut profile = InlineTable::new();
            match shape.as_str() {
                "sine" => {
                    // Two full waves over the run, swinging ±50%.
                    profile.insert("kind", Value::from("sine"));
                    profile.insert("period", Value::from(seconds_text(run / 2.0)));
                    profile.insert("amplitude", Value::from(0.5));
                }
                "on-off" => {
                    // Bursts of a twentieth of the run, then three times as long off.
                    profile.insert("kind", Value::from("on-off"));
                    profile.insert("on", Value::from(seconds_text(run / 20.0)));
                    profile.insert("off", Value::from(seconds_text(run * 3.0 / 20.0)));
                }
                _ => {
                    producer.remove("profile");
                    return Ok(document.to_string());
                }
            }
            producer["profile"] = Item::Value(Value::InlineTable(profile));
        }
        FormEdit::Capacity(capacity) => {
            let capacity = capacity.trim();
            table(&mut document, "queue")["capacity"] = match capacity.parse::<i64>() {
                Ok(number) => value(number),
                Err(_) => value(capacity),
            };
        }
        FormEdit::Overflow(policy) => {
            table(&mut document, "queue")["overflow"] = value(kebab(policy))
        }
        FormEdit::Consumers(count) => {
            table(&mut document, "consumers")["count"] = value(i64::from(*count));
        }
        FormEdit::ServiceDistribution(distribution) => {
            let mean = current_mean(&document).unwrap_or_else(|| "100ms".into());
            table(&mut document, "consumers")["service_time"] = service_time(distribution, &mean);
        }
        FormEdit::ServiceMean(mean) => {
            let distribution = document
                .get("consumers")
                .and_then(|c| c.get("service_time"))
                .and_then(|s| s.get("distribution"))
                .and_then(|d| d.as_str())
                .unwrap_or("exponential")
                .to_string();
            table(&mut document, "consumers")["service_time"] =
                service_time(&distribution, mean.trim());
        }
        FormEdit::RetryAttempts(0) => {
            first_producer(&mut document)?.remove("retry");
        }
        FormEdit::RetryAttempts(attempts) => {
            retry_table(&mut document)?["max_attempts"] = value(i64::from(*attempts));
        }
        FormEdit::RetryBase(base) => retry_table(&mut document)?["base"] = value(base.trim()),
    }
    Ok(document.to_string())
}

/// Whole seconds as a duration text ("90s").
fn seconds_text(seconds: f64) -> String {
    format!("{}s", seconds.round().max(1.0))
}

fn kebab<T: serde::Serialize>(choice: &T) -> String {
    serde_json::to_value(choice)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn table<'a>(document: &'a mut DocumentMut, key: &str) -> &'a mut Item {
    let item = document.entry(key).or_insert(Item::Table(Table::new()));
    if item.is_none() {
        *item = Item::Table(Table::new());
    }
    item
}

fn first_producer(document: &mut DocumentMut) -> Result<&mut Table, String> {
    document
        .get_mut("producers")
        .and_then(|p| p.as_array_of_tables_mut())
        .and_then(|p| p.get_mut(0))
        .ok_or_else(|| "the scenario has no [[producers]] table to edit".to_string())
}

fn retry_table(document: &mut DocumentMut) -> Result<&mut Item, String> {
    let retry = first_producer(document)?
        .entry("retry")
        .or_insert(Item::None);
    if retry.is_none() {
        let mut table = Table::new();
        table["max_attempts"] = value(3);
        table["base"] = value("100ms");
        *retry = Item::Table(table);
    }
    Ok(retry)
}

fn current_mean(document: &DocumentMut) -> Option<String> {
    let service = document.get("consumers")?.get("service_time")?;
    let mean = service.get("mean").or_else(|| service.get("value"))?;
    mean.as_str().map(str::to_string)
}

fn service_time(distribution: &str, mean: &str) -> Item {
    let mut table = InlineTable::new();
    table.insert("distribution", Value::from(distribution));
    match distribution {
        "constant" => {
            table.insert("value", Value::from(mean));
        }
        "lognormal" => {
            table.insert("mean", Value::from(mean));
            table.insert("stddev", Value::from(mean));
        }
        _ => {
            table.insert("mean", Value::from(mean));
        }
    }
    Item::Value(Value::InlineTable(table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use spillway_core::Preset;

    fn edited(preset: &str, edit: FormEdit) -> (String, Scenario) {
        let text = apply(Preset::find(preset).unwrap().toml, &edit).unwrap();
        let scenario = Scenario::from_toml(&text, "<form>").unwrap();
        (text, scenario)
    }

    #[test]
    fn each_edit_changes_its_key_and_keeps_the_comments() {
        let (text, scenario) = edited("sustained-overload", FormEdit::Consumers(7));
        assert_eq!(scenario.consumers.count, 7);
        assert!(text.contains("# The SLO this design was meant to meet."));
        let (_, scenario) = edited("sustained-overload", FormEdit::Rate("35/s".into()));
        assert_eq!(scenario.producers[0].rate.0, 35.0);
        let (_, scenario) = edited("sustained-overload", FormEdit::Capacity("unbounded".into()));
        assert_eq!(scenario.queue.capacity, Capacity::Unbounded);
        let (_, scenario) = edited(
            "sustained-overload",
            FormEdit::Overflow(OverflowPolicy::DropOldest),
        );
        assert_eq!(scenario.queue.overflow, OverflowPolicy::DropOldest);
        let (_, scenario) = edited("sustained-overload", FormEdit::Seed(42));
        assert_eq!(scenario.seed, 42);
        let (_, scenario) = edited("sustained-overload", FormEdit::ServiceMean("50ms".into()));
        assert_eq!(FormValues::of(&scenario).service_mean, "50ms");
        assert_eq!(
            FormValues::of(&scenario).service_distribution,
            "exponential"
        );
        let (_, scenario) = edited(
            "sustained-overload",
            FormEdit::ServiceDistribution("constant".into()),
        );
        assert_eq!(FormValues::of(&scenario).service_distribution, "constant");
        assert_eq!(FormValues::of(&scenario).service_mean, "200ms");
    }

    #[test]
    fn traffic_shapes_scale_to_the_run_and_steady_removes_the_profile() {
        let (text, scenario) = edited("sustained-overload", FormEdit::Shape("sine".into()));
        assert_eq!(
            scenario.producers[0].profile,
            RateProfileSpec::Sine {
                period: spillway_core::scenario::Duration::from_secs(600),
                amplitude: 0.5
            }
        );
        assert_eq!(FormValues::of(&scenario).shape, "sine");
        let text = apply(&text, &FormEdit::Shape("on-off".into())).unwrap();
        let scenario = Scenario::from_toml(&text, "<form>").unwrap();
        assert_eq!(FormValues::of(&scenario).shape, "on-off");
        let text = apply(&text, &FormEdit::Shape("steady".into())).unwrap();
        let scenario = Scenario::from_toml(&text, "<form>").unwrap();
        assert_eq!(scenario.producers[0].profile, RateProfileSpec::Steady);
    }

    #[test]
    fn retries_are_added_edited_and_removed() {
        let (text, scenario) = edited("sustained-overload", FormEdit::RetryAttempts(4));
        assert_eq!(
            scenario.producers[0].retry.as_ref().unwrap().max_attempts,
            4
        );
        let text = apply(&text, &FormEdit::RetryBase("250ms".into())).unwrap();
        let scenario = Scenario::from_toml(&text, "<form>").unwrap();
        assert_eq!(FormValues::of(&scenario).retry_base, "250ms");
        let text = apply(&text, &FormEdit::RetryAttempts(0)).unwrap();
        assert!(
            Scenario::from_toml(&text, "<form>").unwrap().producers[0]
                .retry
                .is_none()
        );
    }

    #[test]
    fn a_bad_value_reaches_the_validator_with_its_location() {
        let text = apply(
            Preset::find("steady").unwrap().toml,
            &FormEdit::Rate("fast".into()),
        )
        .unwrap();
        let error = Scenario::from_toml(&text, "scenario")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("scenario:"), "{error}");
        assert!(error.contains("producers[0].rate"), "{error}");
    }
}
