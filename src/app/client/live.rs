//! `client -v`: each call of the client on stderr as it is recorded, so a
//! person driving a backend by hand sees what it does while it does it.
//!
//! ```text
//! client: call #3 at 1.234 s: GET /v1/executions/exec_1 → 200 in 0.4 ms
//! client: call #4 at 1.301 s: GET /v1/executions/exec_1?api_key=… → 401 in 0.2 ms
//! ```
//!
//! A line is written before the run knows every key (through `--upstream`
//! the client's own key may never have been named): query values are never
//! shown, and the path is redacted with the known secrets and whatever
//! credential the call itself carries.

use std::sync::Arc;

use crate::recorder::CallWatcher;
use crate::recording::RecordedCall;
use crate::secret::{Redactor, Secret};

/// A watcher that prints each call, redacted with `known` and the call's
/// own credentials.
pub fn printer(known: Vec<Secret>) -> CallWatcher {
    Arc::new(move |call: &RecordedCall| eprintln!("{}", line(call, &known)))
}

/// One call in one line.
fn line(call: &RecordedCall, known: &[Secret]) -> String {
    let carried: Vec<Secret> = call
        .credentials()
        .iter()
        .filter_map(|value| Secret::new(value, "a key").ok())
        .collect();
    let redactor = Redactor::new(known.iter().chain(&carried));
    let query = call
        .query
        .as_deref()
        .map(|query| format!("?{}", names_only(query)))
        .unwrap_or_default();
    let answer = if call.status == 0 {
        "no answer (the recorder's 502)".to_string()
    } else {
        call.status.to_string()
    };
    redactor.redact(&format!(
        "client: call #{} at {:.3} s: {} {}{query} → {answer} in {:.1} ms",
        call.seq,
        call.at.as_secs_f64(),
        call.method,
        call.path,
        call.duration.as_secs_f64() * 1000.0,
    ))
}

/// `a=1&b` as `a=…&b`: the names say what the client sent, the values may
/// be a key nobody named.
fn names_only(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{name}=…"),
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::RecordedBody;
    use std::time::Duration;

    const KEY: &str = "ak_live0line0key000000000000000000007";

    fn call(path: &str, query: Option<&str>, headers: &[(&str, &str)]) -> RecordedCall {
        RecordedCall {
            seq: 3,
            at: Duration::from_millis(1234),
            duration: Duration::from_micros(400),
            method: "GET".into(),
            path: path.into(),
            query: query.map(str::to_string),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: RecordedBody::default(),
            status: 200,
            response_headers: Vec::new(),
            response_body: RecordedBody::default(),
        }
    }

    #[test]
    fn a_call_is_one_line_and_no_key_shows_wherever_it_was_put() {
        let plain = call("/v1/executions/exec_1", None, &[("x-api-key", KEY)]);
        assert_eq!(
            line(&plain, &[]),
            "client: call #3 at 1.234 s: GET /v1/executions/exec_1 → 200 in 0.4 ms"
        );
        let in_query = call(
            "/v1/executions/exec_1",
            Some(&format!("api_key={KEY}&page=2&flag")),
            &[],
        );
        let shown = line(&in_query, &[]);
        assert!(
            shown.contains("exec_1?api_key=…&page=…&flag → 200"),
            "{shown}"
        );
        // In the path, known only because the call carries it in a header.
        let in_path = call(
            &format!("/v1/executions/{KEY}"),
            None,
            &[("x-api-key", KEY)],
        );
        assert!(!line(&in_path, &[]).contains(KEY));
        let mut unanswered = plain.clone();
        unanswered.status = 0;
        assert!(line(&unanswered, &[]).contains("→ no answer (the recorder's 502)"));
    }
}
