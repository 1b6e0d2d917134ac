//! Redaction of the whole result model before any rendering.
//!
//! The runner already stores redacted text; the writers redact again
//! (defence in depth) by walking every string of the model, so no field can
//! be forgotten, and then the rendered text itself.

use std::borrow::Cow;

use serde_json::Value;

use crate::result::RunResult;
use crate::secret::Redactor;

/// A copy of `result` with every string passed through `redactor`.
pub(crate) fn redacted<'a>(result: &'a RunResult, redactor: &Redactor) -> Cow<'a, RunResult> {
    // The runner stores redacted text, so usually no string holds a secret:
    // one search of the serialized model says so, instead of a walk that
    // rebuilds the model for each report format.
    let clean =
        serde_json::to_vec(result).is_ok_and(|text| !redactor.may_hold_secret_in_json(&text));
    if clean {
        return Cow::Borrowed(result);
    }
    let Ok(mut value) = serde_json::to_value(result) else {
        return Cow::Borrowed(result);
    };
    redact_value(&mut value, redactor);
    // Redaction only replaces text inside strings, so the shape still
    // deserializes; the fallback keeps rendering going, and every writer
    // redacts its output text again anyway.
    serde_json::from_value(value).map_or(Cow::Borrowed(result), Cow::Owned)
}

/// Redacts every string inside `value` in place.
pub(crate) fn redact_value(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(s) => *s = redactor.redact(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, redactor)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_value(v, redactor)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
