//! `key-only-in-header`: the key appears in no URL and no body, raw or in
//! any encoding the redactor knows (percent-encoded, base64...).

use super::super::context::Grading;
use super::super::traffic::{decode, Traffic};
use super::{RuleOutcome, Violation};

/// Not applicable when the client made no call, or when no key is known
/// (none given, none sent where a key goes): there is nothing to look for.
pub fn eval(traffic: &Traffic, grading: &Grading) -> RuleOutcome {
    let Some(keys) = grading.keys.as_ref() else {
        return RuleOutcome::NotApplicable;
    };
    if traffic.calls.is_empty() {
        return RuleOutcome::NotApplicable;
    }
    let found = |text: &str| {
        keys.finds_secret_in(text.as_bytes()) || keys.finds_secret_in(decode(text).as_bytes())
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
            } else if keys.finds_secret_in(call.body.text.as_bytes())
                || call
                    .body
                    .credentials
                    .iter()
                    .any(|c| keys.finds_secret_in(c.value.as_bytes()))
            {
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
    use super::super::testing::{offending, offending_with_key};
    use super::*;
    use crate::grade::context::GradeContext;
    use crate::grade::traffic::sample::{call, correct, post, recording, KEY};
    use crate::recording::{RecordedBody, Recording};

    fn grade(rec: &Recording) -> Option<Vec<usize>> {
        offending_with_key(eval, rec)
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

    #[test]
    fn a_token_under_a_generic_name_is_not_taken_for_the_key() {
        // A pagination cursor (or any token) is redacted, not blamed.
        let mut cursor = call(0, "GET", "/v1/executions/e", 200, "{}");
        cursor.query = Some("token=cursor0000000000000000000001".to_string());
        assert_eq!(
            grade(&recording(vec![post(0, "{}", "e"), cursor])),
            Some(vec![])
        );
        // With no key known at all, there is nothing to look for.
        let none = Grading::new(&GradeContext::new(&[]), &recording(vec![]));
        let mut bare = call(0, "GET", "/v1/executions/e", 401, "{}");
        bare.headers.clear();
        let rec = recording(vec![bare]);
        assert_eq!(offending(&eval(&Traffic::index(&rec), &none)), None);
        // A key past the kept bytes of a long body is found.
        let mut long = post(0, "", "e");
        let padding = "x".repeat(crate::recording::MAX_BODY);
        long.body = RecordedBody::of(
            format!(r#"{{"message":"{padding}","credentials":{{"apiKey":"{KEY}"}}}}"#).as_bytes(),
        );
        assert_eq!(grade(&recording(vec![long])), Some(vec![0]));
    }
}
