//! `honour-retry-after`: an answer with `Retry-After: N` holds, for N
//! seconds (less `slack` for clocks), the calls of the kind it answered that
//! the client sends after receiving it:
//!
//! - an execute's answer holds later executes with the same key (on any
//!   entry point: a limit on executes is the account's);
//! - a read's answer holds later reads of that execution only (reads of
//!   other executions go on: a production backend polls several at once);
//! - any other call's answer holds later calls with its method and path.
//!
//! A call that arrived before the answer was complete was sent before the
//! client could read it (in flight): the answer does not hold it.

use std::collections::HashMap;
use std::time::Duration;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// What an answer's `Retry-After` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Held<'t> {
    /// Executes sent with this `x-api-key` (`None`: without one).
    Executes(Option<&'t str>),
    /// Reads of this execution.
    Reads(&'t str),
    /// Calls with this method and path.
    Calls(&'t str, &'t str),
}

/// One `Retry-After` given.
struct Wait {
    /// The call that was told to wait.
    by: usize,
    /// When its answer was complete: the calls that arrive earlier were in flight.
    told_at: Duration,
    /// When the wait ends.
    until: Duration,
    seconds: u64,
}

/// Not applicable when no answer carried a `Retry-After` in seconds.
pub fn eval(traffic: &Traffic, slack: Duration) -> RuleOutcome {
    let mut applies = false;
    let mut waits: HashMap<Held, Vec<Wait>> = HashMap::new();
    let mut violations = Vec::new();
    for (i, call) in traffic.calls.iter().enumerate() {
        let held = held(traffic, i);
        if let Some(pending) = waits.get_mut(&held) {
            // A wait over (with the slack) binds no later call; the slack
            // also covers calls recorded a little out of their arrival order.
            pending.retain(|w| call.at < w.until + slack);
            let broken = pending
                .iter()
                .filter(|w| w.told_at <= call.at && call.at + slack < w.until)
                .max_by_key(|w| w.until);
            if let Some(wait) = broken {
                let waited = call.at.saturating_sub(wait.told_at);
                violations.push(Violation::at(
                    traffic,
                    i,
                    format!(
                        "sent {:.3} s after call #{} was told `Retry-After: {}`{}",
                        waited.as_secs_f64(),
                        traffic.calls[wait.by].seq,
                        wait.seconds,
                        scope(&held)
                    ),
                ));
            }
        }
        let retry_after = call
            .response_header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(seconds) = retry_after {
            applies = true;
            waits.entry(held).or_default().push(Wait {
                by: i,
                told_at: call.answered_at(),
                until: call.answered_at() + Duration::from_secs(seconds),
                seconds,
            });
        }
    }
    RuleOutcome::judged(applies, violations)
}

/// What call `i` is, as far as a `Retry-After` is concerned.
fn held<'t>(traffic: &'t Traffic, i: usize) -> Held<'t> {
    let (call, view) = (&traffic.calls[i], &traffic.views[i]);
    if let Some(execution) = view.reads.as_deref() {
        Held::Reads(execution)
    } else if view.executes.is_some() {
        Held::Executes(call.header("x-api-key"))
    } else {
        Held::Calls(&call.method, &call.path)
    }
}

/// What the wait held, as a violation says it.
fn scope(held: &Held) -> String {
    match held {
        Held::Executes(_) => " on an execute (it holds every later execute)".to_string(),
        Held::Reads(execution) => format!(" on a read of {execution}"),
        Held::Calls(..) => String::new(),
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

    /// A call at `ms` answered `answer_ms` later.
    fn slow(mut c: RecordedCall, answer_ms: u64) -> RecordedCall {
        c.duration = Duration::from_millis(answer_ms);
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
            // Nor is another other endpoint's path.
            (
                recording(vec![
                    busy(0, "GET", "/v1/status"),
                    call(100, "GET", "/v1/other", 200, "{}"),
                    call(200, "GET", "/v1/status", 200, "{}"),
                ]),
                Some(vec![2]),
            ),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            let outcome = eval(&Traffic::index(rec), Duration::from_millis(50));
            assert_eq!(&offending(&outcome), expected, "case {i}");
        }
    }

    #[test]
    fn a_wait_holds_only_what_it_answered_and_only_calls_sent_after_it() {
        let m = |n: u32| format!(r#"{{"message":"user {n}"}}"#);
        let other_entry_point = {
            let mut c = post(300, &m(2), "e2");
            c.path = "/v1/entry-points/ep_2/execute".into();
            c
        };
        let other_key = {
            let mut c = post(300, &m(2), "e2");
            c.headers[0].1 = "ak_Other0123456789abcdefghijklmno".into();
            c
        };
        let cases = [
            // Executes in flight when the 429 was answered (at 100 ms) are
            // not held; one sent after it is, by any user of the key and on
            // any entry point.
            (
                recording(vec![
                    slow(busy(0, "POST", "/v1/entry-points/ep_1/execute"), 100),
                    post(20, &m(2), "e2"),
                    post(99, &m(3), "e3"),
                    post(100, &m(4), "e4"),
                    other_entry_point,
                ]),
                vec![3, 4],
            ),
            // Another key is another client.
            (
                recording(vec![
                    busy(0, "POST", "/v1/entry-points/ep_1/execute"),
                    other_key,
                ]),
                vec![],
            ),
            // A read's 503 holds reads of that execution only; a read of it
            // in flight is not held.
            (
                recording(vec![
                    slow(busy(0, "GET", "/v1/executions/e1"), 50),
                    get(10, "e1", "queued"),
                    get(20, "e2", "queued"),
                    get(300, "e3", "running"),
                    get(400, "e1", "running"),
                    get(1100, "e1", "completed"),
                ]),
                vec![4],
            ),
            // Two waits on one execution: the one answered first holds a
            // read in flight for the second.
            (
                recording(vec![
                    busy(0, "GET", "/v1/executions/e1"),
                    slow(busy(100, "GET", "/v1/executions/e1"), 500),
                    get(200, "e1", "queued"),
                    get(1200, "e1", "queued"),
                    get(1700, "e1", "completed"),
                ]),
                vec![1, 2, 3],
            ),
        ];
        for (i, (rec, expected)) in cases.into_iter().enumerate() {
            let outcome = eval(&Traffic::index(&rec), Duration::from_millis(50));
            assert_eq!(offending(&outcome), Some(expected), "case {i}");
        }
    }
}
