//! Checking records (`wapzi-homolog verify`): the signature, the reports
//! against the subjects' digests, the expiry, and what produced the
//! record; then one answer for all of them (both sides READY, or what is
//! missing), with the exit code a gate can trust.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::dsse::{Envelope, SignatureCheck, PAYLOAD_TYPE};
use super::keys::VerifyingKey;
use super::statement::{Statement, CHECKS, HARNESS, PREDICATE_TYPE, STATEMENT_TYPE, VENDOR_PAGE};
use crate::exit;

/// Why a record could not be checked at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the record {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// How the record's signature stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// The `--public-key`'s signature holds.
    Verified { keyid: String },
    /// No `--public-key` was given: nothing was checked.
    NotChecked { signed: bool },
    /// It does not hold (or is missing where a key asks for one).
    Failed,
}

/// How the reports stand against the subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reports {
    /// Every subject's file is in `dir` and matches its digest.
    Match { dir: PathBuf },
    /// The reports are not beside the record and no `--reports` was given.
    NotChecked,
    /// Some did not match (listed in the problems).
    Failed,
}

/// What checking one record found.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub path: PathBuf,
    /// The Statement, when the file holds one.
    pub statement: Option<Statement>,
    pub signed: Signed,
    pub reports: Reports,
    /// Why the record is not valid (empty: it is).
    pub problems: Vec<String>,
    /// Whether it has expired at the time it was checked.
    pub expired: bool,
}

/// The answer over every record checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub line: String,
    pub exit_code: u8,
}

/// Checks the record at `path`: its signature with `key` (when given),
/// the reports in `reports` (else beside the record, when there), and its
/// expiry at `now`.
pub fn inspect(
    path: &Path,
    reports: Option<&Path>,
    key: Option<&VerifyingKey>,
    now: SystemTime,
) -> Result<Inspection, VerifyError> {
    let bytes = std::fs::read(path).map_err(|source| VerifyError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut inspection = Inspection {
        path: path.to_path_buf(),
        statement: None,
        signed: Signed::NotChecked { signed: false },
        reports: Reports::NotChecked,
        problems: Vec::new(),
        expired: false,
    };
    let Some(payload) = open(&bytes, key, &mut inspection) else {
        return Ok(inspection);
    };
    let statement = match serde_json::from_slice::<Statement>(&payload) {
        Ok(s) if s.statement_type == STATEMENT_TYPE && s.predicate_type == PREDICATE_TYPE => s,
        Ok(_) => {
            inspection.problems.push(format!("not a homologation record: its types are not {STATEMENT_TYPE} with {PREDICATE_TYPE}"));
            return Ok(inspection);
        }
        Err(e) => {
            inspection
                .problems
                .push(format!("not a homologation record: {e}"));
            return Ok(inspection);
        }
    };
    let default_dir = path.parent().unwrap_or(Path::new("."));
    inspection.reports = check_reports(
        &statement,
        reports.unwrap_or(default_dir),
        reports.is_some(),
        &mut inspection.problems,
    );
    match humantime::parse_rfc3339_weak(&statement.predicate.valid_until) {
        Ok(until) => inspection.expired = now > until,
        Err(_) => inspection.problems.push(format!(
            "its validUntil `{}` is not a time",
            statement.predicate.valid_until
        )),
    }
    inspection.statement = Some(statement);
    Ok(inspection)
}

/// The Statement's bytes of a record file (a DSSE envelope or a bare
/// Statement), its signature checked with `key`.
fn open(bytes: &[u8], key: Option<&VerifyingKey>, inspection: &mut Inspection) -> Option<Vec<u8>> {
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            inspection.problems.push(format!("not JSON: {e}"));
            return None;
        }
    };
    if value.get("payloadType").is_none() {
        inspection.signed = match key {
            Some(_) => {
                inspection
                    .problems
                    .push("the record is not signed, and --public-key asks for a signature".into());
                Signed::Failed
            }
            None => Signed::NotChecked { signed: false },
        };
        return Some(bytes.to_vec());
    }
    let envelope: Envelope = match serde_json::from_value(value) {
        Ok(e) => e,
        Err(e) => {
            inspection
                .problems
                .push(format!("not a DSSE envelope: {e}"));
            return None;
        }
    };
    if envelope.payload_type != PAYLOAD_TYPE {
        inspection.problems.push(format!(
            "its payloadType is `{}`, not {PAYLOAD_TYPE}",
            envelope.payload_type
        ));
        return None;
    }
    inspection.signed = match key.map(|k| (k, envelope.check(k))) {
        None => Signed::NotChecked {
            signed: !envelope.signatures.is_empty(),
        },
        Some((_, SignatureCheck::Valid { keyid })) => Signed::Verified { keyid },
        Some((k, SignatureCheck::Invalid)) => {
            inspection.problems.push(format!(
                "the signature does not hold with the public key {} (another key signed it, or the record was changed)",
                k.key_id()
            ));
            Signed::Failed
        }
        Some((_, SignatureCheck::Unsigned)) => {
            inspection
                .problems
                .push("the envelope has no signature, and --public-key asks for one".into());
            Signed::Failed
        }
    };
    match envelope.payload_bytes() {
        Some(payload) => Some(payload),
        None => {
            inspection.problems.push("its payload is not base64".into());
            None
        }
    }
}

/// Compares each subject with the file of its name in `dir`. When `given`
/// is false and none of them is there, nothing is checked.
fn check_reports(
    statement: &Statement,
    dir: &Path,
    given: bool,
    problems: &mut Vec<String>,
) -> Reports {
    let plain =
        |name: &str| !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..";
    let files: Vec<(&str, Option<&str>, PathBuf)> = statement
        .subject
        .iter()
        .map(|s| (s.name.as_str(), s.sha256(), dir.join(&s.name)))
        .collect();
    if !given && !files.iter().any(|(name, _, f)| plain(name) && f.is_file()) {
        return Reports::NotChecked;
    }
    let before = problems.len();
    for (name, digest, file) in files {
        if !plain(name) {
            problems.push(format!("its subject `{name}` is not a plain file name"));
            continue;
        }
        match (std::fs::read(&file), digest) {
            (Err(_), _) => problems.push(format!("{} is missing", file.display())),
            (Ok(_), None) => problems.push(format!("its subject {name} has no sha256 digest")),
            (Ok(bytes), Some(expected)) => {
                if hex::encode(Sha256::digest(&bytes)) != expected.to_ascii_lowercase() {
                    problems.push(format!(
                        "{} does not match its digest in the record: it was changed after the run",
                        file.display()
                    ));
                }
            }
        }
    }
    if problems.len() == before {
        Reports::Match {
            dir: dir.to_path_buf(),
        }
    } else {
        Reports::Failed
    }
}

impl Inspection {
    /// Whether the record holds: a Statement, signature and reports as asked.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && self.statement.is_some()
    }

    /// The record's line:
    ///
    /// ```text
    /// run: READY WITH WAIVERS (1 waived); signed by SHA256:…; reports match; wapzi-homolog 0.1.0, checks 1a2b3c4d5e6f, page 9f8e7d6c5b4a; valid until 2027-01-06T07:30:27Z (reports/latest/attestation.json)
    /// ```
    pub fn line(&self) -> String {
        let path = self.path.display();
        let Some(statement) = self.statement.as_ref().filter(|_| self.is_valid()) else {
            return format!("INVALID record {path}: {}", self.problems.join("; "));
        };
        let p = &statement.predicate;
        let waived = match p.waived_tests.len() {
            0 => String::new(),
            n => format!(" ({n} waived: {})", p.waived_tests.join(", ")),
        };
        let signed = match &self.signed {
            Signed::Verified { keyid } => format!("signed by {keyid}"),
            Signed::NotChecked { signed: true } => {
                "signed, signature not checked (no --public-key)".into()
            }
            Signed::NotChecked { signed: false } | Signed::Failed => "unsigned".into(),
        };
        let reports = match &self.reports {
            Reports::Match { .. } => "reports match",
            Reports::NotChecked | Reports::Failed => {
                "reports not checked (not beside the record; --reports)"
            }
        };
        let digest = |name| {
            p.configuration(name)
                .and_then(|c| c.sha256())
                .map_or("?".to_string(), |d| d.chars().take(12).collect())
        };
        let version = p
            .configuration(HARNESS)
            .and_then(|h| h.annotations.get("version"))
            .map_or("?", String::as_str);
        let expiry = if self.expired {
            format!("EXPIRED on {}", p.valid_until)
        } else {
            format!("valid until {}", p.valid_until)
        };
        format!(
            "{}: {}{waived}; {signed}; {reports}; wapzi-homolog {version}, checks {}, page {}; {expiry} ({path})",
            p.side,
            p.verdict.label(),
            digest(CHECKS),
            digest(VENDOR_PAGE),
        )
    }
}

/// The answer over `inspections`: VERIFIED only when every record is
/// valid, unexpired and READY (with or without waivers), and, for several
/// records, both sides are there.
pub fn answer(inspections: &[Inspection]) -> Answer {
    let no = |why: String, exit_code: u8| Answer {
        line: format!("NOT VERIFIED: {why}"),
        exit_code,
    };
    let invalid: Vec<String> = inspections
        .iter()
        .filter(|i| !i.is_valid())
        .map(|i| i.path.display().to_string())
        .collect();
    if !invalid.is_empty() {
        return no(
            format!("invalid record(s): {}", invalid.join(", ")),
            exit::RECORD_INVALID,
        );
    }
    let valid: Vec<&Statement> = inspections
        .iter()
        .filter_map(|i| i.statement.as_ref())
        .collect();
    let expired: Vec<String> = inspections
        .iter()
        .filter(|i| i.expired)
        .filter_map(|i| i.statement.as_ref())
        .map(|s| {
            format!(
                "the {} side's record expired on {}",
                s.predicate.side, s.predicate.valid_until
            )
        })
        .collect();
    if !expired.is_empty() {
        return no(
            format!("{}: run the homologation again", expired.join("; ")),
            exit::RECORD_EXPIRED,
        );
    }
    if let Some(s) = valid.iter().find(|s| !s.predicate.verdict.is_ready()) {
        let why = s
            .predicate
            .reasons
            .first()
            .map_or(String::new(), |r| format!(": {r}"));
        return no(
            format!(
                "the {} side is {}{why}",
                s.predicate.side,
                s.predicate.verdict.label()
            ),
            s.predicate.verdict.exit_code(),
        );
    }
    let sides: Vec<&str> = valid.iter().map(|s| s.predicate.side.as_str()).collect();
    if valid.len() > 1 {
        let missing: Vec<&str> = ["run", "client"]
            .into_iter()
            .filter(|side| !sides.contains(side))
            .collect();
        if !missing.is_empty() {
            return no(
                format!(
                    "no record of the {} side (given: {})",
                    missing.join(" and "),
                    sides.join(", ")
                ),
                exit::INCOMPLETE,
            );
        }
    }
    let unchecked = inspections
        .iter()
        .any(|i| matches!(i.signed, Signed::NotChecked { .. }));
    let caveat = if unchecked {
        " (signature not checked: give --public-key to check it)"
    } else {
        ""
    };
    let verdicts: Vec<String> = valid
        .iter()
        .map(|s| format!("{}: {}", s.predicate.side, s.predicate.verdict.label()))
        .collect();
    let what = if valid.len() > 1 {
        "both sides READY"
    } else {
        "READY"
    };
    Answer {
        line: format!("VERIFIED: {what} ({}){caveat}", verdicts.join(", ")),
        exit_code: exit::READY,
    }
}
