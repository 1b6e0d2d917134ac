//! Grading the integrator's client (`wapzi-homolog client`): the client
//! checks' rules evaluated over a [`crate::recording::Recording`], into the
//! same result model `run` produces, so every report works unchanged.
//!
//! `traffic` indexes the recording once; `rule` holds one file per rule
//! behind one dispatcher; `check` combines rules into results; `verdict`
//! and `lanes` say what they mean; `assemble` builds the whole run.

mod assemble;
mod check;
mod context;
mod error;
mod lanes;
mod rule;
mod traffic;
mod verdict;

#[cfg(test)]
mod tests;

/// Recordings for tests elsewhere in the crate (the report snapshots).
#[cfg(test)]
pub(crate) use traffic::sample;

pub use assemble::{assemble_client, ClientTimes};
pub use check::{exchange, grade, Graded};
pub use context::{GradeContext, Grading};
pub use error::GradeError;
pub use lanes::lanes;
pub use verdict::{judge_client, ClientFacts};
