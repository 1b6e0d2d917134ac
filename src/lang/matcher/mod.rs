//! One exhaustive dispatcher over the matchers, one file per matcher.

mod equals;
mod fields;
mod non_empty;
mod presence;
mod regex;
mod type_of;
mod unmet;

use serde_json::Value;

use crate::check::Matcher;

use crate::lang::render::Vars;

pub use unmet::{show, Mismatch, Part, Unmet, Wanted, Where};

/// Judges `actual` (`None` when the value is missing) with `matcher`.
/// `Err` says what the matcher wanted, typed; [`Unmet`]'s `Display` says it.
pub fn eval(matcher: &Matcher, actual: Option<&Value>, vars: &Vars) -> Result<(), Unmet> {
    match matcher {
        Matcher::Equals(expected) => equals::eval_equals(expected, actual, vars),
        Matcher::OneOf(options) => equals::eval_one_of(options, actual, vars),
        Matcher::NotOneOf(options) => equals::eval_not_one_of(options, actual, vars),
        Matcher::Type(t) => type_of::eval_type(*t, actual),
        Matcher::NonEmpty => non_empty::eval_non_empty(actual),
        Matcher::Regex(re) => regex::eval_regex(re, actual),
        Matcher::Absent => presence::eval_absent(actual),
        Matcher::AbsentOrNull => presence::eval_absent_or_null(actual),
        Matcher::NoSecret => fields::eval_no_secret(actual),
        Matcher::Present => presence::eval_present(actual),
        Matcher::Keys(keys) => fields::eval_keys(keys, actual),
        Matcher::NotContains(needle) => fields::eval_not_contains(needle, actual, vars),
    }
}

/// Judges `actual` with every matcher of one expectation: `Err` holds
/// each that did not hold, the value, and where it is (`at`, asked only
/// then).
pub fn eval_all(
    matchers: &[Matcher],
    actual: Option<&Value>,
    vars: &Vars,
    at: impl FnOnce() -> Where,
) -> Result<(), Mismatch> {
    let unmet: Vec<Unmet> = matchers
        .iter()
        .filter_map(|m| eval(m, actual, vars).err())
        .collect();
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(Mismatch {
            unmet,
            actual: actual.cloned(),
            at: at(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{JsonTemplate, JsonType, Template};
    use serde_json::json;

    fn lit(v: Value) -> JsonTemplate {
        JsonTemplate::Literal(v)
    }

    #[test]
    fn keys_and_not_contains_judge_what_an_answer_must_not_carry() {
        let mut vars = Vars::default();
        vars.set("id", "exec_9".into());
        let keys = Matcher::Keys(vec!["message".into()]);
        assert!(eval(&keys, Some(&json!({"message": "x"})), &vars).is_ok());
        let extra = eval(
            &keys,
            Some(&json!({"message": "x", "account": "acme"})),
            &vars,
        );
        assert_eq!(
            extra.unwrap_err().to_string(),
            "an object with exactly the fields [message]"
        );
        assert!(eval(&keys, Some(&json!("message")), &vars).is_err());
        let not = Matcher::NotContains(Template::parse("{{ id }}").unwrap());
        assert!(eval(&not, Some(&json!("done")), &vars).is_ok());
        assert!(eval(&not, None, &vars).is_ok());
        assert_eq!(
            eval(&not, Some(&json!({"echo": "exec_9"})), &vars)
                .unwrap_err()
                .to_string(),
            "not containing \"exec_9\""
        );
    }

    #[test]
    fn a_template_that_cannot_be_filled_is_its_own_failure() {
        let vars = Vars::default();
        let templ = JsonTemplate::String(Template::parse("{{ id }}").unwrap());
        let unmet = eval(&Matcher::Equals(templ), Some(&json!("exec_1")), &vars).unwrap_err();
        let unset = crate::lang::render::RenderError::Unset { name: "id".into() };
        assert_eq!(unmet, Unmet::Template(unset));
        assert_eq!(
            unmet.to_string(),
            "a value its template could not give (variable `id` has no value)"
        );
    }

    #[test]
    fn what_a_matcher_wanted_is_said_one_way() {
        let re = ::regex::Regex::new("^exec_").unwrap();
        let cases: Vec<(Matcher, Value, &str)> = vec![
            (Matcher::Equals(lit(json!(202))), json!(200), "equal to 202"),
            (
                Matcher::OneOf(vec![lit(json!("a")), lit(json!(1))]),
                json!("b"),
                "one of \"a\", 1",
            ),
            (
                Matcher::NotOneOf(vec![lit(json!(401)), lit(json!(403))]),
                json!(401),
                "none of 401, 403",
            ),
            (Matcher::Type(JsonType::String), json!(1), "of type string"),
            (Matcher::NonEmpty, json!(""), "non-empty"),
            (Matcher::Regex(re), json!(9), "a string matching /^exec_/"),
            (Matcher::Absent, json!(null), "absent"),
            (Matcher::AbsentOrNull, json!(""), "absent or null"),
            (
                Matcher::NoSecret,
                json!("[redacted]"),
                "free of the API key and every secret (it echoes one)",
            ),
        ];
        let at = || Where {
            part: Part::Body(crate::check::JsonPath::parse("a.b").unwrap()),
            line: 7,
        };
        for (matcher, actual, words) in cases {
            let found = eval_all(&[matcher], Some(&actual), &Vars::default(), at).unwrap_err();
            assert_eq!(found.expected(), words);
            assert_eq!(found.actual(200), actual.to_string());
        }
        let both = [Matcher::Present, Matcher::NonEmpty];
        let found = eval_all(&both, None, &Vars::default(), at).unwrap_err();
        assert_eq!(found.expected(), "present and non-empty");
        assert_eq!(found.actual(200), "(absent)");
        // Where the value was is carried with it, for each side to word.
        assert_eq!(
            (found.at.part.to_string(), found.at.line),
            ("body a.b".into(), 7)
        );
        let status = eval_all(&both, None, &Vars::default(), || Where {
            part: Part::Status,
            line: 1,
        });
        assert_eq!(status.unwrap_err().at.part.to_string(), "status");
    }

    #[test]
    fn table_of_matchers() {
        let mut vars = Vars::default();
        vars.set("x", "exec_1".into());
        let re = ::regex::Regex::new("^exec_").unwrap();
        let templ = JsonTemplate::String(Template::parse("{{ x }}").unwrap());
        let cases: Vec<(Matcher, Option<Value>, bool)> = vec![
            (Matcher::Equals(lit(json!(202))), Some(json!(202)), true),
            (Matcher::Equals(lit(json!(202))), Some(json!(200)), false),
            (Matcher::Equals(templ.clone()), Some(json!("exec_1")), true),
            (Matcher::Equals(templ), Some(json!("exec_2")), false),
            (
                Matcher::OneOf(vec![lit(json!("a")), lit(json!("b"))]),
                Some(json!("b")),
                true,
            ),
            (Matcher::OneOf(vec![lit(json!("a"))]), None, false),
            (
                Matcher::NotOneOf(vec![lit(json!(401)), lit(json!(403))]),
                Some(json!(202)),
                true,
            ),
            (
                Matcher::NotOneOf(vec![lit(json!(401))]),
                Some(json!(401)),
                false,
            ),
            (Matcher::NotOneOf(vec![lit(json!(401))]), None, true),
            (Matcher::Type(JsonType::String), Some(json!("s")), true),
            (Matcher::Type(JsonType::String), Some(json!(1)), false),
            (Matcher::NonEmpty, Some(json!("")), false),
            (Matcher::NonEmpty, Some(json!([1])), true),
            (Matcher::NonEmpty, Some(json!(null)), false),
            (Matcher::Regex(re.clone()), Some(json!("exec_9")), true),
            (Matcher::Regex(re), Some(json!(9)), false),
            (Matcher::Absent, None, true),
            (Matcher::Absent, Some(json!(null)), false),
            (Matcher::AbsentOrNull, None, true),
            (Matcher::AbsentOrNull, Some(json!(null)), true),
            (Matcher::AbsentOrNull, Some(json!("")), false),
            (Matcher::NoSecret, None, true),
            (
                Matcher::NoSecret,
                Some(json!({"message": "Invalid API key"})),
                true,
            ),
            (
                Matcher::NoSecret,
                Some(json!({"echo": "[redacted]"})),
                false,
            ),
            (Matcher::Present, Some(json!(null)), true),
            (Matcher::Present, None, false),
        ];
        for (i, (matcher, actual, ok)) in cases.iter().enumerate() {
            assert_eq!(
                eval(matcher, actual.as_ref(), &vars).is_ok(),
                *ok,
                "case {i}: {matcher:?} {actual:?}"
            );
        }
    }
}
