//! The homologation record (issue 25): `attestation.json` written by a
//! real `run --sandbox`, checked by `verify`; refused after a byte of
//! report.json changes, with another key, or past its expiry; waivers end
//! to end against a sandbox fault; curl reproductions in report.md.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use wapzi_homolog::exit;
use wapzi_homolog::record::SigningKey;
use wapzi_homolog::sandbox::FIXTURES;
use wapzi_homolog::waiver::Today;

use super::support::{assert_exit, bin, run, temp_dir, Ran};

/// A key made in the test, its PKCS#8 PEM and its public PEM in `dir`.
fn key_files(dir: &Path, seed: u8) -> (PathBuf, PathBuf) {
    let key = SigningKey::from_seed(&[seed; 32]);
    let private = dir.join(format!("key-{seed}.pem"));
    let public = dir.join(format!("key-{seed}.pub.pem"));
    std::fs::write(&private, key.to_pkcs8_pem()).unwrap();
    std::fs::write(&public, key.public().to_pem()).unwrap();
    (private, public)
}

fn sandbox_run(reports: &Path, extra: &[&str]) -> Ran {
    run(bin()
        .args(["run", "--sandbox", "-q", "--reports"])
        .arg(reports)
        .args(extra))
}

/// A sandbox self-test with `fault` on and the waivers of `file`.
fn waived_run(reports: &Path, fault: &str, file: &Path) -> Ran {
    sandbox_run(reports, &["--fault", fault, "--waivers", path(file)])
}

fn verify(args: &[&str]) -> Ran {
    run(bin().arg("verify").args(args))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn record_of(reports: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(reports.join("latest/attestation.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_signed_record_verifies_and_stops_verifying_when_report_json_changes() {
    let dir = temp_dir();
    let (private, public) = key_files(dir.path(), 1);
    let reports = dir.path().join("reports");
    let ran = sandbox_run(&reports, &["--sign-key", path(&private)]);
    assert_exit(&ran, exit::READY);
    let pem = std::fs::read_to_string(&private).unwrap();
    let body = pem.lines().nth(1).unwrap();
    assert!(!ran.stdout.contains(body) && !ran.stderr.contains(body));
    let record = reports.join("latest/attestation.json");
    let envelope = record_of(&reports);
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");

    let ok = verify(&["--public-key", path(&public), path(&record)]);
    assert_exit(&ok, exit::READY);
    assert!(ok.stdout.contains("VERIFIED: READY"), "{}", ok.stdout);
    assert!(ok.stdout.contains("signed by SHA256:"), "{}", ok.stdout);
    assert!(ok.stdout.contains("reports match"), "{}", ok.stdout);

    let report = reports.join("latest/report.json");
    let mut bytes = std::fs::read(&report).unwrap();
    let at = bytes.iter().position(|b| *b == b'2').unwrap();
    bytes[at] = b'3';
    std::fs::write(&report, bytes).unwrap();
    let changed = verify(&["--public-key", path(&public), path(&record)]);
    assert_exit(&changed, exit::RECORD_INVALID);
    assert!(
        changed
            .stdout
            .contains("report.json does not match its digest"),
        "{}",
        changed.stdout
    );
}

#[test]
fn another_key_an_unsigned_record_and_an_expired_one_do_not_verify() {
    let dir = temp_dir();
    let (private, _) = key_files(dir.path(), 2);
    let (_, other_public) = key_files(dir.path(), 3);
    let signed = dir.path().join("signed");
    assert_exit(
        &sandbox_run(&signed, &["--sign-key", path(&private)]),
        exit::READY,
    );
    let record = signed.join("latest/attestation.json");
    let other = verify(&["--public-key", path(&other_public), path(&record)]);
    assert_exit(&other, exit::RECORD_INVALID);
    assert!(other.stdout.contains("does not hold"), "{}", other.stdout);

    let unsigned = dir.path().join("unsigned");
    assert_exit(&sandbox_run(&unsigned, &[]), exit::READY);
    let unsigned_record = unsigned.join("latest/attestation.json");
    let asked = verify(&["--public-key", path(&other_public), path(&unsigned_record)]);
    assert_exit(&asked, exit::RECORD_INVALID);
    let plain = verify(&[path(&unsigned_record)]);
    assert_exit(&plain, exit::READY);
    assert!(
        plain.stdout.contains("signature not checked"),
        "{}",
        plain.stdout
    );

    // 30 days by default: long past them, the record has expired.
    let later = verify(&["--at", "2099-01-01T00:00:00Z", path(&record)]);
    assert_exit(&later, exit::RECORD_EXPIRED);
    assert!(later.stdout.contains("expired"), "{}", later.stdout);
}

#[test]
fn the_same_record_bytes_are_canonical_json() {
    let dir = temp_dir();
    let reports = dir.path().join("r");
    assert_exit(&sandbox_run(&reports, &[]), exit::READY);
    let text = std::fs::read_to_string(reports.join("latest/attestation.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(wapzi_homolog::record::canonical::to_canonical(&value), text);
    let predicate = &value["predicate"];
    assert_eq!(
        value["predicateType"],
        "https://in-toto.io/attestation/test-result/v0.1"
    );
    assert_eq!(predicate["result"], "PASSED");
    assert_eq!(predicate["side"], "run");
    assert!(
        !text.contains(FIXTURES.entry_point_id),
        "the entry point is fingerprinted"
    );
}

fn write_waivers(dir: &Path, entries: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("waivers:\n");
    for (check, expires) in entries {
        text.push_str(&format!(
            "  - check: {check}\n    reason: The vendor's API answers this differently; ticket WZ-42 tracks it with their support.\n    by: Ana Souza <ana@example.com>\n    expires: {expires}\n"
        ));
    }
    let file = dir.join("waivers.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_waived_failure_is_ready_with_waivers_in_every_output_and_the_record() {
    let dir = temp_dir();
    let today = Today::of(SystemTime::now());
    let file = write_waivers(
        dir.path(),
        &[
            ("entry-point::unknown", &today.plus_days(30)),
            ("key::missing", &today.plus_days(30)),
            ("key::missin", &today.plus_days(30)),
        ],
    );
    let reports = dir.path().join("r");
    let ran = waived_run(&reports, "unknown-entry-point-wrong-message", &file);
    assert_exit(&ran, exit::READY);
    assert!(
        ran.stdout.contains("READY WITH WAIVERS for go-live"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("[applied] entry-point::unknown"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("[stale] key::missing"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("did you mean `key::missing`"),
        "{}",
        ran.stdout
    );

    let predicate = record_of(&reports)["predicate"].clone();
    assert_eq!(predicate["verdict"], "ready_with_waivers");
    assert_eq!(predicate["result"], "WARNED");
    assert_eq!(
        predicate["waivedTests"],
        serde_json::json!(["entry-point::unknown"])
    );
    let statuses: Vec<&str> = predicate["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "stale", "unknown_check"]);

    let latest = reports.join("latest");
    let md = std::fs::read_to_string(latest.join("report.md")).unwrap();
    let html = std::fs::read_to_string(latest.join("report.html")).unwrap();
    let junit = std::fs::read_to_string(latest.join("junit.xml")).unwrap();
    let json = std::fs::read_to_string(latest.join("report.json")).unwrap();
    assert!(
        md.contains("READY WITH WAIVERS") && md.contains("## Waivers"),
        "{md}"
    );
    assert!(html.contains("READY WITH WAIVERS") && html.contains("Waivers"));
    assert!(junit.contains("waived"), "{junit}");
    assert!(json.contains("\"ready_with_waivers\""));

    let checked = verify(&[path(&latest.join("attestation.json"))]);
    assert_exit(&checked, exit::READY);
    assert!(
        checked.stdout.contains("READY WITH WAIVERS (1 waived"),
        "{}",
        checked.stdout
    );
    assert!(checked.stdout.contains("valid until"), "{}", checked.stdout);
}

#[test]
fn an_expired_or_unwaivable_waiver_leaves_the_failure_gating() {
    let dir = temp_dir();
    let today = Today::of(SystemTime::now());
    let file = write_waivers(
        dir.path(),
        &[("entry-point::unknown", &today.plus_days(-1))],
    );
    let reports = dir.path().join("expired");
    let ran = waived_run(&reports, "unknown-entry-point-wrong-message", &file);
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout.contains("[expired] entry-point::unknown"),
        "{}",
        ran.stdout
    );
    assert_eq!(
        record_of(&reports)["predicate"]["waivers"][0]["status"],
        "expired"
    );
    let checked = verify(&[path(&reports.join("latest/attestation.json"))]);
    assert_exit(&checked, exit::NOT_READY);

    let file = write_waivers(dir.path(), &[("key::missing", &today.plus_days(10))]);
    let reports = dir.path().join("key");
    let ran = waived_run(&reports, "missing-key-wrong-message", &file);
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout.contains("[not waivable] key::missing"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_waiver_past_ninety_days_stops_the_run_before_anything_is_sent() {
    let dir = temp_dir();
    let today = Today::of(SystemTime::now());
    let file = write_waivers(
        dir.path(),
        &[("entry-point::unknown", &today.plus_days(91))],
    );
    let ran = sandbox_run(&dir.path().join("r"), &["--waivers", path(&file)]);
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("90 days at most"), "{}", ran.stderr);
}

#[test]
fn several_records_answer_for_both_sides() {
    let dir = temp_dir();
    let api = dir.path().join("api");
    let again = dir.path().join("again");
    assert_exit(&sandbox_run(&api, &[]), exit::READY);
    assert_exit(&sandbox_run(&again, &[]), exit::READY);
    let one = api.join("latest/attestation.json");
    let two = again.join("latest/attestation.json");
    let same_side = verify(&[path(&one), path(&two)]);
    assert_exit(&same_side, exit::INCOMPLETE);
    assert!(
        same_side.stdout.contains("no record of the client side"),
        "{}",
        same_side.stdout
    );

    // A client that makes no call: the client side is INCOMPLETE.
    let client = dir.path().join("client");
    let ran = run(bin()
        .args(["client", "-q", "--reports"])
        .arg(&client)
        .args(["--", "true"]));
    assert_exit(&ran, exit::INCOMPLETE);
    let both = verify(&[path(&one), path(&client.join("latest/attestation.json"))]);
    assert_exit(&both, exit::INCOMPLETE);
    assert!(
        both.stdout.contains("the client side is INCOMPLETE"),
        "{}",
        both.stdout
    );
}

#[test]
fn a_failure_in_report_md_carries_its_curl_with_the_key_as_a_variable() {
    let dir = temp_dir();
    let reports = dir.path().join("r");
    let ran = sandbox_run(&reports, &["--fault", "unknown-entry-point-wrong-message"]);
    assert_exit(&ran, exit::NOT_READY);
    let latest = reports.join("latest");
    let md = std::fs::read_to_string(latest.join("report.md")).unwrap();
    let html = std::fs::read_to_string(latest.join("report.html")).unwrap();
    assert!(md.contains("curl -sS -i -X "), "{md}");
    assert!(md.contains("\"x-api-key: $WAPZI_API_KEY\""), "{md}");
    assert!(html.contains("curl -sS -i -X "));
    for text in [&md, &html] {
        assert!(!text.contains(FIXTURES.api_key));
    }
}
