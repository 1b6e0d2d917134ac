//! The check format: what a check file says, how it is loaded, and how it is
//! validated before a single request is sent.
//!
//! Loading goes `yaml` (one parse of each file: its events and every node's
//! position) -> `raw` (serde, strict) -> `validate` (cross-references,
//! templates, regexes) -> `model` (what the runner executes). Every error
//! carries the file, line and column of the node it is about.

mod basis;
mod builtin;
mod checklist;
mod client_model;
mod error;
mod fixture;
mod id;
mod load;
mod location;
mod model;
mod raw;
mod raw_client;
mod schema;
mod source;
mod template;
mod validate;
mod yaml;

pub use basis::{quote_found, Basis, Reference, VENDOR_PAGE, VENDOR_PAGE_NAME};
pub use builtin::{
    builtin_ids, builtin_name, builtin_text, CheckSource, BUILTIN_ARG, BUILTIN_CHECKS,
    BUILTIN_PREFIX,
};
pub use checklist::{ChecklistItem, ClientItem};
pub use client_model::{
    CallExpectation, CallRule, CallTarget, ClientCheck, DurationParam, PathPattern, Rule, RuleKind,
    Sequence, SequenceName, CLIENT_VARIABLES, DEFAULT_MIN_POLL_INTERVAL, TERMINAL_STATUSES,
};
pub use error::{closest, did_you_mean, CheckError, CheckErrorKind, CheckErrors};
pub use fixture::{env_var_for, Fixture, FixtureCatalog, BUILTIN_FIXTURES};
pub use id::CheckId;
pub use load::{load_paths, load_sources, CheckSet};
pub use location::Location;
pub use model::{
    Advisory, Capture, Check, Expect, Expectation, FromStep, JsonPath, JsonTemplate, JsonType,
    KeyChoice, KeyVariant, Matcher, MatcherTarget, Method, Poll, Request, Severity, Source, Step,
    Within,
};
pub use schema::{check_schema, check_schema_json};
pub use template::{Segment, Template};
pub use validate::BUILTIN_VARIABLES;
