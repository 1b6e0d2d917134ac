//! Grading client checks over a recording: each check's rules, combined
//! into the result model every report renders.

use std::time::Instant;

use crate::check::ClientCheck;
use crate::recording::{RecordedCall, Recording};
use crate::result::{
    self, CheckResult, Exchange, Failure, FailureKind, Header, Mismatch, NotSent, Outcome,
    ResponseRecord, Verdict,
};
use crate::secret::Redactor;

use super::context::{GradeContext, Grading};
use super::rule::{eval_rule, RuleOutcome, Violation};
use super::traffic::{describe, Traffic};

/// How many offending calls a failure shows as exchanges.
const MAX_EXCHANGES: usize = 3;
/// How many violations a failure lists as mismatches.
const MAX_MISMATCHES: usize = 20;

/// The results of grading, and which call broke which check (for lanes).
#[derive(Debug, Clone, Default)]
pub struct Graded {
    /// One per check, in the order the checks were given.
    pub results: Vec<CheckResult>,
    /// (call seq, check id) for every violation.
    pub violations: Vec<(u64, String)>,
    /// Over every secret grading knew of (the given ones and every
    /// credential recorded): for whatever shows the recording.
    pub redactor: Redactor,
    /// What the leak canary hunts in written files: the given secrets and
    /// the values sent where a key goes that are shaped like a key (see
    /// [`super::context::Grading::canary`]). A value under a generic name
    /// (`?token=...`) is redacted for display, never hunted: it could be
    /// any text of the report, and its presence would delete the report.
    pub canary: Redactor,
    /// The signal that stopped grading before every check was graded.
    pub interrupted: Option<crate::interrupt::Signal>,
}

/// Grades `recording` with every check of `checks`.
pub fn grade(checks: &[ClientCheck], recording: &Recording, context: &GradeContext) -> Graded {
    let traffic = Traffic::index(recording);
    let grading = Grading::new(context, recording);
    let mut graded = Graded::default();
    for check in checks {
        let started = Instant::now();
        graded.interrupted = graded.interrupted.or_else(|| context.stopped_by());
        if let Some(signal) = graded.interrupted {
            graded.results.push(stopped(check, signal, started));
            continue;
        }
        let (outcome, broken) = grade_check(check, &traffic, &grading);
        for v in &broken {
            graded
                .violations
                .push((traffic.calls[v.index].seq, check.id.to_string()));
        }
        let exchanges = exchanges(&broken, &traffic, &grading.redactor);
        graded
            .results
            .push(result_of(check, outcome, exchanges, started));
    }
    graded.redactor = grading.redactor;
    graded.canary = grading.canary;
    graded
}

/// `check`'s result when `signal` stopped grading before it.
fn stopped(check: &ClientCheck, signal: crate::interrupt::Signal, started: Instant) -> CheckResult {
    let location = format!("{}:{}", check.file.display(), check.line);
    let message = format!("interrupted by {} before it was graded", signal.name());
    let failure = Failure::bare(FailureKind::Interrupted, message, location);
    result_of(check, Outcome::Error(failure), Vec::new(), started)
}

/// A check's outcome and its violations: failed when a rule broke,
/// passed when a rule held and none broke, ignored when none applied.
fn grade_check(
    check: &ClientCheck,
    traffic: &Traffic,
    grading: &Grading,
) -> (Outcome, Vec<Violation>) {
    let location = check.location();
    let mut held = false;
    let mut broken: Vec<(String, usize, Violation)> = Vec::new();
    for rule in &check.rules {
        match eval_rule(&rule.kind, traffic, grading) {
            Ok(RuleOutcome::NotApplicable) => {}
            Ok(RuleOutcome::Held) => held = true,
            Ok(RuleOutcome::Broken(violations)) => broken.extend(
                violations
                    .into_iter()
                    .map(|v| (rule.name.clone(), rule.line, v)),
            ),
            Err(e) => {
                let step = format!("{} ({location})", rule.name);
                let mut failure = Failure::bare(
                    FailureKind::NotSent(NotSent::MissingValue),
                    e.to_string(),
                    step,
                );
                failure.hint =
                    "Set the variable when running `client`, or write the value in the check."
                        .into();
                return (Outcome::Error(failure), Vec::new());
            }
        }
    }
    if broken.is_empty() {
        let outcome = if held {
            Outcome::Passed
        } else {
            Outcome::Ignored {
                reason: format!(
                    "the situation never happened; exercised by {}",
                    check.exercised_by
                ),
            }
        };
        return (outcome, Vec::new());
    }
    broken.sort_by_key(|(_, _, v)| v.index);
    let failure = failure_of(check, &broken, traffic, grading);
    (
        Outcome::Failed(failure),
        broken.into_iter().map(|(_, _, v)| v).collect(),
    )
}

fn failure_of(
    check: &ClientCheck,
    broken: &[(String, usize, Violation)],
    traffic: &Traffic,
    grading: &Grading,
) -> Failure {
    let redact = |text: &str| grading.redactor.redact(text);
    let (_, _, first) = &broken[0];
    let (rule, line) = (&broken[0].0, broken[0].1);
    let call = &traffic.calls[first.index];
    let all: Vec<&Violation> = broken.iter().map(|(_, _, v)| v).collect();
    let more = match broken.len() {
        1 => String::new(),
        _ => format!(" ({})", spread(&all, traffic, "broken at")),
    };
    Failure {
        basis: check.basis.as_ref().map(Into::into),
        kind: FailureKind::ClientRule,
        message: redact(&format!("{}{more}", first.message)),
        step: format!("{rule} ({})", check.at(line)),
        request: Some(redact(&format!("{} {}", call.method, url_of(call)))),
        response: Some(redact(&format!(
            "{} {}",
            call.status_code(),
            // Escaped like every answer shown: a body from --upstream may
            // hold control or bidi characters.
            crate::text::excerpt(&call.response_body.text, 200)
        ))),
        http_status: Some(call.status_code()),
        // One line per rule broken, in the check's own words, with how
        // often and how widely: a tight loop is one line, not twenty.
        mismatches: folded(broken)
            .into_iter()
            .take(MAX_MISMATCHES)
            .map(|(line, vs)| {
                let target = describe(&traffic.calls[vs[0].index]);
                let target = match vs.len() {
                    1 => target,
                    _ => format!("{target} ({})", spread(&vs, traffic, "the same at")),
                };
                Mismatch {
                    kind: FailureKind::ClientRule,
                    target: redact(&target),
                    expected: plain(&check.title),
                    actual: redact(&vs[0].what),
                    location: check.at(line).to_string(),
                }
            })
            .collect(),
        hint: check.hint.clone(),
        last_value: None,
    }
}

/// The violations of each rule (by its line) that say the same thing but
/// for their numbers (times, counts, ids' digits), in order of first
/// violation: a key in the query and a key in the body stay apart, a
/// hundred reads too soon are one.
fn folded(broken: &[(String, usize, Violation)]) -> Vec<(usize, Vec<&Violation>)> {
    let shape = |what: &str| -> String { what.chars().filter(|c| !c.is_ascii_digit()).collect() };
    let mut rules: Vec<(usize, String, Vec<&Violation>)> = Vec::new();
    for (_, line, v) in broken {
        let said = shape(&v.what);
        match rules.iter_mut().find(|(l, s, _)| l == line && *s == said) {
            Some((_, _, vs)) => vs.push(v),
            None => rules.push((*line, said, vec![v])),
        }
    }
    rules.into_iter().map(|(line, _, vs)| (line, vs)).collect()
}

/// How often and how widely a rule was broken, in a reviewer's words,
/// after `lead`: `the same at 102 calls, from call #3 at 0.600 s to call
/// #204 at 20.400 s, over 1 execution`.
fn spread(violations: &[&Violation], traffic: &Traffic, lead: &str) -> String {
    let mut calls: Vec<usize> = violations.iter().map(|v| v.index).collect();
    calls.sort_unstable();
    calls.dedup();
    let (first, last) = (calls[0], calls[calls.len() - 1]);
    let mut executions: Vec<&str> = calls
        .iter()
        .filter_map(|&i| {
            let view = &traffic.views[i];
            view.reads.as_deref().or(view.execution_id.as_deref())
        })
        .collect();
    executions.sort_unstable();
    executions.dedup();
    let at = |i: usize| {
        let call = &traffic.calls[i];
        format!("call #{} at {:.3} s", call.seq, call.at.as_secs_f64())
    };
    let over = match executions.len() {
        0 => String::new(),
        n => format!(", over {}", crate::text::counted(n, "execution")),
    };
    format!(
        "{lead} {} calls, from {} to {}{over}",
        calls.len(),
        at(first),
        at(last)
    )
}

/// A check's title as the expectation of a sentence: `expected reads of
/// one execution are no faster than ...`.
fn plain(title: &str) -> String {
    let mut chars = title.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn url_of(call: &RecordedCall) -> String {
    match &call.query {
        Some(q) => format!("{}?{q}", call.path),
        None => call.path.clone(),
    }
}

/// The first few offending calls, redacted, as exchanges.
fn exchanges(broken: &[Violation], traffic: &Traffic, redactor: &Redactor) -> Vec<Exchange> {
    let mut seen = Vec::new();
    for v in broken {
        if !seen.contains(&v.index) {
            seen.push(v.index);
        }
    }
    seen.into_iter()
        .take(MAX_EXCHANGES)
        .map(|i| exchange(&traffic.calls[i], redactor))
        .collect()
}

/// A recorded call as the result model's exchange, every secret redacted.
pub fn exchange(call: &RecordedCall, redactor: &Redactor) -> Exchange {
    let headers = |list: &[(String, String)]| -> Vec<Header> {
        list.iter()
            .map(|(name, value)| Header {
                name: name.clone(),
                value: redactor.redact(value),
            })
            .collect()
    };
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    Exchange {
        // Who answered, when it was not the API: a scenario the recorder
        // presented in front of it.
        step: match &call.presented {
            Some(scenario) => format!(
                "call #{} (answered by the recorder, scenario {scenario}; not forwarded)",
                call.seq
            ),
            None => format!("call #{}", call.seq),
        },
        method: call.method.clone(),
        url: redactor.redact(&url_of(call)),
        request_headers: headers(&call.headers),
        request_body: (call.body.len > 0).then(|| redactor.redact(&call.body.text)),
        response: call.status.map(|status| ResponseRecord {
            status,
            headers: headers(&call.response_headers),
            body: redactor.redact(&call.response_body.text),
            body_bytes: call.response_body.len as u64,
            truncated: !call.response_body.is_whole(),
        }),
        error: call.status.is_none().then(|| {
            "no answer from the upstream: it could not be reached (the client got the recorder's 502), or the run stopped while waiting (503)".into()
        }),
        started_ms: ms(call.at),
        duration_ms: ms(call.duration),
        poll: None,
        reused_from: None,
        key_env: None,
    }
}

fn result_of(
    check: &ClientCheck,
    outcome: Outcome,
    exchanges: Vec<Exchange>,
    started: Instant,
) -> CheckResult {
    let severity = result::Severity::from(check.severity);
    let verdict = Verdict::of(&outcome, severity);
    CheckResult {
        id: check.id.to_string(),
        title: check.title.clone(),
        checklist_item: check.item.id().to_string(),
        severity,
        hint: check.hint.clone(),
        location: check.location().to_string(),
        basis: check.basis.as_ref().map(Into::into),
        outcome,
        findings: Vec::new(),
        verdict,
        started_ms: 0.0,
        duration_ms: crate::result::ms(started.elapsed()),
        exchanges,
        polls: Vec::new(),
    }
}
