//! Scenario files: the schema, human-readable units, parsing with located errors, validation.

mod error;
mod kafka_spec;
mod overrides;
mod parse;
pub(crate) mod presets;
mod rabbitmq_spec;
mod schema;
mod units;
mod validate;

pub use error::{ScenarioError, ScenarioErrors};
pub use overrides::{KeySegment, Override, OverrideError};
pub use parse::{Format, MAX_SCENARIO_BYTES, parse_scenario, parse_toml, too_large};
pub use schema::*;
pub use units::{ByteSize, Capacity, Duration, Rate};
pub use validate::{
    MAX_BREAKER_WINDOW, MAX_CLASSES, MAX_CONCURRENCY, MAX_CONSUMER_SLOTS, MAX_CONSUMERS,
    MAX_FAULTS, MAX_KEYS, MAX_LIVE_MESSAGES, MAX_MULTIPLIER, MAX_PARTITIONS, MAX_PRODUCERS,
    MAX_RATE_PER_SECOND, MAX_SERIES_POINTS, MIN_TIMEOUT,
};

impl Scenario {
    /// Parses and validates a TOML scenario; `origin` names it in error messages.
    #[inline]
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
        parse_toml(text, origin)
    }

    /// Parses and validates a JSON scenario (same schema as TOML).
    pub fn from_json(text: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
        parse_scenario(text, Format::Json, origin)
    }

    /// Checks a scenario built or edited in code as a file would be checked; errors carry
    /// the key path but no line (there is no text).
    pub fn validate(&self) -> Result<(), ScenarioErrors> {
        let problems = validate::validate(self);
        if problems.is_empty() {
            return Ok(());
        }
        Err(ScenarioErrors(
            problems
                .into_iter()
                .map(|(path, message)| ScenarioError {
                    origin: if self.name.is_empty() {
                        "scenario".to_string()
                    } else {
                        self.name.clone()
                    },
                    location: None,
                    path,
                    message,
                })
                .collect(),
        ))
    }

    /// The scenario as TOML (what the playground's editor shows and share links carry).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# could not serialise: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
        [[producers]]
        rate = "10/s"
        [consumers]
        count = 1
        service_time = { distribution = "constant", value = "10ms" }
    "#;

    #[test]
    fn a_fault_field_that_does_not_apply_to_its_kind_is_an_error() {
        // Regression: `share` on a traffic fault (or `count` on a poison one) was ignored.
        let text = format!(
            "{BASE}\n[[faults]]\nkind = \"traffic\"\nat = \"1m\"\nshare = 0.5\nmultiplier = 2\n"
        );
        let errors = Scenario::from_toml(&text, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(errors.contains("takes no `share`"), "{errors}");
        assert!(
            errors.contains("multiplier"),
            "the message lists the fields that apply: {errors}"
        );
        let text = format!(
            "{BASE}\n[[faults]]\nkind = \"consumer-crash\"\nat = \"1m\"\ncount = 1\nuntil = \"2m\"\n"
        );
        let errors = Scenario::from_toml(&text, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            errors.contains("takes no `until`") && errors.contains("a crash is an instant"),
            "a crash is an instant: {errors}"
        );
        let text = format!("{BASE}\n[[faults]]\nkind = \"traffic\"\nat = \"1m\"\n");
        let errors = Scenario::from_toml(&text, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(errors.contains("missing field `multiplier`"), "{errors}");
        let text = format!("{BASE}\n[[faults]]\nkind = \"traffic\"\nat = \"1m\"\nmultiplier = 2\n");
        let scenario = Scenario::from_toml(&text, "s.toml").unwrap();
        assert_eq!(scenario.faults[0].kind(), FaultKind::Traffic);
    }
}
