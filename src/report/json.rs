//! `report.json`: the result model itself, pretty-printed, and its
//! `report.json.sha256` digest line.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::redact::redact_value;
use super::JSON_FILE;
use crate::result::RunResult;
use crate::secret::Redactor;

/// Renders `result` as pretty JSON, every string passed through `redactor`,
/// fields in the model's order.
pub fn render_json(result: &RunResult, redactor: &Redactor) -> String {
    render_checked(result, redactor).0
}

/// The JSON text, and whether some string of `result` may hold a secret
/// form (so the other formats need a redacted copy of the model).
pub(super) fn render_checked(result: &RunResult, redactor: &Redactor) -> (String, bool) {
    let text = serde_json::to_string_pretty(result)
        .expect("the result model has only string keys and always serializes");
    // The runner stores redacted text, so usually no string holds a secret
    // and the text is the report as is; otherwise every string is redacted.
    let may_hold = redactor.may_hold_secret_in_json(text.as_bytes());
    let mut text = if may_hold {
        redacted_text(result, redactor)
    } else {
        text
    };
    text.push('\n');
    (text, may_hold)
}

/// `result` as pretty JSON with every string passed through `redactor`.
fn redacted_text(result: &RunResult, redactor: &Redactor) -> String {
    let mut value = serde_json::to_value(result)
        .expect("the result model has only string keys and always serializes");
    redact_value(&mut value, redactor);
    // Back through the model so fields keep their declared order (a JSON
    // map sorts them); a model that does not survive the trip (non-finite
    // numbers became null) is written as the redacted map.
    let text = match RunResult::deserialize(&value) {
        Ok(model) => serde_json::to_string_pretty(&model),
        Err(_) => serde_json::to_string_pretty(&value),
    };
    text.expect("the result model has only string keys and always serializes")
}

/// Renders the digest file of `json` in `sha256sum` format:
///
/// ```text
/// 3f2a...e1  report.json
/// ```
pub fn render_digest(json: &str) -> String {
    let digest = Sha256::digest(json.as_bytes());
    format!("{}  {JSON_FILE}\n", hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::{sample_run, PLANTED_SECRET};
    use crate::secret::Secret;

    #[test]
    fn json_round_trips_into_the_model() {
        let run = sample_run();
        let json = render_json(&run, &Redactor::default());
        let back: RunResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, run);
        assert!(
            json.starts_with("{\n  \"schema_version\": 1,\n  \"tool\": {"),
            "{json}"
        );
    }

    #[test]
    fn json_redacts_planted_secret_and_stays_valid() {
        let run = sample_run();
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let json = render_json(&run, &redactor);
        assert!(!redactor.finds_secret_in(json.as_bytes()));
        let back: RunResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back.checks.len(), run.checks.len());
    }

    #[test]
    fn digest_is_sha256sum_format() {
        assert_eq!(
            render_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  report.json\n"
        );
    }
}
