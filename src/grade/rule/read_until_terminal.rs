//! `read-until-terminal`: every accepted execution is read back until the
//! client is shown a terminal status. An execution followed by a later
//! accepted one of the same conversation is exempt: under latest-wins the
//! client follows the newest. So is one whose last read was refused (401,
//! 403) with the key that created it: the key was refused (rotated, or the
//! account made inactive), and a client stops reading then, as it should.
//! And so is one whose 202 the client never received (it hung up first):
//! it cannot read an id it was never given; `no-duplicate-execution`
//! judges the retry that follows.

use std::collections::HashMap;

use crate::recording::RecordedCall;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// The answers that refuse a key: invalid (rotated) or inactive account.
const REFUSED: [u16; 2] = [401, 403];

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
        .filter(|&(i, _)| !is_given_up(traffic, i))
        .filter(|&(_, id)| traffic.first_shown(id, statuses).is_none())
        .filter(|&(i, id)| !is_cut_by_refusal(traffic, i, id))
        .map(|(i, id)| {
            let last = traffic.reads.get(id).and_then(|reads| reads.last());
            let seen = match last {
                None => "it was never read back".to_string(),
                Some(&r) => format!(
                    "its last read (call #{}) showed {}",
                    traffic.calls[r].seq,
                    traffic.views[r].execution_status.as_deref().map_or_else(
                        || format!("HTTP {}", traffic.calls[r].status_code()),
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

/// Whether the client gave up waiting for the 202 of execute `post`: it
/// hung up, or sent the same message again before the answer came (a
/// timeout whose hang-up the server had not yet noticed).
fn is_given_up(traffic: &Traffic, post: usize) -> bool {
    let call = &traffic.calls[post];
    if call.client_gone {
        return true;
    }
    let answered = call.answered_at();
    let view = &traffic.views[post];
    traffic.calls[post + 1..]
        .iter()
        .zip(&traffic.views[post + 1..])
        .take_while(|(later, _)| later.at < answered)
        .any(|(later, later_view)| {
            later_view.executes.is_some()
                && later_view.executes == view.executes
                && later.body.message_digest == call.body.message_digest
                && later_view.request_conversation() == view.request_conversation()
        })
}

/// Whether the last read of execution `id` (created by call `post`) was
/// refused with 401 or 403 while it carried the key that created it: the
/// key was refused, not forgotten nor changed by the client.
fn is_cut_by_refusal(traffic: &Traffic, post: usize, id: &str) -> bool {
    let Some(&last) = traffic.reads.get(id).and_then(|reads| reads.last()) else {
        return false;
    };
    let read = &traffic.calls[last];
    read.status.is_some_and(|status| REFUSED.contains(&status))
        && keys(read) == keys(&traffic.calls[post])
}

/// The API keys `call` carried, wherever it put them.
fn keys(call: &RecordedCall) -> Vec<String> {
    let mut keys: Vec<String> = call
        .credentials()
        .into_iter()
        .filter(|c| c.is_key)
        .map(|c| c.value)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::check::TERMINAL_STATUSES;
    use crate::grade::traffic::sample::{call, correct, get, post, recording};
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

    #[test]
    fn reads_cut_by_a_refused_key_are_not_blamed() {
        let a = r#"{"message":"a"}"#;
        let refused = |ms: u64, exec: &str, status: u16| {
            let path = format!("/v1/executions/{exec}");
            call(ms, "GET", &path, status, r#"{"message":"Invalid API key"}"#)
        };
        let without_key = {
            let mut c = refused(600, "exec_1", 401);
            c.headers.retain(|(n, _)| n != "x-api-key");
            c
        };
        let other_key = {
            let mut c = refused(600, "exec_1", 401);
            c.headers[0].1 = "ak_Other0123456789abcdefghijklmno".into();
            c
        };
        let cases = [
            // The key was rotated (401) or the account made inactive (403)
            // while the execution ran: the client stopped on the refusal.
            (
                recording(vec![
                    post(0, a, "exec_1"),
                    get(300, "exec_1", "running"),
                    refused(600, "exec_1", 401),
                ]),
                vec![],
            ),
            (
                recording(vec![post(0, a, "exec_1"), refused(300, "exec_1", 403)]),
                vec![],
            ),
            // Stopped for no reason, while another execution was refused.
            (
                recording(vec![
                    post(0, a, "exec_1"),
                    post(10, r#"{"message":"b"}"#, "exec_2"),
                    get(300, "exec_1", "running"),
                    refused(600, "exec_2", 401),
                ]),
                vec![0],
            ),
            // A refusal the client caused (no key, another key) is no excuse;
            // nor is another error.
            (recording(vec![post(0, a, "exec_1"), without_key]), vec![0]),
            (recording(vec![post(0, a, "exec_1"), other_key]), vec![0]),
            (
                recording(vec![post(0, a, "exec_1"), refused(300, "exec_1", 500)]),
                vec![0],
            ),
            // Read again after the refusal, and left at `running`.
            (
                recording(vec![
                    post(0, a, "exec_1"),
                    refused(300, "exec_1", 401),
                    get(1500, "exec_1", "running"),
                ]),
                vec![0],
            ),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            assert_eq!(grade(rec), Some(expected.clone()), "case {i}");
        }
    }
}
