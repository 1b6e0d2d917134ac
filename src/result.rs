//! The result model of a run: what every report is rendered from, and what
//! `report.json` serializes. It is a contract: bump [`SCHEMA_VERSION`] on
//! any change that is not a pure addition.
//!
//! Everything here is already redacted: the runner stores only redacted
//! text, so no secret can reach a report through this model.

use serde::{Deserialize, Serialize};

/// Version of the `report.json` layout. 2: the run's `verdict` (with
/// `unreachable` and `incomplete`), `root_causes`, per-item evidence and
/// gaps, each failure's `kind`, `url` and `hint`, and the `preflight`.
pub const SCHEMA_VERSION: u32 = 2;

/// A duration in fractional milliseconds to the microsecond, as the model
/// stores durations and offsets (`duration_ms`, `started_ms`, `at_ms`).
pub fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// Response bodies are stored up to this many bytes (the rest is counted,
/// not kept).
pub const BODY_EXCERPT_LIMIT: usize = 64 * 1024;

/// One whole run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunResult {
    pub schema_version: u32,
    pub tool: Tool,
    /// Which side of the integration was homologated: the API as the
    /// account sees it (`run`), or the integrator's client (`client`).
    #[serde(default)]
    pub side: Side,
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
    /// Executions the run created on the target (answered 2xx to an execute
    /// it sent): each is answered by the account's real agents.
    #[serde(default)]
    pub executions_created: usize,
    /// Of those, the ones created with another account's key
    /// (`other_api_key`'s, answered by the second account's agents, not
    /// the account's).
    #[serde(default)]
    pub executions_on_other_accounts: usize,
    /// Requests the run sent (the preflight's included).
    #[serde(default)]
    pub requests_sent: usize,
    /// The gate's verdict; [`RunVerdict::exit_code`] is the process's.
    pub verdict: RunVerdict,
    /// Why the verdict is not READY, one line each, most important first.
    pub reasons: Vec<String>,
    /// The failures that explain a NOT READY run, root cause first.
    pub root_causes: Vec<RootCause>,
    /// Why the target could not be reached, for an UNREACHABLE run.
    pub unreachable: Option<Unreachable>,
    /// The signal that stopped an INTERRUPTED run: `SIGINT` or `SIGTERM`.
    #[serde(default)]
    pub interrupted_by: Option<String>,
    /// The checklist items, each with its verdict and evidence.
    pub checklist: Vec<ChecklistVerdict>,
    /// True for [`RunVerdict::Ready`] and [`RunVerdict::ReadyWithWaivers`].
    pub ready: bool,
    pub exit_code: i32,
    /// The reachability probe sent before any check.
    pub preflight: Vec<Exchange>,
    pub checks: Vec<CheckResult>,
    /// What the client did, for a `client` run; `null` for `run`.
    #[serde(default)]
    pub client: Option<ClientRun>,
    /// Every waiver the run read (`waivers.yaml`), with what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverRecord>,
}

/// A waiver of a check's failure, as the run read it, and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WaiverRecord {
    /// The check id it names.
    pub check: String,
    /// Why the integrator cannot fix the failure (at least a sentence).
    pub reason: String,
    /// Who waived it.
    pub by: String,
    /// The last day it holds, `YYYY-MM-DD` (UTC).
    pub expires: String,
    pub status: WaiverStatus,
    /// What the status means for this waiver, one line.
    pub note: String,
}

/// What became of a waiver in a run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WaiverStatus {
    /// It covered a failure of its check: the failure did not gate.
    Applied,
    /// Its expiry has passed: not applied.
    Expired,
    /// Its check passed: the waiver is no longer needed (remove it).
    Stale,
    /// Its check did not run (filtered, skipped, ignored): nothing to cover.
    NotRun,
    /// No loaded check has its id.
    UnknownCheck,
    /// Its check can never be waived (a key leak, another account's data),
    /// or the failure cannot (an unreachable target, a harness failure).
    NotWaivable,
}

impl WaiverRecord {
    /// One line: `entry-point::unknown until 2027-01-31 by Ana: REASON (the
    /// failure is waived until 2027-01-31)`.
    pub fn line(&self) -> String {
        format!(
            "{} until {} by {}: {} ({})",
            self.check, self.expires, self.by, self.reason, self.note
        )
    }
}

impl WaiverStatus {
    /// `applied`, `expired`, `stale`, `not run`, `unknown check`, `not waivable`.
    pub fn label(self) -> &'static str {
        match self {
            WaiverStatus::Applied => "applied",
            WaiverStatus::Expired => "expired",
            WaiverStatus::Stale => "stale",
            WaiverStatus::NotRun => "not run",
            WaiverStatus::UnknownCheck => "unknown check",
            WaiverStatus::NotWaivable => "not waivable",
        }
    }

    /// The status as `report.json` and the record write it.
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverStatus::Applied => "applied",
            WaiverStatus::Expired => "expired",
            WaiverStatus::Stale => "stale",
            WaiverStatus::NotRun => "not_run",
            WaiverStatus::UnknownCheck => "unknown_check",
            WaiverStatus::NotWaivable => "not_waivable",
        }
    }
}

impl RunResult {
    /// `5 executions created (1 on another account)`: the
    /// cost of the run to the account's agents, as every output says it.
    pub fn executions_text(&self) -> String {
        match self.executions_on_other_accounts {
            0 => format!(
                "{} created",
                crate::text::counted(self.executions_created, "execution")
            ),
            other => format!(
                "{} created ({other} on another account)",
                crate::text::counted(self.executions_created, "execution")
            ),
        }
    }
}

/// The side of the integration a run homologated.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// `run`: the API, as the integrator's account sees it.
    #[default]
    Api,
    /// `client`: the integrator's backend, graded on its calls.
    Client,
}

/// How a `client` run met the client: the command, the counterpart, and
/// the recorded calls arranged by execution.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClientRun {
    /// The command run as the client (`-- COMMAND ARGS...`), if one was.
    pub command: Option<Vec<String>>,
    /// How that command ended.
    pub command_exit: Option<CommandExit>,
    /// The situations the sandbox presented (`--scenario`).
    pub scenarios: Vec<String>,
    /// The real API the recorder forwarded to (`--upstream`); `null` when
    /// the sandbox answered.
    pub upstream: Option<String>,
    pub calls_recorded: usize,
    /// Calls served past the recorder's cap and not kept.
    pub calls_dropped: u64,
    /// Calls served past the recording's byte budget and not kept (the
    /// recording was truncated); absent when none was.
    #[serde(default, skip_serializing_if = "is_zero_calls")]
    pub calls_truncated: u64,
    /// One lane per execution the client created or read, in order of the
    /// first call that named it.
    pub lanes: Vec<Lane>,
}

/// How the client's command ended.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CommandExit {
    /// Its exit code, when it exited.
    pub code: Option<i32>,
    /// The signal that ended it, when one did (`SIGKILL`).
    pub signal: Option<String>,
    /// Whether it was stopped at `--deadline`.
    pub timed_out: bool,
    /// What it left running after it ended, told to stop (SIGTERM), each
    /// `pid N (name)`: a CI job's owner learns what its script leaked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_running: Vec<String>,
    /// What was still running after the grace and had to be killed
    /// (SIGKILL), each `pid N (name)`: the command itself when it did not
    /// stop when told, and what it left running.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub killed: Vec<String>,
}

/// One execution's story as the client lived it: its POST, each read, and
/// the status it ended in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Lane {
    pub execution_id: String,
    pub conversation_id: Option<String>,
    /// The terminal status the client was shown, if it saw one.
    pub terminal: Option<String>,
    pub events: Vec<LaneEvent>,
}

/// One recorded call on a lane.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LaneEvent {
    /// The call's place in the recording (0 for the first call).
    pub seq: u64,
    /// Milliseconds since the recorder started.
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The execution's `status` in the answer, if it had one.
    pub execution_status: Option<String>,
    /// The client checks this call violated, by id.
    pub violations: Vec<String>,
    /// The scenario whose answer the recorder gave itself in front of the
    /// real API (`--upstream`), without forwarding the call; absent when
    /// the API (or the sandbox) answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presented: Option<String>,
}

/// The run's verdict, each with its documented exit code.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunVerdict {
    /// No required check failed and every checklist item is evidenced.
    Ready,
    /// READY, but only because waivers (`waivers.yaml`) cover some required
    /// checks' failures: each is listed with its reason, who and until when.
    ReadyWithWaivers,
    /// A required check failed or errored (a panic included).
    NotReady,
    /// The target could not be reached at all (DNS, refused, TLS, timeout,
    /// or 404 to every request).
    Unreachable,
    /// Nothing failed, but the run does not evidence the checklist.
    Incomplete,
    /// SIGINT or SIGTERM stopped the run: what ran is reported, the rest is
    /// marked interrupted.
    Interrupted,
}

impl RunVerdict {
    /// The process exit code of the verdict (README's contract).
    pub fn exit_code(self) -> u8 {
        match self {
            RunVerdict::Ready | RunVerdict::ReadyWithWaivers => crate::exit::READY,
            RunVerdict::NotReady => crate::exit::NOT_READY,
            RunVerdict::Unreachable => crate::exit::UNREACHABLE,
            RunVerdict::Incomplete => crate::exit::INCOMPLETE,
            RunVerdict::Interrupted => crate::exit::INTERRUPTED,
        }
    }

    /// Whether the gate passes: READY, with waivers or without.
    pub fn is_ready(self) -> bool {
        matches!(self, RunVerdict::Ready | RunVerdict::ReadyWithWaivers)
    }

    /// `READY`, `READY WITH WAIVERS`, `NOT READY`, `UNREACHABLE`, `INCOMPLETE`.
    pub fn label(self) -> &'static str {
        match self {
            RunVerdict::Ready => "READY",
            RunVerdict::ReadyWithWaivers => "READY WITH WAIVERS",
            RunVerdict::NotReady => "NOT READY",
            RunVerdict::Unreachable => "UNREACHABLE",
            RunVerdict::Incomplete => "INCOMPLETE",
            RunVerdict::Interrupted => "INTERRUPTED",
        }
    }

    /// The banner line: `READY for go-live`, `UNREACHABLE: the target...`.
    pub fn headline(self) -> &'static str {
        match self {
            RunVerdict::Ready => "READY for go-live",
            RunVerdict::ReadyWithWaivers => "READY WITH WAIVERS for go-live",
            RunVerdict::NotReady => "NOT READY for go-live",
            RunVerdict::Unreachable => "UNREACHABLE: the target could not be reached",
            RunVerdict::Incomplete => "INCOMPLETE: the run does not evidence the checklist",
            RunVerdict::Interrupted => "INTERRUPTED: the run was stopped before it ended",
        }
    }
}

/// A failure that explains others: the check named first, and the checks
/// that failed the same way.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RootCause {
    /// What the checks share: `execution never left \`queued\``.
    pub summary: String,
    pub kind: FailureKind,
    /// The checks that failed this way, the headline first.
    pub checks: Vec<String>,
    /// The headline check's failure.
    pub failure: Failure,
    /// Checks not run because one of `checks` failed.
    pub blocked: Vec<String>,
    /// The checklist items these failures break.
    pub items: Vec<String>,
}

/// Why the target could not be reached.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unreachable {
    pub kind: FailureKind,
    /// One line: what happened and what to check.
    pub message: String,
    /// The URL that was requested.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This build of the tool.
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
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
    /// Sandbox dialects spoken, if any.
    #[serde(default)]
    pub dialects: Vec<String>,
    /// Names of the fixtures that were supplied (never their values).
    pub fixtures_supplied: Vec<String>,
    pub tls: Option<TlsFacts>,
    /// The proxy the requests went through (`host:port` only), if any.
    #[serde(default)]
    pub proxy: Option<String>,
}

#[cfg(test)]
impl Target {
    /// The sandbox at `base_url`, entry point `ep_1`, as tests see it.
    pub(crate) fn sandbox_for_tests(base_url: &str) -> Target {
        Target {
            base_url: base_url.into(),
            entry_point_id: "ep_1".into(),
            sandbox: true,
            faults: vec![],
            dialects: vec![],
            fixtures_supplied: vec![],
            tls: None,
            proxy: None,
        }
    }
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
    /// Advisory findings of checks (expectations where the page is
    /// silent that the target did not meet): reported, not gating.
    #[serde(default)]
    pub advisory_findings: usize,
    /// Checks a signal stopped before they ended (not counted in
    /// `errors`: they say nothing of the target).
    #[serde(default)]
    pub interrupted: usize,
    /// Required checks that failed and a waiver covers: not gating.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub waived: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_calls(n: &u64) -> bool {
    *n == 0
}

/// One checklist item and the evidence for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChecklistVerdict {
    pub id: String,
    pub text: String,
    pub verdict: ItemVerdict,
    /// Every loaded check of the item.
    pub checks: Vec<String>,
    /// Its required checks that passed: the evidence.
    pub passed: Vec<String>,
    /// Its required checks that failed or errored.
    pub failed: Vec<String>,
    /// Its required checks that did not run, each with why and how to
    /// supply what it needs.
    pub gaps: Vec<Gap>,
    /// Its required checks that failed and a waiver covers: they count as
    /// evidence of the item, as waived.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<String>,
}

/// A required check that did not run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gap {
    pub check: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemVerdict {
    /// Every required check of the item ran and passed.
    Passed,
    /// Evidenced (a required check passed, none failed), but some required
    /// checks did not run: they are listed as gaps.
    PassedWithGaps,
    /// A required check of the item failed or errored.
    Failed,
    /// No required check of the item passed, and none failed.
    NotEvidenced,
}

impl ChecklistVerdict {
    /// The gaps grouped by reason, in first-seen order: a filter or an
    /// unreachable target leaves many checks out for one reason.
    pub fn gap_groups(&self) -> Vec<(&str, Vec<&str>)> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for gap in &self.gaps {
            match groups.iter_mut().find(|(r, _)| *r == gap.reason) {
                Some((_, checks)) => checks.push(&gap.check),
                None => groups.push((&gap.reason, vec![&gap.check])),
            }
        }
        groups
    }
}

impl ItemVerdict {
    /// The verdict of an item from its required checks: any failed, any
    /// passed, any that did not run (a gap).
    pub fn of(any_failed: bool, any_passed: bool, any_gap: bool) -> ItemVerdict {
        match (any_failed, any_passed, any_gap) {
            (true, _, _) => ItemVerdict::Failed,
            (false, false, _) => ItemVerdict::NotEvidenced,
            (false, true, false) => ItemVerdict::Passed,
            (false, true, true) => ItemVerdict::PassedWithGaps,
        }
    }

    /// Whether the item counts as evidenced for READY.
    pub fn is_evidenced(self) -> bool {
        matches!(self, ItemVerdict::Passed | ItemVerdict::PassedWithGaps)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Required,
    Advisory,
}

impl From<crate::check::Severity> for Severity {
    fn from(severity: crate::check::Severity) -> Severity {
        match severity {
            crate::check::Severity::Required => Severity::Required,
            crate::check::Severity::Advisory => Severity::Advisory,
        }
    }
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
    /// What the check's assertions rest on, as its file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<BasisRecord>,
    pub outcome: Outcome,
    /// Expectations where the page is silent that the target did not meet:
    /// shown and reported, never failing the check or the gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Failure>,
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
    /// What kind of failure it is: what the hint is about, and how
    /// failures are grouped.
    pub kind: FailureKind,
    /// One line saying what went wrong.
    pub message: String,
    /// The step, as `name (file:line)`.
    pub step: String,
    /// The request that produced it, as sent (full URL), key redacted:
    /// `POST https://api.wapzi.com.br/v1/... (no key)`.
    pub request: Option<String>,
    /// Status and a truncated body of the response, when there was one.
    pub response: Option<String>,
    /// The HTTP status of that response.
    pub http_status: Option<u16>,
    /// Every expectation that did not hold in that response.
    pub mismatches: Vec<Mismatch>,
    /// What to do about it: advice for the kind of failure, with the
    /// check's own hint where it applies.
    pub hint: String,
    /// The value a poll that timed out saw last (`queued`).
    pub last_value: Option<String>,
    /// What the expectation that did not hold rests on: the page's words
    /// beside what the target did, or the inference it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<BasisRecord>,
}

/// What an assertion rests on, as reports show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BasisRecord {
    /// The reference's own words: the assertion gates.
    Quoted {
        quotes: Vec<String>,
        /// `the vendor's API page`, or the integrator's reference file.
        reference: String,
    },
    /// A reading of what the reference leaves open: advisory.
    Inferred { reason: String },
}

impl From<&crate::check::Basis> for BasisRecord {
    fn from(basis: &crate::check::Basis) -> BasisRecord {
        match basis {
            crate::check::Basis::Quoted { quotes, reference } => BasisRecord::Quoted {
                quotes: quotes.clone(),
                reference: reference.name(),
            },
            crate::check::Basis::Inferred(reason) => BasisRecord::Inferred {
                reason: reason.clone(),
            },
        }
    }
}

impl BasisRecord {
    /// One line: `the vendor's API page: "400 Invalid entryPointId"`, or
    /// `inferred (the page does not say it): REASON`.
    pub fn line(&self) -> String {
        match self {
            BasisRecord::Quoted { quotes, reference } => {
                let quoted: Vec<String> = quotes.iter().map(|q| format!("\"{q}\"")).collect();
                format!("{reference}: {}", quoted.join(" … "))
            }
            BasisRecord::Inferred { reason } => {
                format!("inferred (the page does not say it): {reason}")
            }
        }
    }
}

/// The kind of a failure or error. report.json writes its [`name`]
/// (`not_sent` for every cause of a request never sent).
///
/// [`name`]: FailureKind::name
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The HTTP status was not the documented one.
    Status,
    /// A response header did not hold.
    Header,
    /// A field of the JSON body did not hold.
    Body,
    /// The body is not JSON (a BOM, bytes after it, HTML, cut short, over the cap).
    NotJson,
    /// A value a later step needs was not in the body.
    Capture,
    /// A poll did not reach its condition within its timeout.
    PollTimedOut,
    /// The answer came, but later than the step's `within` budget.
    OverBudget,
    /// The host name did not resolve.
    Dns,
    /// Nothing listens at the host and port.
    Refused,
    /// The TLS handshake or certificate failed.
    Tls,
    /// The target did not answer within `--timeout` / `--connect-timeout`.
    Timeout,
    /// The connection was reset or closed before a whole answer.
    ConnectionLost,
    /// The answer was not HTTP, or another transport error.
    Transport,
    /// The proxy did not open a tunnel to the target.
    Proxy,
    /// The request was never sent, for one of [`NotSent`]'s reasons.
    NotSent(NotSent),
    /// The check's `--check-timeout` ran out.
    CheckTimeout,
    /// The run's `--deadline` ran out.
    Deadline,
    /// An advisory prerequisite failed.
    Prerequisite,
    /// The harness itself failed (a panic): never the target's fault.
    Internal,
    /// SIGINT or SIGTERM stopped the check before it ended.
    Interrupted,
    /// The integrator's client broke a client check's rule over its
    /// recorded calls (`client`).
    ClientRule,
    /// The integrator's client command (its end-to-end test) exited
    /// non-zero or was killed by a signal (`client -- COMMAND`).
    ClientCommand,
    /// This machine could not send the request: it ran out of file
    /// descriptors (`ulimit -n`). Never the target's fault: the run ends
    /// with the setup exit code.
    LocalLimit,
}

/// Why a request was never sent: each is the check's, its inputs' or the
/// run's setup's doing, never the target's. Reports do not tell them apart
/// (all are `not_sent`); the message does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotSent {
    /// Its path would take it (and the key) away from the base URL's origin.
    OffOrigin,
    /// The credential it names was not supplied, or the key has no variant
    /// of that shape.
    NoCredential,
    /// A template, header value or body could not be written into it.
    Unwritable,
    /// A `from` step's check recorded no answer at that step to judge again.
    NothingToReuse,
    /// A fixture the step names does not hold what the step needs (a
    /// duration).
    BadFixture,
    /// A client rule needs a value that was not supplied.
    MissingValue,
    /// Read back from a report, which does not name the reason.
    Unrecorded,
}

/// Every kind once, as a report can name it: what reading a report back
/// goes through.
const FAILURE_KINDS: [FailureKind; 23] = [
    FailureKind::Status,
    FailureKind::Header,
    FailureKind::Body,
    FailureKind::NotJson,
    FailureKind::Capture,
    FailureKind::PollTimedOut,
    FailureKind::OverBudget,
    FailureKind::Dns,
    FailureKind::Refused,
    FailureKind::Tls,
    FailureKind::Timeout,
    FailureKind::ConnectionLost,
    FailureKind::Transport,
    FailureKind::Proxy,
    FailureKind::NotSent(NotSent::Unrecorded),
    FailureKind::CheckTimeout,
    FailureKind::Deadline,
    FailureKind::Prerequisite,
    FailureKind::Internal,
    FailureKind::Interrupted,
    FailureKind::ClientRule,
    FailureKind::ClientCommand,
    FailureKind::LocalLimit,
];

impl FailureKind {
    /// The name report.json writes: `status`, `not_sent`, `connection_lost`.
    pub fn name(self) -> &'static str {
        use FailureKind as K;
        match self {
            K::Status => "status",
            K::Header => "header",
            K::Body => "body",
            K::NotJson => "not_json",
            K::Capture => "capture",
            K::PollTimedOut => "poll_timed_out",
            K::OverBudget => "over_budget",
            K::Dns => "dns",
            K::Refused => "refused",
            K::Tls => "tls",
            K::Timeout => "timeout",
            K::ConnectionLost => "connection_lost",
            K::Transport => "transport",
            K::Proxy => "proxy",
            K::NotSent(_) => "not_sent",
            K::CheckTimeout => "check_timeout",
            K::Deadline => "deadline",
            K::Prerequisite => "prerequisite",
            K::Internal => "internal",
            K::Interrupted => "interrupted",
            K::ClientRule => "client_rule",
            K::ClientCommand => "client_command",
            K::LocalLimit => "local_limit",
        }
    }
}

impl Serialize for FailureKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for FailureKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        FAILURE_KINDS
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown failure kind `{name}`")))
    }
}

impl Failure {
    /// A failure of `kind` at `step` with no request behind it (a time
    /// budget, a prerequisite, a panic); the hint is filled in later.
    pub fn bare(kind: FailureKind, message: String, step: String) -> Failure {
        Failure {
            kind,
            message,
            step,
            request: None,
            response: None,
            http_status: None,
            mismatches: Vec::new(),
            hint: String::new(),
            last_value: None,
            basis: None,
        }
    }
}

impl FailureKind {
    /// Whether no answer was received (the target's transport failed).
    pub fn is_transport(self) -> bool {
        matches!(
            self,
            FailureKind::Dns
                | FailureKind::Refused
                | FailureKind::Tls
                | FailureKind::Timeout
                | FailureKind::ConnectionLost
                | FailureKind::Transport
                | FailureKind::Proxy
        )
    }
}

/// One expectation that did not hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mismatch {
    /// [`FailureKind::Status`], `Header`, `Body` or `NotJson`.
    pub kind: FailureKind,
    /// `status`, `header content-type`, `body executionId`.
    pub target: String,
    pub expected: String,
    pub actual: String,
    /// `file:line` of the expectation.
    pub location: String,
}

/// What an [`Exchange`] was to the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeKind {
    /// The execute call: `POST .../entry-points/{id}/execute`.
    Execute,
    /// A poll of an execution.
    Poll,
    /// Any other request.
    Other,
}

impl ExchangeKind {
    /// `execute`, `poll` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeKind::Execute => "execute",
            ExchangeKind::Poll => "poll",
            ExchangeKind::Other => "other",
        }
    }
}

impl std::fmt::Display for ExchangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// Set when this exchange is another check's, judged again by a `from`
    /// step (it sent nothing and created nothing): that check's id.
    #[serde(default)]
    pub reused_from: Option<String>,
    /// The environment variable that holds the credential the request
    /// sent (`WAPZI_API_KEY`, `WAPZI_PREVIOUS_API_KEY`), never its value:
    /// how a reproduction names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_env: Option<String>,
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
    /// A required check failed or errored, and a waiver covers it: reported
    /// with the waiver, not gating (the run is READY WITH WAIVERS at best).
    Waived,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Error => "error",
            Verdict::AdvisoryFailed => "advisory_failed",
            Verdict::Ignored => "ignored",
            Verdict::Waived => "waived",
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

impl LaneEvent {
    /// Whether the client's call was the execute call, a read of an
    /// execution or another request (`crate::api::Call`, the one definition).
    pub fn kind(&self) -> ExchangeKind {
        match crate::api::Call::of_url(&self.method, &self.path) {
            crate::api::Call::Execute { .. } => ExchangeKind::Execute,
            crate::api::Call::ReadExecution { .. } => ExchangeKind::Poll,
            crate::api::Call::Other => ExchangeKind::Other,
        }
    }
}

impl Exchange {
    /// Whether this was a poll, the execute call or another request.
    pub fn kind(&self) -> ExchangeKind {
        if self.poll.is_some() {
            ExchangeKind::Poll
        } else if self.call().entry_point().is_some() {
            ExchangeKind::Execute
        } else {
            ExchangeKind::Other
        }
    }

    /// Which of the page's calls this was (`crate::api::Call`, the one
    /// definition).
    pub fn call(&self) -> crate::api::Call<'_> {
        crate::api::Call::of_url(&self.method, &self.url)
    }
}

impl CheckResult {
    /// Whether this result fails the gate.
    pub fn fails_gate(&self) -> bool {
        matches!(self.verdict, Verdict::Failed | Verdict::Error)
    }

    /// Whether this check could not run for a limit of this machine
    /// ([`FailureKind::LocalLimit`]): it says nothing about the target.
    pub fn hit_local_limit(&self) -> bool {
        self.failure()
            .is_some_and(|f| f.kind == FailureKind::LocalLimit)
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
            s.advisory_findings += check.findings.len();
            match check.verdict {
                Verdict::Passed => s.passed += 1,
                Verdict::Failed => s.failed += 1,
                Verdict::Error
                    if check
                        .failure()
                        .is_some_and(|f| f.kind == FailureKind::Interrupted) =>
                {
                    s.interrupted += 1
                }
                Verdict::Error => s.errors += 1,
                Verdict::AdvisoryFailed => s.advisory_failed += 1,
                Verdict::Ignored => s.ignored += 1,
                Verdict::Waived => s.waived += 1,
            }
        }
        s
    }
}

/// Reads milliseconds back as written: serde_json writes a non-finite
/// number as `null`, so `null` reads as NaN and every model survives the
/// JSON round trip that report redaction takes.
fn ms_or_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::{Exchange, ExchangeKind, FailureKind, NotSent, FAILURE_KINDS};

    fn exchange(method: &str, url: &str) -> Exchange {
        Exchange {
            step: "s".into(),
            method: method.into(),
            url: url.into(),
            request_headers: Vec::new(),
            request_body: None,
            response: None,
            error: None,
            started_ms: 0.0,
            duration_ms: 0.0,
            poll: None,
            reused_from: None,
            key_env: None,
        }
    }

    #[test]
    fn an_exchange_is_the_execute_call_by_the_one_definition() {
        let base = "https://api.example/prefix";
        let execute = exchange("POST", &format!("{base}/v1/entry-points/ep_1/execute?x=1"));
        assert_eq!(execute.kind(), ExchangeKind::Execute);
        assert_eq!(execute.call().entry_point(), Some("ep_1"));
        // HTTP methods are case-sensitive; a path merely ending in
        // `/execute` is not the page's call.
        for (method, path) in [
            ("post", "/v1/entry-points/ep_1/execute"),
            ("POST", "/v1/things/ep_1/execute"),
            ("POST", "/v1/entry-points/a/b/execute"),
        ] {
            let other = exchange(method, &format!("{base}{path}"));
            assert_eq!(other.kind(), ExchangeKind::Other, "{method} {path}");
        }
        let read = exchange("GET", &format!("{base}/v1/executions/exec_1"));
        assert_eq!(read.call().execution(), Some("exec_1"));
    }

    #[test]
    fn a_client_call_in_a_lane_is_the_execute_call_by_the_same_definition() {
        let event = |method: &str, path: &str| super::LaneEvent {
            seq: 0,
            at_ms: 0.0,
            method: method.into(),
            path: path.into(),
            status: 200,
            execution_status: None,
            violations: Vec::new(),
            presented: None,
        };
        let kind = |method, path| event(method, path).kind();
        assert_eq!(
            kind("POST", "/v1/entry-points/ep_1/execute"),
            ExchangeKind::Execute
        );
        // Behind an upstream's own path prefix too.
        assert_eq!(
            kind("POST", "/api/v1/entry-points/ep_1/execute"),
            ExchangeKind::Execute
        );
        assert_eq!(kind("GET", "/v1/executions/exec_1"), ExchangeKind::Poll);
        // A POST is not the execute call by its method alone.
        assert_eq!(kind("POST", "/v1/executions/exec_1"), ExchangeKind::Other);
        assert_eq!(
            kind("post", "/v1/entry-points/ep_1/execute"),
            ExchangeKind::Other
        );
    }

    #[test]
    fn every_failure_kind_reads_back_from_its_name_and_not_sent_hides_its_reason() {
        let mut names: Vec<&str> = FAILURE_KINDS.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FAILURE_KINDS.len(), "two kinds share a name");
        for kind in FAILURE_KINDS {
            let json = serde_json::to_string(&kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            let back: FailureKind = serde_json::from_str(&json).unwrap_or(FailureKind::Internal);
            assert_eq!(back.name(), kind.name());
        }
        let cause = FailureKind::NotSent(NotSent::OffOrigin);
        assert_eq!(
            serde_json::to_string(&cause).ok().as_deref(),
            Some("\"not_sent\"")
        );
        assert_eq!(
            serde_json::to_string(&FailureKind::ConnectionLost)
                .ok()
                .as_deref(),
            Some("\"connection_lost\"")
        );
        assert!(serde_json::from_str::<FailureKind>("\"no_such_kind\"").is_err());
    }
}
