//! `key-only-in-header`: the key appears in no URL and no body, raw or in
//! any encoding the redactor knows (percent-encoded, base64...).

use super::super::context::Grading;
use super::super::traffic::{decode, Traffic};
use super::{RuleOutcome, Violation};

/// Not applicable when the client made no call.
pub fn eval(traffic: &Traffic, grading: &Grading) -> RuleOutcome {
    if traffic.calls.is_empty() {
        return RuleOutcome::NotApplicable;
    }
    let found = |text: &str| {
        grading.redactor.finds_secret_in(text.as_bytes())
            || grading.redactor.finds_secret_in(decode(text).as_bytes())
    };
    let violations = traffic
        .calls
        .iter()
        .enumerate()
        .filter_map(|(i, call)| {
            let place = if found(&call.path) {
                "the path"
            } else if call.query.as_deref().is_some_and(found) {
                "the query string"
            } else if grading.redactor.finds_secret_in(call.body.text.as_bytes()) {
                "the body"
            } else {
                return None;
            };
            Some(Violation::at(
                traffic,
                i,
                format!("the key is in {place}; send it only in `x-api-key`"),
            ))
        })
        .collect();
    RuleOutcome::of(violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::context::GradeContext;
    use crate::grade::traffic::sample::{call, correct, post, recording, KEY};
    use crate::recording::{RecordedBody, Recording};

    fn grade(rec: &Recording) -> Option<Vec<usize>> {
        let grading = Grading::new(&GradeContext::new(&[KEY.to_string()]), rec);
        offending(&eval(&Traffic::index(rec), &grading))
    }

    #[test]
    fn the_key_outside_its_header_is_found_in_every_form() {
        let mut in_query = call(0, "GET", "/v1/executions/e", 200, "{}");
        in_query.query = Some(format!("api_key={KEY}"));
        let mut encoded = call(0, "GET", "/v1/executions/e", 200, "{}");
        let percent: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
        encoded.query = Some(format!("k={percent}"));
        let in_path = call(0, "GET", &format!("/v1/executions/{KEY}"), 400, "{}");
        let mut in_body = post(0, "", "e");
        in_body.body = RecordedBody::of(format!(r#"{{"message":"hi","key":"{KEY}"}}"#).as_bytes());
        let cases = [
            (correct(), Some(vec![])),
            (recording(vec![]), None),
            (recording(vec![post(0, "{}", "e"), in_query]), Some(vec![1])),
            (recording(vec![encoded]), Some(vec![0])),
            (recording(vec![in_path]), Some(vec![0])),
            (recording(vec![in_body]), Some(vec![0])),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            assert_eq!(&grade(rec), expected, "case {i}");
        }
    }
}
