//! `conversation-from-api`: a `conversationId` the client sends is one an
//! earlier answer of the API returned to it.

use std::collections::HashSet;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when no request carried a `conversationId`.
pub fn eval(traffic: &Traffic) -> RuleOutcome {
    let mut answered: Vec<usize> = (0..traffic.calls.len()).collect();
    answered.sort_by_key(|&i| traffic.calls[i].answered_at());
    let mut returned: HashSet<&str> = HashSet::new();
    let (mut next, mut applies, mut violations) = (0, false, Vec::new());
    for (i, call) in traffic.calls.iter().enumerate() {
        while next < answered.len() && traffic.calls[answered[next]].answered_at() <= call.at {
            if let Some(c) = traffic.views[answered[next]].conversation_id.as_deref() {
                returned.insert(c);
            }
            next += 1;
        }
        let sent = traffic.views[i]
            .request_json
            .as_ref()
            .and_then(|j| j.get("conversationId"));
        let Some(sent) = sent else { continue };
        applies = true;
        match sent.as_str() {
            Some(id) if returned.contains(id) => {}
            Some(id) => violations.push(Violation::at(
                traffic,
                i,
                format!("sends conversationId `{id}`, which no answer of the API returned to the client"),
            )),
            None => violations.push(Violation::at(
                traffic,
                i,
                format!("sends conversationId {sent}, not a string the API returned"),
            )),
        }
    }
    RuleOutcome::judged(applies, violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{correct, post, recording};

    #[test]
    fn only_returned_conversations_are_continued() {
        let first = post(0, r#"{"message":"a"}"#, "e1");
        let cases = [
            (correct(), None),
            (
                recording(vec![
                    first.clone(),
                    post(1000, r#"{"message":"b","conversationId":"conv_e1"}"#, "e2"),
                ]),
                Some(vec![]),
            ),
            (
                recording(vec![
                    first.clone(),
                    post(
                        1000,
                        r#"{"message":"b","conversationId":"conv_mine"}"#,
                        "e2",
                    ),
                ]),
                Some(vec![1]),
            ),
            (
                recording(vec![post(0, r#"{"message":"b","conversationId":7}"#, "e2")]),
                Some(vec![0]),
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
