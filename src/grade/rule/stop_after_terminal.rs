//! `stop-after-terminal`: no read of an execution after the client was
//! shown one of `statuses` for it (its end).

use std::collections::HashMap;
use std::time::Duration;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when no execution was shown one of `statuses`. An API
/// that accepts a later execute with the same id (a mock answering one id
/// to every execute) starts that execution over: reading it again is then
/// right, not a read past its end.
pub fn eval(traffic: &Traffic, statuses: &[String]) -> RuleOutcome {
    let mut accepted: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in traffic.accepted() {
        accepted.entry(id).or_default().push(i);
    }
    let mut applies = false;
    let mut violations = Vec::new();
    for (id, reads) in &traffic.reads {
        let restarts = accepted.get(id.as_str()).map_or(&[][..], Vec::as_slice);
        let mut ended: Option<(Duration, usize)> = None;
        for &i in reads {
            let call = &traffic.calls[i];
            if let Some((at, _)) = ended {
                let restarted = restarts
                    .iter()
                    .any(|&p| traffic.calls[p].answered_at() > at && p < i);
                if restarted {
                    ended = None;
                }
            }
            match ended {
                Some((at, shown)) if call.at >= at => violations.push(Violation::at(
                    traffic,
                    i,
                    format!(
                        "read after `{}` was shown at call #{}",
                        traffic.views[shown]
                            .execution_status
                            .as_deref()
                            .unwrap_or_default(),
                        traffic.calls[shown].seq
                    ),
                )),
                Some(_) => {}
                None => {
                    let status = traffic.views[i].execution_status.as_ref();
                    if status.is_some_and(|s| statuses.contains(s)) {
                        applies = true;
                        ended = Some((call.answered_at(), i));
                    }
                }
            }
        }
    }
    RuleOutcome::judged(applies, violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::check::TERMINAL_STATUSES;
    use crate::grade::traffic::sample::{correct, get, post, recording};
    use crate::recording::Recording;

    fn grade(rec: &Recording, statuses: &[&str]) -> Option<Vec<usize>> {
        let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        offending(&eval(&Traffic::index(rec), &statuses))
    }

    #[test]
    fn reads_after_the_end_are_caught() {
        let m = r#"{"message":"a"}"#;
        type Case = (Recording, &'static [&'static str], Option<Vec<usize>>);
        let cases: Vec<Case> = vec![
            (correct(), TERMINAL_STATUSES, Some(vec![])),
            (correct(), &["superseded"], None),
            (
                recording(vec![
                    post(0, m, "e1"),
                    get(300, "e1", "completed"),
                    get(600, "e1", "completed"),
                ]),
                TERMINAL_STATUSES,
                Some(vec![2]),
            ),
            (
                recording(vec![
                    post(0, m, "e1"),
                    get(300, "e1", "superseded"),
                    get(600, "e1", "superseded"),
                ]),
                &["superseded"],
                Some(vec![2]),
            ),
            // An API that answers the same id to a later execute (Prism's
            // static mock) starts it over: reading it again is right, and
            // reading past its new end is not.
            (
                recording(vec![
                    post(0, m, "e1"),
                    get(300, "e1", "completed"),
                    post(800, m, "e1"),
                    get(1100, "e1", "completed"),
                    get(1400, "e1", "completed"),
                ]),
                TERMINAL_STATUSES,
                Some(vec![4]),
            ),
            // In flight when the end was shown (sent at 302, answered 305).
            (
                recording(vec![
                    post(0, m, "e1"),
                    get(300, "e1", "completed"),
                    get(302, "e1", "completed"),
                ]),
                TERMINAL_STATUSES,
                Some(vec![]),
            ),
        ];
        for (i, (rec, statuses, expected)) in cases.iter().enumerate() {
            assert_eq!(&grade(rec, statuses), expected, "case {i}");
        }
    }
}
