//! `poll-interval`: two reads of one execution start at least
//! `min_interval` apart (less `slack` for timer jitter). A read that
//! follows an answer with `Retry-After` is timed by that answer, and
//! judged by `honour-retry-after`, not here.

use std::time::Duration;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when no execution was read twice.
pub fn eval(traffic: &Traffic, min_interval: Duration, slack: Duration) -> RuleOutcome {
    let mut applies = false;
    let mut violations = Vec::new();
    for (id, reads) in &traffic.reads {
        for pair in reads.windows(2) {
            let (before, after) = (&traffic.calls[pair[0]], &traffic.calls[pair[1]]);
            if before.response_header("retry-after").is_some() {
                continue;
            }
            applies = true;
            let gap = after.at.saturating_sub(before.at);
            if gap + slack < min_interval {
                violations.push(Violation::at(
                    traffic,
                    pair[1],
                    format!(
                        "reads {id} {} ms after call #{} (the floor is {} ms)",
                        gap.as_millis(),
                        before.seq,
                        min_interval.as_millis()
                    ),
                ));
            }
        }
    }
    RuleOutcome::judged(applies, violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{correct, get, post, recording};

    fn retry_later(mut call: crate::recording::RecordedCall) -> crate::recording::RecordedCall {
        call.status = Some(503);
        call.response_headers
            .push(("retry-after".into(), "1".into()));
        call
    }

    #[test]
    fn a_tight_loop_is_caught() {
        let m = r#"{"message":"a"}"#;
        let tight: Vec<_> = std::iter::once(post(0, m, "e1"))
            .chain((1..5).map(|n| get(10 * n, "e1", "queued")))
            .collect();
        let cases = [
            (correct(), Duration::from_millis(200), Some(vec![])),
            (correct(), Duration::from_millis(500), Some(vec![2, 3])),
            (
                recording(tight),
                Duration::from_millis(200),
                Some(vec![2, 3, 4]),
            ),
            (
                recording(vec![post(0, m, "e1"), get(5, "e1", "completed")]),
                Duration::from_millis(200),
                None,
            ),
            // A retry after Retry-After is that rule's to judge.
            (
                recording(vec![
                    retry_later(get(0, "e1", "queued")),
                    get(5, "e1", "completed"),
                ]),
                Duration::from_millis(200),
                None,
            ),
            // 195 ms is within the 10 ms slack of a 200 ms floor.
            (
                recording(vec![get(0, "e1", "queued"), get(195, "e1", "completed")]),
                Duration::from_millis(200),
                Some(vec![]),
            ),
        ];
        for (i, (rec, floor, expected)) in cases.iter().enumerate() {
            let outcome = eval(&Traffic::index(rec), *floor, Duration::from_millis(10));
            assert_eq!(&offending(&outcome), expected, "case {i}");
        }
    }
}
