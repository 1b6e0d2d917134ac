//! `reads-only-returned-ids`: every execution read is one an earlier answer
//! of the API returned to the client.

use std::collections::HashSet;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when the client read no execution.
pub fn eval(traffic: &Traffic) -> RuleOutcome {
    if traffic.reads.is_empty() {
        return RuleOutcome::NotApplicable;
    }
    let mut returned: HashSet<&str> = HashSet::new();
    let mut violations = Vec::new();
    // Answers in the order the client got them: a read sent before the
    // answer that names its id arrived was a guess.
    let mut answered: Vec<usize> = (0..traffic.calls.len()).collect();
    answered.sort_by_key(|&i| traffic.calls[i].answered_at());
    let mut next_answer = 0;
    for (i, call) in traffic.calls.iter().enumerate() {
        while next_answer < answered.len()
            && traffic.calls[answered[next_answer]].answered_at() <= call.at
        {
            let j = answered[next_answer];
            if let Some(id) = traffic.views[j].execution_id.as_deref() {
                returned.insert(id);
            }
            next_answer += 1;
        }
        if let Some(id) = traffic.views[i].reads.as_deref() {
            if !returned.contains(id) {
                violations.push(Violation::at(
                    traffic,
                    i,
                    format!(
                        "reads execution {id}, an id no answer of the API returned to the client"
                    ),
                ));
            }
        }
    }
    RuleOutcome::of(violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{correct, get, post, recording};

    #[test]
    fn invented_ids_are_caught() {
        let cases = [
            (correct(), Some(vec![])),
            (
                recording(vec![post(0, r#"{"message":"a"}"#, "exec_1")]),
                None,
            ),
            (
                recording(vec![
                    post(0, r#"{"message":"a"}"#, "exec_1"),
                    get(300, "exec_9", "completed"),
                ]),
                Some(vec![1]),
            ),
            // Read before the POST's answer arrived (answered at 5 ms).
            (
                recording(vec![
                    post(0, r#"{"message":"a"}"#, "exec_1"),
                    get(2, "exec_1", "queued"),
                ]),
                Some(vec![1]),
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
