//! What grading is given besides the recording: the secrets to look for
//! (and redact) and the variables the command sets.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::check::{DurationParam, DEFAULT_MIN_POLL_INTERVAL};
use crate::interrupt::Signal;
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
    /// Says whether a signal asked the run to stop while grading: the
    /// checks not yet graded end interrupted, and the reports are written.
    pub stop: Option<StopCheck>,
}

/// Asked between checks: the signal that stopped grading, if one did.
#[derive(Clone)]
pub struct StopCheck(pub Arc<dyn Fn() -> Option<Signal> + Send + Sync>);

impl std::fmt::Debug for StopCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StopCheck")
    }
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
            stop: None,
        }
    }

    /// Has grading stop when `stop` says a signal came.
    pub fn with_stop(
        mut self,
        stop: impl Fn() -> Option<Signal> + Send + Sync + 'static,
    ) -> GradeContext {
        self.stop = Some(StopCheck(Arc::new(stop)));
        self
    }

    /// The signal that stopped grading, if one did.
    pub fn stopped_by(&self) -> Option<Signal> {
        self.stop.as_ref().and_then(|StopCheck(stop)| stop())
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
        let secret = |value: &str| Secret::new(value, "a key").ok();
        // Each value once, a key's when any call sent it where a key goes
        // (the recorder's learned credentials first: they may be in a
        // header the recording did not keep).
        let mut sent: indexmap::IndexMap<String, bool> = indexmap::IndexMap::new();
        let given: std::collections::HashSet<&str> =
            context.secrets.iter().map(|s| s.expose()).collect();
        let learned = recording.learned.iter().cloned();
        for credential in learned.chain(recording.calls.iter().flat_map(|c| c.credentials())) {
            if !given.contains(credential.value.as_str()) {
                *sent.entry(credential.value).or_default() |= credential.is_key;
            }
        }
        // Each credential lands in one set, and each set's searcher is built
        // once: the canary, the key finder and the redactor are unions of
        // them (100,000 distinct keys cost one build, not three).
        let (mut shaped, mut unshaped, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for (value, is_key) in &sent {
            let Some(found) = secret(value) else {
                continue;
            };
            match (*is_key, is_key_shaped(found.expose())) {
                (true, true) => shaped.push(found),
                (true, false) => unshaped.push(found),
                (false, _) => others.push(found),
            }
        }
        let given = Redactor::new(&context.secrets);
        let canary = Redactor::union(&[&given, &Redactor::new(&shaped)]);
        let keys = Redactor::union(&[&canary, &Redactor::new(&unshaped)]);
        let redactor = Redactor::union(&[&keys, &Redactor::new(&others)]);
        let any_key = !context.secrets.is_empty() || !shaped.is_empty() || !unshaped.is_empty();
        let mut vars = Vars::default();
        for (name, value) in &context.variables {
            vars.set(name, value.clone());
        }
        Grading {
            redactor,
            keys: any_key.then_some(keys),
            canary,
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

    #[test]
    fn each_credential_is_searched_for_by_one_searcher_the_sets_share() {
        let given = Secret::new("ak_given0000000000000000000000001", "key").unwrap();
        let mut calls = Vec::new();
        for (name, value) in [
            ("x-api-key", "ak_learned000000000000000000000002"),
            ("x-api-key", "not-shaped-like-a-key-at-all"),
            ("x-api-key", "ak_given0000000000000000000000001"),
            ("x-auth-token", "tok_other00000000000000000000003"),
        ] {
            let mut c = call(0, "GET", "/v1/executions/e", 200, "{}");
            c.headers = vec![(name.to_string(), value.to_string())];
            calls.push(c);
        }
        let grading = Grading::new(&GradeContext::new(&[given]), &recording(calls));
        let keys = grading.keys.as_ref().unwrap();
        // The canary's searchers are the key finder's, and those the redactor's.
        assert!(keys.shares_all_of(&grading.canary));
        assert!(grading.redactor.shares_all_of(keys));
        let found = |r: &Redactor, v: &str| r.finds_secret_in(v.as_bytes());
        assert!(found(&grading.canary, "ak_learned000000000000000000000002"));
        assert!(!found(&grading.canary, "not-shaped-like-a-key-at-all"));
        assert!(found(keys, "not-shaped-like-a-key-at-all"));
        assert!(!found(keys, "tok_other00000000000000000000003"));
        assert!(found(&grading.redactor, "tok_other00000000000000000000003"));
        assert!(found(&grading.canary, "ak_given0000000000000000000000001"));
    }
}
