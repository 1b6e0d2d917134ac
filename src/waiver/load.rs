//! Reading `waivers.yaml`: its schema (docs/waivers.schema.json) and the
//! rules the schema cannot say (a reason of at least a sentence, an expiry
//! at most [`MAX_DAYS_AHEAD`] days ahead, one waiver per check).

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use super::apply::Today;

/// The file read when `--waivers` is not given, if it exists.
pub const DEFAULT_WAIVERS_FILE: &str = "waivers.yaml";
/// How far ahead a waiver may expire.
pub const MAX_DAYS_AHEAD: i64 = 90;
/// The shortest reason: a sentence, not a word.
const MIN_REASON_CHARS: usize = 20;
const MIN_REASON_WORDS: usize = 4;

/// The waivers of a run (none when there is no file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waivers {
    /// The file they were read from.
    pub file: Option<PathBuf>,
    pub waivers: Vec<Waiver>,
}

/// `waivers.yaml`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "wapzi-homolog waivers")]
pub struct WaiversFile {
    /// The waived checks, one entry per check.
    pub waivers: Vec<Waiver>,
}

/// One waived check.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check's id, as `wapzi-homolog list` prints it (`execution::completes-within-budget`).
    pub check: String,
    /// Why the integrator cannot fix the failure, in at least a sentence (20 characters, 4 words):
    /// what deviates, who owns it, the ticket that tracks it.
    pub reason: String,
    /// Who waived it: a name and an address a reviewer can ask.
    pub by: String,
    /// The last day the waiver holds, YYYY-MM-DD (UTC), at most 90 days ahead.
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub expires: String,
}

/// Why `waivers.yaml` cannot be used (exit 2): nothing is sent.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read the waivers file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", .path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: waiver {index} (`{check}`): {problem}", .path.display())]
    Invalid {
        path: PathBuf,
        /// 1-based position in the list.
        index: usize,
        check: String,
        problem: String,
    },
}

/// Reads the waivers: from `path` when given (it must exist), else from
/// `./waivers.yaml` if there is one, else none. `today` judges how far
/// ahead each expires.
pub fn load_waivers(path: Option<&Path>, today: Today) -> Result<Waivers, WaiverError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from(DEFAULT_WAIVERS_FILE);
            if !default.is_file() {
                return Ok(Waivers::default());
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| WaiverError::Read {
        path: path.clone(),
        source,
    })?;
    let file: WaiversFile = serde_yaml::from_str(&text).map_err(|e| WaiverError::Parse {
        path: path.clone(),
        message: match e.location() {
            Some(at) => format!("{}:{}: {e}", at.line(), at.column()),
            None => e.to_string(),
        },
    })?;
    for (i, waiver) in file.waivers.iter().enumerate() {
        let invalid = |problem: String| WaiverError::Invalid {
            path: path.clone(),
            index: i + 1,
            check: waiver.check.clone(),
            problem,
        };
        if let Some(problem) = problem(waiver, today) {
            return Err(invalid(problem));
        }
        if file.waivers[..i].iter().any(|w| w.check == waiver.check) {
            return Err(invalid(
                "the check is waived twice: keep one waiver per check".into(),
            ));
        }
    }
    Ok(Waivers {
        file: Some(path),
        waivers: file.waivers,
    })
}

/// What is wrong with `waiver` on `today`, if anything.
fn problem(waiver: &Waiver, today: Today) -> Option<String> {
    if waiver.check.trim().is_empty() {
        return Some("`check` is empty: name the check's id".into());
    }
    let reason = waiver.reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS
        || reason.split_whitespace().count() < MIN_REASON_WORDS
    {
        return Some(format!("`reason` must be at least a sentence ({MIN_REASON_CHARS} characters, {MIN_REASON_WORDS} words): say what deviates, who owns it and the ticket that tracks it"));
    }
    if waiver.by.trim().is_empty() {
        return Some("`by` is empty: say who waived it (a name and an address)".into());
    }
    let Some(expires) = Today::parse(&waiver.expires) else {
        return Some(format!(
            "`expires: {}` is not a date: write YYYY-MM-DD",
            waiver.expires
        ));
    };
    let ahead = expires.days_since(today);
    (ahead > MAX_DAYS_AHEAD).then(|| {
        format!(
            "`expires: {}` is {ahead} days ahead: a waiver holds {MAX_DAYS_AHEAD} days at most (renew it when it ends)",
            waiver.expires
        )
    })
}

/// The JSON Schema of `waivers.yaml` (docs/waivers.schema.json is a copy).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(WaiversFile)).expect("the schema serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Today {
        Today::parse("2026-12-07").unwrap()
    }

    fn load_text(text: &str) -> Result<Waivers, WaiverError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waivers.yaml");
        std::fs::write(&path, text).unwrap();
        load_waivers(Some(&path), today())
    }

    const GOOD: &str = "waivers:\n  - check: execution::completes\n    reason: The vendor's API takes 3 s here; ticket WZ-1 tracks it.\n    by: Ana <ana@example.com>\n    expires: 2027-01-31\n";

    #[test]
    fn a_good_file_loads() {
        let waivers = load_text(GOOD).unwrap();
        assert_eq!(waivers.waivers.len(), 1);
        assert_eq!(waivers.waivers[0].check, "execution::completes");
    }

    #[test]
    fn each_rule_is_refused_with_what_to_do() {
        for (from, to, says) in [
            (
                "reason: The vendor's API takes 3 s here; ticket WZ-1 tracks it.",
                "reason: flaky",
                "at least a sentence",
            ),
            ("by: Ana <ana@example.com>", "by: ''", "`by` is empty"),
            (
                "expires: 2027-01-31",
                "expires: 2027-06-01",
                "90 days at most",
            ),
            ("expires: 2027-01-31", "expires: next week", "not a date"),
            ("    by:", "    owner: x\n    by:", "unknown field `owner`"),
        ] {
            let text = GOOD.replace(from, to);
            let error = load_text(&text).unwrap_err().to_string();
            assert!(error.contains(says), "{to}: {error}");
        }
    }

    #[test]
    fn a_check_waived_twice_is_refused() {
        let twice = format!("{GOOD}{}", GOOD.trim_start_matches("waivers:\n"));
        let error = load_text(&twice).unwrap_err().to_string();
        assert!(
            error.contains("waiver 2") && error.contains("twice"),
            "{error}"
        );
    }

    #[test]
    fn no_file_and_no_default_means_no_waivers() {
        // The tests run in the crate's folder, which has no waivers.yaml.
        assert_eq!(load_waivers(None, today()).unwrap(), Waivers::default());
    }

    #[test]
    fn docs_schema_is_the_schema() {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/waivers.schema.json");
        let text = std::fs::read_to_string(docs).unwrap();
        let on_disk: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            on_disk,
            schema(),
            "regenerate docs/waivers.schema.json (see docs/waivers.md)"
        );
    }
}
