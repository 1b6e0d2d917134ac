//! Redaction of the whole result model before any rendering.
//!
//! The runner already stores redacted text; the writers redact again
//! (defence in depth) by walking every string of the model, so no field can
//! be forgotten, and then the rendered text itself.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::error::ReportError;

use crate::result::RunResult;
use crate::secret::Redactor;

/// `result` with every string passed through `redactor`: the model itself
/// when no string may hold a secret form.
pub(crate) fn redacted<'a>(
    result: &'a RunResult,
    redactor: &Redactor,
) -> Result<Cow<'a, RunResult>, ReportError> {
    // The runner stores redacted text, so usually no string holds a secret:
    // one search of the serialized model says so, instead of a walk that
    // rebuilds the model.
    let text = serde_json::to_vec(result).map_err(ReportError::Redaction)?;
    if redactor.may_hold_secret_in_json(&text) {
        redacted_copy(result, redactor).map(Cow::Owned)
    } else {
        Ok(Cow::Borrowed(result))
    }
}

/// A copy of `result` with every string redacted, through `serde_json`'s
/// values so no field can be forgotten. It fails, and so nothing is written,
/// rather than hand back the unredacted model (non-finite numbers, written
/// as `null`, read back as NaN, so the trip holds for every model).
pub(crate) fn redacted_copy(
    result: &RunResult,
    redactor: &Redactor,
) -> Result<RunResult, ReportError> {
    let mut value = serde_json::to_value(result).map_err(ReportError::Redaction)?;
    redact_value(&mut value, redactor);
    RunResult::deserialize(&value).map_err(ReportError::Redaction)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, PLANTED_SECRET};
    use crate::secret::Secret;

    #[test]
    fn a_model_with_non_finite_numbers_is_redacted_all_the_same() {
        let mut run = sample_run();
        run.duration_ms = f64::NAN;
        run.checks[0].started_ms = f64::INFINITY;
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let copy = redacted(&run, &redactor).unwrap();
        assert!(
            matches!(copy, Cow::Owned(_)),
            "the unredacted model came back"
        );
        let text = serde_json::to_vec(&*copy).unwrap();
        assert!(!redactor.finds_secret_in(&text));
        assert!(copy.duration_ms.is_nan() && copy.checks[0].started_ms.is_nan());
    }
}
