//! The result model of a run: what every report is rendered from, and what
//! `report.json` serializes. It is a contract: bump [`SCHEMA_VERSION`] on
//! any change that is not a pure addition.
//!
//! Everything here is already redacted: the runner stores only redacted
//! text, so no secret can reach a report through this model.

use serde::{Deserialize, Serialize};

/// Version of the `report.json` layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Response bodies are stored up to this many bytes (the rest is counted,
/// not kept).
pub const BODY_EXCERPT_LIMIT: usize = 64 * 1024;

/// One whole run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunResult {
    pub schema_version: u32,
    pub tool: Tool,
    /// Sortable by time: `20261128T141535Z-1a2b3c`.
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: String,
    #[serde(deserialize_with = "ms_or_nan")]
    pub duration_ms: f64,
    pub target: Target,
    pub checks_digest: ChecksDigest,
    pub summary: Summary,
    /// The checklist items, each with its verdict.
    pub checklist: Vec<ChecklistVerdict>,
    /// True when no required check failed.
    pub ready: bool,
    pub exit_code: i32,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// What was checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Target {
    pub base_url: String,
    pub entry_point_id: String,
    /// Whether the target was the embedded sandbox.
    pub sandbox: bool,
    /// Sandbox faults injected, if any.
    #[serde(default)]
    pub faults: Vec<String>,
    /// Names of the fixtures that were supplied (never their values).
    pub fixtures_supplied: Vec<String>,
    pub tls: Option<TlsFacts>,
}

/// What the TLS connection to an https target showed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct TlsFacts {
    pub protocol: Option<String>,
    pub certificate_subject: Option<String>,
    pub certificate_not_after: Option<String>,
}

/// SHA-256 of the check files that ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChecksDigest {
    pub sha256: String,
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    /// Required checks that failed (the server answered wrongly).
    pub failed: usize,
    /// Required checks that could not run (no answer, timeout...).
    pub errors: usize,
    /// Advisory checks that failed or errored: reported, not gating.
    pub advisory_failed: usize,
    pub ignored: usize,
}

/// One checklist item and how its checks did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChecklistVerdict {
    pub id: String,
    pub text: String,
    pub verdict: ItemVerdict,
    pub checks: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemVerdict {
    /// Every required check of the item ran and passed.
    Passed,
    /// A required check of the item failed or errored.
    Failed,
    /// None failed, but some of its checks were ignored, not selected, or
    /// advisory checks that failed: the item is not fully shown.
    Incomplete,
    /// No check of the item ran.
    NotChecked,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Required,
    Advisory,
}

/// One check's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub checklist_item: String,
    pub severity: Severity,
    pub hint: String,
    /// `file:line` of the check.
    pub location: String,
    pub outcome: Outcome,
    /// The outcome as the gate sees it (derived from outcome and severity).
    pub verdict: Verdict,
    /// Milliseconds since the run started.
    #[serde(deserialize_with = "ms_or_nan")]
    pub started_ms: f64,
    #[serde(deserialize_with = "ms_or_nan")]
    pub duration_ms: f64,
    pub exchanges: Vec<Exchange>,
    pub polls: Vec<PollRecord>,
}

/// How a check ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// The server answered and an expectation did not hold.
    Failed(Failure),
    /// The check could not run to a verdict (no answer, timeout, prerequisite).
    Error(Failure),
    Ignored {
        reason: String,
    },
}

/// Why a check did not pass.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    /// One line saying what went wrong.
    pub message: String,
    /// The step, as `name (file:line)`.
    pub step: String,
    /// The request that produced it, key redacted: `POST /v1/... (no key)`.
    pub request: Option<String>,
    /// Status and a truncated body of the response, when there was one.
    pub response: Option<String>,
    /// Every expectation that did not hold in that response.
    pub mismatches: Vec<Mismatch>,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mismatch {
    /// `status`, `header content-type`, `body executionId`.
    pub target: String,
    pub expected: String,
    pub actual: String,
    /// `file:line` of the expectation.
    pub location: String,
}

/// One HTTP request and what came back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exchange {
    pub step: String,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<Header>,
    pub request_body: Option<String>,
    pub response: Option<ResponseRecord>,
    /// Why no response was received.
    pub error: Option<String>,
    /// Milliseconds since the run started.
    #[serde(deserialize_with = "ms_or_nan")]
    pub started_ms: f64,
    #[serde(deserialize_with = "ms_or_nan")]
    pub duration_ms: f64,
    /// The poll number (1-based) when the request was a poll.
    pub poll: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<Header>,
    /// UTF-8 (lossy) text of the body, up to [`BODY_EXCERPT_LIMIT`] bytes.
    pub body: String,
    /// The body's full size as received (reading stops at the harness's
    /// body cap).
    pub body_bytes: u64,
    pub truncated: bool,
}

/// The evidence of one polled request (typically one execution).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PollRecord {
    pub step: String,
    /// The polled path, e.g. `/v1/executions/exec_123`.
    pub path: String,
    pub polls: u32,
    pub observations: Vec<Observation>,
    /// Time from the first poll's start to the response that ended polling.
    #[serde(deserialize_with = "ms_or_nan")]
    pub time_to_end_ms: f64,
    pub end: PollEnd,
}

/// What one poll saw.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Observation {
    /// Milliseconds since the run started.
    #[serde(deserialize_with = "ms_or_nan")]
    pub at_ms: f64,
    pub http_status: Option<u16>,
    /// The value the poll waits on (e.g. the execution's `status`).
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PollEnd {
    /// The `until` condition held.
    Reached,
    /// A state was reached from which the condition can no longer hold.
    GaveUp,
    /// The server answered with an error status.
    Stopped,
    TimedOut,
    /// An invariant (`always`) was broken.
    Broken,
    /// No answer (connection error) or the run's deadline.
    Error,
}

/// A check's result as the gate sees it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    Error,
    /// An advisory check failed or errored: reported, not gating.
    AdvisoryFailed,
    Ignored,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Error => "error",
            Verdict::AdvisoryFailed => "advisory_failed",
            Verdict::Ignored => "ignored",
        }
    }
}

impl Verdict {
    /// The verdict of an outcome at a severity.
    pub fn of(outcome: &Outcome, severity: Severity) -> Verdict {
        match (outcome, severity) {
            (Outcome::Passed, _) => Verdict::Passed,
            (Outcome::Ignored { .. }, _) => Verdict::Ignored,
            (Outcome::Failed(_) | Outcome::Error(_), Severity::Advisory) => Verdict::AdvisoryFailed,
            (Outcome::Failed(_), Severity::Required) => Verdict::Failed,
            (Outcome::Error(_), Severity::Required) => Verdict::Error,
        }
    }
}

impl CheckResult {
    /// Whether this result fails the gate.
    pub fn fails_gate(&self) -> bool {
        matches!(self.verdict, Verdict::Failed | Verdict::Error)
    }

    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Failed(f) | Outcome::Error(f) => Some(f),
            Outcome::Passed | Outcome::Ignored { .. } => None,
        }
    }
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Summary {
        let mut s = Summary {
            total: checks.len(),
            ..Summary::default()
        };
        for check in checks {
            match check.verdict {
                Verdict::Passed => s.passed += 1,
                Verdict::Failed => s.failed += 1,
                Verdict::Error => s.errors += 1,
                Verdict::AdvisoryFailed => s.advisory_failed += 1,
                Verdict::Ignored => s.ignored += 1,
            }
        }
        s
    }
}

/// The verdict of one checklist item from its checks' results.
pub fn item_verdict<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> ItemVerdict {
    let mut any_ran = false;
    let mut incomplete = false;
    for r in results {
        match r.verdict {
            Verdict::Failed | Verdict::Error => return ItemVerdict::Failed,
            // An advisory failure is not a pass: the item is not fully shown.
            Verdict::Ignored | Verdict::AdvisoryFailed => incomplete = true,
            Verdict::Passed => any_ran = true,
        }
    }
    match (any_ran, incomplete) {
        (false, _) => ItemVerdict::NotChecked,
        (true, true) => ItemVerdict::Incomplete,
        (true, false) => ItemVerdict::Passed,
    }
}

/// Reads milliseconds back as written: serde_json writes a non-finite
/// number as `null`, so `null` reads as NaN and every model survives the
/// JSON round trip that report redaction takes.
fn ms_or_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}
