//! The API run's evidence and facts for the one verdict
//! ([`crate::verdict`]): the checklist items of its checks (and why a
//! check did not run), which failures are root causes (and what they
//! blocked), and what its selection left out.

use std::collections::{BTreeSet, HashMap};

use crate::check::{Check, CheckSet, ChecklistItem, Severity};
use crate::verdict::{failing, Evidence, Facts, Failing, Item, ItemCheck, Judged, Stopped};

use super::selection::Selection;
use crate::interrupt::Signal;
use crate::result::{
    CheckResult, ChecklistVerdict, Failure, FailureKind, RootCause, RunVerdict, Unreachable,
    Verdict,
};

/// What happened to the run besides its checks' results.
pub struct RunFacts<'a> {
    /// Which checks the run selected: its name filters (none: every
    /// check), less any `--skip`, with or without `--exact`.
    pub selection: &'a Selection,
    /// Why no check ran, if the target was unreachable.
    pub unreachable: Option<&'a Unreachable>,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<Signal>,
}

/// Judges `results` of the checks of `set` that ran.
pub fn judge(set: &CheckSet, results: &[CheckResult], facts: &RunFacts) -> Judged {
    let unreachable = facts.unreachable;
    let by_id: HashMap<&str, &CheckResult> = results.iter().map(|r| (r.id.as_str(), r)).collect();
    // A filtered run cannot evidence the whole checklist: a required check
    // it left out makes it INCOMPLETE at best, even when each item has
    // another passed check. Advisory checks never gate, so leaving them
    // out does not (the reasons say it all the same).
    let left_out = match unreachable {
        Some(_) => Vec::new(),
        None => left_out(set, &by_id),
    };
    let evidence = Evidence {
        results,
        items: items(set, facts),
        root_causes: root_causes(set, results),
        noun: "check",
    };
    let stopped = match (unreachable, facts.interrupted) {
        (Some(u), _) => Some(Stopped::Unreachable(u.message.clone())),
        (None, Some(signal)) => Some(Stopped::Interrupted(interruption(signal, results))),
        (None, None) => None,
    };
    let judged = crate::verdict::judge(
        evidence,
        Facts {
            stopped,
            leading: local_limit(results).into_iter().collect(),
            nothing_ran: results
                .is_empty()
                .then(|| nothing_selected(set, facts.selection)),
            incomplete: results.iter().any(CheckResult::hit_local_limit)
                || left_out.iter().any(|c| c.severity == Severity::Required),
            ..Facts::default()
        },
    );
    if judged.verdict == RunVerdict::Interrupted {
        return judged;
    }
    let after = left_out_reasons(
        judged.verdict,
        facts.selection,
        &left_out,
        &judged.checklist,
        results.is_empty(),
    );
    Judged {
        reasons: judged.reasons.into_iter().chain(after).collect(),
        ..judged
    }
}

/// The checklist's items and their checks in `set`; a check that did not
/// run was left out by the selection, or the target was unreachable.
fn items<'a>(set: &'a CheckSet, facts: &RunFacts) -> Vec<Item<'a>> {
    let not_run = |id: &str| match facts.unreachable {
        Some(_) => "not run: the target was unreachable".to_string(),
        None => left_out_by(facts.selection, id),
    };
    ChecklistItem::ALL
        .iter()
        .map(|item| Item {
            id: item.id(),
            text: item.text(),
            checks: set
                .checks
                .iter()
                .filter(|c| c.checklist == *item)
                .map(|c| ItemCheck {
                    id: &c.id,
                    severity: c.severity,
                    not_run: not_run(&c.id),
                })
                .collect(),
            only_by: None,
        })
        .collect()
}

/// The checks of `set` the run's selection left out (none ran nor was
/// ignored), in check order.
fn left_out<'a>(set: &'a CheckSet, by_id: &HashMap<&str, &CheckResult>) -> Vec<&'a Check> {
    set.checks
        .iter()
        .filter(|c| !by_id.contains_key(c.id.as_str()))
        .collect()
}

/// Why the run's `selection` left out the check `id`: the `--skip`
/// patterns that match it, else the name filters that do not.
fn left_out_by(selection: &Selection, id: &str) -> String {
    let skipped_by = selection.skipped_by(id);
    if !skipped_by.is_empty() && selection.is_named(id) {
        return format!("skipped by --skip {}", quoted(&skipped_by));
    }
    let exact = if selection.exact { " (--exact)" } else { "" };
    match selection.filters.len() {
        0 => "not selected by the run's filter".to_string(),
        1 => format!(
            "not selected by the run's filter {}{exact}",
            quoted(&selection.filters)
        ),
        _ => format!(
            "not selected by the run's filters {}{exact}",
            quoted(&selection.filters)
        ),
    }
}

/// What the run's `selection` left out, a line per way it did: the
/// required checks (why the run is INCOMPLETE at best), then the advisory
/// ones (which never gate). An INCOMPLETE run's reasons already name the
/// required checks of its items that lack evidence, and a run that
/// selected nothing says so; neither is repeated.
fn left_out_reasons(
    verdict: RunVerdict,
    selection: &Selection,
    left_out: &[&Check],
    checklist: &[ChecklistVerdict],
    nothing_ran: bool,
) -> Vec<String> {
    let incomplete = verdict == RunVerdict::Incomplete;
    if incomplete && nothing_ran {
        return Vec::new();
    }
    let named = |c: &Check| {
        incomplete
            && c.severity == Severity::Required
            && checklist
                .iter()
                .any(|i| i.id == c.checklist.id() && !i.verdict.is_evidenced())
    };
    let mut lines: Vec<(Severity, String, Vec<&str>)> = Vec::new();
    for check in left_out.iter().filter(|c| !named(c)) {
        let how = left_out_by(selection, &check.id);
        match lines
            .iter_mut()
            .find(|(severity, h, _)| *severity == check.severity && *h == how)
        {
            Some((_, _, ids)) => ids.push(&check.id),
            None => lines.push((check.severity, how, vec![&check.id])),
        }
    }
    lines.sort_by_key(|(severity, _, _)| *severity != Severity::Required);
    lines
        .into_iter()
        .map(|(severity, how, ids)| {
            let why = match severity {
                Severity::Required => {
                    "required: a filtered run cannot evidence the whole checklist"
                }
                Severity::Advisory => "advisory: they never gate",
            };
            format!("{how}: {} ({why})", listed(&ids))
        })
        .collect()
}

/// The most check ids a left-out line lists; the checklist's gaps list
/// them all.
const LISTED: usize = 10;

/// `a, b, c`, or the first [`LISTED`] and how many more.
fn listed(ids: &[&str]) -> String {
    match ids.len().checked_sub(LISTED) {
        Some(more) if more > 0 => format!("{} and {more} more", ids[..LISTED].join(", ")),
        _ => ids.join(", "),
    }
}

/// How basic a failing check is, most basic first: a key that is not
/// refused as documented makes every other answer suspect, then an entry
/// point that is not; shape, execution, conversation and other behaviour
/// follow. Read from the check id's area (`key::invalid`).
fn tier(id: &str) -> u8 {
    match id.split_once("::").map(|(area, _)| area) {
        Some("key") => 0,
        Some("entry-point") => 1,
        _ => 2,
    }
}

/// The failures that fail the gate, grouped by how they failed, root cause
/// first: an advisory prerequisite's echo never leads; then the most basic
/// failure leads ([`tier`]: key checks, then entry point checks, then the
/// others); within a tier a failure that blocks more checks comes before one
/// that blocks fewer, and among equals the plainest reproduction leads: the
/// check that needs fewer fixtures, then the one with fewer steps.
fn root_causes(set: &CheckSet, results: &[CheckResult]) -> Vec<RootCause> {
    let order = set.order();
    let blocked_by = |id: &str| -> Vec<String> {
        results
            .iter()
            .filter(|r| r.verdict == Verdict::Ignored && depends_on(set, &r.id, id))
            .map(|r| r.id.clone())
            .collect()
    };
    let mut ranked: Vec<Failing> = failing(results)
        .map(|(result, failure)| {
            let summary =
                super::headline::documented(result, failure).unwrap_or_else(|| signature(failure));
            Failing {
                result,
                failure,
                group: summary.clone(),
                summary,
                blocked: blocked_by(&result.id),
            }
        })
        .collect();
    let plainness = |id: &str| {
        order.get(id).map_or((usize::MAX, usize::MAX), |&i| {
            (set.checks[i].needs.len(), set.checks[i].steps.len())
        })
    };
    ranked.sort_by_key(|f| {
        (
            f.failure.kind == FailureKind::Prerequisite,
            tier(&f.result.id),
            std::cmp::Reverse(f.blocked.len()),
            plainness(&f.result.id),
            order
                .get(f.result.id.as_str())
                .copied()
                .unwrap_or(usize::MAX),
        )
    });
    crate::verdict::root_causes(ranked, |ids| {
        let items: BTreeSet<ChecklistItem> = ids
            .iter()
            .filter_map(|id| set.checks.iter().find(|c| &c.id == id))
            .map(|c| c.checklist)
            .collect();
        items.into_iter().map(|i| i.id().to_string()).collect()
    })
}

/// Whether `id` requires `on`, directly or through other checks (the
/// loader refuses cycles; the walk is bounded by the set all the same).
fn depends_on(set: &CheckSet, id: &str, on: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![id.to_string()];
    while let Some(next) = todo.pop() {
        let Some(check) = set.checks.iter().find(|c| c.id == next) else {
            continue;
        };
        for required in &check.requires {
            if required == on {
                return true;
            }
            if seen.insert(required.to_string()) {
                todo.push(required.to_string());
            }
        }
    }
    false
}

/// What failures of one group share: the first mismatch, the value a poll
/// never left, or the error's text.
fn signature(failure: &Failure) -> String {
    match failure.kind {
        FailureKind::Status | FailureKind::Header | FailureKind::Body => failure
            .mismatches
            .first()
            .map(|m| format!("expected {} {}, got {}", m.target, m.expected, m.actual))
            .unwrap_or_else(|| failure.message.clone()),
        FailureKind::NotJson => "the body is not JSON".into(),
        FailureKind::PollTimedOut => match &failure.last_value {
            Some(value) => format!("never left `{value}` within the poll timeout"),
            None => failure.message.clone(),
        },
        _ => failure.message.clone(),
    }
}

/// Why the run says nothing about some checks: this machine's limits kept
/// them from running (exit 2, whatever the verdict of the others).
fn local_limit(results: &[CheckResult]) -> Option<String> {
    let hit: Vec<&str> = results
        .iter()
        .filter(|r| r.hit_local_limit())
        .map(|r| r.id.as_str())
        .collect();
    (!hit.is_empty()).then(|| {
        format!(
            "{} check(s) could not run: this machine ran out of file descriptors (a local limit, not the target's failure); raise it (`ulimit -n 1024`) or lower --concurrency, and run again ({})",
            hit.len(),
            hit.join(", ")
        )
    })
}

/// Why an INTERRUPTED run is: which signal, and what it left unfinished.
fn interruption(signal: Signal, results: &[CheckResult]) -> String {
    let stopped = results
        .iter()
        .filter(|r| {
            r.failure()
                .is_some_and(|f| f.kind == FailureKind::Interrupted)
        })
        .count();
    format!(
        "interrupted by {}: {stopped} check(s) did not finish and are marked interrupted; the others are reported as they ended",
        signal.name()
    )
}

/// Why a run judged nothing: a filter or `--skip` that matches no id is
/// refused before the run (exit 2); what is left is a selection whose
/// `--skip` leaves out every check its filters take, or a set with no
/// check.
fn nothing_selected(set: &CheckSet, selection: &Selection) -> String {
    match &selection.filters[..] {
        _ if selection.skip.is_empty() => format!(
            "no check was selected out of the {} loaded checks",
            set.checks.len()
        ),
        [] => format!(
            "no check was selected: --skip {} leaves out all the {} loaded checks",
            quoted(&selection.skip),
            set.checks.len()
        ),
        filters => format!(
            "no check was selected: --skip {} leaves out every check {} selects",
            quoted(&selection.skip),
            quoted(filters),
        ),
    }
}

/// `a`, `b`: the filters as the user wrote them.
fn quoted(filters: &[impl AsRef<str>]) -> String {
    filters
        .iter()
        .map(|f| format!("`{}`", f.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(filters: &[&str], skip: &[&str], exact: bool) -> Selection {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Selection {
            filters: owned(filters),
            skip: owned(skip),
            exact,
        }
    }

    #[test]
    fn a_left_out_check_is_named_with_the_filter_that_left_it_out() {
        for (selection, id, why) in [
            (
                selection(&[], &["invalid"], false),
                "key::invalid",
                "skipped by --skip `invalid`",
            ),
            (
                selection(&["key::"], &["key::inv"], false),
                "key::invalid",
                "skipped by --skip `key::inv`",
            ),
            (
                selection(&["key::"], &["key::inv"], false),
                "execution::unknown",
                "not selected by the run's filter `key::`",
            ),
            (
                selection(&["key::missing"], &[], true),
                "key::invalid",
                "not selected by the run's filter `key::missing` (--exact)",
            ),
            (
                selection(&["a", "b"], &[], false),
                "key::invalid",
                "not selected by the run's filters `a`, `b`",
            ),
        ] {
            assert_eq!(left_out_by(&selection, id), why, "{selection:?}");
        }
    }

    #[test]
    fn key_checks_lead_then_entry_point_checks_then_the_others() {
        let mut ids = [
            "conversation::latest-wins",
            "shape::error-bodies",
            "entry-point::unknown",
            "key::invalid",
        ];
        ids.sort_by_key(|id| tier(id));
        assert_eq!(ids[..2], ["key::invalid", "entry-point::unknown"]);
    }
}
