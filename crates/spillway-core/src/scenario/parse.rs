//! Reading scenario files (TOML, or the same schema as JSON) into a validated [`Scenario`].

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ScenarioError, ScenarioErrors, explained, line_column};
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

/// The largest scenario text accepted, in bytes (1 MiB; the presets are about 1 KB). Readers
/// should read at most one byte more (`Read::take`) so that endless input ends.
pub const MAX_SCENARIO_BYTES: usize = 1 << 20;

/// The error for a text over [`MAX_SCENARIO_BYTES`].
pub fn too_large(origin: &str) -> ScenarioErrors {
    ScenarioErrors(vec![ScenarioError {
        origin: origin.to_string(),
        location: None,
        path: String::new(),
        message: format!(
            "too large (over {} MiB): a scenario is a few KB",
            MAX_SCENARIO_BYTES >> 20
        ),
    }])
}

/// Parses and validates a scenario. `origin` names the source in error messages.
pub fn parse_scenario(
    text: &str,
    format: Format,
    origin: &str,
) -> Result<Scenario, ScenarioErrors> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(too_large(origin));
    }
    match format {
        Format::Toml => parse_toml(text, origin),
        Format::Json => {
            let scenario = deserialize_json(text, origin).map_err(|mut errors| {
                // TOML read as JSON (a .json name on a TOML file) fails with JSON's view of it.
                if !text.trim_start().starts_with('{') && DeTable::parse(text).is_ok() {
                    errors.0[0].message = format!(
                        "this looks like TOML but was read as JSON (the name ends in .json): \
                         name the file .toml, or write JSON (JSON says: {})",
                        errors.0[0].message
                    );
                }
                errors
            })?;
            validated(scenario, text, format, origin)
        }
    }
}

/// [`parse_scenario`] for TOML only: callers that never read JSON (the playground) then
/// carry no JSON scenario deserializer.
///
/// `#[inline]` here, on [`Scenario::from_toml`] and on [`Preset::scenario`](crate::Preset)
/// is about size, not speed: the TOML deserializer is then compiled in the crate that calls
/// it — in the playground at `opt-level = "z"` — instead of inside this crate, which the
/// playground compiles at `opt-level = 3` for the engine's sake (a third of the wasm is this
/// deserializer). No code in this crate may call them from a non-inline function, or the
/// playground carries two copies.
#[inline]
pub fn parse_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioErrors> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(too_large(origin));
    }
    validated(deserialize_toml(text, origin)?, text, Format::Toml, origin)
}

#[inline]
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
            message: explained(message.trim()),
        }])
    };
    let deserializer = toml::de::Deserializer::parse(text).map_err(|error| {
        let message = if text.trim_start().starts_with('{') {
            // JSON read as TOML: TOML's own words ("expected key") would not say so.
            format!(
                "this looks like JSON (it starts with `{{`) but was read as TOML: a file whose \
                 name ends in .json is read as JSON (TOML says: {})",
                error.message().trim()
            )
        } else {
            error.message().to_string()
        };
        fail(
            error.span().map(|span| line_column(text, span.start)),
            String::new(),
            &message,
        )
    })?;
    // TOML errors carry a span; the key path is read off the document at that span. (Tracking
    // the path while deserializing, as for JSON, would double the size of this code, which the
    // playground ships as WebAssembly.)
    T::deserialize(deserializer).map_err(|error| {
        let offset = error.span().map(|span| span.start);
        let path = offset.map(|at| path_at(text, at)).unwrap_or_default();
        fail(
            offset.map(|at| line_column(text, at)),
            path,
            error.message(),
        )
    })
}

/// The key path (`producers[0].rate`) of the deepest key or value whose span holds `offset`.
fn path_at(text: &str, offset: usize) -> String {
    let Ok(root) = DeTable::parse(text) else {
        return String::new();
    };
    let mut best = (0, String::new());
    search_table(root.get_ref(), offset, &mut Vec::new(), &mut best);
    best.1
}

/// Depth-first over `table`, keeping in `best` the deepest path whose key or value holds
/// `offset`. (A table's span is its header, not its body, so every table is searched.)
fn search_table(
    table: &DeTable<'_>,
    offset: usize,
    path: &mut Vec<String>,
    best: &mut (usize, String),
) {
    for (key, value) in table {
        path.push(key.get_ref().to_string());
        if key.span().contains(&offset) || value.span().contains(&offset) {
            consider(path, best);
        }
        search_value(value.get_ref(), offset, path, best);
        path.pop();
    }
}

fn search_value(
    value: &DeValue<'_>,
    offset: usize,
    path: &mut Vec<String>,
    best: &mut (usize, String),
) {
    match value {
        DeValue::Table(table) => search_table(table, offset, path, best),
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let last = path.pop().unwrap_or_default();
                path.push(format!("{last}[{index}]"));
                if item.span().contains(&offset) {
                    consider(path, best);
                }
                search_value(item.get_ref(), offset, path, best);
                path.pop();
                path.push(last);
            }
        }
        _ => {}
    }
}

fn consider(path: &[String], best: &mut (usize, String)) {
    if path.len() >= best.0 {
        *best = (path.len(), path.join("."));
    }
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
            message: explained(&message),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn first_error(text: &str) -> String {
        parse_toml(text, "s.toml").unwrap_err().0[0].to_string()
    }

    #[test]
    fn json_read_as_toml_and_toml_read_as_json_say_so() {
        let json = r#"{ "producers": [ { "rate": 1 } ] }"#;
        let message = parse_toml(json, "s.toml").unwrap_err().to_string();
        assert!(
            message.starts_with(
                "s.toml:1:1: this looks like JSON (it starts with `{`) but was read as TOML"
            ),
            "{message}"
        );
        let toml = "name = \"x\"\n[[producers]]\nrate = 1\n";
        let message = parse_scenario(toml, Format::Json, "s.json")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("this looks like TOML but was read as JSON"),
            "{message}"
        );
        // Broken JSON is still JSON's error alone.
        let message = parse_scenario("{ \"producers\": [ }", Format::Json, "s.json")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("TOML"), "{message}");
    }

    #[test]
    fn numbers_that_overflow_say_so_with_their_key() {
        assert_eq!(
            first_error("[consumers]\ncount = 5000000000\n"),
            "s.toml:2:9: consumers.count: `5000000000` overflows: this must be a whole number from 0 to 4294967295"
        );
        let json = r#"{"producers": [{"rate": 1}], "consumers": {"count": 99999999999999999999}}"#;
        let message = parse_scenario(json, Format::Json, "s.json")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("consumers.count: `1e+20` overflows"),
            "{message}"
        );
        let json = r#"{"producers": [{"rate": 1e400}]}"#;
        let message = parse_scenario(json, Format::Json, "s.json")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("producers[0].rate: the number overflows"),
            "{message}"
        );
    }

    #[test]
    fn text_over_one_mebibyte_is_too_large_before_any_parsing() {
        let text = format!("#{}", " ".repeat(MAX_SCENARIO_BYTES));
        for format in [Format::Toml, Format::Json] {
            assert_eq!(
                parse_scenario(&text, format, "big")
                    .unwrap_err()
                    .to_string(),
                "big: too large (over 1 MiB): a scenario is a few KB"
            );
        }
    }

    #[test]
    fn type_errors_name_their_key_path_read_off_the_span() {
        let two_producers = "[[producers]]\nrate = \"1/s\"\n[[producers]]\nrate = \"fast\"\n";
        assert!(
            first_error(two_producers)
                .starts_with("s.toml:4:8: producers[1].rate: `fast` is not a rate"),
            "{}",
            first_error(two_producers)
        );
        assert_eq!(
            first_error("[[producers]]\nname = \"a\"\n"),
            "s.toml:1:1: producers[0]: missing field `rate`"
        );
        assert!(
            first_error("[consumers]\ncount = \"three\"\n")
                .starts_with("s.toml:2:9: consumers.count: invalid type: string \"three\"")
        );
    }
}
