//! Running one check to a [`CheckResult`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::check::{Check, Location};
use crate::result::{self, CheckResult, Failure, FailureKind, Outcome, Verdict};

use super::clock::ms;
use super::diagnose::hint;
use super::http::Target;
use super::settings::RunSettings;
use super::step::{CheckRun, StepEnd};

/// What the check's prerequisites said.
pub enum Prerequisites {
    /// Each passed: their results, for the check's `from` steps.
    Met(HashMap<String, Arc<CheckResult>>),
    /// A required check did not pass: its id and how it ended.
    Unmet {
        id: String,
        outcome: Box<Outcome>,
        severity: result::Severity,
    },
}

/// The fixtures `check` needs that were not supplied, and how to supply them.
pub fn missing_fixtures(
    check: &Check,
    settings: &RunSettings,
    catalog: &crate::check::FixtureCatalog,
) -> Option<String> {
    let missing: Vec<String> = check
        .needs
        .iter()
        .filter(|name| !settings.target.has_fixture(name))
        .map(|name| match catalog.get(name) {
            Some(f) => format!("`{name}`: {}", f.how_to_supply()),
            None => format!("`{name}`"),
        })
        .collect();
    (!missing.is_empty()).then(|| format!("needs fixture {}", missing.join("; ")))
}

/// Runs `check` within `budget` and records everything it did.
pub async fn run_check(
    check: &Check,
    target: &Target,
    settings: &RunSettings,
    prerequisites: Prerequisites,
    ignored: Option<String>,
    budget: Duration,
) -> CheckResult {
    let started = Instant::now();
    panic_if_asked(check);
    let no_sources = HashMap::new();
    let sources = match &prerequisites {
        Prerequisites::Met(sources) => sources,
        Prerequisites::Unmet { .. } => &no_sources,
    };
    let mut run = CheckRun::new(check, target, settings, sources);
    let outcome = match (ignored, &prerequisites) {
        (Some(reason), _) => Outcome::Ignored { reason },
        (
            None,
            Prerequisites::Unmet {
                id,
                outcome,
                severity,
            },
        ) => unmet(id, (**outcome).clone(), *severity, &run.file, check),
        (None, Prerequisites::Met(_)) => {
            let ended = match tokio::time::timeout(budget, run.run_steps()).await {
                Ok(ended) => ended,
                Err(_) => {
                    let (kind, message) = out_of_time(budget, settings);
                    let at = Location::new(&run.file, check.line).to_string();
                    Err(StepEnd::error(Failure::bare(kind, message, at)))
                }
            };
            match ended {
                Ok(()) | Err(StepEnd::Done) => Outcome::Passed,
                Err(StepEnd::Inconclusive(reason)) => Outcome::Ignored { reason },
                Err(StepEnd::Failed(f)) => Outcome::Failed(*f),
                Err(StepEnd::Error(f)) => Outcome::Error(*f),
            }
        }
    };
    let mut result = result_of(check, target, started, outcome);
    result.findings = std::mem::take(&mut run.findings)
        .into_iter()
        .map(|mut f| {
            f.hint = hint(f.kind, f.http_status, &check.hint);
            f
        })
        .collect();
    result.exchanges = std::mem::take(&mut run.exchanges);
    result.polls = std::mem::take(&mut run.polls);
    result
}

/// The result of `check`, started at `started`, that panicked with `message`.
pub fn panicked(check: &Check, target: &Target, started: Instant, message: String) -> CheckResult {
    let failure = Failure::bare(
        FailureKind::Internal,
        format!("internal error: the check panicked: {message}"),
        check.location().to_string(),
    );
    result_of(check, target, started, Outcome::Error(failure))
}

/// The result of `check`, started at `started`, that `signal` stopped.
pub fn stopped(check: &Check, target: &Target, started: Instant, signal: &str) -> CheckResult {
    let message = format!("interrupted by {signal} before it ended");
    let failure = Failure::bare(
        FailureKind::Interrupted,
        message,
        check.location().to_string(),
    );
    result_of(check, target, started, Outcome::Error(failure))
}

/// `check`'s result with `outcome` (its failure given the hint that fits)
/// and no exchanges yet.
fn result_of(check: &Check, target: &Target, started: Instant, outcome: Outcome) -> CheckResult {
    let outcome = with_hint(outcome, &check.hint);
    let severity = result::Severity::from(check.severity);
    CheckResult {
        id: check.id.to_string(),
        title: check.title.clone(),
        checklist_item: check.checklist.id().to_string(),
        severity,
        hint: check.hint.clone(),
        location: check.location().to_string(),
        basis: check.basis.as_ref().map(Into::into),
        findings: Vec::new(),
        verdict: Verdict::of(&outcome, severity),
        outcome,
        started_ms: target.clock().offset_ms(started),
        duration_ms: ms(started.elapsed()),
        exchanges: Vec::new(),
        polls: Vec::new(),
    }
}

/// A test-only way to make a check panic (debug builds only), so the tests
/// can prove a panic is an error of its check and never lost.
fn panic_if_asked(check: &Check) {
    #[cfg(debug_assertions)]
    if std::env::var("WAPZI_HOMOLOG_TEST_PANIC").is_ok_and(|id| check.id == id) {
        panic!(
            "test-only panic of `{}` (WAPZI_HOMOLOG_TEST_PANIC)",
            check.id
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = check;
}

/// The failure of `outcome`, if any, with the hint that fits its kind.
fn with_hint(outcome: Outcome, check_hint: &str) -> Outcome {
    let fill = |mut f: Failure| {
        f.hint = hint(f.kind, f.http_status, check_hint);
        f
    };
    match outcome {
        Outcome::Failed(f) => Outcome::Failed(fill(f)),
        Outcome::Error(f) => Outcome::Error(fill(f)),
        other => other,
    }
}

/// Why a check that ran out of `budget` was stopped: its own time budget,
/// or the run's deadline (which left it less).
fn out_of_time(budget: Duration, settings: &RunSettings) -> (FailureKind, String) {
    let timeouts = settings.timeouts;
    let took = humantime::format_duration(Duration::from_millis(budget.as_millis() as u64));
    if budget < timeouts.check {
        let message = format!(
            "gave up after {took}: the run's deadline (--deadline {}) ran out",
            humantime::format_duration(timeouts.deadline)
        );
        (FailureKind::Deadline, message)
    } else {
        let message = format!(
            "gave up after {took}: the check's time budget (--check-timeout {}) ran out",
            humantime::format_duration(timeouts.check)
        );
        (FailureKind::CheckTimeout, message)
    }
}

/// The outcome of a check whose prerequisite did not pass.
///
/// A required prerequisite that failed already fails the gate: the check is
/// not run and says why, instead of adding a cascade of failures. An
/// advisory prerequisite does not fail the gate, so the check errors.
fn unmet(
    id: &str,
    outcome: Outcome,
    severity: result::Severity,
    file: &str,
    check: &Check,
) -> Outcome {
    match (outcome, severity) {
        (Outcome::Ignored { reason }, _) => Outcome::Ignored {
            reason: format!("prerequisite `{id}` was ignored: {reason}"),
        },
        (Outcome::Failed(f) | Outcome::Error(f), result::Severity::Required) => Outcome::Ignored {
            reason: format!("not run: prerequisite `{id}` failed: {}", f.message),
        },
        (Outcome::Failed(f) | Outcome::Error(f), result::Severity::Advisory) => {
            Outcome::Error(Failure::bare(
                FailureKind::Prerequisite,
                format!(
                    "not run: advisory prerequisite `{id}` failed: {}",
                    f.message
                ),
                Location::new(file, check.line).to_string(),
            ))
        }
        (Outcome::Passed, _) => Outcome::Passed,
    }
}
