//! `keys` and `not_contains`: what an answer must not carry.

use serde_json::Value;

use crate::check::Template;
use crate::lang::render::Vars;

use super::{Unmet, Wanted};

/// Holds when `actual` is an object whose fields are exactly `keys` (sorted).
pub fn eval_keys(keys: &[String], actual: Option<&Value>) -> Result<(), Unmet> {
    let expected = || Wanted::ExactFields(keys.to_vec()).into();
    let Some(Value::Object(map)) = actual else {
        return Err(expected());
    };
    let mut found: Vec<&str> = map.keys().map(String::as_str).collect();
    found.sort_unstable();
    if found == keys {
        Ok(())
    } else {
        Err(expected())
    }
}

/// Holds when `actual` (a string, or any value as its JSON text) does not
/// contain the rendered `needle`; an absent value holds.
pub fn eval_not_contains(
    needle: &Template,
    actual: Option<&Value>,
    vars: &Vars,
) -> Result<(), Unmet> {
    let needle = vars.render(needle)?;
    let text = match actual {
        None => return Ok(()),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if needle.is_empty() || !text.contains(&needle) {
        Ok(())
    } else {
        Err(Wanted::NotContaining(needle).into())
    }
}

/// Whether `actual` (its text, or its JSON text) holds none of the run's
/// secrets; an absent value holds. Answers are redacted as they arrive,
/// so a secret the server sent is found as the mark that replaced it.
pub fn eval_no_secret(actual: Option<&Value>) -> Result<(), Unmet> {
    let text = match actual {
        None => return Ok(()),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if text.contains(crate::secret::REDACTED) {
        Err(Wanted::FreeOfSecrets.into())
    } else {
        Ok(())
    }
}
