//! Report the results of a run in human and machine-readable formats.
//!
//! Every writer is a pure function of the [`result`](crate::result) model
//! and redacts what it outputs with the [`Redactor`](crate::secret::Redactor)
//! it is given. [`write_all`] writes the whole set atomically:
//!
//! ```text
//! <root>/<run-id>/report.json          the result model (schema_version 1)
//!                 report.json.sha256   sha256sum line of report.json
//!                 junit.xml            one testcase per check
//!                 report.md            homologation summary for a ticket
//!                 report.html          self-contained page with a timeline
//!                 attestation.json     the homologation record (in-toto, signed with --sign-key)
//! <root>/latest/                       a copy of the newest run's set
//! ```

mod atomic;
pub mod attestation;
pub mod curl;
mod error;
mod github;
mod html;
mod json;
mod junit;
mod markdown;
mod redact;
mod text;
mod timeline;
mod write;

#[cfg(test)]
pub(crate) mod sample;
#[cfg(test)]
mod snapshot_tests;

pub use crate::record::RECORD_FILE;
pub use attestation::RecordSettings;
pub use error::ReportError;
pub use github::{github_outputs, write_step_summary};
pub use html::render_html;
pub use json::{render_digest, render_json};
pub use junit::{render_junit, SUITE_NAME};
pub use markdown::render_markdown;
pub use write::{write_all, write_all_with, ReportSet};

/// The result model, pretty JSON.
pub const JSON_FILE: &str = "report.json";
/// `sha256sum` line of [`JSON_FILE`].
pub const JSON_DIGEST_FILE: &str = "report.json.sha256";
/// JUnit XML.
pub const JUNIT_FILE: &str = "junit.xml";
/// The Markdown summary.
pub const MARKDOWN_FILE: &str = "report.md";
/// The HTML page.
pub const HTML_FILE: &str = "report.html";
/// The directory under the root that mirrors the newest run.
pub const LATEST_DIR: &str = "latest";
