//! `no-resend-superseded`: a message whose execution the client was shown
//! `superseded` is not sent again in that conversation. Superseded means a
//! newer message of the conversation won (latest wins); sending the older
//! one again makes it the newest, supersedes the newer one in turn, and
//! two senders that both do so play ping-pong without end.

use std::collections::HashMap;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when the client was never shown a superseded execution.
pub fn eval(traffic: &Traffic) -> RuleOutcome {
    let superseded = [String::from("superseded")];
    // (entry point, message, conversation) of each execution shown
    // superseded, with when it was shown and by which POST.
    let mut lost: HashMap<(&str, u64, &str), (std::time::Duration, usize)> = HashMap::new();
    for (post, execution) in traffic.accepted() {
        let view = &traffic.views[post];
        let (Some(entry_point), Some(conversation)) =
            (view.executes.as_deref(), view.conversation_id.as_deref())
        else {
            continue;
        };
        if let Some((at, _)) = traffic.first_shown(execution, &superseded) {
            let digest = traffic.calls[post].body.message_digest;
            lost.entry((entry_point, digest, conversation))
                .or_insert((at, post));
        }
    }
    if lost.is_empty() {
        return RuleOutcome::NotApplicable;
    }
    let violations = traffic
        .calls
        .iter()
        .enumerate()
        .filter_map(|(i, call)| {
            let view = &traffic.views[i];
            let entry_point = view.executes.as_deref()?;
            let conversation = view.request_conversation()?;
            let key = (entry_point, call.body.message_digest, conversation.as_str());
            let &(shown_at, post) = lost.get(&key)?;
            (shown_at <= call.at).then(|| {
                Violation::at(
                    traffic,
                    i,
                    format!(
                        "sends again, in conversation {conversation}, the message of call #{} after its execution was shown superseded: a newer message won, and sending the older one again makes it win back",
                        traffic.calls[post].seq
                    ),
                )
            })
        })
        .collect();
    RuleOutcome::of(violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{correct, get, post, recording};

    #[test]
    fn a_superseded_message_is_not_sent_again() {
        let hello = r#"{"message":"hello"}"#;
        let again = r#"{"message":"hello","conversationId":"conv_e1"}"#;
        let other = r#"{"message":"something else","conversationId":"conv_e1"}"#;
        let cases = [
            (correct(), None),
            (
                recording(vec![
                    post(0, hello, "e1"),
                    get(300, "e1", "superseded"),
                    post(400, again, "e2"),
                ]),
                Some(vec![2]),
            ),
            // A new message in the conversation is what latest-wins is for.
            (
                recording(vec![
                    post(0, hello, "e1"),
                    get(300, "e1", "superseded"),
                    post(400, other, "e2"),
                ]),
                Some(vec![]),
            ),
            // Sent before superseded was shown: not a reaction to it.
            (
                recording(vec![
                    post(0, hello, "e1"),
                    post(100, again, "e2"),
                    get(300, "e1", "superseded"),
                ]),
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
