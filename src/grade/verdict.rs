//! The client run's evidence and facts for the one verdict
//! ([`crate::verdict`]), with `run`'s contract: NOT READY when a required
//! check failed (or the client's command failed), INCOMPLETE when a
//! practice is not evidenced (its ignored checks listed as gaps, with what
//! would exercise them), READY otherwise.

use crate::check::{ClientCheck, ClientItem, Severity};
use crate::interrupt::Signal;
use crate::result::{CheckResult, CommandExit, Failure, FailureKind, RootCause};
use crate::verdict::{failing, Evidence, Facts, Failing, Item, ItemCheck, Judged, Stopped};

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
    /// Calls served past the recording's byte budget and not kept.
    pub calls_truncated: u64,
}

/// Judges `results` of `checks` over a recording of `calls` calls, of
/// which `dropped` were past the recorder's cap.
pub fn judge_client(
    checks: &[ClientCheck],
    results: &[CheckResult],
    calls: usize,
    dropped: u64,
    facts: &ClientFacts,
) -> Judged {
    let items = judged_items(checks);
    let evidence = Evidence {
        results,
        root_causes: root_causes(checks, results),
        noun: "client check",
        items: items
            .iter()
            .map(|item| evidence_of(*item, checks))
            .collect(),
    };
    // The command was stopped, not failed: what it did is graded and
    // reported, but it is no verdict.
    let stopped = facts.interrupted.map(|signal| {
        Stopped::Interrupted(format!(
            "the run was interrupted by {} while the client command ran",
            signal.name()
        ))
    });
    let exit = facts.command_exit.as_ref();
    // The team's own test failing is what a reviewer reads first: it is
    // the first root cause, before any check's.
    let failed = exit
        .and_then(|e| command_failure(e, facts.command.as_deref()))
        .map(|message| command_cause(&message, &facts.scenarios));
    crate::verdict::judge(
        evidence,
        Facts {
            failed: match stopped {
                Some(_) => Vec::new(),
                None => failed.into_iter().collect(),
            },
            stopped,
            partial: partial(
                exit,
                items.is_empty(),
                calls,
                dropped,
                facts.calls_truncated,
            ),
            ..Facts::default()
        },
    )
}

/// Why a client run's evidence is partial, whatever its checks say: a
/// command stopped at its deadline, no required check loaded (`no_items`),
/// no call made, calls past the recorder's cap or its byte budget.
fn partial(
    exit: Option<&CommandExit>,
    no_items: bool,
    calls: usize,
    dropped: u64,
    truncated: u64,
) -> Vec<String> {
    let mut partial = Vec::new();
    if exit.is_some_and(|e| e.timed_out) {
        partial.push("the client's command was stopped at --deadline before it ended: what it did until then was graded".to_string());
    }
    if no_items {
        // Only advisory checks were loaded: nothing may evidence the
        // client, so nothing says it is ready.
        partial.push("no required client check was loaded: nothing evidences the client (load the built-in client checks)".to_string());
    }
    if calls == 0 {
        partial.push("the client made no call to the API: nothing could be graded (check that it reads WAPZI_BASE_URL)".to_string());
    }
    if truncated > 0 {
        partial.push(format!(
            "the recording was truncated: {} call(s) were served but not kept, past the recording's budget of {} MiB for headers and bodies; the grading covers the first calls only",
            truncated,
            crate::recording::RECORDING_BUDGET / (1024 * 1024)
        ));
    }
    if dropped > 0 {
        partial.push(format!(
            "{dropped} call(s) past the recorder's cap of {} were served but not kept: the grading covers the first calls only",
            crate::recording::MAX_CALLS
        ));
    }
    partial
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

/// `item` and its client checks; a check not graded says what would
/// exercise it.
fn evidence_of(item: ClientItem, checks: &[ClientCheck]) -> Item<'_> {
    Item {
        id: item.id(),
        text: item.text(),
        checks: checks
            .iter()
            .filter(|c| c.item == item)
            .map(|c| ItemCheck {
                id: &c.id,
                severity: c.severity,
                not_run: format!("not graded; exercised by {}", c.exercised_by),
            })
            .collect(),
        only_by: item.evidenced_only_by(),
    }
}

/// Each failed required check is its own root cause: client rules do not
/// block one another.
fn root_causes(checks: &[ClientCheck], results: &[CheckResult]) -> Vec<RootCause> {
    let ranked = failing(results)
        .map(|(result, failure)| Failing {
            result,
            failure,
            summary: failure.message.clone(),
            group: result.id.clone(),
            blocked: Vec::new(),
        })
        .collect();
    crate::verdict::root_causes(ranked, |ids| {
        checks
            .iter()
            .filter(|c| ids.iter().any(|id| c.id == id.as_str()))
            .map(|c| c.item.id().to_string())
            .collect()
    })
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
