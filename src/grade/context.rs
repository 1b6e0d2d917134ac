//! What grading is given besides the recording: the secrets to look for
//! (and redact) and the variables the command sets.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::check::{DurationParam, DEFAULT_MIN_POLL_INTERVAL};
use crate::lang::render::Vars;
use crate::recording::Recording;
use crate::secret::{Redactor, Secret};

use super::error::GradeError;

/// The command's inputs to grading.
#[derive(Debug, Clone)]
pub struct GradeContext {
    /// The keys the counterpart knows (the sandbox's, or the one given for
    /// `--upstream`); every credential recorded is added to them.
    pub secrets: Vec<Secret>,
    /// Values of the client variables (`entry_point_id`, `run_id`,
    /// `min_poll_interval`); `min_poll_interval` defaults to 200ms.
    pub variables: BTreeMap<String, String>,
}

impl GradeContext {
    /// A context with `secrets` and the default variables.
    pub fn new(secrets: &[Secret]) -> GradeContext {
        let mut variables = BTreeMap::new();
        variables.insert(
            "min_poll_interval".to_string(),
            humantime::format_duration(DEFAULT_MIN_POLL_INTERVAL).to_string(),
        );
        GradeContext {
            secrets: secrets.to_vec(),
            variables,
        }
    }

    /// Sets variable `name` (the command's `--min-poll-interval 500ms`).
    pub fn with_variable(mut self, name: &str, value: &str) -> GradeContext {
        self.variables.insert(name.to_string(), value.to_string());
        self
    }
}

/// Whether a value a client sent where a key goes is shaped like a key
/// (letters and digits both, as generated keys and tokens are), so that
/// the leak canary hunts it: a word of the report's own vocabulary sent as
/// a key (`executions_created`) must not make the canary delete the report.
pub fn is_key_shaped(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit()) && value.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The context made ready for the rules: a redactor over every secret
/// form, the keys the client's calls are searched for, and the variables
/// for matchers.
pub struct Grading {
    pub redactor: Redactor,
    /// The given secrets and the values sent where an API key goes: what
    /// `key-only-in-header` looks for (a token or a cursor under a generic
    /// name is redacted, not taken for the key). `None` when no key is
    /// known at all.
    pub keys: Option<Redactor>,
    /// What the leak canary hunts: the given secrets, and the values sent
    /// where an API key goes that are shaped like one
    /// ([`is_key_shaped`]); never a value sent under a generic name.
    pub canary: Redactor,
    pub vars: Vars,
    variables: BTreeMap<String, String>,
}

impl Grading {
    /// Prepares `context` for `recording`: the secrets are the given ones
    /// and every credential a call carried, wherever the client put it
    /// ([`crate::recording::RecordedCall::credentials`], and those the
    /// recorder learned before it capped anything; too short a value
    /// cannot be told from ordinary text, and is not searched for).
    pub fn new(context: &GradeContext, recording: &Recording) -> Grading {
        let secret = |value: &String| Secret::new(value, "a key").ok();
        let mut keys = context.secrets.clone();
        let mut hunted = context.secrets.clone();
        let mut others = Vec::new();
        // Each value once, a key's when any call sent it where a key goes.
        let mut sent: BTreeMap<String, bool> = BTreeMap::new();
        let learned = recording.learned.iter().cloned();
        for credential in learned.chain(recording.calls.iter().flat_map(|c| c.credentials())) {
            *sent.entry(credential.value).or_default() |= credential.is_key;
        }
        for (value, is_key) in &sent {
            let Some(found) = secret(value) else {
                continue;
            };
            if *is_key {
                if is_key_shaped(found.expose()) {
                    hunted.push(found.clone());
                }
                keys.push(found);
            } else {
                others.push(found);
            }
        }
        let mut vars = Vars::default();
        for (name, value) in &context.variables {
            vars.set(name, value.clone());
        }
        Grading {
            redactor: Redactor::new(keys.iter().chain(&others)),
            keys: (!keys.is_empty()).then(|| Redactor::new(&keys)),
            canary: Redactor::new(&hunted),
            vars,
            variables: context.variables.clone(),
        }
    }

    /// The duration `param` stands for.
    pub fn duration(&self, param: &DurationParam) -> Result<Duration, GradeError> {
        let name = match param {
            DurationParam::Fixed(d) => return Ok(*d),
            DurationParam::Variable(name) => name,
        };
        let value = self
            .variables
            .get(name)
            .ok_or_else(|| GradeError::MissingVariable(name.clone()))?;
        humantime::parse_duration(value.trim()).map_err(|_| GradeError::NotADuration {
            name: name.clone(),
            value: value.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::traffic::sample::{call, recording};
    use crate::recording::Credential;

    #[test]
    fn what_the_recorder_learned_and_a_value_sent_once_as_a_key_are_keys() {
        let cursor = "cursor0value0sent0twice01";
        let mut generic = call(0, "GET", "/v1/executions/e", 200, "{}");
        generic.headers = vec![("x-auth-token".into(), cursor.into())];
        let mut as_key = call(1, "GET", "/v1/executions/e", 200, "{}");
        as_key.headers = vec![("x-api-key".into(), cursor.into())];
        let mut rec = recording(vec![generic, as_key]);
        // A key in a header the recording did not keep.
        let dropped = "wk0in0a0header0not0kept0009";
        rec.learned.push(Credential {
            value: dropped.into(),
            is_key: true,
        });
        let grading = Grading::new(&GradeContext::new(&[]), &rec);
        let keys = grading.keys.expect("keys known");
        for value in [cursor, dropped] {
            assert!(keys.finds_secret_in(value.as_bytes()), "{value}");
            assert!(grading.canary.finds_secret_in(value.as_bytes()), "{value}");
            assert!(!grading.redactor.redact(value).contains(value));
        }
    }
}
