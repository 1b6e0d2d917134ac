//! Judging a response against a list of expectations, collecting every
//! mismatch at once.

use serde_json::Value;

use crate::check::{Expectation, Location, MatcherTarget};
use crate::result::{FailureKind, Mismatch};

use super::http::Incoming;
use crate::lang::matcher::{eval_all, Part, Where};
use crate::lang::render::Vars;

/// How much of an actual value a mismatch shows.
const SHOW_LIMIT: usize = 200;

/// The value an expectation looks at in `response`.
pub fn target_value(target: &MatcherTarget, response: &Incoming) -> Result<Option<Value>, String> {
    Ok(match target {
        MatcherTarget::Status => Some(Value::from(response.status)),
        MatcherTarget::Header(name) => response.header(name).map(|v| Value::String(v.to_string())),
        MatcherTarget::Body(path) => match &response.json {
            Ok(json) => path.select(json).cloned(),
            Err(why) => return Err(why.clone()),
        },
    })
}

/// Every expectation in `items` that does not hold for `response`.
pub fn mismatches(
    items: &[Expectation],
    response: &Incoming,
    vars: &Vars,
    file: &str,
) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut reported_not_json = false;
    for item in items {
        let actual = match target_value(&item.target, response) {
            Ok(actual) => actual,
            Err(why) => {
                if !reported_not_json {
                    reported_not_json = true;
                    out.push(Mismatch {
                        kind: FailureKind::NotJson,
                        target: "body".into(),
                        expected: "a JSON body".into(),
                        actual: format!("{why}: {}", excerpt(&response.body, SHOW_LIMIT)),
                        location: Location::new(file, item.line).to_string(),
                    });
                }
                continue;
            }
        };
        let at = || Where {
            part: Part::from(&item.target),
            line: item.line,
        };
        if let Err(found) = eval_all(&item.matchers, actual.as_ref(), vars, at) {
            let mut shown = found.actual(SHOW_LIMIT);
            if let (MatcherTarget::Status, Some(to)) = (&item.target, redirect(response)) {
                shown.push_str(&format!(" (a redirect to {to}, not followed)"));
            }
            let kind = match item.target {
                MatcherTarget::Status => FailureKind::Status,
                MatcherTarget::Header(_) => FailureKind::Header,
                MatcherTarget::Body(_) => FailureKind::Body,
            };
            out.push(Mismatch {
                kind,
                target: found.at.part.to_string(),
                expected: found.expected(),
                actual: shown,
                location: Location::new(file, found.at.line).to_string(),
            });
        }
    }
    out
}

/// Where a 3xx response pointed: redirects are never followed, since the
/// key must not travel to another origin.
fn redirect(response: &Incoming) -> Option<&str> {
    (300..400)
        .contains(&response.status)
        .then(|| response.header("location"))
        .flatten()
}

/// Whether every expectation holds (an empty list holds).
pub fn holds(items: &[Expectation], response: &Incoming, vars: &Vars) -> bool {
    mismatches(items, response, vars, "").is_empty()
}

pub use crate::text::excerpt;
