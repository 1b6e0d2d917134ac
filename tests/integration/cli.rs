//! Command-line behaviour: settings, usage errors and exit codes.

use wapzi_homolog::exit;

use crate::support::{bin, run, temp_dir};

const SETUP: i32 = exit::SETUP as i32;

#[test]
fn missing_key_is_a_setup_error() {
    let ran = run(bin().args([
        "run",
        "--entry-point",
        "ep",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(ran.code, SETUP);
    assert!(
        ran.stderr
            .contains("no API key: set WAPZI_API_KEY or pass --api-key-file"),
        "{}",
        ran.stderr
    );
}

#[test]
fn missing_entry_point_is_a_setup_error() {
    let ran =
        run(bin()
            .env("WAPZI_API_KEY", "ak_x")
            .args(["run", "--base-url", "http://127.0.0.1:9"]));
    assert_eq!(ran.code, SETUP);
    assert!(
        ran.stderr
            .contains("--entry-point ID or set WAPZI_ENTRY_POINT_ID"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_empty_key_is_refused_not_redacted() {
    let ran = run(bin().env("WAPZI_API_KEY", "  ").args([
        "run",
        "--entry-point",
        "ep",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(ran.code, SETUP);
    assert!(
        ran.stderr.contains("WAPZI_API_KEY is empty"),
        "{}",
        ran.stderr
    );
}

#[test]
fn bad_base_urls_are_refused_before_any_request() {
    for (url, expected) in [
        ("not a url", "invalid base URL"),
        ("ftp://example.com", "use http:// or https://"),
        (
            "http://example.com",
            "refusing plain http:// to example.com",
        ),
        ("https://user:pw@example.com", "no credentials"),
    ] {
        let ran = run(bin().env("WAPZI_API_KEY", "ak_x").args([
            "run",
            "--entry-point",
            "ep",
            "--base-url",
            url,
        ]));
        assert_eq!(ran.code, SETUP, "{url}");
        assert!(ran.stderr.contains(expected), "{url}: {}", ran.stderr);
        assert!(!ran.stderr.contains("ak_x"));
    }
}

#[test]
fn there_is_no_flag_for_the_key_itself() {
    let ran = run(bin().args(["run", "--api-key", "ak_x"]));
    assert_eq!(ran.code, SETUP);
    assert!(
        ran.stderr.contains("unexpected argument '--api-key'"),
        "{}",
        ran.stderr
    );
}

#[test]
fn secret_fixtures_cannot_be_flag_values() {
    let ran = run(bin().env("WAPZI_API_KEY", "ak_x").args([
        "run",
        "--entry-point",
        "ep",
        "--base-url",
        "http://127.0.0.1:9",
        "--fixture",
        "previous_api_key=ak_old",
    ]));
    assert_eq!(ran.code, SETUP);
    assert!(ran.stderr.contains("is a secret"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("ak_old"), "{}", ran.stderr);
}

#[test]
fn unreadable_key_file_names_the_path() {
    let ran = run(bin().args([
        "run",
        "--entry-point",
        "ep",
        "--base-url",
        "http://127.0.0.1:9",
        "--api-key-file",
        "/nonexistent/key",
    ]));
    assert_eq!(ran.code, SETUP);
    assert!(
        ran.stderr
            .contains("cannot read the key file (--api-key-file) at /nonexistent/key"),
        "{}",
        ran.stderr
    );
}

#[test]
fn unknown_fault_suggests_the_closest() {
    let ran = run(bin().args(["run", "--sandbox", "--fault", "hnag"]));
    assert_eq!(ran.code, SETUP);
    assert!(
        ran.stderr.contains("did you mean `hang`?"),
        "{}",
        ran.stderr
    );
}

#[test]
fn conflicting_flags_are_usage_errors() {
    let ran = run(bin().args(["run", "--sandbox", "--base-url", "http://127.0.0.1:9"]));
    assert_eq!(ran.code, SETUP);
    assert!(ran.stderr.contains("cannot be used with"), "{}", ran.stderr);
}

#[test]
fn list_validate_and_list_faults_work_without_a_target() {
    let listed = run(bin().arg("list"));
    assert_eq!(listed.code, 0);
    assert!(
        listed.stdout.lines().any(|l| l.starts_with("key::missing")
            && l.contains("required")
            && l.contains("valid-key")),
        "{}",
        listed.stdout
    );
    let validated = run(bin().arg("validate"));
    assert_eq!(validated.code, 0, "{}", validated.stderr);
    assert!(
        validated.stdout.contains("checks in"),
        "{}",
        validated.stdout
    );
    let faults = run(bin().args(["sandbox", "--list-faults"]));
    assert_eq!(faults.code, 0);
    assert!(
        faults
            .stdout
            .lines()
            .any(|l| l.starts_with("never-finishes")),
        "{}",
        faults.stdout
    );
}

#[test]
fn help_and_version_exit_zero() {
    assert_eq!(run(bin().arg("--help")).code, 0);
    assert_eq!(run(bin().arg("--version")).code, 0);
}

#[test]
fn empty_checks_folder_is_a_setup_error() {
    let dir = temp_dir();
    let ran = run(bin().args(["run", "--sandbox", "--checks"]).arg(dir.path()));
    assert_eq!(ran.code, SETUP);
    assert!(ran.stderr.contains("no check files"), "{}", ran.stderr);
}
