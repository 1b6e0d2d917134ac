//! One [`RunResult`] builder for both sides: a side brings what only it
//! knows (its checks' results, what it sent, its own block) and the
//! verdict it was judged; the fields every run has (id, times, digest,
//! summary, readiness, exit code) are filled here, the same way for `run`
//! and `client`.

use std::time::{Duration, SystemTime};

use crate::check::CheckSet;
use crate::interrupt::Signal;
use crate::result::{
    CheckResult, ChecksDigest, ClientRun, Exchange, RunResult, Side, Summary, Target, Tool,
    Unreachable, SCHEMA_VERSION,
};
use crate::verdict::Judged;

/// What a side brings to its run's result.
pub struct Parts<'a> {
    pub side: Side,
    /// The checks loaded (their digest and files).
    pub set: &'a CheckSet,
    pub run_id: &'a str,
    pub target: Target,
    pub started_at: SystemTime,
    pub finished_at: SystemTime,
    pub duration: Duration,
    /// What the results mean for the gate.
    pub judged: Judged,
    /// The checks' results, in check order.
    pub checks: Vec<CheckResult>,
    /// The exchanges before any check (the API's reachability probe).
    pub preflight: Vec<Exchange>,
    pub counts: Counts,
    /// Why the target could not be reached, if it could not.
    pub unreachable: Option<Unreachable>,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<Signal>,
    /// The client run's own block, on the client side.
    pub client: Option<ClientRun>,
}

/// What the run sent and caused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub requests_sent: usize,
    pub executions_created: usize,
    /// Executions created with another account's key.
    pub executions_on_other_accounts: usize,
}

/// The complete result model of a run of either side.
pub fn build(parts: Parts) -> RunResult {
    let Parts { judged, checks, .. } = parts;
    let exit_code = exit_code(&judged, parts.interrupted, &checks);
    RunResult {
        schema_version: SCHEMA_VERSION,
        side: parts.side,
        tool: Tool::this(),
        run_id: parts.run_id.to_string(),
        started_at: rfc3339(parts.started_at),
        finished_at: rfc3339(parts.finished_at),
        duration_ms: crate::result::ms(parts.duration),
        target: parts.target,
        checks_digest: checks_digest(parts.set),
        summary: Summary::of(&checks),
        executions_created: parts.counts.executions_created,
        executions_on_other_accounts: parts.counts.executions_on_other_accounts,
        requests_sent: parts.counts.requests_sent,
        verdict: judged.verdict,
        reasons: judged.reasons,
        root_causes: judged.root_causes,
        unreachable: parts.unreachable,
        interrupted_by: parts.interrupted.map(|s| s.name().to_string()),
        checklist: judged.checklist,
        ready: judged.verdict.is_ready(),
        exit_code: i32::from(exit_code),
        preflight: parts.preflight,
        checks,
        client: parts.client,
        waivers: Vec::new(),
    }
}

/// The process's exit code: the signal's when it stopped the run, setup
/// (2) when checks this machine could not run (no verdict on the target),
/// else the verdict's.
fn exit_code(judged: &Judged, interrupted: Option<Signal>, checks: &[CheckResult]) -> u8 {
    match interrupted {
        Some(signal) if judged.verdict == crate::result::RunVerdict::Interrupted => {
            signal.exit_code()
        }
        _ if checks.iter().any(CheckResult::hit_local_limit) => crate::exit::SETUP,
        _ => judged.verdict.exit_code(),
    }
}

/// Which check files ran: `set`'s digest and file names.
pub fn checks_digest(set: &CheckSet) -> ChecksDigest {
    ChecksDigest {
        sha256: set.digest.clone(),
        files: set.files.iter().map(|f| f.display().to_string()).collect(),
    }
}

/// RFC 3339 in UTC with milliseconds.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// A run id sortable by time: `20261128T141535Z-1f2e`.
pub fn new_run_id(at: SystemTime) -> String {
    let stamp: String = humantime::format_rfc3339_seconds(at)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let nanos = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let salt = (nanos ^ std::process::id().rotate_left(16)) & 0xffff;
    format!("{stamp}-{salt:04x}")
}
