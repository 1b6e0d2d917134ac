//! `read-until-terminal`: every accepted execution is read back until the
//! client is shown a terminal status. An execution followed by a later
//! accepted one of the same conversation is exempt: under latest-wins the
//! client follows the newest.

use std::collections::HashMap;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when the API accepted no execution.
pub fn eval(traffic: &Traffic, statuses: &[String]) -> RuleOutcome {
    let accepted: Vec<(usize, &str)> = traffic.accepted().collect();
    if accepted.is_empty() {
        return RuleOutcome::NotApplicable;
    }
    // The last accepted execution of each conversation.
    let mut latest: HashMap<&str, usize> = HashMap::new();
    for &(i, _) in &accepted {
        if let Some(conversation) = traffic.views[i].conversation_id.as_deref() {
            latest.insert(conversation, i);
        }
    }
    let violations = accepted
        .into_iter()
        .filter(|&(i, _)| {
            traffic.views[i]
                .conversation_id
                .as_deref()
                .is_none_or(|c| latest.get(c) == Some(&i))
        })
        .filter(|&(_, id)| traffic.first_shown(id, statuses).is_none())
        .map(|(i, id)| {
            let last = traffic.reads.get(id).and_then(|reads| reads.last());
            let seen = match last {
                None => "it was never read back".to_string(),
                Some(&r) => format!(
                    "its last read (call #{}) showed {}",
                    traffic.calls[r].seq,
                    traffic.views[r].execution_status.as_deref().map_or_else(
                        || format!("HTTP {}", traffic.calls[r].status),
                        |s| format!("`{s}`")
                    )
                ),
            };
            Violation::at(
                traffic,
                i,
                format!(
                    "execution {id} was accepted but never read to a terminal status ({}): {seen}",
                    statuses.join(", ")
                ),
            )
        })
        .collect();
    RuleOutcome::of(violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::check::TERMINAL_STATUSES;
    use crate::grade::traffic::sample::{correct, get, post, recording};
    use crate::recording::Recording;

    fn grade(rec: &Recording) -> Option<Vec<usize>> {
        let statuses: Vec<String> = TERMINAL_STATUSES.iter().map(|s| s.to_string()).collect();
        offending(&eval(&Traffic::index(rec), &statuses))
    }

    #[test]
    fn an_execution_read_once_at_queued_is_not_followed() {
        let mut newer = post(400, r#"{"message":"b"}"#, "exec_2");
        newer.response_body = crate::recording::RecordedBody::of(
            br#"{"conversationId":"conv_exec_1","executionId":"exec_2","status":"queued"}"#,
        );
        let cases = [
            (correct(), Some(vec![])),
            (recording(vec![get(0, "exec_1", "completed")]), None),
            // The page's quick example: one read, right after the POST.
            (
                recording(vec![
                    post(0, r#"{"message":"a"}"#, "exec_1"),
                    get(5, "exec_1", "queued"),
                ]),
                Some(vec![0]),
            ),
            (
                recording(vec![post(0, r#"{"message":"a"}"#, "exec_1")]),
                Some(vec![0]),
            ),
            // Superseded by a newer message of its conversation: exempt.
            (
                recording(vec![
                    post(0, r#"{"message":"a"}"#, "exec_1"),
                    newer,
                    get(700, "exec_2", "completed"),
                ]),
                Some(vec![]),
            ),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            assert_eq!(&grade(rec), expected, "case {i}");
        }
    }
}
