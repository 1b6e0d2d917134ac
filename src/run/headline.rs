//! A root cause's headline in the API's words. For the checks of a
//! documented refusal (a wrong key, an unknown entry point or execution),
//! the headline says what was sent and the answer the vendor's page
//! documents for it, against what came back:
//!
//! ```text
//! a request with an invalid key was accepted: expected 401 "Invalid API key", got 202
//! ```
//!
//! Other failures keep the matcher's wording; the matcher's detail of
//! every failure stays in its mismatches, which the reports show.

use crate::result::{CheckResult, Exchange, ExchangeKind, Failure, FailureKind};

/// The endpoint a refusal is documented on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `POST /v1/entry-points/{id}/execute`.
    Execute,
    /// `GET /v1/executions/{id}`.
    Read,
    /// Either: the check sends the same refusal to both.
    Any,
}

/// A documented refusal: the request a check sends, and the API's answer.
struct Refusal {
    check: &'static str,
    endpoint: Endpoint,
    request: &'static str,
    /// The documented statuses (401 or 403 for an inactive account's key).
    statuses: &'static [u16],
    /// The documented `message`, when the page gives one.
    message: Option<&'static str>,
}

const fn refusal(
    check: &'static str,
    endpoint: Endpoint,
    request: &'static str,
    statuses: &'static [u16],
    message: Option<&'static str>,
) -> Refusal {
    Refusal {
        check,
        endpoint,
        request,
        statuses,
        message,
    }
}

/// The documented refusals the shipped checks test, by check id (the
/// vendor's page: 401 and 403 for keys, 400 for entry points and
/// executions). A check not listed keeps the matcher's wording.
#[rustfmt::skip]
const REFUSALS: &[Refusal] = {
    use Endpoint::{Any, Read};
    &[
        refusal("key::missing", Any, "a request without a key", &[401], Some("Missing API key")),
        refusal("key::invalid", Any, "a request with an invalid key", &[401], Some("Invalid API key")),
        refusal("key::rotated", Any, "a request with the rotated (previous) key", &[401], Some("Invalid API key")),
        refusal("key::inactive-account", Any, "a request with an inactive account's key", &[401, 403], None),
        refusal("entry-point::unknown", Any, "an execute on an entry point unknown to this key's account", &[400], Some("Invalid entryPointId")),
        refusal("entry-point::no-attendants", Any, "an execute on an entry point with no attendants", &[400], Some("Entry point has no attendants configured")),
        refusal("entry-point::unavailable", Any, "an execute on an entry point with no available agent", &[400], Some("Entry point has no available agent attendant")),
        refusal("entry-point::other-account", Any, "an execute with an entry point and a key of different accounts", &[400], Some("Invalid entryPointId")),
        refusal("execution::unknown", Any, "a read of an execution id unknown to this key's account", &[400], Some("Invalid executionId for this account")),
        refusal("execution::other-account", Read, "a read of this account's execution with another account's key", &[400], Some("Invalid executionId for this account")),
    ]
};

/// The most of a server's `message` a headline quotes, in characters.
const MESSAGE_LIMIT: usize = 80;

/// `result`'s failure in the API's words, when its check tests a
/// documented refusal and the answer it got was the wrong one (a status
/// or body mismatch on the check's own request); `None` otherwise.
pub fn documented(result: &CheckResult, failure: &Failure) -> Option<String> {
    if !matches!(failure.kind, FailureKind::Status | FailureKind::Body) {
        return None;
    }
    // The failing step's answer: a check stops at its first failure.
    let exchange = result.exchanges.last()?;
    let response = exchange.response.as_ref()?;
    if exchange.reused_from.is_some() || failure.http_status != Some(response.status) {
        return None;
    }
    let endpoint = endpoint_of(exchange);
    let refusal = REFUSALS.iter().find(|r| {
        r.check == result.id && (r.endpoint == Endpoint::Any || r.endpoint == endpoint)
    })?;
    let served = (200..300).contains(&response.status);
    let verb = match (served, endpoint) {
        (true, Endpoint::Execute) => "was accepted",
        (true, _) => "was served",
        (false, _) => "was answered otherwise",
    };
    let statuses: Vec<String> = refusal.statuses.iter().map(u16::to_string).collect();
    let statuses = statuses.join(" or ");
    let expected = match refusal.message {
        Some(message) => format!("{statuses} \"{message}\""),
        None => statuses,
    };
    let got = match (
        message_of(&response.body),
        refusal.statuses.contains(&response.status),
    ) {
        (Some(message), _) => format!("{} \"{message}\"", response.status),
        (None, true) => format!("{} with no message", response.status),
        (None, false) => response.status.to_string(),
    };
    Some(format!(
        "{} {verb}: expected {expected}, got {got}",
        refusal.request
    ))
}

/// Which endpoint `exchange` called.
fn endpoint_of(exchange: &Exchange) -> Endpoint {
    match exchange.kind() {
        ExchangeKind::Execute => Endpoint::Execute,
        ExchangeKind::Poll | ExchangeKind::Other => Endpoint::Read,
    }
}

/// The `message` of a JSON error body, cut to [`MESSAGE_LIMIT`].
fn message_of(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let message = value.get("message")?.as_str()?;
    let mut cut: String = message.chars().take(MESSAGE_LIMIT).collect();
    if cut.len() < message.len() {
        cut.push('…');
    }
    Some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{load_sources, CheckSource, JsonTemplate, Matcher, Step};
    use serde_json::Value;

    /// Whether `step` expects `status`, and `message` when one is given,
    /// each with `equals`.
    fn expects(step: &Step, statuses: &[u16], message: Option<&str>) -> bool {
        let equals = |target: &str, value: Value| {
            step.expect.items.iter().any(|e| {
                e.target.to_string() == target
                    && e.matchers.iter().any(|m| match m {
                        Matcher::Equals(JsonTemplate::Literal(v)) => *v == value,
                        Matcher::Equals(JsonTemplate::String(t)) => {
                            t.render(|_| None).is_ok_and(|text| value == text.as_str())
                        }
                        _ => false,
                    })
            })
        };
        let one_of = |target: &str, values: &[u16]| {
            step.expect.items.iter().any(|e| {
                e.target.to_string() == target
                    && e.matchers.iter().any(|m| {
                        match m {
                        Matcher::OneOf(options) => {
                            options.len() == values.len()
                                && options.iter().zip(values).all(|(o, v)| {
                                    matches!(o, JsonTemplate::Literal(l) if l.as_u64() == Some(u64::from(*v)))
                                })
                        }
                        _ => false,
                    }
                    })
            })
        };
        let status = match statuses {
            [one] => equals("status", Value::from(*one)),
            many => one_of("status", many),
        };
        status && message.is_none_or(|m| equals("body message", Value::from(m)))
    }

    #[test]
    fn every_refusal_is_what_its_shipped_check_expects() {
        let set = load_sources(&[CheckSource::Builtin]).unwrap();
        for refusal in REFUSALS {
            let check = set.checks.iter().find(|c| c.id == refusal.check);
            let check = check.unwrap_or_else(|| panic!("no shipped check {}", refusal.check));
            assert!(
                check
                    .steps
                    .iter()
                    .any(|s| expects(s, refusal.statuses, refusal.message)),
                "{} expects no {:?} {:?}",
                refusal.check,
                refusal.statuses,
                refusal.message
            );
        }
    }

    #[test]
    fn a_server_message_is_quoted_short() {
        assert_eq!(
            message_of(r#"{"message":"Unauthorized"}"#).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(message_of(r#"{"status":"queued"}"#), None);
        assert_eq!(message_of("<html>oops</html>"), None);
        let long = format!(r#"{{"message":"{}"}}"#, "x".repeat(200));
        assert_eq!(
            message_of(&long).unwrap().chars().count(),
            MESSAGE_LIMIT + 1
        );
    }
}
