//! The deserializer's error, worded and placed as serde_yaml words and
//! places its own: messages and golden files stay what they were.

use std::fmt;

use super::Mark;

/// What went wrong while turning a document's events into a check.
#[derive(Debug)]
pub(crate) struct Error(Box<Kind>);

#[derive(Debug)]
enum Kind {
    /// A message from serde (or from a `Deserialize` impl), placed at the
    /// node being read when it surfaced, with that node's path.
    Message(String, Option<(Mark, String)>),
    EndOfStream,
    RecursionLimitExceeded(Mark),
    RepetitionLimitExceeded,
    BytesUnsupported,
}

impl Error {
    pub(super) fn end_of_stream() -> Self {
        Error(Box::new(Kind::EndOfStream))
    }

    pub(super) fn recursion_limit(mark: Mark) -> Self {
        Error(Box::new(Kind::RecursionLimitExceeded(mark)))
    }

    pub(super) fn repetition_limit() -> Self {
        Error(Box::new(Kind::RepetitionLimitExceeded))
    }

    pub(super) fn bytes_unsupported() -> Self {
        Error(Box::new(Kind::BytesUnsupported))
    }

    pub(super) fn message(message: String) -> Self {
        Error(Box::new(Kind::Message(message, None)))
    }

    /// Places a message that has no place yet at `mark`: the innermost
    /// node it surfaced from keeps it.
    pub(super) fn fix_mark(mut self, mark: Mark, path: &dyn fmt::Display) -> Self {
        if let Kind::Message(_, none @ None) = self.0.as_mut() {
            *none = Some((mark, path.to_string()));
        }
        self
    }

    /// Where the error is, 1-based.
    pub(crate) fn location(&self) -> Option<Mark> {
        match self.0.as_ref() {
            Kind::Message(_, Some((mark, _))) | Kind::RecursionLimitExceeded(mark) => Some(*mark),
            _ => None,
        }
    }

    fn message_without_mark(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_ref() {
            Kind::Message(message, None) => f.write_str(message),
            Kind::Message(message, Some((_, path))) => {
                if path != "." {
                    write!(f, "{path}: ")?;
                }
                f.write_str(message)
            }
            Kind::EndOfStream => f.write_str("EOF while parsing a value"),
            Kind::RecursionLimitExceeded(_) => f.write_str("recursion limit exceeded"),
            Kind::RepetitionLimitExceeded => f.write_str("repetition limit exceeded"),
            Kind::BytesUnsupported => {
                f.write_str("serialization and deserialization of bytes in YAML is not implemented")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message_without_mark(f)?;
        match self.location() {
            Some(mark) if (mark.line, mark.column) != (1, 1) => {
                write!(f, " at line {} column {}", mark.line, mark.column)
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::message(message.to_string())
    }
}
