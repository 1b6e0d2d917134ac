//! Repeating a safe request until its condition holds.
//!
//! The wait between polls grows with the time already waited (a tenth of
//! it, between the step's floor and ceiling), so completion is noticed soon
//! after it happens without hammering the server. `Retry-After` on 429/503
//! is honoured within the timeout. Polling stops at once when the server
//! answers an error status or a state is reached from which the condition
//! can no longer hold.

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::check::{MatcherTarget, Poll};
use crate::result::{FailureKind, Observation, PollEnd, PollRecord};

use super::expect::{holds, mismatches, target_value};
use super::http::{Incoming, Outgoing};
use super::step::{CheckRun, StepEnd};

/// How a poll loop ended, with the response it ended on.
pub struct Polled {
    pub response: Incoming,
}

/// The wait before the next poll, given how long polling has lasted.
///
/// The interval is about a tenth of the time waited (2/19, so completion is
/// seen within about 10.5% of the time it took): growing by that much
/// rather than exactly a tenth reaches a 2 s execution in 25 polls instead
/// of 26, for half a percent more worst-case lag.
pub fn next_interval(waited: Duration, poll: &Poll) -> Duration {
    (waited * 2 / 19).clamp(poll.interval_min, poll.interval_max)
}

/// When the next poll is due (from the first poll), given when the last was
/// due and when its answer came (`answered`).
///
/// The interval counts from one poll's send to the next, not from the
/// answer: otherwise every round trip and timer tick stretches the schedule
/// (by 7% at 2 s on loopback), and completion is seen that much later. An
/// answer that came after the next poll was due is followed at once, so
/// polls are never sent less than `interval_min` apart and never pile up.
pub fn next_due(due: Duration, answered: Duration, poll: &Poll) -> Duration {
    (due + next_interval(due, poll)).max(answered)
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

/// How a poll ended: on an answer (reached, gave up, stopped), or with
/// the step's end (no answer, broken, timed out).
type PollOutcome = Result<(PollEnd, Incoming), (PollEnd, StepEnd)>;

/// What an answer means for the poll loop.
enum Turn {
    /// Poll again after `wait` (a `Retry-After`), the schedule counting on
    /// from `due`.
    After { wait: Duration, due: Duration },
    /// Poll again when `due` (from the first poll) comes.
    At(Duration),
    /// Stop polling.
    End(PollOutcome),
}

/// One poll loop's request and bounds, shared by its steps.
#[derive(Clone, Copy)]
struct Polling<'a> {
    step_name: &'a str,
    step_at: &'a str,
    out: &'a Outgoing,
    poll: &'a Poll,
    timeout: Duration,
    start: Instant,
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
        let polling = Polling {
            step_name,
            step_at,
            out,
            poll,
            timeout,
            start: Instant::now(),
        };
        let mut record = PollRecord {
            step: step_name.to_string(),
            path: self.target.redactor().redact(&out.path),
            polls: 0,
            observations: Vec::new(),
            time_to_end_ms: 0.0,
            end: PollEnd::Error,
        };
        let outcome = self.poll_to_end(polling, &mut record).await;
        record.time_to_end_ms = super::clock::ms(polling.start.elapsed());
        let (end, result) = match outcome {
            Ok((end, response)) => (end, Ok(Polled { response })),
            Err((end, step_end)) => (end, Err(step_end)),
        };
        record.end = end;
        self.polls.push(record);
        result
    }

    /// Sends the polls, counting them in `record`, until one ends the loop.
    async fn poll_to_end(&mut self, p: Polling<'_>, record: &mut PollRecord) -> PollOutcome {
        // When the current poll was due, from `p.start`.
        let mut due = Duration::ZERO;
        loop {
            record.polls += 1;
            let response = match self.send_poll(p, record).await {
                Ok(response) => response,
                Err(step_end) => return Err((PollEnd::Error, step_end)),
            };
            match self.turn(p, response, due, record.polls) {
                Turn::After { wait, due: next } => {
                    tokio::time::sleep(wait).await;
                    due = next;
                }
                Turn::At(next) => {
                    tokio::time::sleep_until((p.start + next).into()).await;
                    due = next;
                }
                Turn::End(outcome) => return outcome,
            }
        }
    }

    /// Sends one poll, keeping its exchange and, when answered, what it
    /// observed.
    async fn send_poll(
        &mut self,
        p: Polling<'_>,
        record: &mut PollRecord,
    ) -> Result<Incoming, StepEnd> {
        let (exchange, result) = self
            .target
            .send(p.step_name, p.out, Some(record.polls))
            .await;
        let at_ms = exchange.started_ms + exchange.duration_ms;
        super::observer::exchange(&exchange);
        self.exchanges.push(exchange);
        let response = match result {
            Ok(r) => r,
            Err(why) => {
                return Err(StepEnd::error(self.no_answer(
                    p.step_at,
                    &self.sent(p.out),
                    why,
                )))
            }
        };
        record.observations.push(Observation {
            at_ms,
            http_status: Some(response.status),
            value: observed(p.poll, &response),
        });
        Ok(response)
    }

    /// What the `polls`th answer, `response`, to the poll `due` then, means:
    /// the end, or when to poll again.
    fn turn(&self, p: Polling<'_>, response: Incoming, due: Duration, polls: u32) -> Turn {
        let waited = p.start.elapsed();
        if matches!(response.status, 429 | 503) {
            return self.turn_throttled(p, response, waited, polls);
        }
        if !(200..300).contains(&response.status) {
            return Turn::End(Ok((PollEnd::Stopped, response)));
        }
        if let Some(broken) = self.broken(p, &response) {
            return Turn::End(Err((PollEnd::Broken, broken)));
        }
        if holds(&p.poll.until, &response, &self.vars) {
            return Turn::End(Ok((PollEnd::Reached, response)));
        }
        if !p.poll.give_up_when.is_empty() && holds(&p.poll.give_up_when, &response, &self.vars) {
            return Turn::End(Ok((PollEnd::GaveUp, response)));
        }
        let next = next_due(due, waited, p.poll);
        if next >= p.timeout {
            let ended = (p.step_at, p.out, &response, None);
            let step_end = self.timed_out(ended, p.poll, p.timeout, polls);
            return Turn::End(Err((PollEnd::TimedOut, step_end)));
        }
        Turn::At(next)
    }

    /// A 429 or 503 after `waited`: wait as `Retry-After` says, within the
    /// timeout.
    fn turn_throttled(
        &self,
        p: Polling<'_>,
        response: Incoming,
        waited: Duration,
        polls: u32,
    ) -> Turn {
        // Never sooner than the usual interval: `Retry-After: 0`
        // would otherwise make the poll hammer a rate-limited target.
        let usual = next_interval(waited, p.poll);
        let now = SystemTime::now();
        let wait = response
            .retry_after(now)
            .map_or(usual, |after| after.max(usual));
        if waited + wait >= p.timeout {
            let left = p.timeout.saturating_sub(waited);
            let because = response.retry_after_beyond(now, left, p.timeout);
            let ended = (p.step_at, p.out, &response, because);
            let step_end = self.timed_out(ended, p.poll, p.timeout, polls);
            return Turn::End(Err((PollEnd::TimedOut, step_end)));
        }
        Turn::After {
            wait,
            due: waited + wait,
        }
    }

    /// The failure of an answer that breaks one of the poll's `always`
    /// expectations, if it does.
    fn broken(&self, p: Polling<'_>, response: &Incoming) -> Option<StepEnd> {
        let broken = mismatches(&p.poll.always, response, &self.vars, &self.file);
        if broken.is_empty() {
            return None;
        }
        let failure = self.failure(
            p.step_at,
            &self.sent(p.out),
            Some(response),
            FailureKind::Body,
            String::new(),
        );
        Some(StepEnd::failed(failure, broken))
    }

    /// The failure of a poll that `timeout` ended, on its `last` answer,
    /// saying `because` when there is more to it than time running out.
    fn timed_out(
        &self,
        (step_at, out, last, because): (&str, &Outgoing, &Incoming, Option<String>),
        poll: &Poll,
        timeout: Duration,
        polls: u32,
    ) -> StepEnd {
        let within = format!(
            "{} did not reach the expected value within {}: {polls} polls",
            watched(poll),
            humantime::format_duration(timeout),
        );
        let sent = self.sent(out);
        // A body that is not JSON has no value to watch: say why, as the
        // root cause it is, rather than "last `status` was `(none)`".
        if let (Err(why), false) = (&last.json, matches!(last.status, 429 | 503)) {
            let message = format!("{within}, and the last answer's body is not JSON: {why}");
            let failure = self.failure(step_at, &sent, Some(last), FailureKind::NotJson, message);
            return StepEnd::failed_with(failure);
        }
        let last_value = observed(poll, last).unwrap_or_else(|| "(none)".into());
        let mut message = format!("{within}, last {} was `{last_value}`", watched(poll));
        if let Some(because) = because {
            message = format!("{message}; {because}");
        }
        let mut failure = self.failure(
            step_at,
            &sent,
            Some(last),
            FailureKind::PollTimedOut,
            message,
        );
        failure.last_value = Some(last_value);
        StepEnd::failed_with(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_poll() -> Poll {
        Poll {
            until: Vec::new(),
            give_up_when: Vec::new(),
            always: Vec::new(),
            timeout: Duration::from_secs(30),
            interval_min: Poll::DEFAULT_INTERVAL_MIN,
            interval_max: Poll::DEFAULT_INTERVAL_MAX,
        }
    }

    #[test]
    fn interval_grows_with_time_waited_within_bounds() {
        let poll = default_poll();
        assert_eq!(
            next_interval(Duration::ZERO, &poll),
            Duration::from_millis(50)
        );
        assert_eq!(
            next_interval(Duration::from_millis(3800), &poll),
            Duration::from_millis(400)
        );
        assert_eq!(
            next_interval(Duration::from_secs(300), &poll),
            Duration::from_secs(2)
        );
    }

    /// Due times of the polls until one is sent at or after `until`, with
    /// answers taking `round_trip`.
    fn schedule(until: Duration, round_trip: Duration) -> Vec<Duration> {
        let poll = default_poll();
        let mut sent = vec![Duration::ZERO];
        while *sent.last().unwrap() < until {
            let due = *sent.last().unwrap();
            sent.push(next_due(due, due + round_trip, &poll));
        }
        sent
    }

    #[test]
    fn polls_keep_their_schedule_from_send_to_send() {
        let ms = Duration::from_millis;
        // Round trips do not stretch it: 2/19 of the time waited, 50 ms at least.
        let quick = schedule(ms(700), ms(3));
        let expected = [
            0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 552, 610, 675, 746,
        ];
        let got: Vec<u128> = quick.iter().map(Duration::as_millis).collect();
        assert_eq!(got, expected);
        // Reaching 2 s takes 25 polls: 11 within the floor's first 500 ms,
        // then 14 growing by 2/19 (the 25th is due at 2.029 s).
        let two_seconds = schedule(ms(2000), ms(3));
        assert_eq!(two_seconds.len(), 25);
        assert_eq!(two_seconds[24].as_millis(), 2029);
        // A slow answer is followed at once, never sooner than the floor.
        let slow = schedule(ms(400), ms(80));
        assert_eq!(slow[1], ms(80));
        assert!(slow.windows(2).all(|w| w[1] - w[0] >= ms(50)));
    }
}
