//! `report.json`: the result model itself, pretty-printed, and its
//! `report.json.sha256` digest line.

use sha2::{Digest, Sha256};

use super::error::ReportError;
use super::redact::redacted_copy;
use super::JSON_FILE;
use crate::result::RunResult;
use crate::secret::Redactor;

/// Renders `result` as pretty JSON, every string passed through `redactor`,
/// fields in the model's order.
pub fn render_json(result: &RunResult, redactor: &Redactor) -> Result<String, ReportError> {
    render_checked(result, redactor).map(|(text, _)| text)
}

/// The JSON text, and whether some string of `result` may hold a secret
/// form (so the other formats need a redacted copy of the model).
pub(super) fn render_checked(
    result: &RunResult,
    redactor: &Redactor,
) -> Result<(String, bool), ReportError> {
    let pretty = |model: &RunResult| {
        serde_json::to_string_pretty(model)
            .expect("the result model has only string keys and always serializes")
    };
    // The runner stores redacted text, so usually no string holds a secret
    // and the text is the report as is; otherwise every string is redacted.
    let text = pretty(result);
    let may_hold = redactor.may_hold_secret_in_json(text.as_bytes());
    let mut text = if may_hold {
        pretty(&redacted_copy(result, redactor)?)
    } else {
        text
    };
    text.push('\n');
    Ok((text, may_hold))
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
        let json = render_json(&run, &Redactor::default()).unwrap();
        let back: RunResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, run);
        assert!(
            json.starts_with("{\n  \"schema_version\": 2,\n  \"tool\": {"),
            "{json}"
        );
    }

    #[test]
    fn json_redacts_planted_secret_and_stays_valid() {
        let run = sample_run();
        let secret = Secret::new(PLANTED_SECRET, "key").unwrap();
        let redactor = Redactor::new([&secret]);
        let json = render_json(&run, &redactor).unwrap();
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
