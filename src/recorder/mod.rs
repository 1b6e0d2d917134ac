//! The recorder: stands in front of the client's counterpart (the sandbox,
//! or the real API through the upstream forwarder) and notes every request
//! the client makes and the answer it gets, with its timing, into a
//! [`Recording`](crate::recording::Recording) that `client` grades.
//!
//! It is a thin axum layer ([`record`]) over any router: the sandbox knows
//! nothing of it ([`Sandbox::start_wrapped`](crate::sandbox::Sandbox::start_wrapped)),
//! and a call recorded is the same whichever side answered.
//!
//! ```text
//! client ──► recorder ──► sandbox (scenarios, faults)
//!                    └──► forwarder ──► upstream origin (real API)
//! ```

mod body;
mod budget;
mod present;
mod record;
mod serve;
mod upstream;

#[cfg(test)]
mod tests;

pub use record::{record, CallWatcher, Recorder, MAX_REQUEST_BODY};
pub use serve::{serve_recorded, RecordedServer};
pub use upstream::{upstream_client, UpstreamError};
