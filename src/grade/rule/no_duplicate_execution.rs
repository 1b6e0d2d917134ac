//! `no-duplicate-execution`: a message is not sent again, to the same
//! entry point and in the same conversation, while an execution of it is
//! unanswered or running as far as the client knows.
//!
//! A message is told by its whole text ([`RecordedBody::message_digest`]):
//! a retry wrapper's own fields (a `requestId`) do not make it another one,
//! and two long questions sharing their first bytes are two. An execute
//! the client hung up on (a timeout) and the API accepted all the same is
//! open from its arrival: the retry that follows is the duplicate this
//! check exists for.
//!
//! [`RecordedBody::message_digest`]: crate::recording::RecordedBody::message_digest

use std::collections::HashMap;
use std::time::Duration;

use crate::check::TERMINAL_STATUSES;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// An accepted execute still running as far as the client knows.
struct Open<'t> {
    post: usize,
    execution: &'t str,
    /// When the execute arrived: from then on the message is in flight.
    sent_at: Duration,
    /// When the client was shown its terminal status, if ever.
    ended_at: Option<Duration>,
}

/// Not applicable when the API accepted no execution.
pub fn eval(traffic: &Traffic) -> RuleOutcome {
    if traffic.accepted().next().is_none() {
        return RuleOutcome::NotApplicable;
    }
    let terminal: Vec<String> = TERMINAL_STATUSES.iter().map(|s| s.to_string()).collect();
    let mut open: HashMap<(&str, u64, Option<String>), Vec<Open>> = HashMap::new();
    let mut violations = Vec::new();
    for (i, call) in traffic.calls.iter().enumerate() {
        let view = &traffic.views[i];
        let Some(entry_point) = view.executes.as_deref() else {
            continue;
        };
        let conversation = view.request_conversation();
        let same = open
            .entry((entry_point, call.body.message_digest, conversation))
            .or_default();
        same.retain(|o| o.ended_at.is_none_or(|end| end > call.at));
        if let Some(earlier) = same.iter().find(|o| o.sent_at < call.at) {
            let first = &traffic.calls[earlier.post];
            let how = if first.client_gone {
                "the client hung up before its answer, but the API accepted it as"
            } else {
                "accepted as"
            };
            violations.push(Violation::at(
                traffic,
                i,
                format!(
                    "sends again the message of call #{} ({how} execution {}), before that execution was seen to end",
                    first.seq, earlier.execution
                ),
            ));
        }
        if let Some(execution) = view.execution_id.as_deref() {
            same.push(Open {
                post: i,
                execution,
                sent_at: call.at,
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
            // A retry wrapper's own field does not make another message.
            (
                recording(vec![
                    post(0, r#"{"message":"hi","requestId":"r1"}"#, "e1"),
                    post(100, r#"{"message":"hi","requestId":"r2"}"#, "e2"),
                ]),
                Some(vec![1]),
            ),
            // Another conversation is another message.
            (
                recording(vec![
                    post(0, r#"{"message":"hi","conversationId":"c1"}"#, "e1"),
                    post(100, r#"{"message":"hi","conversationId":"c2"}"#, "e2"),
                ]),
                Some(vec![]),
            ),
            // Long questions sharing their first bytes are two.
            (
                recording(vec![
                    post(0, &long_question('a'), "e1"),
                    post(100, &long_question('b'), "e2"),
                ]),
                Some(vec![]),
            ),
            (
                recording(vec![
                    post(0, &long_question('a'), "e1"),
                    post(100, &long_question('a'), "e2"),
                ]),
                Some(vec![1]),
            ),
            // A retry sent before the first answer came back (a client-side
            // timeout) is a duplicate once the API accepted the first.
            (
                recording(vec![
                    gone(post(0, hello, "e1"), 5000),
                    post(1000, hello, "e2"),
                ]),
                Some(vec![1]),
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

    /// A message of 3,000 characters that ends with `last`.
    fn long_question(last: char) -> String {
        format!(r#"{{"message":"{}{last}"}}"#, "q".repeat(3000))
    }

    /// `post` whose client hung up, answered `answer_ms` after it arrived.
    fn gone(
        mut post: crate::recording::RecordedCall,
        answer_ms: u64,
    ) -> crate::recording::RecordedCall {
        post.client_gone = true;
        post.duration = Duration::from_millis(answer_ms);
        post
    }
}
