//! Errors in scenario files, each naming where it is: file, line:column and key path.

use std::fmt;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where the text came from: a file path, `preset:NAME`, or `<input>`.
    pub origin: String,
    /// 1-based line and column of the offending text, when known.
    pub location: Option<(usize, usize)>,
    /// Key path such as `queue.capacity` or `producers[0].rate`; empty for syntax errors.
    pub path: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Every problem found in one scenario file (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

/// 1-based (line, column) of a byte offset, counting columns in characters.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// serde's message with what it means for a scenario: "did you mean …?" after an unknown
/// key, and "overflows" where a number did not fit (serde says "invalid value" or "invalid
/// type", which reads like a typo).
#[inline]
pub(crate) fn explained(message: &str) -> String {
    overflow(message).unwrap_or_else(|| with_suggestion(message))
}

/// "invalid value: integer `5000000000`, expected u32" and the like, said as an overflow.
fn overflow(message: &str) -> Option<String> {
    if message == "number out of range" {
        // serde_json's words for a float literal past f64 (1e400).
        return Some("the number overflows: it is too large for a 64-bit float".to_string());
    }
    let (number, expected) = message
        .strip_prefix("invalid value: integer `")
        .or_else(|| message.strip_prefix("invalid type: integer `"))
        .or_else(|| message.strip_prefix("invalid type: floating point `"))?
        .split_once('`')?;
    let expected = expected.rsplit_once("expected ")?.1.trim();
    let (min, max): (i128, i128) = match expected {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    if value.fract() != 0.0 {
        return None; // `2.5` for a count: a wrong type, not an overflow
    }
    if value < 0.0 && min == 0 {
        Some(format!(
            "`{number}` is negative: this must be a whole number from 0 to {max}"
        ))
    } else if value > max as f64 || value < min as f64 {
        Some(format!(
            "`{number}` overflows: this must be a whole number from {min} to {max}"
        ))
    } else {
        None
    }
}

/// Adds "did you mean …?" to serde's unknown field / variant messages.
pub(crate) fn with_suggestion(message: &str) -> String {
    let Some((unknown, expected)) = unknown_and_expected(message) else {
        return message.to_string();
    };
    let best = expected
        .iter()
        .map(|candidate| (strsim::jaro_winkler(&unknown, candidate), candidate))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, candidate)) => format!("{message}; did you mean `{candidate}`?"),
        None => message.to_string(),
    }
}

/// Pulls `capacty` and [`capacity`, …] out of "unknown field `capacty`, expected one of …".
fn unknown_and_expected(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect::<Vec<_>>();
    Some((unknown.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_key() {
        let message = "unknown field `capacty`, expected one of `capacity`, `overflow`, `order`";
        assert!(with_suggestion(message).ends_with("did you mean `capacity`?"));
        let message =
            "unknown variant `drop-newest`, expected one of `reject`, `drop-oldest`, `block`";
        assert!(with_suggestion(message).ends_with("did you mean `drop-oldest`?"));
        assert_eq!(with_suggestion("invalid type"), "invalid type");
    }

    #[test]
    fn numbers_that_do_not_fit_say_they_overflow() {
        assert_eq!(
            explained("invalid value: integer `5000000000`, expected u32"),
            "`5000000000` overflows: this must be a whole number from 0 to 4294967295"
        );
        assert_eq!(
            explained("invalid type: integer `99999999999999999999` as i128, expected u64"),
            "`99999999999999999999` overflows: this must be a whole number from 0 to 18446744073709551615"
        );
        assert_eq!(
            explained("invalid type: floating point `1e+20`, expected u32"),
            "`1e+20` overflows: this must be a whole number from 0 to 4294967295"
        );
        assert_eq!(
            explained("invalid value: integer `-1`, expected u32"),
            "`-1` is negative: this must be a whole number from 0 to 4294967295"
        );
        assert!(explained("number out of range").contains("overflows"));
        let wrong_type = "invalid type: floating point `2.5`, expected u32";
        assert_eq!(explained(wrong_type), wrong_type);
    }

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 11), (2, 6));
    }
}
