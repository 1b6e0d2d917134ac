//! The gate's verdicts (issue 11): READY only when the checklist is
//! evidenced, INCOMPLETE when it is not, UNREACHABLE for an outage or a
//! wrong base URL, NOT READY naming its root cause; each with its exit code
//! and in every report.

use std::io::Write;
use std::path::Path;

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::hostile::{http_response, read_head, Listener};
use crate::support::{assert_exit, bin, latest_report, run, temp_dir, Ran, TestSandbox, Watched};

fn sandbox_run(args: &[&str], reports: &Path) -> Ran {
    run(bin()
        .args(["run", "--sandbox", "--reports"])
        .arg(reports)
        .args(args))
}

/// Every report of the run in `reports` says `label`.
fn every_report_says(reports: &Path, label: &str) {
    let latest = reports.join("latest");
    let md = std::fs::read_to_string(latest.join("report.md")).unwrap();
    assert!(
        md.starts_with("# Wapzi homologation: ") && md.lines().next().unwrap().ends_with(label),
        "{md}"
    );
    // A run against the sandbox says so in each report, as a self-test.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(latest.join("report.json")).unwrap())
            .unwrap();
    let sandbox = json["target"]["sandbox"].as_bool().unwrap();
    assert_eq!(md.contains("> **Sandbox self-test:**"), sandbox, "{md}");
    let html = std::fs::read_to_string(latest.join("report.html")).unwrap();
    let banner = if sandbox {
        format!("id=\"verdict\">{label} · sandbox self-test</div>")
    } else {
        format!("id=\"verdict\">{label}</div>")
    };
    assert!(html.contains(&banner), "banner: {banner}");
    assert_eq!(html.contains("id=\"self-test\""), sandbox, "banner");
    let junit = std::fs::read_to_string(latest.join("junit.xml")).unwrap();
    assert!(
        junit.contains(&format!("name=\"verdict\" value=\"{label}\"")),
        "{junit}"
    );
}

/// Selections that select nothing, and the line each is refused with.
const SELECTING_NOTHING: [(&[&str], &str); 5] = [
    (
        &["key::invalidd"],
        "the filter `key::invalidd` matches no check id: did you mean `key::invalid`?",
    ),
    (
        &["--exact", "key::rotatd"],
        "the filter `key::rotatd` matches no check id: did you mean `key::rotated`?",
    ),
    (
        &["--exact", "key::"],
        "the filter `key::` matches no check id (--exact takes whole ids; without it, it matches",
    ),
    (
        &["key::", "--skip", "key::misssing"],
        "--skip `key::misssing` matches no check id: did you mean `key::missing`?",
    ),
    (
        &["key::missing", "--skip", "key::"],
        "--skip `key::` leaves out every check selected by `key::missing`: no check is left to run; nothing was sent",
    ),
];

#[test]
fn a_selection_that_selects_nothing_is_refused_with_a_suggestion_before_the_sandbox_starts() {
    for (args, line) in SELECTING_NOTHING {
        let reports = temp_dir();
        let ran = sandbox_run(args, reports.path());
        let case = args.join(" ");
        crate::support::assert_exit_case(&ran, exit::SETUP, &case);
        assert!(ran.stderr.contains(line), "{case}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("nothing was sent"),
            "{case}: {}",
            ran.stderr
        );
        // No check ran and no report was written.
        assert!(!ran.stdout.contains("running "), "{case}: {}", ran.stdout);
        assert!(
            crate::support::files_below(reports.path()).is_empty(),
            "{case}"
        );
    }
}

#[test]
fn a_selection_that_selects_nothing_sends_no_request_not_even_the_preflight() {
    let sandbox = TestSandbox::start(0, &[]);
    for (args, line) in SELECTING_NOTHING {
        let ran = run(sandbox.command().args(["run", "--no-reports"]).args(args));
        let case = args.join(" ");
        crate::support::assert_exit_case(&ran, exit::SETUP, &case);
        assert!(ran.stderr.contains(line), "{case}: {}", ran.stderr);
    }
    assert_eq!(sandbox.stats().requests, 0, "the sandbox was sent requests");
    // The same target is reached when the filter matches.
    let ran = run(sandbox
        .command()
        .args(["run", "--no-reports", "--exact", "key::missing"]));
    assert_eq!(ran.passed(), ["key::missing"], "{}", ran.stdout);
    assert!(sandbox.stats().requests > 0);
}

#[test]
fn a_filter_naming_a_client_check_says_which_command_grades_it() {
    let reports = temp_dir();
    let ran = sandbox_run(&["client::from-backend"], reports.path());
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr.contains(
            "`client::from-backend` is a client check, graded by `wapzi-homolog client`, not run by `run`"
        ),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_partial_filter_names_the_items_that_lack_evidence() {
    let reports = temp_dir();
    let ran = sandbox_run(&["key::accepted"], reports.path());
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.stdout.contains("test key::accepted") && ran.stdout.contains("... ok"));
    assert!(
        ran.stdout.contains("5 checklist item(s) have no passed required check (see above): active-entry-point, attendant-available, execute-202, execution-status, documented-behaviour"),
        "{}",
        ran.stdout
    );
    let json = latest_report(reports.path());
    let items = json["checklist"].as_array().unwrap();
    assert_eq!(items[0]["id"], "valid-key");
    assert_eq!(items[0]["verdict"], "passed_with_gaps");
    assert_eq!(items[1]["verdict"], "not_evidenced");
    assert!(items[1]["gaps"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("not selected by the run's filter"));
    let reasons = json["reasons"].as_array().unwrap();
    // One per item that lacks evidence, then the checks the filter left out
    // of the item it evidences, then the advisory ones.
    assert_eq!(reasons.len(), 7, "{reasons:?}");
    let left_out = reasons[5].as_str().unwrap();
    assert!(
        left_out.starts_with("not selected by the run's filter `key::accepted`: key::")
            && left_out.contains("key::invalid")
            && !left_out.contains("entry-point::"),
        "{left_out}"
    );
    assert!(reasons[6]
        .as_str()
        .unwrap()
        .ends_with("(advisory: they never gate)"));
    every_report_says(reports.path(), "INCOMPLETE");
}

#[test]
fn ignored_is_refused_with_a_reason() {
    let ran = run(bin().args(["run", "--sandbox", "--no-reports", "--ignored"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr
            .contains("--ignored selects checks marked ignored in advance, and no check is"),
        "{}",
        ran.stderr
    );
}

#[test]
fn missing_fixtures_are_gaps_that_say_how_to_supply_them_and_the_run_is_ready() {
    let sandbox = TestSandbox::start(20, &[]);
    let reports = temp_dir();
    let ran = run(sandbox
        .command()
        .args(["run", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::READY);
    assert!(
        ran.stdout
            .contains("[gaps] Valid key copied from the dashboard."),
        "{}",
        ran.stdout
    );
    let json = latest_report(reports.path());
    assert_eq!(json["verdict"], "ready");
    let valid_key = &json["checklist"][0];
    let gaps: Vec<(&str, &str)> = valid_key["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["check"].as_str().unwrap(), g["reason"].as_str().unwrap()))
        .collect();
    assert!(
        gaps.iter()
            .any(|(check, reason)| *check == "key::rotated"
                && reason.contains("WAPZI_PREVIOUS_API_KEY")),
        "{gaps:?}"
    );
    assert!(valid_key["passed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "key::accepted"));
    every_report_says(reports.path(), "READY");
}

#[test]
fn a_panic_is_an_error_of_its_check_and_fails_the_gate() {
    let reports = temp_dir();
    let ran = run(bin()
        .env("WAPZI_HOMOLOG_TEST_PANIC", "key::invalid")
        .args(["run", "--sandbox", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::NOT_READY);
    let json = latest_report(reports.path());
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "key::invalid")
        .unwrap();
    assert_eq!(check["verdict"], "error");
    assert_eq!(check["outcome"]["kind"], "internal");
    assert!(check["outcome"]["message"]
        .as_str()
        .unwrap()
        .contains("the check panicked: test-only panic of `key::invalid`"));
    assert_eq!(json["root_causes"][0]["checks"][0], "key::invalid");
}

/// The key and entry point of the sandbox, for a target that is not it.
fn against(base_url: &str, reports: &Path) -> Ran {
    run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--base-url", base_url, "--reports"])
        .arg(reports))
}

#[test]
fn a_host_that_does_not_resolve_is_unreachable_in_one_line() {
    // A label over 63 bytes is refused by the resolver itself, before any
    // query leaves the machine.
    let host = format!("{}.invalid", "a".repeat(70));
    let reports = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args([
            "run",
            "--allow-insecure-http",
            "--base-url",
            &format!("http://{host}"),
            "--reports",
        ])
        .arg(reports.path()));
    assert_exit(&ran, exit::UNREACHABLE);
    let line = format!("UNREACHABLE: DNS lookup of {host} failed");
    assert!(ran.stdout.starts_with(&line), "{}", ran.stdout);
    assert!(ran.stdout.contains("check the host name in the base URL"));
    assert!(
        !ran.stdout.contains("test "),
        "no check runs: {}",
        ran.stdout
    );
    assert!(
        !ran.stdout.contains("Copy the key"),
        "no key hint: {}",
        ran.stdout
    );
    let json = latest_report(reports.path());
    assert_eq!(json["verdict"], "unreachable");
    assert_eq!(json["unreachable"]["kind"], "dns");
    assert_eq!(json["checks"].as_array().unwrap().len(), 0);
    every_report_says(reports.path(), "UNREACHABLE");
}

/// A target that answers 404 to every request, except (when `probe_ok`)
/// the preflight's read, answered as documented; counts what reached it.
fn not_found_everywhere(probe_ok: bool) -> Listener {
    Listener::start(move |stream| {
        let head = read_head(stream);
        let body: &[u8] = br#"{"message":"Not found"}"#;
        let answer = if probe_ok && head.contains("exec_homolog_preflight") {
            http_response(
                "400 Bad Request",
                "",
                br#"{"message":"Invalid executionId for this account"}"#,
            )
        } else {
            http_response("404 Not Found", "", body)
        };
        let _ = stream.write_all(&answer);
        Some(head)
    })
}

#[test]
fn a_base_url_where_everything_is_404_is_unreachable_and_says_v1() {
    let target = not_found_everywhere(false);
    let reports = temp_dir();
    let ran = against(&format!("{}/v1", target.base_url()), reports.path());
    assert_exit(&ran, exit::UNREACHABLE);
    assert!(
        ran.stdout.contains("every request answered 404"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("/v1/v1/entry-points/"),
        "the URL as sent: {}",
        ran.stdout
    );
    assert!(ran.stdout.contains("like /v1?"), "{}", ran.stdout);
    let heads = target.finish();
    assert_eq!(heads.len(), 2, "nothing is sent after the probe: {heads:?}");
}

#[test]
fn no_check_passes_against_a_target_that_answers_404() {
    let target = not_found_everywhere(true);
    let reports = temp_dir();
    let ran = against(&target.base_url(), reports.path());
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.passed().is_empty(),
        "passed against a 404: {:?}",
        ran.passed()
    );
    assert!(
        ran.stdout
            .contains("root cause: key::accepted: expected status one of 200, 400, got 404"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(&format!(
            "request:  GET {}/v1/executions/",
            target.base_url()
        )),
        "the URL as sent: {}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("404 Not Found: this path does not exist on the target"),
        "{}",
        ran.stdout
    );
}

#[test]
fn no_check_passes_against_an_html_error_page() {
    for (status, page) in [
        ("500 Internal Server Error", "<html>proxy error</html>"),
        ("400 Bad Request", "<html>bad request</html>"),
    ] {
        let target = Listener::start(move |stream| {
            let head = read_head(stream);
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(answer.as_bytes());
            Some(head)
        });
        let reports = temp_dir();
        let ran = against(&target.base_url(), reports.path());
        assert_exit(&ran, exit::NOT_READY);
        assert!(
            ran.passed().is_empty(),
            "{status}: passed {:?}",
            ran.passed()
        );
    }
}

#[test]
fn a_bom_before_the_json_is_shown_and_hinted_as_what_it_is() {
    let target = Listener::start(|stream| {
        let head = read_head(stream);
        let mut body = "\u{feff}".as_bytes().to_vec();
        body.extend_from_slice(br#"{"message":"Invalid executionId for this account"}"#);
        let _ = stream.write_all(&http_response("400 Bad Request", "", &body));
        Some(head)
    });
    let reports = temp_dir();
    let ran = against(&target.base_url(), reports.path());
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout
            .contains("it starts with a byte order mark (\\u{feff})"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("400 application/json \\u{feff}{\"message\""),
        "the BOM is shown: {}",
        ran.stdout
    );
    assert!(
        ran.stdout.lines().any(|l| l.starts_with("root cause: ")
            && l.contains("key::accepted")
            && l.ends_with(": the body is not JSON")),
        "{}",
        ran.stdout
    );
    let json = latest_report(reports.path());
    let cause = &json["root_causes"][0];
    assert_eq!(cause["kind"], "not_json");
    let hint = cause["failure"]["hint"].as_str().unwrap();
    assert!(hint.contains("byte order mark"), "{hint}");
    assert!(
        !hint.contains("Copy the key"),
        "the key is not the problem: {hint}"
    );
}

#[test]
fn the_root_cause_is_the_failure_the_others_follow_from() {
    let reports = temp_dir();
    let ran = sandbox_run(
        &[
            "--fault",
            "never-finishes",
            "--poll-timeout",
            "1s",
            "--latency",
            "20ms",
        ],
        reports.path(),
    );
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout
            .contains("root cause: 3 checks (execution::completes, "),
        "{}",
        ran.stdout
    );
    assert!(ran
        .stdout
        .contains("never left `queued` within the poll timeout"));
    assert!(
        ran.stdout
            .contains("check the entry point's agent is answering"),
        "{}",
        ran.stdout
    );
    let md = std::fs::read_to_string(reports.path().join("latest/report.md")).unwrap();
    let why = md.find("> **Why NOT READY:**").unwrap();
    let checklist = md.find("## Checklist").unwrap();
    let failures = md.find("## Failures").unwrap();
    let checks = md.find("## Checks").unwrap();
    assert!(
        why < checklist && checklist < failures && failures < checks,
        "{md}"
    );
    assert!(md.contains("> **Root cause:** never left \\`queued\\` within the poll timeout (`execution::completes`,"), "{md}");
}

#[test]
fn a_report_of_a_run_whose_executions_all_time_out_stays_small() {
    let reports = temp_dir();
    let ran = sandbox_run(
        &[
            "--fault",
            "never-finishes",
            "--poll-timeout",
            "5s",
            "--latency",
            "20ms",
        ],
        reports.path(),
    );
    assert_exit(&ran, exit::NOT_READY);
    let html = std::fs::read_to_string(reports.path().join("latest/report.html")).unwrap();
    assert!(html.contains("polls not shown (report.json has them all)"));
    assert!(
        html.len() < 150 * 1024,
        "report.html is {} bytes",
        html.len()
    );
    assert!(html.find("id=\"why\"").unwrap() < html.find("<h2>Checklist</h2>").unwrap());
    let json = latest_report(reports.path());
    let polls = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "execution::completes")
        .unwrap()["polls"][0]["polls"]
        .as_u64()
        .unwrap();
    assert!(polls > 20, "report.json keeps every poll: {polls}");
}

/// Runs `args`, sends `signal` once `passed` has passed (libtest prints
/// each check's line when it ends), and returns the exit code and stdout;
/// every wait is bounded.
fn interrupted_run(args: &[&str], passed: &str, signal: &str) -> (i32, String) {
    let mut watched = Watched::start(bin().args(args));
    // libtest pads the name when some check has a kind (`[advisory]`).
    watched.wait_for("the check passes", |l| {
        l.strip_prefix("test ")
            .is_some_and(|rest| rest.trim_start().starts_with(&format!("{passed} ")))
            && l.ends_with("... ok")
    });
    watched.signal(signal);
    watched.finish()
}

#[test]
fn a_signal_mid_run_writes_the_reports_of_what_ran_and_marks_the_rest() {
    for (signal, code) in [("INT", exit::INTERRUPTED), ("TERM", exit::TERMINATED)] {
        let reports = temp_dir();
        let dir = reports.path().to_str().unwrap().to_string();
        let (status, stdout) = interrupted_run(
            &[
                "run",
                "--sandbox",
                "--fault",
                "never-finishes",
                "--poll-timeout",
                "60s",
                "--reports",
                &dir,
            ],
            // The last check before the never-ending poll: once it passed,
            // execution::completes is surely polling (a check that only
            // started, as key::missing might be, could be interrupted too).
            "entry-point::accepts-execute",
            signal,
        );
        assert_eq!(status, i32::from(code), "{signal}: {stdout}");
        assert!(
            stdout.contains("INTERRUPTED: the run was stopped before it ended"),
            "{stdout}"
        );
        let json = latest_report(reports.path());
        assert_eq!(json["verdict"], "interrupted");
        assert_eq!(json["exit_code"], code);
        assert_eq!(json["interrupted_by"], format!("SIG{signal}"));
        let checks = json["checks"].as_array().unwrap();
        let outcome = |id: &str| {
            checks
                .iter()
                .find(|c| c["id"] == id)
                .map(|c| c["outcome"].clone())
                .unwrap_or_default()
        };
        assert_eq!(
            outcome("entry-point::accepts-execute")["status"],
            "passed",
            "what ran is kept"
        );
        assert_eq!(
            outcome("execution::completes")["kind"],
            "interrupted",
            "{}",
            outcome("execution::completes")
        );
        assert_eq!(
            checks.len(),
            wapzi_homolog::scaffold::DEFAULT_CHECKS
                .iter()
                .filter(|(path, _)| !path.starts_with("client/"))
                .count(),
            "every check is in the report"
        );
        every_report_says(reports.path(), "INTERRUPTED");
    }
}

#[test]
fn an_advisory_failure_shows_as_failed_in_its_line_and_does_not_fail_the_gate() {
    let sandbox = TestSandbox::start(20, &["missing-key-wrong-message"]);
    let dir = temp_dir();
    let check = std::fs::read_to_string("checks/key/missing.yaml")
        .unwrap()
        .replace("severity: required", "severity: advisory");
    let file = dir.path().join("missing.yaml");
    std::fs::write(&file, check).unwrap();
    let ran = run(sandbox
        .command()
        .args(["run", "--no-reports", "--checks"])
        .arg(&file));
    // INCOMPLETE, not NOT READY: the advisory failure does not gate, and
    // one check evidences no checklist item.
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(
        ran.stdout
            .contains("test [advisory] key::missing ... FAILED"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("advisory: this failure does not fail the gate"),
        "{}",
        ran.stdout
    );
}
