//! What a matcher found wrong, typed, and the one place it becomes words:
//! the runner's and the grader's failures both say it this way.

use std::fmt;

use serde_json::Value;

use crate::check::{CallTarget, JsonPath, JsonType, MatcherTarget};
use crate::lang::render::RenderError;

/// Why a matcher does not hold of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Unmet {
    /// The value is not what the matcher wants.
    Wanted(Wanted),
    /// A template the matcher compares with could not be filled, so the
    /// value was never judged.
    Template(RenderError),
}

/// What a matcher wants of a value, its templates already filled.
#[derive(Debug, Clone, PartialEq)]
pub enum Wanted {
    EqualTo(Value),
    OneOf(Vec<Value>),
    NoneOf(Vec<Value>),
    OfType(JsonType),
    NonEmpty,
    /// A string matching this pattern.
    Matching(String),
    Absent,
    AbsentOrNull,
    Present,
    /// Free of the API key and every other secret of the run.
    FreeOfSecrets,
    /// An object with exactly these fields (sorted).
    ExactFields(Vec<String>),
    NotContaining(String),
}

impl From<Wanted> for Unmet {
    fn from(wanted: Wanted) -> Unmet {
        Unmet::Wanted(wanted)
    }
}

impl From<RenderError> for Unmet {
    fn from(error: RenderError) -> Unmet {
        Unmet::Template(error)
    }
}

/// What the matchers of one expectation found wrong with one value, and
/// where that value is.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Each matcher that did not hold, in the check's order.
    pub unmet: Vec<Unmet>,
    /// The value judged; `None` when it was missing.
    pub actual: Option<Value>,
    pub at: Where,
}

/// Where a judged value is: the part of the message, and the line of the
/// expectation in its check file (which file is the side's to say).
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    pub part: Part,
    pub line: usize,
}

/// The part of a request or response a value is taken from: an answer's
/// status, headers and body on the API side, a call's headers, query and
/// body on the client side.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Status,
    Header(String),
    Query(String),
    Body(JsonPath),
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Status => f.write_str("status"),
            Part::Header(name) => write!(f, "header {name}"),
            Part::Query(name) => write!(f, "query {name}"),
            Part::Body(path) => write!(f, "body {path}"),
        }
    }
}

impl From<&MatcherTarget> for Part {
    fn from(target: &MatcherTarget) -> Part {
        match target {
            MatcherTarget::Status => Part::Status,
            MatcherTarget::Header(name) => Part::Header(name.clone()),
            MatcherTarget::Body(path) => Part::Body(path.clone()),
        }
    }
}

impl From<&CallTarget> for Part {
    fn from(target: &CallTarget) -> Part {
        match target {
            CallTarget::Header(name) => Part::Header(name.clone()),
            CallTarget::Query(name) => Part::Query(name.clone()),
            CallTarget::Body(path) => Part::Body(path.clone()),
        }
    }
}

impl Mismatch {
    /// `equal to 401 and of type string`: what was expected, in words.
    pub fn expected(&self) -> String {
        self.unmet
            .iter()
            .map(Unmet::to_string)
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// The value judged, cut at `limit` characters.
    pub fn actual(&self, limit: usize) -> String {
        show(self.actual.as_ref(), limit)
    }
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmet::Wanted(wanted) => wanted.fmt(f),
            Unmet::Template(error) => write!(f, "a value its template could not give ({error})"),
        }
    }
}

impl fmt::Display for Wanted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wanted::EqualTo(value) => write!(f, "equal to {value}"),
            Wanted::OneOf(options) => write!(f, "one of {}", list(options)),
            Wanted::NoneOf(options) => write!(f, "none of {}", list(options)),
            Wanted::OfType(t) => write!(f, "of type {}", t.as_str()),
            Wanted::NonEmpty => f.write_str("non-empty"),
            Wanted::Matching(pattern) => write!(f, "a string matching /{pattern}/"),
            Wanted::Absent => f.write_str("absent"),
            Wanted::AbsentOrNull => f.write_str("absent or null"),
            Wanted::Present => f.write_str("present"),
            Wanted::FreeOfSecrets => {
                f.write_str("free of the API key and every secret (it echoes one)")
            }
            Wanted::ExactFields(keys) => {
                write!(f, "an object with exactly the fields [{}]", keys.join(", "))
            }
            Wanted::NotContaining(needle) => {
                write!(f, "not containing {}", Value::String(needle.clone()))
            }
        }
    }
}

fn list(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short rendering of a value for messages, cut at `limit` characters.
pub fn show(value: Option<&Value>, limit: usize) -> String {
    match value {
        None => "(absent)".to_string(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > limit {
                let cut: String = text.chars().take(limit).collect();
                format!("{cut}… ({} bytes)", text.len())
            } else {
                text
            }
        }
    }
}
