//! The check language's semantics, shared by both sides: how a matcher
//! judges a value ([`matcher`]) and how a template is filled with the run's
//! variables ([`render`]). The runner (`run`) judges the API's answers with
//! them and grading (`grade`) judges a client's recorded calls, so neither
//! side imports the other for what is really the language.

pub mod matcher;
pub mod render;
