//! Scenarios the sandbox can present: documented situations a faithful API
//! can also produce (slow or failed executions, latest-wins, a rotated key,
//! an inactive account, temporary unavailability). Unlike faults they are
//! not deviations: a client is judged on how it handles them, so each one
//! acts on the primary fixtures ([`FIXTURES`](super::FIXTURES)`.api_key` and
//! `.entry_point_id`) and a client needs no extra variables to meet it.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::names::{did_you_mean, named_values, nearest, NameInfo};

/// The least time an execution takes under [`Scenario::Slow`].
pub const SLOW_LATENCY: Duration = Duration::from_secs(3);

/// How late the 202 of the first accepted execute is under
/// [`Scenario::SlowAccept`]: longer than the timeouts clients commonly set
/// (a few seconds).
pub const SLOW_ACCEPT: Duration = Duration::from_secs(8);

/// The one-line summary of a scenario, as `client --list-scenarios` prints it.
pub type ScenarioInfo = NameInfo;

named_values! {
    /// A documented situation the sandbox presents on request.
    Scenario {
        Slow => "slow":
            "executions take at least 3 s (or the configured latency if longer), so polling shows",
        Failed => "failed":
            "every execution ends failed",
        Superseded => "superseded":
            "half its latency after each execute, a newer message arrives in the same conversation from elsewhere: the client's execution ends superseded",
        NoAvailableAgent => "no-available-agent":
            "the first execute on the primary entry point answers 400 \"Entry point has no available agent attendant\"; later ones are accepted",
        KeyRotated => "key-rotated":
            "the primary key is rotated once the client was shown its first terminal status: from then on it gets 401 \"Invalid API key\" on both endpoints",
        InactiveAccount => "inactive-account":
            "the primary account becomes inactive once the client was shown its first terminal status: from then on its key gets 403 \"Account is inactive\"",
        Unavailable => "unavailable":
            "the first execute on the primary entry point answers 429 and the first read of each execution 503, both with Retry-After: 1; the next attempt succeeds",
        SlowAccept => "slow-accept":
            "the first accepted execute creates its execution at once but answers its 202 only after 8 s: a client that times out sooner and retries sends the message twice",
        LongAnswer => "long-answer":
            "every completed execution answers 3,000 characters, many accented, as an LLM agent may: a client must read the whole answer",
    }
}

/// Why a `--scenario` value was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario `{input}`{}; valid scenarios: {}", did_you_mean(*.suggestion), valid_names())]
pub struct UnknownScenario {
    /// The value as given.
    pub input: String,
    /// The nearest valid name, if one is close enough.
    pub suggestion: Option<&'static str>,
}

fn valid_names() -> String {
    Scenario::names().join(", ")
}

impl Scenario {
    /// Why the recorder cannot present this scenario in front of the real
    /// API (`client --upstream`); `None` for those it presents itself,
    /// without forwarding the call: `key-rotated`, `inactive-account`,
    /// `unavailable` and `no-available-agent`.
    pub fn upstream_refusal(self) -> Option<&'static str> {
        match self {
            Scenario::KeyRotated
            | Scenario::InactiveAccount
            | Scenario::Unavailable
            | Scenario::NoAvailableAgent => None,
            Scenario::Slow => Some("how long an execution takes is the real API's doing: the recorder relays its statuses as they are"),
            Scenario::Failed => Some("whether an execution fails is the real agents' doing: the recorder would have to forge the API's answer"),
            Scenario::Superseded => Some("a newer message would have to be sent to the real API by the recorder, creating an execution the client never asked for"),
            Scenario::SlowAccept => Some("the real API's 202 is relayed as it comes; a retry after a client-side timeout is graded whenever it happens, and provoked against the sandbox"),
            Scenario::LongAnswer => Some("the answers are the real agents': the recorder never rewrites them"),
        }
    }

    /// Tells whether the recorder presents this scenario in front of the
    /// real API (`client --upstream`).
    pub fn works_upstream(self) -> bool {
        self.upstream_refusal().is_none()
    }

    /// Parses a `--scenario` value: a name of [`Scenario::ALL`].
    ///
    /// # Errors
    ///
    /// [`UnknownScenario`] for any other value, with the nearest valid name
    /// when it is a near miss.
    pub fn parse(s: &str) -> Result<Scenario, UnknownScenario> {
        let input = s.trim();
        Scenario::from_name(input).ok_or_else(|| UnknownScenario {
            input: input.to_string(),
            suggestion: suggest(input),
        })
    }
}

/// Returns the valid name nearest to `input`, if it is a near miss.
fn suggest(input: &str) -> Option<&'static str> {
    nearest(input, Scenario::names())
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Scenario {
    type Err = UnknownScenario;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::parse(s)
    }
}

/// The scenarios a sandbox runs with, and the one-time events they wait
/// for: shared by every handler, so flags are atomics (no lock taken).
#[derive(Debug, Default)]
pub(crate) struct ActiveScenarios {
    scenarios: Vec<Scenario>,
    /// The primary account was shown a terminal status.
    terminal_shown: AtomicBool,
    /// `unavailable` refused its execute.
    execute_refused: AtomicBool,
    /// `no-available-agent` refused its execute.
    agent_refused: AtomicBool,
    /// `slow-accept` delayed its 202.
    accept_delayed: AtomicBool,
    /// The executions whose first read `unavailable` refused, when the
    /// recorder presents it (the sandbox marks its own executions).
    reads_refused: Mutex<HashSet<String>>,
}

impl ActiveScenarios {
    /// Wraps the configured `scenarios`.
    pub(crate) fn new(scenarios: Vec<Scenario>) -> Self {
        Self {
            scenarios,
            ..Self::default()
        }
    }

    /// Tells whether `scenario` is active.
    pub(crate) fn has(&self, scenario: Scenario) -> bool {
        self.scenarios.contains(&scenario)
    }

    /// The latency executions take: `latency`, raised to [`SLOW_LATENCY`]
    /// under `slow`.
    pub(crate) fn latency(&self, latency: Duration) -> Duration {
        if self.has(Scenario::Slow) {
            latency.max(SLOW_LATENCY)
        } else {
            latency
        }
    }

    /// Whether `scenario` is active and this is the first time it is asked:
    /// the one execute it refuses.
    pub(crate) fn refuses_first_execute(&self, scenario: Scenario) -> bool {
        let flag = match scenario {
            Scenario::Unavailable => &self.execute_refused,
            Scenario::NoAvailableAgent => &self.agent_refused,
            _ => return false,
        };
        self.has(scenario) && !flag.swap(true, Ordering::Relaxed)
    }

    /// Whether `unavailable` is active and this is the first read of
    /// `execution_id` asked about: the one read of it refused.
    pub(crate) fn refuses_first_read(&self, execution_id: &str) -> bool {
        if !self.has(Scenario::Unavailable) {
            return false;
        }
        // A panic while inserting leaves a usable set.
        let mut refused = self
            .reads_refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        refused.insert(execution_id.to_string())
    }

    /// Whether `slow-accept` is active and this is the first accepted
    /// execute: the one whose 202 is late.
    pub(crate) fn delays_first_accept(&self) -> bool {
        self.has(Scenario::SlowAccept) && !self.accept_delayed.swap(true, Ordering::Relaxed)
    }

    /// Notes that the primary account was shown a terminal status: the
    /// moment `key-rotated` and `inactive-account` strike, so a client's
    /// first execution runs its whole course (and other scenarios can be
    /// met in the same run) before its key stops working.
    pub(crate) fn note_terminal_shown(&self) {
        if !self.terminal_shown.load(Ordering::Relaxed) {
            self.terminal_shown.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the primary key has been rotated (`key-rotated`).
    pub(crate) fn is_key_rotated(&self) -> bool {
        self.has(Scenario::KeyRotated) && self.terminal_shown.load(Ordering::Relaxed)
    }

    /// Whether the primary account has become inactive (`inactive-account`).
    pub(crate) fn is_account_inactive(&self) -> bool {
        self.has(Scenario::InactiveAccount) && self.terminal_shown.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_back_to_its_scenario() {
        assert_eq!(Scenario::ALL.len(), 9);
        for info in Scenario::ALL {
            let scenario: Scenario = info.name.parse().expect("listed names parse");
            assert_eq!(scenario.to_string(), info.name);
            assert_eq!(scenario.description(), info.description);
            assert!(!info.description.contains('\n'));
        }
    }

    #[test]
    fn unknown_scenario_suggests_and_lists_valid_names() {
        let error = Scenario::parse("key-rotate").expect_err("unknown");
        assert_eq!(error.suggestion, Some("key-rotated"));
        let text = error.to_string();
        assert!(
            text.starts_with("unknown scenario `key-rotate` (did you mean `key-rotated`?); valid scenarios: slow, failed, superseded"),
            "{text}"
        );
        assert!(text.ends_with("long-answer"), "{text}");
        assert_eq!(
            Scenario::parse("inactive").expect_err("unknown").suggestion,
            Some("inactive-account")
        );
        assert_eq!(
            Scenario::parse("zzzzzzzzzzzzzzzzzz")
                .expect_err("unknown")
                .suggestion,
            None
        );
    }

    #[test]
    fn one_time_refusals_happen_once_and_only_when_active() {
        let active = ActiveScenarios::new(vec![Scenario::Unavailable]);
        assert!(active.refuses_first_execute(Scenario::Unavailable));
        assert!(!active.refuses_first_execute(Scenario::Unavailable));
        assert!(!active.refuses_first_execute(Scenario::NoAvailableAgent));
        assert!(!active.is_key_rotated());
        let rotated = ActiveScenarios::new(vec![Scenario::KeyRotated]);
        assert!(!rotated.is_key_rotated());
        rotated.note_terminal_shown();
        assert!(rotated.is_key_rotated() && !rotated.is_account_inactive());
        assert_eq!(rotated.latency(Duration::ZERO), Duration::ZERO);
        let late = ActiveScenarios::new(vec![Scenario::SlowAccept]);
        assert!(late.delays_first_accept() && !late.delays_first_accept());
        assert!(!active.delays_first_accept());
        let reads = ActiveScenarios::new(vec![Scenario::Unavailable]);
        assert!(reads.refuses_first_read("exec_1") && !reads.refuses_first_read("exec_1"));
        assert!(reads.refuses_first_read("exec_2"));
        assert!(!rotated.refuses_first_read("exec_1"));
        let slow = ActiveScenarios::new(vec![Scenario::Slow]);
        assert_eq!(slow.latency(Duration::from_millis(5)), SLOW_LATENCY);
        assert_eq!(slow.latency(Duration::from_secs(9)), Duration::from_secs(9));
    }
}
