//! `honour-retry-after`: after an answer with `Retry-After: N`, no call to
//! the same endpoint before N seconds passed (less `slack` for clocks).
//! Reads of any execution are one endpoint: a limit on reads is rarely
//! per id.

use std::collections::HashMap;
use std::time::Duration;

use crate::recording::RecordedCall;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// Not applicable when no answer carried a `Retry-After` in seconds.
pub fn eval(traffic: &Traffic, slack: Duration) -> RuleOutcome {
    let mut applies = false;
    // Endpoint -> (not before, the call that said so, its seconds).
    let mut wait: HashMap<String, (Duration, usize, u64)> = HashMap::new();
    let mut violations = Vec::new();
    for (i, call) in traffic.calls.iter().enumerate() {
        let endpoint = endpoint(call, traffic.views[i].reads.is_some());
        if let Some(&(until, by, seconds)) = wait.get(&endpoint) {
            if call.at + slack < until {
                let waited = call.at.saturating_sub(traffic.calls[by].answered_at());
                violations.push(Violation::at(
                    traffic,
                    i,
                    format!(
                        "sent {:.3} s after call #{} was told `Retry-After: {seconds}`",
                        waited.as_secs_f64(),
                        traffic.calls[by].seq
                    ),
                ));
            }
        }
        let retry_after = call
            .response_header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(seconds) = retry_after {
            applies = true;
            let until = call.answered_at() + Duration::from_secs(seconds);
            wait.insert(endpoint, (until, i, seconds));
        }
    }
    RuleOutcome::judged(applies, violations)
}

fn endpoint(call: &RecordedCall, is_read: bool) -> String {
    if is_read {
        "GET /v1/executions/*".to_string()
    } else {
        format!("{} {}", call.method, call.path)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{call, correct, get, post, recording};
    use crate::recording::RecordedCall;

    fn busy(ms: u64, method: &str, path: &str) -> RecordedCall {
        let mut c = call(ms, method, path, 429, r#"{"message":"Too many requests"}"#);
        c.response_headers.push(("retry-after".into(), "1".into()));
        c
    }

    #[test]
    fn a_retry_before_the_wait_is_caught() {
        let execute = "/v1/entry-points/ep_1/execute";
        let m = r#"{"message":"a"}"#;
        let cases = [
            (correct(), None),
            // 429 answered at 5 ms: the retry at 1,000 ms is within the slack.
            (
                recording(vec![busy(0, "POST", execute), post(1000, m, "e")]),
                Some(vec![]),
            ),
            (
                recording(vec![busy(0, "POST", execute), post(200, m, "e")]),
                Some(vec![1]),
            ),
            // Another endpoint is not held.
            (
                recording(vec![busy(0, "POST", execute), get(10, "e", "queued")]),
                Some(vec![]),
            ),
            // Reads of any execution are one endpoint.
            (
                recording(vec![
                    busy(0, "GET", "/v1/executions/e1"),
                    get(100, "e2", "queued"),
                ]),
                Some(vec![1]),
            ),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            let outcome = eval(&Traffic::index(rec), Duration::from_millis(50));
            assert_eq!(&offending(&outcome), expected, "case {i}");
        }
    }
}
