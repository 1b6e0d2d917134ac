//! Building a client run's [`RunResult`]: grading, verdict and lanes, in
//! the result model every report already renders.

use std::time::SystemTime;

use crate::assemble::{build, Counts, Parts};
use crate::check::CheckSet;
use crate::recording::Recording;
use crate::result::{ClientRun, FailureKind, RunResult, Side, Target};

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
    mut facts: ClientFacts,
    times: ClientTimes,
    run_id: &str,
    target: Target,
) -> (RunResult, Redactor, Redactor) {
    let mut graded = grade(&set.client_checks, recording, context);
    facts.calls_truncated = recording.truncated;
    // A signal during grading interrupts the run as one while the client ran.
    let stopped_grading = facts.interrupted.is_none() && graded.interrupted.is_some();
    facts.interrupted = facts.interrupted.or(graded.interrupted);
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
    let mut judged = judge_client(
        &set.client_checks,
        &graded.results,
        recording.calls.len(),
        recording.dropped,
        &facts,
    );
    if let (true, Some(signal)) = (stopped_grading, graded.interrupted) {
        let interrupted = graded
            .results
            .iter()
            .filter(|r| {
                r.failure()
                    .is_some_and(|f| f.kind == FailureKind::Interrupted)
            })
            .count();
        judged.reasons = vec![format!(
            "the run was interrupted by {} while grading: {} of {} client checks not graded",
            signal.name(),
            interrupted,
            graded.results.len()
        )];
    }
    let lanes = lanes(recording, &graded, &graded.redactor);
    let counts = Counts {
        requests_sent: recording.calls.len(),
        executions_created: recording
            .calls
            .iter()
            .filter(|c| c.execute_entry_point().is_some() && c.is_success())
            .count(),
        // A client run's executions are its client's, whatever key it sent.
        executions_on_other_accounts: 0,
    };
    let duration = times
        .finished_at
        .duration_since(times.started_at)
        .unwrap_or_default();
    let redactor = graded.redactor;
    let canary = graded.canary;
    let mut result = build(Parts {
        side: Side::Client,
        set,
        run_id,
        target,
        started_at: times.started_at,
        finished_at: times.finished_at,
        duration,
        judged,
        checks: graded.results,
        preflight: Vec::new(),
        counts,
        unreachable: None,
        interrupted: facts.interrupted,
        client: Some(ClientRun {
            command: facts.command,
            command_exit: facts.command_exit,
            scenarios: facts.scenarios,
            upstream: facts.upstream,
            calls_recorded: recording.calls.len(),
            calls_dropped: recording.dropped,
            calls_truncated: recording.truncated,
            lanes,
        }),
    });
    crate::waiver::record(&mut result, waived);
    (result, redactor, canary)
}
