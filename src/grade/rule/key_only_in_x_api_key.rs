//! `key-only-in-x-api-key`: the key travels in no request header besides
//! `x-api-key` (an `Authorization: Bearer` copy, an `api-key` header...).
//! The page puts it in `x-api-key`; every other copy widens where it is
//! logged (gateways and proxies log `Authorization` more often than not).

use super::super::context::Grading;
use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when the client made no call, or no key is known.
pub fn eval(traffic: &Traffic, grading: &Grading) -> RuleOutcome {
    let Some(keys) = grading.keys.as_ref() else {
        return RuleOutcome::NotApplicable;
    };
    if traffic.calls.is_empty() {
        return RuleOutcome::NotApplicable;
    }
    let violations = traffic
        .calls
        .iter()
        .enumerate()
        .filter_map(|(i, call)| {
            let names: Vec<&str> = call
                .headers
                .iter()
                .filter(|(name, value)| {
                    name != "x-api-key" && keys.finds_secret_in(value.as_bytes())
                })
                .map(|(name, _)| name.as_str())
                .collect();
            (!names.is_empty()).then(|| {
                Violation::at(
                    traffic,
                    i,
                    format!(
                        "the key is also sent in the {} header: send it in `x-api-key` only",
                        names.join(", ")
                    ),
                )
            })
        })
        .collect();
    RuleOutcome::of(violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending_with_key;
    use super::*;
    use crate::grade::traffic::sample::{correct, get, recording, KEY};
    use crate::recording::Recording;

    fn grade(rec: &Recording) -> Option<Vec<usize>> {
        offending_with_key(eval, rec)
    }

    #[test]
    fn the_key_in_another_header_is_found() {
        let mut bearer = get(0, "e", "queued");
        bearer
            .headers
            .push(("authorization".into(), format!("Bearer {KEY}")));
        let mut other_auth = get(0, "e", "queued");
        other_auth
            .headers
            .push(("authorization".into(), "Basic dXNlcjpwdw==".into()));
        assert_eq!(grade(&correct()), Some(vec![]));
        assert_eq!(grade(&recording(vec![bearer])), Some(vec![0]));
        assert_eq!(grade(&recording(vec![other_auth])), Some(vec![]));
        assert_eq!(grade(&recording(vec![])), None);
    }
}
