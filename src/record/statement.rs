//! The record's model: an in-toto Statement (v1) whose predicate is the
//! `test-result` predicate (v0.1), with the fields a homologation adds.
//! Written by `report::attestation`, read back by `verify`: like
//! `report.json`, it is a contract (docs/record.md).
//!
//! ```text
//! { "_type": "https://in-toto.io/Statement/v1",
//!   "subject": [ {"name": "report.json", "digest": {"sha256": "…"}},
//!                {"name": "junit.xml",   "digest": {"sha256": "…"}} ],
//!   "predicateType": "https://in-toto.io/attestation/test-result/v0.1",
//!   "predicate": { "result": "PASSED", "configuration": [...],
//!                  "passedTests": [...], "warnedTests": [...], "failedTests": [...],
//!                  "verdict": "ready", "side": "run", "validUntil": "…", ... } }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::result::RunVerdict;

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The test-result predicate's type.
pub const PREDICATE_TYPE: &str = "https://in-toto.io/attestation/test-result/v0.1";
/// The configuration entry naming the harness.
pub const HARNESS: &str = "harness";
/// The configuration entry naming the checks that ran (their digest).
pub const CHECKS: &str = "checks";
/// The configuration entry naming the vendor's API page (its digest).
pub const VENDOR_PAGE: &str = "vendor-page";

/// An in-toto Statement v1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<ResourceDescriptor>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: TestResult,
}

/// An in-toto ResourceDescriptor: a subject, or a part of the configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ResourceDescriptor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ResourceDescriptor {
    /// The hex SHA-256 digest, if it has one.
    pub fn sha256(&self) -> Option<&str> {
        self.digest.get("sha256").map(String::as_str)
    }
}

/// The `test-result` predicate, with the homologation's own fields after
/// the standard ones (`result` … `failedTests`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    /// `PASSED` (READY), `WARNED` (READY WITH WAIVERS) or `FAILED`.
    pub result: String,
    /// The harness (name, version), the checks' digest, the vendor page's digest.
    pub configuration: Vec<ResourceDescriptor>,
    pub passed_tests: Vec<String>,
    /// Waived checks, advisory checks that failed, checks with advisory findings.
    pub warned_tests: Vec<String>,
    /// Required checks that failed or errored, not waived.
    pub failed_tests: Vec<String>,
    /// The gate's verdict, as `report.json` says it (`ready`, `ready_with_waivers`...).
    pub verdict: RunVerdict,
    /// `run` (the API side) or `client` (the integrator's backend).
    pub side: String,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    /// RFC 3339: the record holds until then.
    pub valid_until: String,
    pub target: TargetFingerprint,
    /// Required checks whose failure a waiver covers.
    pub waived_tests: Vec<String>,
    /// Advisory checks that failed, and checks with advisory findings.
    pub advisory_tests: Vec<String>,
    /// Required checks that did not run (filtered, skipped, ignored).
    pub not_run_tests: Vec<String>,
    /// Every waiver read, with what became of it.
    pub waivers: Vec<WaiverEntry>,
    /// Why the verdict is not READY, one line each.
    pub reasons: Vec<String>,
}

impl TestResult {
    /// The configuration entry named `name`.
    pub fn configuration(&self, name: &str) -> Option<&ResourceDescriptor> {
        self.configuration.iter().find(|c| c.name == name)
    }
}

/// The target, told apart without naming it: the fingerprint is
/// `sha256("wapzi-homolog target v1\n" + salt + "\n" + origin + "\n" + entry point id)`,
/// so whoever knows the origin and the entry point can confirm it, and
/// nobody can read them from the record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TargetFingerprint {
    /// Whether the target was the embedded sandbox.
    pub sandbox: bool,
    /// The salt (the run's id).
    pub salt: String,
    /// Hex SHA-256, as above.
    pub fingerprint: String,
}

/// A waiver as the record lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WaiverEntry {
    pub check: String,
    pub reason: String,
    pub by: String,
    pub expires: String,
    /// `applied`, `expired`, `stale`, `unknown_check`, `not_waivable`.
    pub status: String,
}

/// The target's fingerprint from its `origin` and `entry_point_id`.
pub fn fingerprint(salt: &str, origin: &str, entry_point_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let text = format!("wapzi-homolog target v1\n{salt}\n{origin}\n{entry_point_id}");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// `scheme://host[:port]` of `base_url`, lowercased, without user, path or
/// query; the URL as given when it does not parse.
pub fn origin(base_url: &str) -> String {
    match reqwest::Url::parse(base_url) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => base_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_drops_user_path_and_query() {
        assert_eq!(
            origin("https://user:pw@API.Wapzi.com.br:443/v1?x=1"),
            "https://api.wapzi.com.br"
        );
        assert_eq!(origin("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
    }

    #[test]
    fn the_fingerprint_tells_targets_apart_and_names_neither() {
        let a = fingerprint("salt", "https://api.wapzi.com.br", "ep_1");
        let b = fingerprint("salt", "https://api.wapzi.com.br", "ep_2");
        let c = fingerprint("other", "https://api.wapzi.com.br", "ep_1");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
        assert!(!a.contains("ep_1"));
    }
}
