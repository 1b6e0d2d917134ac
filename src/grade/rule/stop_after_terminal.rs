//! `stop-after-terminal`: no read of an execution after the client was
//! shown one of `statuses` for it (its end).

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when no execution was shown one of `statuses`.
pub fn eval(traffic: &Traffic, statuses: &[String]) -> RuleOutcome {
    let mut applies = false;
    let mut violations = Vec::new();
    for (id, reads) in &traffic.reads {
        let Some((ended_at, shown)) = traffic.first_shown(id, statuses) else {
            continue;
        };
        applies = true;
        let status = traffic.views[shown]
            .execution_status
            .as_deref()
            .unwrap_or_default();
        for &i in reads.iter().filter(|&&i| traffic.calls[i].at >= ended_at) {
            violations.push(Violation::at(
                traffic,
                i,
                format!(
                    "read after `{status}` was shown at call #{}",
                    traffic.calls[shown].seq
                ),
            ));
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
