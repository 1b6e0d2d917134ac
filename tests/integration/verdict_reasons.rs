//! Issue 20: filters are filters (a run that leaves out a required check is
//! INCOMPLETE at best, naming what it left out), the most basic root cause
//! leads (key checks, then entry point checks), and a documented refusal's
//! headline speaks the API's language.

use std::path::Path;

use serde_json::Value;
use wapzi_homolog::exit;

use crate::support::{assert_exit, assert_exit_case, bin, latest_report, run, temp_dir, Ran};

fn sandbox_run(args: &[&str], reports: &Path) -> Ran {
    run(bin()
        .args(["run", "--sandbox", "--reports"])
        .arg(reports)
        .args(args))
}

fn reasons(json: &Value) -> Vec<String> {
    json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

/// The first line of the terminal's explanation of the failures.
fn headline(ran: &Ran) -> &str {
    ran.stdout
        .lines()
        .find(|l| l.starts_with("root cause: "))
        .unwrap_or_else(|| panic!("no root cause line:\n{}", ran.stdout))
}

const SKIPPED_INVALID: &str = "skipped by --skip `key::invalid`: key::invalid (required: a filtered run cannot evidence the whole checklist)";

#[test]
fn skipping_a_required_check_is_incomplete_and_names_it() {
    let reports = temp_dir();
    let ran = sandbox_run(&["--skip", "key::invalid"], reports.path());
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(!ran.stdout.contains("READY for go-live"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains(&format!("incomplete: {SKIPPED_INVALID}")),
        "{}",
        ran.stdout
    );
    let json = latest_report(reports.path());
    assert_eq!(json["verdict"], "incomplete");
    assert_eq!(json["exit_code"], 6);
    assert_eq!(reasons(&json), [SKIPPED_INVALID]);
    // Its item is still evidenced by the other key checks: the gap is named.
    let valid_key = &json["checklist"][0];
    assert_eq!(valid_key["verdict"], "passed_with_gaps");
    assert_eq!(valid_key["gaps"][0]["check"], "key::invalid");
    assert_eq!(
        valid_key["gaps"][0]["reason"],
        "skipped by --skip `key::invalid`"
    );
}

#[test]
fn leaving_out_required_checks_by_name_or_exactly_is_incomplete() {
    for (args, names) in [
        (
            &["--exact", "--skip", "key::missing"][..],
            "skipped by --skip `key::missing`: key::missing (",
        ),
        (
            &["--skip", "key::inactive"][..],
            "skipped by --skip `key::inactive`: key::inactive-account, key::inactive-refused-on-a-finished-execution (",
        ),
    ] {
        let reports = temp_dir();
        let ran = sandbox_run(args, reports.path());
        assert_exit_case(&ran, exit::INCOMPLETE, format!("{args:?}"));
        let json = latest_report(reports.path());
        assert!(
            reasons(&json).iter().any(|r| r.starts_with(names)),
            "{args:?}: {:?}",
            json["reasons"]
        );
    }
}

#[test]
fn skipping_only_advisory_checks_stays_ready_with_a_note() {
    let reports = temp_dir();
    let ran = sandbox_run(&["--skip", "browser::cors-closed"], reports.path());
    assert_exit(&ran, exit::READY);
    let json = latest_report(reports.path());
    assert_eq!(json["verdict"], "ready");
    assert_eq!(
        reasons(&json),
        ["skipped by --skip `browser::cors-closed`: browser::cors-closed (advisory: they never gate)"]
    );
}

#[test]
fn a_failing_run_with_a_skip_stays_not_ready() {
    let reports = temp_dir();
    let ran = sandbox_run(
        &["--fault", "no-latest-wins", "--skip", "key::invalid"],
        reports.path(),
    );
    assert_exit(&ran, exit::NOT_READY);
    let json = latest_report(reports.path());
    assert_eq!(json["verdict"], "not_ready");
    let reasons = reasons(&json);
    assert!(
        reasons[0].starts_with("1 check failed: ")
            && reasons[0].ends_with("(conversation::latest-wins)"),
        "{reasons:?}"
    );
    assert_eq!(reasons.last().unwrap(), SKIPPED_INVALID);
}

#[test]
fn the_key_failure_leads_the_root_causes_in_the_apis_words() {
    let reports = temp_dir();
    let ran = sandbox_run(
        &["--fault", "accept-invalid-key", "--fault", "no-latest-wins"],
        reports.path(),
    );
    assert_exit(&ran, exit::NOT_READY);
    let expected =
        "a request with an invalid key was accepted: expected 401 \"Invalid API key\", got 202";
    assert_eq!(
        headline(&ran),
        format!("root cause: key::invalid: {expected}")
    );
    let json = latest_report(reports.path());
    let causes = json["root_causes"].as_array().unwrap();
    assert_eq!(causes[0]["checks"][0], "key::invalid");
    assert_eq!(causes[0]["summary"], expected);
    // The matcher's detail stays in the failure.
    assert_eq!(causes[0]["failure"]["mismatches"][0]["target"], "status");
    assert_eq!(causes[0]["failure"]["mismatches"][0]["actual"], "202");
    // The behaviour failure follows every key failure.
    let tiers: Vec<u8> = causes
        .iter()
        .map(|c| match c["checks"][0].as_str().unwrap() {
            id if id.starts_with("key::") => 0,
            id if id.starts_with("entry-point::") => 1,
            _ => 2,
        })
        .collect();
    assert!(tiers.is_sorted() && tiers.contains(&2), "{causes:?}");
    assert!(
        reasons(&json)[0].starts_with(&format!("1 check failed: {expected}")),
        "{:?}",
        json["reasons"]
    );
}

#[test]
fn documented_refusals_headline_as_the_api_says_them() {
    for (fault, line) in [
        (
            "unknown-entry-point-accepted",
            "entry-point::unknown: an execute on an entry point unknown to this key's account was accepted: expected 400 \"Invalid entryPointId\", got 202",
        ),
        (
            "unknown-entry-point-wrong-message",
            "entry-point::unknown: an execute on an entry point unknown to this key's account was answered otherwise: expected 400 \"Invalid entryPointId\", got 400 \"Entry point not found\"",
        ),
        (
            "missing-key-wrong-message",
            "key::missing: a request without a key was answered otherwise: expected 401 \"Missing API key\", got 401 \"Unauthorized\"",
        ),
        (
            "inactive-account-allowed",
            "key::inactive-account: a request with an inactive account's key was accepted: expected 401 or 403, got 202",
        ),
        (
            "cross-account-visible",
            "execution::other-account: a read of this account's execution with another account's key was served: expected 400 \"Invalid executionId for this account\", got 200",
        ),
    ] {
        let ran = run(bin().args(["run", "--sandbox", "--no-reports", "--fault", fault]));
        assert_exit_case(&ran, exit::NOT_READY, fault);
        assert_eq!(headline(&ran), format!("root cause: {line}"), "{fault}");
    }
}
