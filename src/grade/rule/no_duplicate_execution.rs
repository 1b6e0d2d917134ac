//! `no-duplicate-execution`: a POST is not sent again, with the same body
//! to the same entry point, while an identical one is accepted and the
//! client has not yet been shown its end.

use std::collections::HashMap;
use std::time::Duration;

use crate::check::TERMINAL_STATUSES;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// An accepted execute still running as far as the client knows.
struct Open<'t> {
    post: usize,
    execution: &'t str,
    accepted_at: Duration,
    /// When the client was shown its terminal status, if ever.
    ended_at: Option<Duration>,
}

/// Not applicable when the API accepted no execution.
pub fn eval(traffic: &Traffic) -> RuleOutcome {
    if traffic.accepted().next().is_none() {
        return RuleOutcome::NotApplicable;
    }
    let terminal: Vec<String> = TERMINAL_STATUSES.iter().map(|s| s.to_string()).collect();
    let mut open: HashMap<(&str, String), Vec<Open>> = HashMap::new();
    let mut violations = Vec::new();
    for (i, call) in traffic.calls.iter().enumerate() {
        let view = &traffic.views[i];
        let Some(entry_point) = view.executes.as_deref() else {
            continue;
        };
        // Bodies compare as JSON (serde_json sorts keys), else as text.
        let body = view
            .request_json
            .as_ref()
            .map_or_else(|| call.body.text.clone(), |j| j.to_string());
        let same = open.entry((entry_point, body)).or_default();
        same.retain(|o| o.ended_at.is_none_or(|end| end > call.at));
        if let Some(earlier) = same.iter().find(|o| o.accepted_at <= call.at) {
            violations.push(Violation::at(
                traffic,
                i,
                format!(
                    "sends again the body of call #{}, whose execution {} was accepted and not yet seen ended",
                    traffic.calls[earlier.post].seq, earlier.execution
                ),
            ));
        }
        if let Some(execution) = view.execution_id.as_deref() {
            same.push(Open {
                post: i,
                execution,
                accepted_at: call.answered_at(),
                ended_at: traffic.first_shown(execution, &terminal).map(|(at, _)| at),
            });
        }
    }
    RuleOutcome::of(violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{call, correct, get, post, recording};

    #[test]
    fn a_message_is_not_posted_twice_while_it_runs() {
        let hello = r#"{"message":"hello"}"#;
        let refused = call(0, "POST", "/v1/entry-points/ep_1/execute", 429, "{}");
        let cases = [
            (correct(), Some(vec![])),
            (recording(vec![get(0, "x", "completed")]), None),
            (
                recording(vec![post(0, hello, "e1"), post(100, hello, "e2")]),
                Some(vec![1]),
            ),
            // Key order does not make a body different.
            (
                recording(vec![
                    post(0, r#"{"message":"hi","conversationId":"c"}"#, "e1"),
                    post(100, r#"{"conversationId":"c","message":"hi"}"#, "e2"),
                ]),
                Some(vec![1]),
            ),
            // Once seen completed, the same text may be sent again.
            (
                recording(vec![
                    post(0, hello, "e1"),
                    get(300, "e1", "completed"),
                    post(400, hello, "e2"),
                ]),
                Some(vec![]),
            ),
            (
                recording(vec![
                    post(0, hello, "e1"),
                    post(100, r#"{"message":"other"}"#, "e2"),
                ]),
                Some(vec![]),
            ),
            // A refused POST may be retried.
            (
                recording(vec![refused, post(1000, hello, "e1")]),
                Some(vec![]),
            ),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            assert_eq!(
                &offending(&eval(&Traffic::index(rec))),
                expected,
                "case {i}"
            );
        }
    }
}
