//! The verdict, one for both sides: what a run's evidence (its checks'
//! results, the checklist items they evidence, the failures that are root
//! causes) and its facts (what stopped it, what else failed or is missing)
//! mean for the gate. `run` and `client` each say what their evidence and
//! facts are (`run::verdict`, `grade::verdict`); the rules of the gate,
//! the checklist's evidence and the reasons' words live here once, so a
//! third side would bring its evidence and facts and nothing else.

mod causes;

use std::collections::HashMap;

use crate::check::Severity;
use crate::result::{
    CheckResult, ChecklistVerdict, Gap, ItemVerdict, Outcome, RootCause, RunVerdict, Verdict,
};

pub use causes::{failing, root_causes, Failing};

/// What the results mean for the gate: the run's `verdict`, why in one
/// line each, the failures to fix first and the checklist's evidence.
#[derive(Debug, Clone)]
pub struct Judged {
    pub verdict: RunVerdict,
    pub reasons: Vec<String>,
    pub root_causes: Vec<RootCause>,
    pub checklist: Vec<ChecklistVerdict>,
}

/// What the side's checks say.
pub struct Evidence<'a> {
    /// The checks' results (those that ran, failed, or were ignored).
    pub results: &'a [CheckResult],
    /// The checklist items the run is judged on, in order.
    pub items: Vec<Item<'a>>,
    /// The failures that fail the gate, grouped and ordered as the side
    /// knows how: the first is what to fix first.
    pub root_causes: Vec<RootCause>,
    /// What the side calls its checks, in the reasons: `check`, `client
    /// check`.
    pub noun: &'static str,
}

/// One checklist item and the checks that evidence it.
pub struct Item<'a> {
    pub id: &'static str,
    pub text: &'static str,
    /// Every loaded check of the item, in check order.
    pub checks: Vec<ItemCheck<'a>>,
    /// The one check whose pass evidences the item, when the others'
    /// passing says nothing of it.
    pub only_by: Option<&'static str>,
}

/// A check of an item.
pub struct ItemCheck<'a> {
    pub id: &'a str,
    pub severity: Severity,
    /// Why it has no result, if it has none: left out by the selection,
    /// not graded (and what would exercise it).
    pub not_run: String,
}

/// What happened to the run besides its checks' results.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// What ended the run before its checks could give a verdict.
    pub stopped: Option<Stopped>,
    /// Lines that lead the reasons of every verdict but INTERRUPTED: checks
    /// this machine could not run.
    pub leading: Vec<String>,
    /// Failures outside the checks that fail the gate (the client's
    /// command): the first root causes, their summaries the first reasons.
    pub failed: Vec<RootCause>,
    /// Why the evidence is partial, before the items it does not evidence
    /// (a command stopped at its deadline, no call to grade).
    pub partial: Vec<String>,
    /// Why the run judged nothing (its selection took no check), said
    /// instead of each item's gaps.
    pub nothing_ran: Option<String>,
    /// The run is INCOMPLETE at best though no line above says why (the
    /// side says it after the verdict: a required check left out).
    pub incomplete: bool,
}

/// What ended a run before its checks could give a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// The target could not be reached: no check ran. The message says why.
    Unreachable(String),
    /// A signal stopped the run. The line says which and what it left.
    Interrupted(String),
}

/// Judges a run from its `evidence` and `facts`. Precedence: UNREACHABLE,
/// INTERRUPTED, NOT READY (a gate failure), INCOMPLETE (evidence
/// missing), READY WITH WAIVERS, READY.
pub fn judge(evidence: Evidence, facts: Facts) -> Judged {
    let results = evidence.results;
    let by_id: HashMap<&str, &CheckResult> = results.iter().map(|r| (r.id.as_str(), r)).collect();
    let checklist: Vec<ChecklistVerdict> = evidence
        .items
        .iter()
        .map(|item| item_evidence(item, &by_id))
        .collect();
    let mut root_causes = facts.failed;
    root_causes.extend(evidence.root_causes);
    let (verdict, reasons) = match facts.stopped {
        Some(Stopped::Unreachable(message)) => (RunVerdict::Unreachable, vec![message]),
        Some(Stopped::Interrupted(line)) => {
            return Judged {
                verdict: RunVerdict::Interrupted,
                reasons: vec![line],
                root_causes,
                checklist,
            }
        }
        None if is_not_ready(results, &root_causes) => (
            RunVerdict::NotReady,
            root_causes.iter().map(cause_line).collect(),
        ),
        None => {
            let mut partial = facts.partial;
            match facts.nothing_ran {
                // A run that judged nothing says so once, not per item.
                Some(line) => partial.push(line),
                None => partial.extend(
                    checklist
                        .iter()
                        .filter(|i| !i.verdict.is_evidenced())
                        .map(|i| unevidenced(i, evidence.noun)),
                ),
            }
            if !partial.is_empty() || facts.incomplete {
                (RunVerdict::Incomplete, partial)
            } else if results.iter().any(|r| r.verdict == Verdict::Waived) {
                // A waived run's reasons are its waivers' (crate::waiver).
                (RunVerdict::ReadyWithWaivers, Vec::new())
            } else {
                (RunVerdict::Ready, Vec::new())
            }
        }
    };
    Judged {
        verdict,
        reasons: facts.leading.into_iter().chain(reasons).collect(),
        root_causes,
        checklist,
    }
}

/// Whether the gate fails: a failure outside the checks, or a check that
/// failed for the target (not for a limit of this machine).
fn is_not_ready(results: &[CheckResult], root_causes: &[RootCause]) -> bool {
    root_causes.iter().any(|c| c.checks.is_empty())
        || results
            .iter()
            .any(|r| r.fails_gate() && !r.hit_local_limit())
}

/// A NOT READY reason: a failure outside the checks is its summary; the
/// checks' say how many failed that way.
fn cause_line(cause: &RootCause) -> String {
    match cause.checks.len() {
        0 => cause.summary.clone(),
        n => format!(
            "{n} {} failed: {} ({})",
            if n == 1 { "check" } else { "checks" },
            cause.summary,
            cause.checks.join(", ")
        ),
    }
}

/// The evidence for `item`: its required checks that passed, failed, or
/// did not run (with why).
fn item_evidence(item: &Item, by_id: &HashMap<&str, &CheckResult>) -> ChecklistVerdict {
    let (mut passed, mut failed, mut gaps, mut waived) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for check in item
        .checks
        .iter()
        .filter(|c| c.severity == Severity::Required)
    {
        let id = check.id.to_string();
        match by_id.get(check.id) {
            Some(r) if r.verdict == Verdict::Passed => passed.push(id),
            Some(r) if r.verdict == Verdict::Waived => waived.push(id),
            Some(r) if r.fails_gate() && !r.hit_local_limit() => failed.push(id),
            Some(r) => gaps.push(Gap {
                check: id,
                reason: match (&r.outcome, r.failure()) {
                    (Outcome::Ignored { reason }, _) => reason.clone(),
                    (_, Some(f)) if r.hit_local_limit() => format!("could not run: {}", f.message),
                    _ => "did not pass".into(),
                },
            }),
            None => gaps.push(Gap {
                check: id,
                reason: check.not_run.clone(),
            }),
        }
    }
    // An item evidenced by one check only is not evidenced by the others.
    let evidenced = item.only_by.is_none_or(|only| {
        passed.iter().any(|p| p == only) || item.checks.iter().all(|c| c.id != only)
    });
    ChecklistVerdict {
        id: item.id.to_string(),
        text: item.text.to_string(),
        // A waived failure counts as evidence of its item, as waived.
        verdict: ItemVerdict::of(
            !failed.is_empty(),
            (!passed.is_empty() && evidenced) || !waived.is_empty(),
            !gaps.is_empty(),
        ),
        checks: item.checks.iter().map(|c| c.id.to_string()).collect(),
        passed,
        failed,
        gaps,
        waived,
    }
}

/// Why `item` is not evidenced: its gaps, grouped by reason.
fn unevidenced(item: &ChecklistVerdict, noun: &str) -> String {
    let why = if item.gaps.is_empty() {
        format!("no required {noun} of this item was loaded")
    } else {
        item.gap_groups()
            .iter()
            .map(|(reason, checks)| format!("{} {reason}", checks.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!("`{}` has no passed required check: {why}", item.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Failure, FailureKind};

    fn result(id: &str, outcome: Outcome, verdict: Verdict) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: String::new(),
            checklist_item: "item".into(),
            severity: crate::result::Severity::Required,
            hint: String::new(),
            location: String::new(),
            basis: None,
            outcome,
            findings: Vec::new(),
            verdict,
            started_ms: 0.0,
            duration_ms: 0.0,
            exchanges: Vec::new(),
            polls: Vec::new(),
        }
    }

    fn failed(id: &str, message: &str) -> CheckResult {
        let failure = Failure::bare(FailureKind::Body, message.into(), "s".into());
        result(id, Outcome::Failed(failure), Verdict::Failed)
    }

    fn item<'a>(checks: &[&'a str]) -> Item<'a> {
        Item {
            id: "item",
            text: "An item.",
            checks: checks
                .iter()
                .map(|id| ItemCheck {
                    id,
                    severity: Severity::Required,
                    not_run: "not selected".into(),
                })
                .collect(),
            only_by: None,
        }
    }

    #[test]
    fn failures_of_one_group_are_one_cause_in_the_sides_order() {
        let results = [failed("a", "x"), failed("b", "y"), failed("c", "x")];
        let ranked = failing(&results)
            .map(|(result, failure)| Failing {
                result,
                failure,
                summary: failure.message.clone(),
                group: failure.message.clone(),
                blocked: vec!["d".into()],
            })
            .collect();
        let causes = root_causes(ranked, |ids| vec![ids.join("+")]);
        let shape: Vec<String> = causes
            .iter()
            .map(|c| {
                let (checks, blocked) = (c.checks.join(","), c.blocked.join(","));
                format!(
                    "{}: {checks} blocking {blocked} of {}",
                    c.summary,
                    c.items.join(",")
                )
            })
            .collect();
        assert_eq!(
            shape,
            ["x: a,c blocking d of a+c+d", "y: b blocking d of b+d"]
        );
    }

    #[test]
    fn a_failure_outside_the_checks_fails_the_gate_first() {
        let results = [result("a", Outcome::Passed, Verdict::Passed)];
        let evidence = || Evidence {
            results: &results,
            items: vec![item(&["a"])],
            root_causes: Vec::new(),
            noun: "check",
        };
        let ready = judge(evidence(), Facts::default());
        assert_eq!(ready.verdict, RunVerdict::Ready);
        let command = RootCause {
            summary: "the client's command exited with code 1".into(),
            kind: FailureKind::ClientCommand,
            checks: Vec::new(),
            failure: Failure::bare(FailureKind::ClientCommand, String::new(), String::new()),
            blocked: Vec::new(),
            items: Vec::new(),
        };
        let failed = judge(
            evidence(),
            Facts {
                failed: vec![command],
                ..Facts::default()
            },
        );
        assert_eq!(failed.verdict, RunVerdict::NotReady);
        assert_eq!(failed.reasons, ["the client's command exited with code 1"]);
        let stopped = judge(
            evidence(),
            Facts {
                stopped: Some(Stopped::Interrupted("by SIGINT".into())),
                partial: vec!["ignored: a stopped run says only why".into()],
                ..Facts::default()
            },
        );
        assert_eq!(stopped.verdict, RunVerdict::Interrupted);
        assert_eq!(stopped.reasons, ["by SIGINT"]);
    }

    #[test]
    fn an_item_whose_required_check_did_not_run_is_a_gap_and_the_run_incomplete() {
        let results = [result("a", Outcome::Passed, Verdict::Passed)];
        let judged = judge(
            Evidence {
                results: &results,
                items: vec![item(&["a"]), item(&["b"])],
                root_causes: Vec::new(),
                noun: "client check",
            },
            Facts {
                leading: vec!["first".into()],
                ..Facts::default()
            },
        );
        assert_eq!(judged.verdict, RunVerdict::Incomplete);
        assert_eq!(
            judged.reasons,
            [
                "first",
                "`item` has no passed required check: b not selected"
            ]
        );
        assert_eq!(judged.checklist[0].verdict, ItemVerdict::Passed);
        assert_eq!(judged.checklist[1].verdict, ItemVerdict::NotEvidenced);
    }
}
