//! Building a client run's [`RunResult`]: grading, verdict and lanes, in
//! the result model every report already renders.

use std::time::SystemTime;

use crate::check::CheckSet;
use crate::recording::Recording;
use crate::result::{ClientRun, RunResult, Side, Summary, Target, Tool, SCHEMA_VERSION};
use crate::run::{checks_digest, rfc3339};

use super::check::grade;
use super::context::GradeContext;
use super::lanes::lanes;
use super::verdict::{judge_client, ClientFacts};
use crate::secret::Redactor;

/// When the client run started and ended.
#[derive(Debug, Clone, Copy)]
pub struct ClientTimes {
    pub started_at: SystemTime,
    pub finished_at: SystemTime,
}

/// The complete result of a client run: every client check of `set`
/// graded over `recording`, judged with `facts`; with the redactor over
/// every secret grading knew of, for whatever the run prints or writes,
/// and the leak canary's ([`crate::grade::Graded::canary`]).
pub fn assemble_client(
    set: &CheckSet,
    recording: &Recording,
    context: &GradeContext,
    facts: ClientFacts,
    times: ClientTimes,
    run_id: &str,
    target: Target,
) -> (RunResult, Redactor, Redactor) {
    let mut graded = grade(&set.client_checks, recording, context);
    let side_ids: Vec<&str> = set.client_checks.iter().map(|c| c.id.as_str()).collect();
    let all_ids: Vec<&str> = set
        .checks
        .iter()
        .map(|c| c.id.as_str())
        .chain(side_ids.iter().copied())
        .collect();
    let waived = crate::waiver::apply(
        &mut graded.results,
        &side_ids,
        &all_ids,
        &facts.waivers,
        crate::waiver::Today::of(times.finished_at),
    );
    let judged = judge_client(
        &set.client_checks,
        &graded.results,
        recording.calls.len(),
        recording.dropped,
        &facts,
    );
    let lanes = lanes(recording, &graded, &graded.redactor);
    let executions_created = recording
        .calls
        .iter()
        .filter(|c| c.execute_entry_point().is_some() && c.is_success())
        .count();
    let duration = times
        .finished_at
        .duration_since(times.started_at)
        .unwrap_or_default();
    let checks = graded.results;
    let redactor = graded.redactor;
    let canary = graded.canary;
    let mut result = RunResult {
        schema_version: SCHEMA_VERSION,
        tool: Tool::this(),
        side: Side::Client,
        run_id: run_id.to_string(),
        started_at: rfc3339(times.started_at),
        finished_at: rfc3339(times.finished_at),
        duration_ms: duration.as_secs_f64() * 1000.0,
        target,
        checks_digest: checks_digest(set),
        summary: Summary::of(&checks),
        executions_created,
        // A client run's executions are its client's, whatever key it sent.
        executions_on_other_accounts: 0,
        requests_sent: recording.calls.len(),
        verdict: judged.verdict,
        reasons: judged.reasons,
        root_causes: judged.root_causes,
        unreachable: None,
        interrupted_by: facts.interrupted.map(|s| s.name().to_string()),
        checklist: judged.checklist,
        ready: judged.verdict.is_ready(),
        exit_code: i32::from(match facts.interrupted {
            Some(signal) => signal.exit_code(),
            None => judged.verdict.exit_code(),
        }),
        preflight: Vec::new(),
        checks,
        waivers: Vec::new(),
        client: Some(ClientRun {
            command: facts.command,
            command_exit: facts.command_exit,
            scenarios: facts.scenarios,
            upstream: facts.upstream,
            calls_recorded: recording.calls.len(),
            calls_dropped: recording.dropped,
            lanes,
        }),
    };
    crate::waiver::record(&mut result, waived);
    (result, redactor, canary)
}
