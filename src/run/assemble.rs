//! The API run's [`RunResult`]: its verdict and what it sent, in the one
//! builder ([`crate::assemble::build`]).

use crate::assemble::{build, Counts, Parts};
use crate::check::CheckSet;
use crate::result::{CheckResult, Exchange, RunResult, Side, Target};

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
    let checks = executed.results;
    let sent: Vec<&Exchange> = executed
        .preflight
        .iter()
        .chain(checks.iter().flat_map(|c| &c.exchanges))
        .filter(|e| e.reused_from.is_none())
        .collect();
    let counts = Counts {
        requests_sent: sent.len(),
        executions_created: sent.iter().filter(|e| created_an_execution(e)).count(),
        executions_on_other_accounts: created_on_other_accounts(set, &checks),
    };
    build(Parts {
        side: Side::Api,
        set,
        run_id,
        target,
        started_at: executed.started_at,
        finished_at: executed.finished_at,
        duration: executed.duration,
        judged,
        checks,
        preflight: executed.preflight,
        counts,
        unreachable: executed.unreachable,
        interrupted: executed.interrupted,
        client: None,
    })
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
