//! Reading a check file: one parse gives both what serde deserializes and
//! where each node is.
//!
//! The events of yaml-rust2's parser are kept per document, with marks
//! placed where libyaml (serde_yaml's parser) places them, and the same
//! events index every node's position for validation. The deserializer
//! over them ([`de`]) is serde_yaml's own, ported, so a check reads exactly
//! as it did when serde_yaml parsed it a second time. A file the parser
//! refuses is handed to serde_yaml, which words the syntax error as before;
//! so is one where yaml-rust2 is known to be more lenient than libyaml (a
//! tab, some flow collections) and libyaml refuses it.

mod de;
mod error;
mod marks;
mod position;
mod read;
mod scalar;

pub(crate) use de::from_document;
pub(crate) use position::{Positions, MAX_DEPTH};
pub(crate) use read::read;

use position::Pos;

/// A 1-based line and column, where libyaml would put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub line: usize,
    pub column: usize,
}

/// One document of a check file, read once.
#[derive(Debug)]
pub(crate) struct Document {
    events: Vec<(Event, Mark)>,
    pub(crate) positions: Positions,
}

impl Document {
    /// A block scalar that runs to the end of a text with no final line
    /// break has none at its end either (libyaml); yaml-rust2 adds one.
    fn end_without_line_break(&mut self, last_line: &str) {
        let outside = |l: &str| l.starts_with('#') || l.starts_with("...") || l.starts_with("---");
        if last_line.is_empty() || outside(last_line) {
            return;
        }
        let last = self
            .events
            .iter_mut()
            .rev()
            .find(|(e, _)| matches!(e, Event::Scalar(_) | Event::Alias(_)));
        if let Some((Event::Scalar(scalar), _)) = last {
            if matches!(scalar.style, Style::Literal | Style::Folded)
                && scalar.value.ends_with('\n')
            {
                scalar.value.pop();
            }
        }
    }
}

/// Why a file could not be read into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Collections nest deeper than [`MAX_DEPTH`]; where the first too deep
    /// one opens.
    TooDeep(Pos),
    /// The parser refused the text (or an alias names no anchor): serde_yaml
    /// says why, in its words.
    Refused,
}

#[derive(Debug)]
enum Event {
    /// The index of the anchored node's first event.
    Alias(usize),
    Scalar(Scalar),
    SequenceStart(Option<String>),
    SequenceEnd,
    MappingStart(Option<String>),
    MappingEnd,
    /// A stream with no document at all.
    Void,
}

#[derive(Debug)]
struct Scalar {
    value: String,
    style: Style,
    /// The whole tag (`tag:yaml.org,2002:int`, `!local`).
    tag: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Quoted,
    Literal,
    Folded,
}

/// Whether libyaml (serde_yaml's parser) refuses `text`. Asked only of a
/// file in error, or with a shape yaml-rust2 reads more leniently, so that
/// a file libyaml refuses is worded as serde_yaml always worded it.
pub(crate) fn refused_by_serde_yaml(text: &str) -> bool {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .any(|document| serde::de::IgnoredAny::deserialize(document).is_err())
}

#[cfg(test)]
mod differential;
