//! Repeating a safe request until its condition holds.
//!
//! The wait between polls grows with the time already waited (a tenth of
//! it, between the step's floor and ceiling), so completion is noticed soon
//! after it happens without hammering the server. `Retry-After` on 429/503
//! is honoured within the timeout. Polling stops at once when the server
//! answers an error status or a state is reached from which the condition
//! can no longer hold.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::check::{MatcherTarget, Poll};
use crate::result::{Observation, PollEnd, PollRecord};

use super::expect::{holds, mismatches, target_value};
use super::http::{Incoming, Outgoing};
use super::step::{CheckRun, StepEnd};

/// How a poll loop ended, with the response it ended on.
pub struct Polled {
    pub response: Incoming,
}

/// The wait before the next poll, given how long polling has lasted.
pub fn next_interval(waited: Duration, poll: &Poll) -> Duration {
    (waited / 10).clamp(poll.interval_min, poll.interval_max)
}

fn observed(poll: &Poll, response: &Incoming) -> Option<String> {
    let target = poll.until.first().map(|e| &e.target)?;
    match target_value(target, response).ok()?? {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

fn watched(poll: &Poll) -> String {
    match poll.until.first().map(|e| &e.target) {
        Some(MatcherTarget::Body(path)) => format!("`{path}`"),
        Some(other) => other.to_string(),
        None => "condition".into(),
    }
}

impl CheckRun<'_> {
    /// Polls `out` as `poll` says; `Err` ends the step.
    pub async fn poll(
        &mut self,
        step_name: &str,
        step_at: &str,
        out: &Outgoing,
        poll: &Poll,
    ) -> Result<Polled, StepEnd> {
        let timeout = self.settings.poll_timeout.unwrap_or(poll.timeout);
        let _polling = super::observer::polling();
        let start = Instant::now();
        let mut record = PollRecord {
            step: step_name.to_string(),
            path: self.target.redactor().redact(&out.path),
            polls: 0,
            observations: Vec::new(),
            time_to_end_ms: 0.0,
            end: PollEnd::Error,
        };
        let result = loop {
            record.polls += 1;
            let (exchange, result) = self.target.send(step_name, out, Some(record.polls)).await;
            let at_ms = exchange.started_ms + exchange.duration_ms;
            super::observer::exchange(&exchange);
            self.exchanges.push(exchange);
            let response = match result {
                Ok(r) => r,
                Err(why) => {
                    break Err((
                        PollEnd::Error,
                        StepEnd::error(self.failure(step_at, out, None, why)),
                    ))
                }
            };
            record.observations.push(Observation {
                at_ms,
                http_status: Some(response.status),
                value: observed(poll, &response),
            });
            let waited = start.elapsed();
            if matches!(response.status, 429 | 503) {
                // Never sooner than the usual interval: `Retry-After: 0`
                // would otherwise make the poll hammer a rate-limited target.
                let usual = next_interval(waited, poll);
                let wait = response
                    .retry_after()
                    .map_or(usual, |after| after.max(usual));
                if waited + wait >= timeout {
                    break Err((
                        PollEnd::TimedOut,
                        self.timed_out(step_at, out, &response, poll, timeout, record.polls),
                    ));
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            if !(200..300).contains(&response.status) {
                break Ok((PollEnd::Stopped, response));
            }
            let broken = mismatches(&poll.always, &response, &self.vars, &self.file);
            if !broken.is_empty() {
                let failure = self.failure(step_at, out, Some(&response), String::new());
                break Err((PollEnd::Broken, StepEnd::failed(failure, broken)));
            }
            if holds(&poll.until, &response, &self.vars) {
                break Ok((PollEnd::Reached, response));
            }
            if !poll.give_up_when.is_empty() && holds(&poll.give_up_when, &response, &self.vars) {
                break Ok((PollEnd::GaveUp, response));
            }
            let wait = next_interval(waited, poll);
            if waited + wait >= timeout {
                break Err((
                    PollEnd::TimedOut,
                    self.timed_out(step_at, out, &response, poll, timeout, record.polls),
                ));
            }
            tokio::time::sleep(wait).await;
        };
        record.time_to_end_ms = super::clock::ms(start.elapsed());
        match result {
            Ok((end, response)) => {
                record.end = end;
                self.polls.push(record);
                Ok(Polled { response })
            }
            Err((end, step_end)) => {
                record.end = end;
                self.polls.push(record);
                Err(step_end)
            }
        }
    }

    fn timed_out(
        &self,
        step_at: &str,
        out: &Outgoing,
        last: &Incoming,
        poll: &Poll,
        timeout: Duration,
        polls: u32,
    ) -> StepEnd {
        let last_value = observed(poll, last).unwrap_or_else(|| "(none)".into());
        let message = format!(
            "{} did not reach the expected value within {}: {polls} polls, last {} was `{last_value}`",
            watched(poll),
            humantime::format_duration(timeout),
            watched(poll),
        );
        StepEnd::failed_with(self.failure(step_at, out, Some(last), message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_grows_with_time_waited_within_bounds() {
        let poll = Poll {
            until: Vec::new(),
            give_up_when: Vec::new(),
            always: Vec::new(),
            timeout: Duration::from_secs(30),
            interval_min: Duration::from_millis(50),
            interval_max: Duration::from_secs(2),
        };
        assert_eq!(
            next_interval(Duration::ZERO, &poll),
            Duration::from_millis(50)
        );
        assert_eq!(
            next_interval(Duration::from_secs(3), &poll),
            Duration::from_millis(300)
        );
        assert_eq!(
            next_interval(Duration::from_secs(300), &poll),
            Duration::from_secs(2)
        );
    }
}
