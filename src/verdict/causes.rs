//! Root causes, one way for both sides: the failures that fail the gate,
//! grouped into causes in the order the side ranks them. What a side knows
//! and the core does not is in each [`Failing`]: which failures are one
//! cause, what they share, what they blocked.

use crate::result::{CheckResult, Failure, FailureKind, RootCause};

/// A failure that fails the gate, as its side sees it.
pub struct Failing<'a> {
    pub result: &'a CheckResult,
    pub failure: &'a Failure,
    /// What the failures of its cause share, in one line.
    pub summary: String,
    /// Failures with the same group are one cause (the API groups by
    /// summary; client rules do not block one another, each is its own).
    pub group: String,
    /// The checks it left ignored.
    pub blocked: Vec<String>,
}

/// The failures of `results` that can be root causes: they fail the gate
/// and say something of the target (a check stopped by a signal or by this
/// machine's limits does not).
pub fn failing(results: &[CheckResult]) -> impl Iterator<Item = (&CheckResult, &Failure)> {
    results
        .iter()
        .filter(|r| r.fails_gate())
        .filter_map(|r| r.failure().map(|f| (r, f)))
        .filter(|(_, f)| !matches!(f.kind, FailureKind::Interrupted | FailureKind::LocalLimit))
}

/// The causes of `ranked` (the side's order: the first is what to fix
/// first), one per group, each with its checks, what they blocked, and
/// the checklist items `items_of` says those checks evidence.
pub fn root_causes(
    ranked: Vec<Failing>,
    items_of: impl Fn(&[String]) -> Vec<String>,
) -> Vec<RootCause> {
    let mut causes: Vec<(String, RootCause)> = Vec::new();
    for failing in ranked {
        let at = match causes.iter().position(|(group, _)| *group == failing.group) {
            Some(at) => at,
            None => {
                causes.push((
                    failing.group,
                    RootCause {
                        summary: failing.summary,
                        kind: failing.failure.kind,
                        checks: Vec::new(),
                        failure: failing.failure.clone(),
                        blocked: Vec::new(),
                        items: Vec::new(),
                    },
                ));
                causes.len() - 1
            }
        };
        let cause = &mut causes[at].1;
        cause.checks.push(failing.result.id.clone());
        for id in failing.blocked {
            if !cause.blocked.contains(&id) {
                cause.blocked.push(id);
            }
        }
    }
    causes
        .into_iter()
        .map(|(_, mut cause)| {
            let ids: Vec<String> = cause.checks.iter().chain(&cause.blocked).cloned().collect();
            cause.items = items_of(&ids);
            cause
        })
        .collect()
}
