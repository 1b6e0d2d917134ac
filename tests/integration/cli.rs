//! Command-line behaviour: settings, usage errors and exit codes.

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::Dialect;

use crate::support::{assert_exit, assert_exit_case, bin, run};

/// `run` against a port where nothing listens, with `key` in WAPZI_API_KEY
/// (none when `None`) and `extra` arguments.
fn run_nowhere(key: Option<&str>, extra: &[&str]) -> crate::support::Ran {
    let mut cmd = bin();
    if let Some(key) = key {
        cmd.env("WAPZI_API_KEY", key);
    }
    cmd.args([
        "run",
        "--entry-point",
        "ep",
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    run(cmd.args(extra))
}

/// Asserts a setup error (exit 2) whose message holds `expected`.
fn assert_refused(ran: &crate::support::Ran, expected: &str) {
    assert_exit(ran, exit::SETUP);
    assert!(
        ran.stderr.contains(expected),
        "want {expected:?} in:\n{}",
        ran.stderr
    );
}

#[test]
fn missing_key_is_a_setup_error() {
    assert_refused(
        &run_nowhere(None, &[]),
        "no API key: set WAPZI_API_KEY or pass --api-key-file",
    );
}

#[test]
fn missing_entry_point_is_a_setup_error() {
    let ran = run(bin()
        .env("WAPZI_API_KEY", "ak_x0000000000000000000000000000")
        .args(["run", "--base-url", "http://127.0.0.1:9"]));
    assert_refused(&ran, "--entry-point ID or set WAPZI_ENTRY_POINT_ID");
}

#[test]
fn an_empty_key_is_refused_not_redacted() {
    assert_refused(&run_nowhere(Some("  "), &[]), "WAPZI_API_KEY is empty");
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
        let ran = run(bin()
            .env("WAPZI_API_KEY", "ak_x0000000000000000000000000000")
            .args(["run", "--entry-point", "ep", "--base-url", url]));
        assert_refused(&ran, expected);
        assert!(!ran.stderr.contains("ak_x0000000000000000000000000000"));
    }
}

#[test]
fn there_is_no_flag_for_the_key_itself() {
    assert_refused(
        &run(bin().args(["run", "--api-key", "ak_x0000000000000000000000000000"])),
        "unexpected argument '--api-key'",
    );
}

#[test]
fn secret_fixtures_cannot_be_flag_values() {
    let ran = run_nowhere(
        Some("ak_x0000000000000000000000000000"),
        &["--fixture", "previous_api_key=ak_old"],
    );
    assert_refused(&ran, "is a secret");
    assert!(!ran.stderr.contains("ak_old"), "{}", ran.stderr);
}

#[test]
fn unreadable_key_file_names_the_path() {
    let ran = run_nowhere(None, &["--api-key-file", "/nonexistent/key"]);
    assert_refused(
        &ran,
        "cannot read the key file (--api-key-file) at /nonexistent/key",
    );
}

#[test]
fn unknown_fault_suggests_the_closest() {
    assert_refused(
        &run(bin().args(["run", "--sandbox", "--fault", "hnag"])),
        "did you mean `hang`?",
    );
}

#[test]
fn unknown_dialect_suggests_the_closest_wherever_it_is_given() {
    let cases: [&[&str]; 3] = [
        &["sandbox", "--port", "0", "--dialect", "json404"],
        &["run", "--sandbox", "--no-reports", "--dialect", "json404"],
        &[
            "client",
            "--no-reports",
            "--dialect",
            "json404",
            "--",
            "true",
        ],
    ];
    for args in cases {
        assert_refused(
            &run(bin().args(args)),
            "unknown dialect `json404` (did you mean `json-404`?); valid dialects: error-extra-fields",
        );
    }
}

#[test]
fn dialect_without_the_sandbox_is_refused() {
    let ran = run_nowhere(
        Some("ak_abcdefghijabcdefghijabcdefghij12"),
        &["--no-reports", "--dialect", "json-404"],
    );
    assert_refused(
        &ran,
        "--dialect changes how the embedded sandbox answers, and this run is not against it: add --sandbox, or drop --dialect",
    );
}

#[test]
fn list_dialects_prints_each_with_what_it_reads() {
    let ran = run(bin().args(["sandbox", "--list-dialects"]));
    assert_exit(&ran, exit::READY);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), Dialect::ALL.len(), "{}", ran.stdout);
    for (line, info) in lines.iter().zip(Dialect::ALL) {
        assert!(line.starts_with(info.name), "{line}");
        assert!(line.ends_with(info.description), "{line}");
    }
}

#[test]
fn conflicting_flags_are_usage_errors() {
    let ran = run(bin().args(["run", "--sandbox", "--base-url", "http://127.0.0.1:9"]));
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("cannot be used with"), "{}", ran.stderr);
}

#[test]
fn list_validate_and_list_faults_work_without_a_target() {
    let listed = run(bin().arg("list"));
    assert_exit(&listed, exit::READY);
    assert!(
        listed.stdout.lines().any(|l| l.starts_with("key::missing")
            && l.contains("required")
            && l.contains("valid-key")),
        "{}",
        listed.stdout
    );
    let validated = run(bin().arg("validate"));
    assert_exit(&validated, exit::READY);
    assert!(
        validated.stdout.contains("checks in"),
        "{}",
        validated.stdout
    );
    let faults = run(bin().args(["sandbox", "--list-faults"]));
    assert_exit(&faults, exit::READY);
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
fn run_help_is_this_tools_own() {
    let ran = run(bin().args(["run", "--help"]));
    assert_exit(&ran, exit::READY);
    let help = &ran.stdout;
    for wanted in [
        "Usage: wapzi-homolog run [OPTIONS] [FILTER]...",
        "homologation checks",
        "Examples:",
        "wapzi-homolog run --sandbox",
        "--exact",
        "--skip <FILTER>",
        "--list",
        "-q, --quiet",
        "--format <FORMAT>",
        "json:",
        "--logfile <PATH>",
        "--color <WHEN>",
        "NO_COLOR",
        "--test-threads <N>",
        "--concurrency",
        "Exit codes:",
    ] {
        assert!(
            help.contains(wanted),
            "`run --help` lacks {wanted:?}:\n{help}"
        );
    }
    for unwanted in [
        "--bench",
        "--nocapture",
        "--show-output",
        "-Z",
        "--ignored",
        "--include-ignored",
        "Usefull",
        "USAGE: [OPTIONS]",
    ] {
        assert!(
            !help.contains(unwanted),
            "`run --help` has {unwanted:?}:\n{help}"
        );
    }
    for flag in [
        "--bench",
        "--nocapture",
        "--show-output",
        "-Zunstable-options",
    ] {
        let ran = run(bin().args(["run", "--sandbox", "--no-reports", flag]));
        assert_exit_case(&ran, exit::SETUP, flag);
    }
}

/// The README's table of dialects, as `Dialect::ALL` has them.
fn dialects_table() -> String {
    let mut table = String::from("| dialect | what the sandbox does |\n|---|---|\n");
    for info in Dialect::ALL {
        let description = info.description.replace('|', "\\|");
        table.push_str(&format!("| `{}` | {description} |\n", info.name));
    }
    table
}

#[test]
fn docs_dialects_table_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let actual = std::fs::read_to_string(&path).unwrap();
    let begin = actual.find("<!-- dialects:begin").expect("a begin marker");
    let after_begin = begin + actual[begin..].find("-->").unwrap() + 3;
    let end = actual.find("<!-- dialects:end -->").expect("an end marker");
    let expected = format!(
        "{}\n{}{}",
        &actual[..after_begin],
        dialects_table(),
        &actual[end..]
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        actual == expected,
        "README.md's dialects table is stale: run `UPDATE_DOCS=1 cargo test --test integration docs_dialects`"
    );
}
