//! Errors that stop a run before any check can start.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RunError {
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
    /// A proxy variable that cannot be used (its value is not shown: it may
    /// hold credentials).
    #[error("cannot use the proxy: {0}")]
    Proxy(String),
}
