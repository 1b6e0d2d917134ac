//! One exhaustive dispatcher over the rules, one file per rule.

mod calls;
mod conversation_from_api;
mod honour_retry_after;
mod key_only_in_header;
mod key_only_in_x_api_key;
mod no_duplicate_execution;
mod no_resend_superseded;
mod poll_interval;
mod read_until_terminal;
mod reads_only_returned_ids;
mod refusal_backoff;
mod stop_after_terminal;

use crate::check::{RuleKind, Sequence};

use super::context::Grading;
use super::error::GradeError;
use super::traffic::{describe, Traffic};

/// One call that broke a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The call's index in the recording.
    pub index: usize,
    /// `call #12 GET /v1/executions/exec_9 at 1.234 s: read after ...`.
    pub message: String,
    /// What went wrong, without the call: `read after ...`.
    pub what: String,
}

impl Violation {
    /// A violation by call `index` of `traffic`, saying `what`.
    pub fn at(traffic: &Traffic, index: usize, what: impl std::fmt::Display) -> Violation {
        let what = what.to_string();
        Violation {
            index,
            message: format!("{}: {what}", describe(&traffic.calls[index])),
            what,
        }
    }
}

/// How one rule judged the recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOutcome {
    /// The situation the rule is about never happened.
    NotApplicable,
    Held,
    Broken(Vec<Violation>),
}

impl RuleOutcome {
    /// `Held` or `Broken`, from the violations of a rule that applied.
    pub fn of(violations: Vec<Violation>) -> RuleOutcome {
        if violations.is_empty() {
            RuleOutcome::Held
        } else {
            RuleOutcome::Broken(violations)
        }
    }

    /// `NotApplicable` unless the rule `applies`; else [`RuleOutcome::of`]
    /// its violations, in the order of the calls.
    pub fn judged(applies: bool, mut violations: Vec<Violation>) -> RuleOutcome {
        if !applies {
            return RuleOutcome::NotApplicable;
        }
        violations.sort_by_key(|v| v.index);
        RuleOutcome::of(violations)
    }
}

/// Judges `traffic` by `rule`.
pub fn eval_rule(
    rule: &RuleKind,
    traffic: &Traffic,
    grading: &Grading,
) -> Result<RuleOutcome, GradeError> {
    let sequence = match rule {
        RuleKind::Calls(calls) => return Ok(calls::eval_calls(calls, traffic, grading)),
        RuleKind::Sequence(sequence) => sequence,
    };
    Ok(match sequence {
        Sequence::KeyOnlyInHeader => key_only_in_header::eval(traffic, grading),
        Sequence::ReadUntilTerminal { statuses } => read_until_terminal::eval(traffic, statuses),
        Sequence::ReadsOnlyReturnedIds => reads_only_returned_ids::eval(traffic),
        Sequence::NoDuplicateExecution => no_duplicate_execution::eval(traffic),
        Sequence::StopAfterTerminal { statuses } => stop_after_terminal::eval(traffic, statuses),
        Sequence::HonourRetryAfter { slack } => honour_retry_after::eval(traffic, *slack),
        Sequence::PollInterval {
            min_interval,
            slack,
        } => poll_interval::eval(traffic, grading.duration(min_interval)?, *slack),
        Sequence::ConversationFromApi => conversation_from_api::eval(traffic),
        Sequence::RefusalBackoff {
            http_statuses,
            min_gap,
            max_repeats,
        } => refusal_backoff::eval(traffic, http_statuses, *min_gap, *max_repeats),
        Sequence::NoResendSuperseded => no_resend_superseded::eval(traffic),
        Sequence::KeyOnlyInXApiKey => key_only_in_x_api_key::eval(traffic, grading),
    })
}

/// Test helpers shared by the rules' tables.
#[cfg(test)]
pub mod testing {
    use super::RuleOutcome;

    /// The seqs of the offending calls, or `None` when not applicable.
    pub fn offending(outcome: &RuleOutcome) -> Option<Vec<usize>> {
        match outcome {
            RuleOutcome::NotApplicable => None,
            RuleOutcome::Held => Some(Vec::new()),
            RuleOutcome::Broken(v) => Some(v.iter().map(|v| v.index).collect()),
        }
    }

    /// [`offending`] for a rule that `eval`s `rec` knowing the sample key.
    pub fn offending_with_key(
        eval: fn(&crate::grade::traffic::Traffic, &crate::grade::context::Grading) -> RuleOutcome,
        rec: &crate::recording::Recording,
    ) -> Option<Vec<usize>> {
        let key = crate::secret::Secret::new(crate::grade::traffic::sample::KEY, "key")
            .expect("the sample key is a valid secret");
        let grading = crate::grade::context::Grading::new(
            &crate::grade::context::GradeContext::new(&[key]),
            rec,
        );
        offending(&eval(&crate::grade::traffic::Traffic::index(rec), &grading))
    }
}
