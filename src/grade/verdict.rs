//! The client run's verdict, with `run`'s contract: NOT READY when a
//! required check failed (or the client's command failed), INCOMPLETE when
//! a practice is not evidenced (its ignored checks listed as gaps, with
//! what would exercise them), READY otherwise.

use std::collections::HashMap;

use crate::check::{ClientCheck, ClientItem, Severity};
use crate::result::{
    CheckResult, ChecklistVerdict, CommandExit, Failure, FailureKind, Gap, ItemVerdict, Outcome,
    RootCause, RunVerdict, Verdict,
};
use crate::run::Signal;

/// What happened to the client run besides its checks' results.
#[derive(Debug, Clone, Default)]
pub struct ClientFacts {
    /// The command run as the client (`-- COMMAND ARGS...`), if one was.
    pub command: Option<Vec<String>>,
    /// How it ended, when there was one.
    pub command_exit: Option<CommandExit>,
    /// The scenarios the sandbox presented.
    pub scenarios: Vec<String>,
    /// The real API the recorder forwarded to, if any.
    pub upstream: Option<String>,
    /// The signal that stopped the run while the command ran, if one did.
    pub interrupted: Option<Signal>,
    /// The waivers to apply to the graded checks before the verdict.
    pub waivers: crate::waiver::Waivers,
}

/// What the client results mean for the gate.
#[derive(Debug, Clone)]
pub struct ClientJudged {
    pub verdict: RunVerdict,
    pub reasons: Vec<String>,
    pub root_causes: Vec<RootCause>,
    pub checklist: Vec<ChecklistVerdict>,
}

/// Judges `results` of `checks` over a recording of `calls` calls, of
/// which `dropped` were past the recorder's cap.
pub fn judge_client(
    checks: &[ClientCheck],
    results: &[CheckResult],
    calls: usize,
    dropped: u64,
    facts: &ClientFacts,
) -> ClientJudged {
    let by_id: HashMap<&str, &CheckResult> = results.iter().map(|r| (r.id.as_str(), r)).collect();
    let checklist: Vec<ChecklistVerdict> = judged_items(checks)
        .into_iter()
        .map(|item| item_evidence(item, checks, &by_id))
        .collect();
    let root_causes = root_causes(checks, results);
    if let Some(signal) = facts.interrupted {
        // The command was stopped, not failed: what it did is graded and
        // reported, but it is no verdict.
        return ClientJudged {
            verdict: RunVerdict::Interrupted,
            reasons: vec![format!(
                "the run was interrupted by {} while the client command ran",
                signal.name()
            )],
            root_causes,
            checklist,
        };
    }
    let exit = facts.command_exit.as_ref();
    let command_failed = exit.and_then(|e| command_failure(e, facts.command.as_deref()));
    let mut root_causes = root_causes;
    // The team's own test failing is what a reviewer reads first: it is
    // the first root cause, before any check's.
    if let Some(message) = &command_failed {
        root_causes.insert(0, command_cause(message, &facts.scenarios));
    }
    let mut not_ready: Vec<String> = command_failed.into_iter().collect();
    not_ready.extend(
        root_causes
            .iter()
            .filter(|c| !c.checks.is_empty())
            .map(|c| format!("1 check failed: {} ({})", c.summary, c.checks.join(", "))),
    );
    if !not_ready.is_empty() {
        return ClientJudged {
            verdict: RunVerdict::NotReady,
            reasons: not_ready,
            root_causes,
            checklist,
        };
    }
    let mut incomplete = Vec::new();
    if exit.is_some_and(|e| e.timed_out) {
        incomplete.push("the client's command was stopped at --deadline before it ended: what it did until then was graded".to_string());
    }
    if checklist.is_empty() {
        // Only advisory checks were loaded: nothing may evidence the
        // client, so nothing says it is ready.
        incomplete.push("no required client check was loaded: nothing evidences the client (load the built-in client checks)".to_string());
    }
    if calls == 0 {
        incomplete.push("the client made no call to the API: nothing could be graded (check that it reads WAPZI_BASE_URL)".to_string());
    }
    if dropped > 0 {
        incomplete.push(format!(
            "{dropped} call(s) past the recorder's cap of {} were served but not kept: the grading covers the first calls only",
            crate::recording::MAX_CALLS
        ));
    }
    incomplete.extend(
        checklist
            .iter()
            .filter(|i| !i.verdict.is_evidenced())
            .map(unevidenced),
    );
    let verdict = if !incomplete.is_empty() {
        RunVerdict::Incomplete
    } else if results.iter().any(|r| r.verdict == Verdict::Waived) {
        RunVerdict::ReadyWithWaivers
    } else {
        RunVerdict::Ready
    };
    ClientJudged {
        verdict,
        reasons: incomplete,
        root_causes,
        checklist,
    }
}

/// The items a client is judged on: each item a loaded client check
/// names, a practice only when a required check (one that rests on the
/// page's words) evidences it: a practice whose checks are all inferred
/// (polite polling, how refusals are met) is reported, never required.
fn judged_items(checks: &[ClientCheck]) -> Vec<ClientItem> {
    ClientItem::ALL
        .into_iter()
        .filter(|item| {
            checks.iter().any(|c| {
                c.item == *item
                    && (!ClientItem::PRACTICES.contains(item) || c.severity == Severity::Required)
            })
        })
        .collect()
}

fn item_evidence(
    item: ClientItem,
    checks: &[ClientCheck],
    by_id: &HashMap<&str, &CheckResult>,
) -> ChecklistVerdict {
    let mine: Vec<&ClientCheck> = checks.iter().filter(|c| c.item == item).collect();
    let (mut passed, mut failed, mut gaps, mut waived) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for check in mine.iter().filter(|c| c.severity == Severity::Required) {
        let id = check.id.to_string();
        match by_id.get(check.id.as_str()) {
            Some(r) if r.verdict == Verdict::Passed => passed.push(id),
            Some(r) if r.verdict == Verdict::Waived => waived.push(id),
            Some(r) if r.fails_gate() => failed.push(id),
            Some(r) => gaps.push(Gap {
                check: id,
                reason: match &r.outcome {
                    Outcome::Ignored { reason } => reason.clone(),
                    _ => "did not pass".into(),
                },
            }),
            None => gaps.push(Gap {
                check: id,
                reason: format!("not graded; exercised by {}", check.exercised_by),
            }),
        }
    }
    // An item evidenced by one check only is not evidenced by the others.
    let evidenced = item
        .evidenced_only_by()
        .is_none_or(|only| passed.iter().any(|p| p == only) || mine.iter().all(|c| c.id != only));
    ChecklistVerdict {
        id: item.id().to_string(),
        text: item.text().to_string(),
        // A waived failure counts as evidence of its item, as waived.
        verdict: ItemVerdict::of(
            !failed.is_empty(),
            (!passed.is_empty() && evidenced) || !waived.is_empty(),
            !gaps.is_empty(),
        ),
        checks: mine.iter().map(|c| c.id.to_string()).collect(),
        passed,
        failed,
        gaps,
        waived,
    }
}

/// Each failed required check is its own root cause: client rules do not
/// block one another.
fn root_causes(checks: &[ClientCheck], results: &[CheckResult]) -> Vec<RootCause> {
    results
        .iter()
        .filter(|r| r.fails_gate())
        .filter_map(|r| {
            let failure = r.failure()?;
            let item = checks.iter().find(|c| c.id == r.id).map(|c| c.item.id());
            Some(RootCause {
                summary: failure.message.clone(),
                kind: failure.kind,
                checks: vec![r.id.clone()],
                failure: failure.clone(),
                blocked: Vec::new(),
                items: item.map(str::to_string).into_iter().collect(),
            })
        })
        .collect()
}

/// The root cause a failed command is: no check names it (`checks` is
/// empty); its hint points at the command's own output and, under
/// `scenarios`, at what each one makes the test meet.
fn command_cause(message: &str, scenarios: &[String]) -> RootCause {
    let mut failure = Failure::bare(
        FailureKind::ClientCommand,
        message.to_string(),
        "the client's command".to_string(),
    );
    failure.hint = if scenarios.is_empty() {
        "Its output above says which assertion failed; the run grades the calls it made all the \
         same."
            .to_string()
    } else {
        format!(
            "Its output above says which assertion failed. Under --scenario {} the test meets \
             situations an ordinary end-to-end test does not expect (docs/client.md says what \
             each one does and how to assert it; WAPZI_SCENARIOS tells the test which are on).",
            scenarios.join(", --scenario ")
        )
    };
    RootCause {
        summary: message.to_string(),
        kind: FailureKind::ClientCommand,
        checks: Vec::new(),
        failure,
        blocked: Vec::new(),
        items: Vec::new(),
    }
}

/// Why a command's end fails the gate: a non-zero exit or a signal (a
/// command stopped at the deadline is INCOMPLETE instead).
fn command_failure(exit: &CommandExit, command: Option<&[String]>) -> Option<String> {
    if exit.timed_out {
        return None;
    }
    // The whole command line, so a reviewer knows which test failed (the
    // reports' redactor hides any key written in it).
    let name = command.filter(|c| !c.is_empty()).map_or_else(
        || "the client's command".to_string(),
        |c| format!("the client's command `{}`", c.join(" ")),
    );
    match (&exit.code, &exit.signal) {
        (Some(0), _) => None,
        (Some(code), _) => Some(format!(
            "{name} exited with code {code}: the command itself failed (its output says why)"
        )),
        (None, Some(signal)) => Some(format!("{name} was killed by {signal}")),
        (None, None) => Some(format!("{name} ended without an exit code")),
    }
}

fn unevidenced(item: &ChecklistVerdict) -> String {
    let why = if item.gaps.is_empty() {
        "no required client check of this item was loaded".to_string()
    } else {
        item.gap_groups()
            .iter()
            .map(|(reason, checks)| format!("{} {reason}", checks.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!("`{}` has no passed required check: {why}", item.id)
}
