//! Building the run's [`RunResult`] from the checks' results.

use std::time::SystemTime;

use crate::check::CheckSet;
use crate::result::{
    CheckResult, ChecksDigest, Exchange, RunResult, RunVerdict, Summary, Target, Tool,
    SCHEMA_VERSION,
};

use super::harness::Executed;
use super::verdict::{judge, RunFacts};

/// The complete result model of a run.
pub fn assemble(set: &CheckSet, executed: Executed, run_id: &str, target: Target) -> RunResult {
    let facts = RunFacts {
        selection: &executed.selection,
        unreachable: executed.unreachable.as_ref(),
        interrupted: executed.interrupted,
    };
    let judged = judge(set, &executed.results, &facts);
    let exit_code = match executed.interrupted {
        Some(signal) if judged.verdict == RunVerdict::Interrupted => signal.exit_code(),
        // Checks this machine could not run make the run a setup error:
        // it is no verdict on the target.
        _ if executed.results.iter().any(|r| r.hit_local_limit()) => crate::exit::SETUP,
        _ => judged.verdict.exit_code(),
    };
    let checks = executed.results;
    let sent: Vec<&Exchange> = executed
        .preflight
        .iter()
        .chain(checks.iter().flat_map(|c| &c.exchanges))
        .filter(|e| e.reused_from.is_none())
        .collect();
    let executions_created = sent.iter().filter(|e| created_an_execution(e)).count();
    let executions_on_other_accounts = created_on_other_accounts(set, &checks);
    let requests_sent = sent.len();
    RunResult {
        schema_version: SCHEMA_VERSION,
        side: crate::result::Side::Api,
        tool: Tool::this(),
        run_id: run_id.to_string(),
        started_at: rfc3339(executed.started_at),
        finished_at: rfc3339(executed.finished_at),
        duration_ms: super::clock::ms(executed.duration),
        target,
        checks_digest: checks_digest(set),
        summary: Summary::of(&checks),
        executions_created,
        executions_on_other_accounts,
        requests_sent,
        verdict: judged.verdict,
        reasons: judged.reasons,
        root_causes: judged.root_causes,
        unreachable: executed.unreachable,
        interrupted_by: executed.interrupted.map(|s| s.name().to_string()),
        checklist: judged.checklist,
        ready: judged.verdict.is_ready(),
        exit_code: i32::from(exit_code),
        preflight: executed.preflight,
        checks,
        client: None,
        waivers: Vec::new(),
    }
}

/// Executions created by a step that sends another account's key (the
/// check model says which key each step sent).
fn created_on_other_accounts(set: &CheckSet, results: &[CheckResult]) -> usize {
    results
        .iter()
        .filter_map(|result| Some((result, set.checks.iter().find(|c| c.id == result.id)?)))
        .flat_map(|(result, check)| {
            result
                .exchanges
                .iter()
                .filter(|e| e.reused_from.is_none() && created_an_execution(e))
                .filter(move |e| {
                    let step = check.steps.iter().find(|s| s.name == e.step);
                    step.and_then(|s| s.request())
                        .is_some_and(|r| r.key.is_another_accounts())
                })
        })
        .count()
}

/// Whether `exchange` was an execute the target accepted.
fn created_an_execution(exchange: &Exchange) -> bool {
    let accepted = exchange
        .response
        .as_ref()
        .is_some_and(|r| (200..300).contains(&r.status));
    accepted && exchange.call().entry_point().is_some()
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
