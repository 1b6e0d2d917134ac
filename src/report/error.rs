//! The one error type of the report writers: which file or directory could
//! not be written, and why.

use std::io;
use std::path::{Path, PathBuf};

/// Why a report could not be rendered or written.
///
/// `Display` is a lowercase fragment naming the path; the OS reason is the
/// [`std::error::Error::source`], so a "caused by" chain shows it once.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file system operation on `path` failed.
    #[error("cannot {action} `{}`", path.display())]
    Io {
        /// What was being done: `create directory`, `write`, `remove`...
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Renaming `from` to `to` failed.
    #[error("cannot rename `{}` to `{}`", from.display(), to.display())]
    Rename {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The run id cannot name a directory (empty, `.`/`..`, or has a
    /// separator).
    #[error("run id `{run_id}` cannot name a report directory")]
    InvalidRunId { run_id: String },
    /// The JUnit library refused the report.
    #[error("cannot render junit.xml")]
    Junit(#[source] quick_junit::SerializeError),
    /// The HTML template failed.
    #[error("cannot render report.html")]
    Html(#[source] askama::Error),
    /// The model could not be copied with its strings redacted; nothing is
    /// written rather than the unredacted model.
    #[error("cannot redact the result model, so no report is written")]
    Redaction(#[source] serde_json::Error),
}

impl ReportError {
    /// Builds an [`ReportError::Io`] for `action` on `path`.
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> ReportError {
        ReportError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The path that failed, when the error is about one (the destination
    /// of a rename).
    pub fn path(&self) -> Option<&Path> {
        match self {
            ReportError::Io { path, .. } => Some(path),
            ReportError::Rename { to, .. } => Some(to),
            ReportError::InvalidRunId { .. }
            | ReportError::Junit(_)
            | ReportError::Html(_)
            | ReportError::Redaction(_) => None,
        }
    }

    /// The OS reason, when the error is an I/O one.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            ReportError::Io { source, .. } | ReportError::Rename { source, .. } => Some(source),
            ReportError::InvalidRunId { .. }
            | ReportError::Junit(_)
            | ReportError::Html(_)
            | ReportError::Redaction(_) => None,
        }
    }
}
