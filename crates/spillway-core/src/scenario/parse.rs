//! Reading scenario files (TOML, or the same schema as JSON) into a validated [`Scenario`].

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ScenarioError, ScenarioErrors, line_column, with_suggestion};
use super::schema::Scenario;
use super::validate::validate;

/// The format of a scenario text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// TOML, the primary format.
    Toml,
    /// JSON with the same schema.
    Json,
}

impl Format {
    /// The format implied by a file name: `.json` is JSON, anything else TOML.
    pub fn from_file_name(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// Parses and validates a scenario. `origin` names the source in error messages.
pub fn parse_scenario(
    text: &str,
    format: Format,
    origin: &str,
) -> Result<Scenario, ScenarioErrors> {
    match format {
        Format::Toml => parse_toml(text, origin),
        Format::Json => validated(deserialize_json(text, origin)?, text, format, origin),
    }
}

/// [`parse_scenario`] for TOML only: callers that never read JSON (the playground) then
/// carry no JSON scenario deserializer.
pub fn parse_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
    validated(deserialize_toml(text, origin)?, text, Format::Toml, origin)
}

fn validated(
    scenario: Scenario,
    text: &str,
    format: Format,
    origin: &str,
) -> Result<Scenario, ScenarioErrors> {
    let problems = validate(&scenario);
    if problems.is_empty() {
        return Ok(scenario);
    }
    let errors = problems
        .into_iter()
        .map(|(path, message)| ScenarioError {
            origin: origin.to_string(),
            location: locate(text, format, &path).map(|offset| line_column(text, offset)),
            path,
            message,
        })
        .collect();
    Err(ScenarioErrors(errors))
}

fn deserialize_toml<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, ScenarioErrors> {
    let fail = |location, path: String, message: &str| {
        ScenarioErrors(vec![ScenarioError {
            origin: origin.to_string(),
            location,
            path,
            message: with_suggestion(message.trim()),
        }])
    };
    let deserializer = toml::de::Deserializer::parse(text).map_err(|error| {
        fail(
            error.span().map(|span| line_column(text, span.start)),
            String::new(),
            error.message(),
        )
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = display_path(error.path());
        let inner = error.into_inner();
        let location = inner.span().map(|span| line_column(text, span.start));
        fail(location, path, inner.message())
    })
}

fn deserialize_json<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, ScenarioErrors> {
    let fail = |path: String, error: serde_json::Error| {
        // serde_json appends " at line L column C"; the location is reported separately.
        let message = error.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        ScenarioErrors(vec![ScenarioError {
            origin: origin.to_string(),
            location: (error.line() > 0).then(|| (error.line(), error.column())),
            path,
            message: with_suggestion(&message),
        }])
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = display_path(error.path());
        fail(path, error.into_inner())
    })?;
    deserializer
        .end()
        .map_err(|error| fail(String::new(), error))?;
    Ok(value)
}

/// serde_path_to_error prints `.` for the root; we print nothing there.
fn display_path(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." { String::new() } else { text }
}

/// The byte offset of the value at `path` (e.g. `producers[1].rate`), if it is in the text.
/// For a key that is absent, the nearest enclosing table that is present.
fn locate(text: &str, format: Format, path: &str) -> Option<usize> {
    match format {
        Format::Toml => {
            let root = DeTable::parse(text).ok()?;
            let mut span = root.span();
            let mut current: Option<&Spanned<DeValue<'_>>> = None;
            for segment in path_segments(path) {
                let next = match (current, segment) {
                    (None, Segment::Key(key)) => root.get_ref().get(key),
                    (Some(value), Segment::Key(key)) => value.get_ref().get(key),
                    (Some(value), Segment::Index(index)) => value.get_ref().get(index),
                    (None, Segment::Index(_)) => None,
                };
                match next {
                    Some(value) => {
                        span = value.span();
                        current = Some(value);
                    }
                    None => break,
                }
            }
            Some(span.start)
        }
        Format::Json => {
            // JSON has no span-preserving parser in our dependencies; find the keys in order.
            let mut offset = 0;
            for segment in path_segments(path) {
                if let Segment::Key(key) = segment {
                    let needle = format!("\"{key}\"");
                    offset += text[offset..].find(&needle)?;
                }
            }
            Some(offset)
        }
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_segments(path: &str) -> impl Iterator<Item = Segment<'_>> {
    path.split('.')
        .filter(|part| !part.is_empty())
        .flat_map(|part| {
            let mut pieces = part.split('[');
            let key = pieces
                .next()
                .filter(|key| !key.is_empty())
                .map(Segment::Key);
            let indices = pieces
                .filter_map(|index| index.trim_end_matches(']').parse().ok())
                .map(Segment::Index);
            key.into_iter().chain(indices).collect::<Vec<_>>()
        })
}
