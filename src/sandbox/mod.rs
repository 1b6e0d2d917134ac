//! The embedded reference server: a faithful, in-memory Wapzi external-service
//! API with injectable faults, for running the harness without the vendor.
//!
//! ```text
//! POST /v1/entry-points/{entryPointId}/execute   202 {"conversationId","executionId","status":"queued"}
//! GET  /v1/executions/{executionId}              200 {"conversationId","executionId","status","response"?}
//! ```
//!
//! [`serve`] runs it on a listener until told to stop, and [`Sandbox`] in
//! the background; [`FIXTURES`] holds its keys and entry point ids;
//! [`Fault`] lists the ways it can be told to deviate, [`Dialect`] the
//! faithful readings of what the vendor page leaves open that it can be
//! told to speak. It depends on no other module of the crate.

mod accounts;
mod dialects;
mod error;
mod faults;
mod fixtures;
mod hold;
mod names;
mod render;
mod routes;
mod scenario;
mod server;
mod shared;
mod state;

#[cfg(test)]
pub(crate) mod tests;

pub use dialects::{Dialect, DialectInfo, UnknownDialect};
pub use error::ApiError;
pub use faults::{Fault, FaultInfo, UnknownFault, HTML_INJECTION, HTML_INJECTION_NOTE};
pub use fixtures::{Fixtures, FIXTURES};
pub use hold::{Hold, HoldEvent};
pub(crate) use scenario::ActiveScenarios;
pub use scenario::{Scenario, ScenarioInfo, UnknownScenario, SLOW_ACCEPT, SLOW_LATENCY};
pub use server::{base_url_of, bind, serve, Sandbox, SandboxConfig, SandboxError};
pub use state::{Completion, SandboxStats};
