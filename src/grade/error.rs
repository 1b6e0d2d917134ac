//! Why a client check could not be graded: never the client's fault.

use thiserror::Error;

/// A grading error: the check ends in error, naming what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GradeError {
    #[error("variable `{0}` has no value: the command sets it (e.g. `--min-poll-interval`)")]
    MissingVariable(String),
    #[error("variable `{name}` is `{value}`, not a duration (write e.g. `200ms`)")]
    NotADuration { name: String, value: String },
}
