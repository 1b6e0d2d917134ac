//! `attestation.json`: the homologation record. An in-toto Statement (v1)
//! with the `test-result` predicate, rendered from the result model like
//! every other format, written as canonical JSON, and signed in a DSSE
//! envelope when the run has a `--sign-key` (docs/record.md).
//!
//! Its subjects are the SHA-256 digests of `report.json` and `junit.xml`
//! as written, so a report edited afterwards no longer matches.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::{JSON_FILE, JUNIT_FILE};
use crate::record::canonical::to_canonical_of;
use crate::record::statement::{
    fingerprint, origin, ResourceDescriptor, Statement, TargetFingerprint, TestResult, WaiverEntry,
    CHECKS, HARNESS, VENDOR_PAGE,
};
use crate::record::{Envelope, SigningKey, PREDICATE_TYPE, STATEMENT_TYPE};
use crate::result::{RunResult, RunVerdict, Side, Verdict, WaiverStatus};

/// How long a record holds by default.
pub const DEFAULT_VALID_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long a record of a READY WITH WAIVERS run holds at most: a
/// conditional pass is renewed sooner.
pub const WAIVED_VALID_FOR: Duration = Duration::from_secs(14 * 24 * 3600);

/// How the record of a run is made.
#[derive(Debug, Clone, Default)]
pub struct RecordSettings {
    /// `--valid-for`: how long after the run the record holds (default
    /// [`DEFAULT_VALID_FOR`], [`WAIVED_VALID_FOR`] at most when waived).
    pub valid_for: Option<Duration>,
    /// `--sign-key`: signs the Statement in a DSSE envelope.
    pub signer: Option<Arc<SigningKey>>,
}

/// Whether a run with `verdict` gets a record: every run that reached a
/// verdict (an interrupted one did not).
pub fn has_record(verdict: RunVerdict) -> bool {
    verdict != RunVerdict::Interrupted
}

/// The record's bytes: the canonical Statement, or the canonical DSSE
/// envelope around it when `settings` has a signer. `json` and `junit` are
/// the reports as written.
pub fn render(run: &RunResult, json: &str, junit: &str, settings: &RecordSettings) -> String {
    let statement = statement(run, json, junit, settings);
    let payload = to_canonical_of(&statement).expect("the statement serializes");
    match &settings.signer {
        None => payload,
        Some(key) => to_canonical_of(&Envelope::sign(payload.as_bytes(), key))
            .expect("the envelope serializes"),
    }
}

/// The Statement of `run`.
pub fn statement(run: &RunResult, json: &str, junit: &str, settings: &RecordSettings) -> Statement {
    let subject = [(JSON_FILE, json), (JUNIT_FILE, junit)]
        .into_iter()
        .map(|(name, text)| digested(name, &hex::encode(Sha256::digest(text.as_bytes()))))
        .collect();
    Statement {
        statement_type: STATEMENT_TYPE.to_string(),
        subject,
        predicate_type: PREDICATE_TYPE.to_string(),
        predicate: predicate(run, settings),
    }
}

fn predicate(run: &RunResult, settings: &RecordSettings) -> TestResult {
    let ids = |keep: &dyn Fn(&crate::result::CheckResult) -> bool| -> Vec<String> {
        run.checks
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.id.clone())
            .collect()
    };
    let mut not_run: Vec<String> = run
        .checklist
        .iter()
        .flat_map(|i| i.gaps.iter().map(|g| g.check.clone()))
        .collect();
    not_run.sort();
    not_run.dedup();
    TestResult {
        result: match run.verdict {
            RunVerdict::Ready => "PASSED",
            RunVerdict::ReadyWithWaivers => "WARNED",
            _ => "FAILED",
        }
        .to_string(),
        configuration: configuration(run),
        passed_tests: ids(&|c| c.verdict == Verdict::Passed && c.findings.is_empty()),
        warned_tests: ids(&|c| {
            matches!(c.verdict, Verdict::Waived | Verdict::AdvisoryFailed)
                || (c.verdict == Verdict::Passed && !c.findings.is_empty())
        }),
        failed_tests: ids(&|c| matches!(c.verdict, Verdict::Failed | Verdict::Error)),
        verdict: run.verdict,
        side: match run.side {
            Side::Api => "run",
            Side::Client => "client",
        }
        .to_string(),
        run_id: run.run_id.clone(),
        started_at: run.started_at.clone(),
        finished_at: run.finished_at.clone(),
        valid_until: valid_until(run, settings),
        target: TargetFingerprint {
            sandbox: run.target.sandbox,
            salt: run.run_id.clone(),
            fingerprint: fingerprint(
                &run.run_id,
                &origin(&run.target.base_url),
                &run.target.entry_point_id,
            ),
        },
        waived_tests: ids(&|c| c.verdict == Verdict::Waived),
        advisory_tests: ids(&|c| c.verdict == Verdict::AdvisoryFailed || !c.findings.is_empty()),
        not_run_tests: not_run,
        waivers: run
            .waivers
            .iter()
            .map(|w| WaiverEntry {
                check: w.check.clone(),
                reason: w.reason.clone(),
                by: w.by.clone(),
                expires: w.expires.clone(),
                status: w.status.as_str().to_string(),
            })
            .collect(),
        reasons: run.reasons.clone(),
    }
}

/// The harness, the checks that ran and the vendor page they quote.
fn configuration(run: &RunResult) -> Vec<ResourceDescriptor> {
    let page = hex::encode(Sha256::digest(crate::check::VENDOR_PAGE.as_bytes()));
    let mut harness = ResourceDescriptor {
        name: HARNESS.to_string(),
        uri: Some(format!("pkg:cargo/{}@{}", run.tool.name, run.tool.version)),
        ..ResourceDescriptor::default()
    };
    harness
        .annotations
        .insert("version".into(), run.tool.version.clone());
    let mut checks = digested(CHECKS, &run.checks_digest.sha256);
    checks
        .annotations
        .insert("files".into(), run.checks_digest.files.len().to_string());
    vec![harness, checks, digested(VENDOR_PAGE, &page)]
}

fn digested(name: &str, sha256: &str) -> ResourceDescriptor {
    let mut descriptor = ResourceDescriptor {
        name: name.to_string(),
        ..ResourceDescriptor::default()
    };
    descriptor
        .digest
        .insert("sha256".into(), sha256.to_string());
    descriptor
}

/// When the record stops holding: the run's end plus its validity; a
/// waived run's at most [`WAIVED_VALID_FOR`], and never past the end of
/// the first day a waiver it applied has expired.
fn valid_until(run: &RunResult, settings: &RecordSettings) -> String {
    // A time this program wrote always parses; were it not, the record
    // would be expired at once rather than hold for ever.
    let finished =
        humantime::parse_rfc3339_weak(&run.finished_at).unwrap_or(SystemTime::UNIX_EPOCH);
    let waived = run.verdict == RunVerdict::ReadyWithWaivers;
    let mut valid_for = settings.valid_for.unwrap_or(if waived {
        WAIVED_VALID_FOR
    } else {
        DEFAULT_VALID_FOR
    });
    if waived {
        valid_for = valid_for.min(WAIVED_VALID_FOR);
    }
    let mut until = finished + valid_for;
    let waiver_ends = run
        .waivers
        .iter()
        .filter(|w| w.status == WaiverStatus::Applied)
        .filter_map(|w| humantime::parse_rfc3339(&format!("{}T23:59:59Z", w.expires)).ok());
    if let Some(first) = waiver_ends.min() {
        until = until.min(first);
    }
    humantime::format_rfc3339_seconds(until).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::dsse::SignatureCheck;
    use crate::report::sample::sample_run;

    #[test]
    fn the_same_run_gives_the_same_bytes() {
        let run = sample_run();
        let settings = RecordSettings::default();
        let a = render(&run, "{}", "<x/>", &settings);
        let b = render(&run, "{}", "<x/>", &settings);
        assert_eq!(a, b);
        assert!(!a.contains('\n'), "canonical JSON has no whitespace");
        let statement: Statement = serde_json::from_str(&a).unwrap();
        assert_eq!(statement.statement_type, STATEMENT_TYPE);
        assert_eq!(statement.predicate_type, PREDICATE_TYPE);
    }

    #[test]
    fn subjects_are_the_reports_digests() {
        let statement = statement(&sample_run(), "abc", "", &RecordSettings::default());
        let names: Vec<&str> = statement.subject.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, [JSON_FILE, JUNIT_FILE]);
        assert_eq!(
            statement.subject[0].sha256(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn the_record_names_the_harness_the_checks_and_the_page() {
        let run = sample_run();
        let predicate = statement(&run, "", "", &RecordSettings::default()).predicate;
        let harness = predicate.configuration(HARNESS).unwrap();
        assert_eq!(harness.annotations["version"], run.tool.version);
        assert_eq!(
            predicate.configuration(CHECKS).unwrap().sha256(),
            Some(run.checks_digest.sha256.as_str())
        );
        assert_eq!(
            predicate
                .configuration(VENDOR_PAGE)
                .unwrap()
                .sha256()
                .map(str::len),
            Some(64)
        );
    }

    #[test]
    fn the_target_is_a_fingerprint_never_its_entry_point() {
        let run = sample_run();
        let text = render(&run, "", "", &RecordSettings::default());
        assert!(!text.contains(&run.target.entry_point_id), "{text}");
        assert!(!text.contains(&run.target.base_url), "{text}");
    }

    #[test]
    fn validity_is_thirty_days_by_default_and_settable() {
        let mut run = sample_run();
        run.finished_at = "2026-11-28T14:15:40.000Z".into();
        let default = statement(&run, "", "", &RecordSettings::default());
        assert_eq!(default.predicate.valid_until, "2026-12-28T14:15:40Z");
        let day = RecordSettings {
            valid_for: Some(Duration::from_secs(86_400)),
            signer: None,
        };
        assert_eq!(
            statement(&run, "", "", &day).predicate.valid_until,
            "2026-11-29T14:15:40Z"
        );
    }

    #[test]
    fn a_signed_record_is_an_envelope_its_key_verifies() {
        let key = Arc::new(SigningKey::from_seed(&[5; 32]));
        let settings = RecordSettings {
            valid_for: None,
            signer: Some(key.clone()),
        };
        let text = render(&sample_run(), "", "", &settings);
        let envelope: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(
            envelope.check(&key.public()),
            SignatureCheck::Valid {
                keyid: key.public().key_id()
            }
        );
        let payload = envelope.payload_bytes().unwrap();
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            render(&sample_run(), "", "", &RecordSettings::default())
        );
    }
}
