//! The binary's error: every layer's error, each mapped to a documented
//! exit code by one exhaustive match.

use std::path::PathBuf;

use thiserror::Error;

use super::config::{BaseUrlError, ConfigError};
use crate::check::CheckErrors;
use crate::exit;
use crate::report::ReportError;
use crate::run::RunError;
use crate::sandbox::SandboxError;

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Checks(#[from] CheckErrors),
    /// A missing or invalid setting of the target, with what to do about it.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A command line that cannot be carried out as given.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// `init` refusing to write, or unable to.
    #[error(transparent)]
    Init(#[from] InitError),
    /// The client's COMMAND (`client -- COMMAND`).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// A file the command writes besides the reports.
    #[error("cannot write {what} to {}: {source}", .path.display())]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("cannot start the sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    /// The client run's counterpart (recorded sandbox or forwarder).
    #[error("cannot start the recorder: {0}")]
    Recorder(SandboxError),
    #[error("cannot forward to --upstream: {0}")]
    Upstream(#[from] crate::recorder::UpstreamError),
    #[error("cannot write the reports: {0}")]
    Reports(#[from] ReportError),
    /// A signing or verifying key file that cannot be used (its content
    /// is never shown).
    #[error(transparent)]
    Key(#[from] crate::record::KeyError),
    /// A record `verify` cannot read.
    #[error(transparent)]
    Verify(#[from] crate::record::verify::VerifyError),
    /// A waivers file that cannot be used.
    #[error(transparent)]
    Waivers(#[from] crate::waiver::WaiverError),
    /// Files that held a secret and were deleted.
    #[error("a secret was found in {} written file(s), which were deleted: {}", .0.len(), .0.join(", "))]
    Leak(Vec<String>),
}

/// A command line that cannot be carried out as given.
#[derive(Debug, Error)]
pub enum UsageError {
    #[error("--ignored selects checks marked ignored in advance, and no check is: a check is ignored only at run time (a fixture not supplied, a prerequisite that failed), and the reports list those with how to supply what they need. Run without --ignored (or --include-ignored).")]
    IgnoredSelection,
    /// Run filters or `--skip` patterns that match no check id.
    #[error("{}\nnothing was sent; `wapzi-homolog list` shows the check ids", unmatched_text(.0))]
    UnmatchedSelection(Vec<crate::run::Unmatched>),
    /// `--skip` patterns that leave out every check the filters take.
    #[error("--skip {} leaves out {}: no check is left to run; nothing was sent", code_list(.skip), every_check(.filters))]
    AllSkipped {
        skip: Vec<String>,
        filters: Vec<String>,
    },
    #[error("unknown check `{id}`: {hint}")]
    UnknownCheck { id: String, hint: String },
    #[error("{at}: this check file holds a secret (the API key or a secret fixture) in clear: never write a key in a check file; choose the credential a request sends with `key:`")]
    SecretInCheckFile { at: crate::check::Location },
    /// This machine's open-files limit leaves room for no check.
    #[error("{0}")]
    FileLimit(String),
    #[error("--fault makes the sandbox deviate; with --upstream the real API answers: drop --fault or --upstream")]
    FaultWithUpstream,
    #[error("--dialect makes the sandbox speak a dialect; with --upstream the real API answers: drop --dialect or --upstream")]
    DialectWithUpstream,
    #[error("--scenario {name} cannot be presented in front of the real API: {reason}; drop it or --upstream (with --upstream the recorder presents {usable})")]
    ScenarioWithUpstream {
        name: &'static str,
        reason: &'static str,
        usable: String,
    },
    #[error("--dialect changes how the embedded sandbox answers, and this run is not against it: add --sandbox, or drop --dialect")]
    DialectWithoutSandbox,
    #[error("no client checks in {sources}: client checks live under checks/client/ (docs/client.md); `--checks builtin` grades with the built-in ones")]
    NoClientChecks { sources: String },
    #[error("--at {text}: not a time: write RFC 3339, e.g. 2027-01-15T00:00:00Z")]
    BadTime { text: String },
    #[error("--reports names one record's reports: give it with one record, or keep each record beside its reports")]
    ReportsWithSeveralRecords,
    /// A fixture of the sandbox that cannot be a secret (a build mistake).
    #[error("{0}")]
    SandboxFixture(crate::secret::SecretError),
}

/// Why `init` wrote nothing, or could not write.
#[derive(Debug, Error)]
pub enum InitError {
    #[error("init never writes through a symbolic link, even with --force (it would overwrite the file the link points to); nothing was written. Remove these links, or copy what they point to in their place:\n{}", indented(.0))]
    Links(Vec<PathBuf>),
    #[error("init would overwrite {} existing file(s); nothing was written (pass --skip-existing to keep them and write only what is missing, or --force to overwrite them):\n{}", .0.len(), indented(.0))]
    WouldOverwrite(Vec<PathBuf>),
    #[error("cannot write into {}: {source}", .dir.display())]
    Write {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// Why the client's COMMAND could not be run.
#[derive(Debug, Error)]
pub enum CommandError {
    #[error("no COMMAND after `--`")]
    Empty,
    #[error("cannot run the client command `{program}`: {reason}")]
    Spawn { program: String, reason: String },
    #[error("cannot wait for the client command: {0}")]
    Wait(std::io::Error),
}

impl From<BaseUrlError> for AppError {
    fn from(error: BaseUrlError) -> AppError {
        AppError::Config(error.into())
    }
}

/// The unmatched patterns, a line each.
fn unmatched_text(unmatched: &[crate::run::Unmatched]) -> String {
    unmatched
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The checks `filters` take.
fn every_check(filters: &[String]) -> String {
    if filters.is_empty() {
        "every loaded check".to_string()
    } else {
        format!("every check selected by {}", code_list(filters))
    }
}

/// `a`, `b`.
fn code_list(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Paths, one per line, indented.
fn indented(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect::<Vec<_>>()
        .join("\n")
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
            | AppError::Config(_)
            | AppError::Usage(_)
            | AppError::Init(_)
            | AppError::Command(_)
            | AppError::Write { .. }
            | AppError::Run(_)
            | AppError::Sandbox(_)
            | AppError::Recorder(_)
            | AppError::Upstream(_)
            | AppError::Key(_)
            | AppError::Waivers(_)
            | AppError::Verify(_) => exit::SETUP,
            AppError::Reports(_) => exit::REPORTS,
            AppError::Leak(_) => exit::SECRET_LEAK,
        }
    }
}
