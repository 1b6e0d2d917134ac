//! The per-call rule: every selected call carries what `expect` says.

use serde_json::Value;

use crate::check::{CallExpectation, CallRule, CallTarget, Matcher};
use crate::lang::matcher::{eval, eval_all, Part, Where};
use crate::lang::render::Vars;
use crate::recording::RecordedCall;

use super::super::context::Grading;
use super::super::traffic::{decode, CallView, Traffic};
use super::{RuleOutcome, Violation};

/// How much of an actual value a violation shows.
const SHOW_LIMIT: usize = 120;

/// Judges every call `rule` selects; not applicable when it selects none.
pub fn eval_calls(rule: &CallRule, traffic: &Traffic, grading: &Grading) -> RuleOutcome {
    let mut selected = false;
    let mut violations = Vec::new();
    for (i, call) in traffic.calls.iter().enumerate() {
        if !selects(rule, call, &grading.vars) {
            continue;
        }
        selected = true;
        let failed: Vec<String> = rule
            .expect
            .iter()
            .filter_map(|e| judge(e, call, &traffic.views[i], &grading.vars).err())
            .collect();
        if !failed.is_empty() {
            violations.push(Violation::at(traffic, i, failed.join("; ")));
        }
    }
    if selected {
        RuleOutcome::of(violations)
    } else {
        RuleOutcome::NotApplicable
    }
}

fn selects(rule: &CallRule, call: &RecordedCall, vars: &Vars) -> bool {
    let holds = |matchers: &[Matcher], value: Value| {
        matchers.iter().all(|m| eval(m, Some(&value), vars).is_ok())
    };
    holds(&rule.method, Value::String(call.method.clone()))
        && holds(&rule.status, Value::from(call.status_code()))
        && rule.path.as_ref().is_none_or(|p| p.matches(&call.path))
}

/// Whether `expectation` holds of `call`; `Err` says what did not.
fn judge(
    expectation: &CallExpectation,
    call: &RecordedCall,
    view: &CallView,
    vars: &Vars,
) -> Result<(), String> {
    let part = || Part::from(&expectation.target);
    let values: Vec<(Part, Option<Value>)> = match &expectation.target {
        CallTarget::Header(name) => match name.strip_suffix('*') {
            Some(prefix) => {
                let found: Vec<(Part, Option<Value>)> = call
                    .headers
                    .iter()
                    .filter(|(n, _)| n.starts_with(prefix))
                    .map(|(n, v)| (Part::Header(n.clone()), Some(Value::String(v.clone()))))
                    .collect();
                if found.is_empty() {
                    vec![(part(), None)]
                } else {
                    found
                }
            }
            None => vec![(
                part(),
                call.header(name).map(|v| Value::String(v.to_string())),
            )],
        },
        CallTarget::Query(name) => vec![(
            part(),
            query_value(call.query.as_deref(), name).map(Value::String),
        )],
        CallTarget::Body(path) => {
            let actual = match &view.request_json {
                Some(json) => path.select(json).cloned(),
                None if call.body.len == 0 => None,
                None => {
                    return Err("the body is not JSON (or was cut at the recorder's cap)".into())
                }
            };
            vec![(part(), actual)]
        }
    };
    for (part, actual) in values {
        let at = || Where {
            part,
            line: expectation.line,
        };
        if let Err(found) = eval_all(&expectation.matchers, actual.as_ref(), vars, at) {
            return Err(format!(
                "{}: expected {}, got {}",
                found.at.part,
                found.expected(),
                found.actual(SHOW_LIMIT)
            ));
        }
    }
    Ok(())
}

/// The first value of query parameter `name`, decoded (`+` is a space).
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(&key.replace('+', " ")) == name).then(|| decode(&value.replace('+', " ")))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::check::{JsonPath, JsonTemplate, JsonType, PathPattern};
    use crate::grade::context::GradeContext;
    use crate::grade::traffic::sample::{call, correct, post, recording};
    use crate::recording::RecordedBody;

    fn expect(target: CallTarget, matcher: Matcher) -> CallExpectation {
        CallExpectation {
            target,
            matchers: vec![matcher],
            line: 1,
        }
    }

    fn grade(rule: &CallRule, rec: &crate::recording::Recording) -> Option<Vec<usize>> {
        let grading = Grading::new(&GradeContext::new(&[]), rec);
        offending(&eval_calls(rule, &Traffic::index(rec), &grading))
    }

    #[test]
    fn selected_calls_must_meet_every_expectation() {
        let posts = CallRule {
            method: vec![Matcher::Equals(JsonTemplate::Literal("POST".into()))],
            path: Some(PathPattern::parse("/v1/entry-points/*/execute")),
            status: Vec::new(),
            expect: vec![expect(
                CallTarget::Body(JsonPath::parse("message").unwrap()),
                Matcher::Type(JsonType::String),
            )],
        };
        let no_browser = CallRule {
            expect: vec![expect(
                CallTarget::Header("sec-fetch-*".into()),
                Matcher::Absent,
            )],
            ..CallRule::default()
        };
        let no_key_in_query = CallRule {
            expect: vec![expect(CallTarget::Query("api key".into()), Matcher::Absent)],
            ..CallRule::default()
        };
        let mut browser = call(0, "GET", "/v1/executions/e", 200, "{}");
        browser
            .headers
            .push(("sec-fetch-mode".into(), "cors".into()));
        let mut in_query = call(0, "GET", "/v1/executions/e", 200, "{}");
        in_query.query = Some("a=1&api+key=x".into());
        let mut not_json = post(0, "", "e");
        not_json.body = RecordedBody::of(b"message=hi");
        let cases: Vec<(&CallRule, crate::recording::Recording, Option<Vec<usize>>)> = vec![
            (&posts, correct(), Some(vec![])),
            (
                &posts,
                recording(vec![post(0, r#"{"message":1}"#, "e")]),
                Some(vec![0]),
            ),
            (&posts, recording(vec![not_json]), Some(vec![0])),
            (&posts, recording(vec![call(0, "GET", "/x", 200, "")]), None),
            (&no_browser, correct(), Some(vec![])),
            (
                &no_browser,
                recording(vec![post(0, "{}", "e"), browser]),
                Some(vec![1]),
            ),
            (&no_key_in_query, recording(vec![in_query]), Some(vec![0])),
            (&no_key_in_query, correct(), Some(vec![])),
        ];
        for (i, (rule, rec, expected)) in cases.iter().enumerate() {
            assert_eq!(&grade(rule, rec), expected, "case {i}");
        }
    }
}
