//! Key-path overrides: `consumers.count=12`, `producers[0].rate=2000/s`. An override edits the
//! scenario's own data tree and the result is validated again exactly like a file, so a
//! value given on a command line (or by a sweep) can never skip a check.

use std::fmt;
use std::str::FromStr;

use toml::Value;

use super::error::{ScenarioError, ScenarioErrors, explained};
use super::schema::Scenario;
use super::validate::validate;

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySegment {
    /// A table key.
    Key(String),
    /// An index into an array (`producers[0]`).
    Index(usize),
}

/// `KEY=VALUE`: a key path into the scenario and the value to put there.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The path, e.g. `producers`, `[0]`, `rate`.
    pub path: Vec<KeySegment>,
    /// The value as written after `=`.
    pub value: String,
    /// How the user wrote it, when not as `--set KEY=VALUE` (e.g. `--duration 30m`): errors
    /// name what the user typed.
    pub written_as: Option<String>,
}

impl Override {
    /// An override of `path` to `value` that the user wrote as `written_as` (a flag).
    pub fn written_as(path: Vec<KeySegment>, value: impl Into<String>, flag: String) -> Self {
        Override {
            path,
            value: value.into(),
            written_as: Some(flag),
        }
    }
}

/// Why an override could not be read or applied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OverrideError {
    /// No `=` between key and value.
    MissingEquals(String),
    /// The key path is empty or malformed (e.g. `producers[x].rate`).
    BadPath {
        /// The override as written.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideError::MissingEquals(text) => write!(
                f,
                "`{text}` is not KEY=VALUE (e.g. consumers.count=12 or producers[0].rate=2000/s)"
            ),
            OverrideError::BadPath { text, reason } => write!(f, "`{text}`: {reason}"),
        }
    }
}

impl std::error::Error for OverrideError {}

impl FromStr for Override {
    type Err = OverrideError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| OverrideError::MissingEquals(text.to_string()))?;
        let bad = |reason: &str| OverrideError::BadPath {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let mut path = Vec::new();
        for part in key.trim().split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(open) => part.split_at(open),
                None => (part, ""),
            };
            if name.is_empty() && (path.is_empty() || rest.is_empty()) {
                return Err(bad("a key path has a name between every dot"));
            }
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(bad(&format!("`{name}` is not a key name")));
            }
            if !name.is_empty() {
                path.push(KeySegment::Key(name.to_string()));
            }
            while !rest.is_empty() {
                let close = rest
                    .find(']')
                    .ok_or_else(|| bad("an index opens with [ and closes with ]"))?;
                let index = rest[1..close]
                    .parse::<usize>()
                    .map_err(|_| bad(&format!("`{}` is not an index", &rest[1..close])))?;
                path.push(KeySegment::Index(index));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(bad("put a dot between an index and the next key"));
                }
            }
        }
        Ok(Override {
            path,
            value: value.trim().to_string(),
            written_as: None,
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", path_text(&self.path), self.value)
    }
}

/// `producers[0].rate` from its segments.
fn path_text(path: &[KeySegment]) -> String {
    let mut text = String::new();
    for segment in path {
        match segment {
            KeySegment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            KeySegment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// A value as TOML would read it (`12`, `0.5`, `true`, `"30m"`, `{ distribution = … }`),
/// else as a string (`2000/s`, `30m`).
fn parse_value(text: &str) -> Value {
    toml::from_str::<toml::Table>(&format!("value = {text}"))
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| Value::String(text.to_string()))
}

impl Scenario {
    /// The scenario with `overrides` applied in order, validated again as a whole. Errors
    /// name the override (`--set KEY=VALUE` in the CLI) and the key path.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<Scenario, ScenarioErrors> {
        let origin = |o: &Override| o.written_as.clone().unwrap_or_else(|| format!("--set {o}"));
        let fail = |origin: String, path: &[KeySegment], message: String| {
            ScenarioErrors(vec![ScenarioError {
                origin,
                location: None,
                path: path_text(path),
                message,
            }])
        };
        let mut tree = Value::try_from(self).map_err(|e| {
            fail(
                "scenario".into(),
                &[],
                format!("cannot be edited by key path: {e}"),
            )
        })?;
        for o in overrides {
            set(&mut tree, &o.path, parse_value(&o.value))
                .map_err(|message| fail(origin(o), &o.path, message))?;
        }
        let last = overrides.last().map_or_else(|| "scenario".into(), origin);
        let last_path = overrides.last().map_or(&[][..], |o| &o.path[..]);
        // Worded as a file's would be: an overflow says so, an unknown key gets a suggestion.
        let scenario: Scenario = tree.try_into().map_err(|e: toml::de::Error| {
            let message = e.message().trim();
            let explained = explained(message);
            // A type or range problem is the override's own value; an unknown key is not.
            let path = if explained != message && !message.starts_with("unknown") {
                last_path
            } else {
                &[]
            };
            fail(last.clone(), path, explained)
        })?;
        let problems = validate(&scenario);
        if problems.is_empty() {
            return Ok(scenario);
        }
        // Name the override that touched the failing key; a check across keys (the sample
        // interval against the duration) that only fails after the overrides is theirs: the
        // last one's.
        let base_valid = validate(self).is_empty();
        let errors = problems
            .into_iter()
            .map(|(path, message)| {
                let culprit = overrides
                    .iter()
                    .rev()
                    .find(|o| path.starts_with(&path_text(&o.path)))
                    .or_else(|| overrides.last().filter(|_| base_valid));
                ScenarioError {
                    origin: culprit.map_or_else(|| scenario.name.clone(), origin),
                    location: None,
                    path,
                    message,
                }
            })
            .collect();
        Err(ScenarioErrors(errors))
    }
}

/// Puts `value` at `path` in `tree`, creating tables on the way.
fn set(tree: &mut Value, path: &[KeySegment], value: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("an override needs a key".into());
    };
    let mut node = tree;
    for (depth, segment) in parents.iter().enumerate() {
        node = step(node, segment, &path[..=depth])?;
    }
    match (node, last) {
        (Value::Table(table), KeySegment::Key(key)) => {
            table.insert(key.clone(), value);
            Ok(())
        }
        (Value::Array(items), KeySegment::Index(index)) => match items.get_mut(*index) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(format!(
                "index {index} is out of range: the list has {} entries",
                items.len()
            )),
        },
        (_, KeySegment::Key(key)) => Err(format!("`{key}`: the parent is not a table")),
        (_, KeySegment::Index(_)) => Err("not a list: it takes no index".into()),
    }
}

fn step<'a>(
    node: &'a mut Value,
    segment: &KeySegment,
    so_far: &[KeySegment],
) -> Result<&'a mut Value, String> {
    match (node, segment) {
        (Value::Table(table), KeySegment::Key(key)) => Ok(table
            .entry(key.clone())
            .or_insert_with(|| Value::Table(toml::Table::new()))),
        (Value::Array(items), KeySegment::Index(index)) => {
            let count = items.len();
            items.get_mut(*index).ok_or_else(|| {
                format!(
                    "index {index} is out of range: `{}` has {count} entries",
                    path_text(&so_far[..so_far.len() - 1])
                )
            })
        }
        (_, KeySegment::Index(_)) => Err(format!(
            "`{}` is not a list: it takes no index",
            path_text(&so_far[..so_far.len() - 1])
        )),
        (_, KeySegment::Key(_)) => Err(format!(
            "`{}` is a value, not a table",
            path_text(&so_far[..so_far.len() - 1])
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preset;

    fn preset(name: &str) -> Scenario {
        Preset::find(name).unwrap().scenario().unwrap()
    }

    fn set_all(scenario: &Scenario, overrides: &[&str]) -> Result<Scenario, ScenarioErrors> {
        let parsed: Vec<Override> = overrides.iter().map(|o| o.parse().unwrap()).collect();
        scenario.with_overrides(&parsed)
    }

    #[test]
    fn key_paths_parse_with_indices() {
        let o: Override = "producers[0].rate = 2000/s".parse().unwrap();
        assert_eq!(
            o.path,
            vec![
                KeySegment::Key("producers".into()),
                KeySegment::Index(0),
                KeySegment::Key("rate".into())
            ]
        );
        assert_eq!(o.value, "2000/s");
        assert_eq!(o.to_string(), "producers[0].rate=2000/s");
        assert!(matches!(
            "consumers.count".parse::<Override>(),
            Err(OverrideError::MissingEquals(_))
        ));
        assert!("producers[x].rate=1".parse::<Override>().is_err());
        assert!("a..b=1".parse::<Override>().is_err());
    }

    #[test]
    fn overrides_change_the_scenario_and_keep_the_rest() {
        let base = preset("sustained-overload");
        let changed = set_all(
            &base,
            &[
                "consumers.count=12",
                "producers[0].rate=2000/s",
                "duration=30m",
            ],
        )
        .unwrap();
        assert_eq!(changed.consumers.count, 12);
        assert_eq!(changed.producers[0].rate.per_second(), 2000.0);
        assert_eq!(changed.duration.as_secs_f64(), 1800.0);
        assert_eq!(changed.queue, base.queue);
        assert_eq!(
            set_all(&base, &[]).unwrap(),
            base,
            "a round trip loses nothing"
        );
    }

    #[test]
    fn an_override_is_validated_like_a_file() {
        let base = preset("steady");
        let errors = set_all(&base, &["consumers.count=0"]).unwrap_err();
        let text = errors.to_string();
        assert!(
            text.starts_with("--set consumers.count=0: consumers.count:"),
            "{text}"
        );
        let errors = set_all(&base, &["queue.capacty=5"]).unwrap_err();
        assert!(
            errors.to_string().contains("did you mean `capacity`"),
            "{errors}"
        );
        let errors = set_all(&base, &["producers[3].rate=5/s"]).unwrap_err();
        assert!(errors.to_string().contains("out of range"), "{errors}");
        let errors = set_all(&base, &["duration=banana"]).unwrap_err();
        assert!(
            errors.to_string().contains("--set duration=banana"),
            "{errors}"
        );
    }
}
