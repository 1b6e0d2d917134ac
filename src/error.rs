//! The binary's error: every layer's error, each mapped to a documented
//! exit code by one exhaustive match.

use thiserror::Error;

use crate::check::CheckErrors;
use crate::exit;
use crate::report::ReportError;
use crate::run::RunError;
use crate::sandbox::SandboxError;

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Checks(#[from] CheckErrors),
    /// A missing or invalid setting, with what to do about it.
    #[error("{0}")]
    Setting(String),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot start the sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    /// The client run's counterpart (recorded sandbox or forwarder).
    #[error("cannot start the recorder: {0}")]
    Recorder(#[from] crate::recorder::ListenError),
    #[error("cannot forward to --upstream: {0}")]
    Upstream(#[from] crate::recorder::UpstreamError),
    #[error("cannot write the reports: {0}")]
    Reports(#[from] ReportError),
    /// Files that held a secret and were deleted.
    #[error("a secret was found in {} written file(s), which were deleted: {}", .0.len(), .0.join(", "))]
    Leak(Vec<String>),
}

impl AppError {
    /// The full message for the terminal (check errors carry their own
    /// `error:` headers and source snippets).
    pub fn render(&self) -> String {
        match self {
            AppError::Checks(errors) => errors.to_string(),
            other => {
                // Layers keep the OS reason as a source; say it too.
                let mut text = format!("error: {other}");
                let mut source = std::error::Error::source(other);
                while let Some(cause) = source {
                    let cause_text = cause.to_string();
                    if !text.contains(&cause_text) {
                        text.push_str(": ");
                        text.push_str(&cause_text);
                    }
                    source = cause.source();
                }
                text
            }
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Checks(_)
            | AppError::Setting(_)
            | AppError::Run(_)
            | AppError::Sandbox(_)
            | AppError::Recorder(_)
            | AppError::Upstream(_) => exit::SETUP,
            AppError::Reports(_) => exit::REPORTS,
            AppError::Leak(_) => exit::SECRET_LEAK,
        }
    }
}
