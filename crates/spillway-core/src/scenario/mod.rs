//! Scenario files: the schema, human-readable units, parsing with located errors, validation.

mod error;
mod parse;
pub(crate) mod presets;
mod schema;
mod units;
mod validate;

pub use error::{ScenarioError, ScenarioErrors};
pub use parse::{Format, MAX_SCENARIO_BYTES, parse_scenario, parse_toml, too_large};
pub use schema::*;
pub use units::{Capacity, Duration, Rate};
pub use validate::{
    MAX_BREAKER_WINDOW, MAX_CLASSES, MAX_CONCURRENCY, MAX_CONSUMER_SLOTS, MAX_CONSUMERS,
    MAX_FAULTS, MAX_LIVE_MESSAGES, MAX_MULTIPLIER, MAX_PRODUCERS, MAX_RATE_PER_SECOND,
    MAX_SERIES_POINTS, MIN_TIMEOUT,
};

impl Scenario {
    /// Parses and validates a TOML scenario; `origin` names it in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
        parse_toml(text, origin)
    }

    /// Parses and validates a JSON scenario (same schema as TOML).
    pub fn from_json(text: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
        parse_scenario(text, Format::Json, origin)
    }

    /// Checks a scenario made or changed in code (a command-line override, say) by the same
    /// rules as a file's; `origin` names it in error messages, which carry no line:column.
    pub fn validate(&self, origin: &str) -> Result<(), ScenarioErrors> {
        let errors: Vec<ScenarioError> = validate::validate(self)
            .into_iter()
            .map(|(path, message)| ScenarioError {
                origin: origin.to_string(),
                location: None,
                path,
                message,
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ScenarioErrors(errors))
        }
    }

    /// The scenario as TOML (what the playground's editor shows and share links carry).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# could not serialise: {e}"))
    }
}
