//! `refusal-backoff`: after a refusal (401, 403), the same call (method,
//! path and key) waits `min_gap` before it is repeated, and is repeated at
//! most `max_repeats` times while it keeps being refused.

use std::collections::HashMap;
use std::time::Duration;

use super::super::traffic::Traffic;
use super::{RuleOutcome, Violation};

/// A refused call, as the client keeps repeating it.
struct Refused {
    last: usize,
    repeats: u32,
}

/// Not applicable when nothing was refused.
pub fn eval(
    traffic: &Traffic,
    http_statuses: &[u16],
    min_gap: Duration,
    max_repeats: u32,
) -> RuleOutcome {
    let mut refused: HashMap<(&str, &str, Option<&str>), Refused> = HashMap::new();
    let (mut applies, mut violations) = (false, Vec::new());
    for (i, call) in traffic.calls.iter().enumerate() {
        let same = (
            call.method.as_str(),
            call.path.as_str(),
            call.header("x-api-key"),
        );
        let is_refused = call
            .status
            .is_some_and(|status| http_statuses.contains(&status));
        applies |= is_refused;
        if let Some(before) = refused.get_mut(&same) {
            let last = &traffic.calls[before.last];
            if call.at < last.answered_at() {
                continue;
            }
            before.repeats += 1;
            let gap = call.at.saturating_sub(last.answered_at());
            let status = last.status_code();
            if gap < min_gap {
                violations.push(Violation::at(
                    traffic,
                    i,
                    format!(
                        "repeats call #{} {} ms after its {status} (wait at least {} ms)",
                        last.seq,
                        gap.as_millis(),
                        min_gap.as_millis()
                    ),
                ));
            } else if before.repeats > max_repeats {
                violations.push(Violation::at(
                    traffic,
                    i,
                    format!(
                        "repeat {} of a call refused with {status} (at most {max_repeats}): alert instead of retrying",
                        before.repeats
                    ),
                ));
            }
            if is_refused {
                before.last = i;
            } else {
                refused.remove(&same);
            }
        } else if is_refused {
            refused.insert(
                same,
                Refused {
                    last: i,
                    repeats: 0,
                },
            );
        }
    }
    RuleOutcome::judged(applies, violations)
}

#[cfg(test)]
mod tests {
    use super::super::testing::offending;
    use super::*;
    use crate::grade::traffic::sample::{call, correct, recording};
    use crate::recording::RecordedCall;

    fn refused(ms: u64, status: u16) -> RecordedCall {
        call(
            ms,
            "GET",
            "/v1/executions/e1",
            status,
            r#"{"message":"Invalid API key"}"#,
        )
    }

    #[test]
    fn refusals_are_not_hammered() {
        let cases = [
            (correct(), None),
            (recording(vec![refused(0, 401)]), Some(vec![])),
            (
                recording(vec![refused(0, 401), refused(1500, 401)]),
                Some(vec![]),
            ),
            (
                recording(vec![refused(0, 403), refused(100, 403), refused(200, 403)]),
                Some(vec![1, 2]),
            ),
            (
                recording((0..6).map(|n| refused(n * 2000, 401)).collect()),
                Some(vec![4, 5]),
            ),
            // Sent before the first refusal was answered: in flight, not a repeat.
            (
                recording(vec![
                    {
                        let mut c = refused(0, 401);
                        c.duration = Duration::from_millis(50);
                        c
                    },
                    refused(20, 401),
                    refused(1100, 401),
                ]),
                Some(vec![]),
            ),
            // Another key is another call.
            (
                recording(vec![refused(0, 401), {
                    let mut c = refused(100, 202);
                    c.headers[0].1 = "ak_Other0123456789abcdefghijklmno".into();
                    c
                }]),
                Some(vec![]),
            ),
        ];
        for (i, (rec, expected)) in cases.iter().enumerate() {
            let outcome = eval(&Traffic::index(rec), &[401, 403], Duration::from_secs(1), 3);
            assert_eq!(&offending(&outcome), expected, "case {i}");
        }
    }
}
