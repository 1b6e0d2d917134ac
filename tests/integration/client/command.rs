//! `wapzi-homolog client` end to end: the binary serves the counterpart,
//! runs a real child process as the client (this test binary again, in
//! the role of [`child_client`]), grades its calls, prints, reports and
//! exits with the documented code.

use std::path::Path;
use std::process::Command;

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use super::clients::{drive, Api, Behaviour};
use crate::support::{assert_exit, bin, latest_report, run, temp_dir, TestSandbox, Watched};

/// The variable that makes [`child_client`] act, and how.
const ROLE: &str = "WAPZI_TEST_CLIENT";
/// The exit code [`child_client`] ends with, when set.
const EXIT: &str = "WAPZI_TEST_CLIENT_EXIT";

/// The client process of these tests: this test binary, run by
/// `client -- COMMAND` with [`ROLE`] set, drives the API it is given through
/// `WAPZI_BASE_URL`, `WAPZI_API_KEY` and `WAPZI_ENTRY_POINT_ID`.
#[test]
#[ignore = "the client process of the `client -- COMMAND` tests, run by them"]
fn child_client() {
    let Ok(role) = std::env::var(ROLE) else {
        panic!("run by the client command tests, with {ROLE} set");
    };
    let behaviour = match role.as_str() {
        "correct" => Behaviour::Correct,
        "browser" => Behaviour::BrowserHeaders,
        "key-in-query" => Behaviour::KeyInQuery,
        other => panic!("unknown role {other}"),
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    let api = Api {
        base_url: var("WAPZI_BASE_URL"),
        key: var("WAPZI_API_KEY"),
        entry_point: var("WAPZI_ENTRY_POINT_ID"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(drive(&api, behaviour));
    if let Ok(code) = std::env::var(EXIT) {
        std::process::exit(code.parse().unwrap());
    }
}

/// `client` with this test binary as the COMMAND, acting as `role`.
fn client_command(role: &str, reports: &Path) -> Command {
    let mut cmd = bin();
    cmd.env(ROLE, role)
        .arg("client")
        .arg("--reports")
        .arg(reports);
    cmd
}

fn with_child(mut cmd: Command) -> Command {
    cmd.arg("--").arg(std::env::current_exe().unwrap()).args([
        "--include-ignored",
        "--exact",
        "client::command::child_client",
        "--quiet",
    ]);
    cmd
}

#[test]
fn a_correct_backend_met_with_every_scenario_is_ready() {
    let dir = temp_dir();
    let mut cmd = client_command("correct", dir.path());
    for scenario in super::EVERYTHING {
        cmd.args(["--scenario", scenario]);
    }
    let ran = run(&mut with_child(cmd));
    assert_exit(&ran, exit::READY);
    assert!(ran.stdout.contains("READY"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("client::poll-interval"),
        "{}",
        ran.stdout
    );
    let json = latest_report(dir.path());
    assert_eq!(json["side"], "client");
    assert_eq!(json["verdict"], "ready");
    let client = &json["client"];
    assert_eq!(client["command_exit"]["code"], 0);
    assert_eq!(
        client["scenarios"],
        serde_json::json!(["slow", "unavailable", "superseded", "key-rotated"])
    );
    let lanes = client["lanes"].as_array().unwrap();
    assert!(!lanes.is_empty());
    assert_eq!(lanes[0]["terminal"], "superseded", "{}", lanes[0]);
    assert_eq!(lanes[0]["events"][0]["method"], "POST");
    let html = std::fs::read_to_string(dir.path().join("latest/report.html")).unwrap();
    assert!(html.contains("one lane per execution"));
    let md = std::fs::read_to_string(dir.path().join("latest/report.md")).unwrap();
    assert!(
        md.contains("| Homologated | the client's calls, made by `"),
        "{md}"
    );
    // The sandbox's key was sent on every call; no report holds it.
    for file in ["report.json", "report.md", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join("latest").join(file)).unwrap();
        assert!(!text.contains(FIXTURES.api_key), "{file} holds the key");
    }
}

#[test]
fn a_failing_end_to_end_test_makes_the_run_not_ready_with_its_code() {
    let dir = temp_dir();
    let mut cmd = client_command("correct", dir.path());
    cmd.env(EXIT, "3");
    // A second filter libtest matches nothing with: a key written in the
    // command line, which no output may show.
    let key_arg = format!("API_KEY={COMMAND_KEY}");
    let ran = run(with_child(cmd).arg(&key_arg));
    assert_exit(&ran, exit::NOT_READY);
    let json = latest_report(dir.path());
    assert_eq!(json["client"]["command_exit"]["code"], 3);
    let reasons = json["reasons"].to_string();
    assert!(reasons.contains('3'), "{reasons}");
    assert!(ran.stdout.contains("NOT READY"), "{}", ran.stdout);
    // The command is the root cause, named first, with its code and its
    // command line (redacted), in the terminal and in report.json.
    let exe = std::env::current_exe().unwrap().display().to_string();
    let cause = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("root cause:"))
        .unwrap_or_else(|| panic!("no root cause: {}", ran.stdout));
    assert!(cause.contains("exited with code 3"), "{cause}");
    assert!(cause.contains(&exe), "{cause}");
    assert!(cause.contains("API_KEY=[redacted]"), "{cause}");
    let first = &json["root_causes"][0];
    assert_eq!(first["kind"], "client_command", "{first}");
    assert_eq!(first["checks"], serde_json::json!([]));
    let summary = first["summary"].as_str().unwrap();
    assert!(summary.contains("exited with code 3") && summary.contains(&exe));
    for file in ["report.json", "report.md", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join("latest").join(file)).unwrap();
        assert!(!text.contains(COMMAND_KEY), "{file} holds the key");
    }
    assert!(!ran.stdout.contains(COMMAND_KEY) && !ran.stderr.contains(COMMAND_KEY));
}

/// A key written in a command line.
const COMMAND_KEY: &str = "ak_written0in0the0command0line0000003";

#[test]
fn format_json_keeps_stdout_json_lines_and_the_commands_output_on_stderr() {
    let dir = temp_dir();
    let mut cmd = client_command("browser", dir.path());
    cmd.args(["--format", "json"]);
    let ran = run(&mut with_child(cmd));
    assert_exit(&ran, exit::NOT_READY);
    let events: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let failed = events
        .iter()
        .find(|e| e["event"] == "failed" && e["name"] == "client::from-backend")
        .unwrap_or_else(|| panic!("{}", ran.stdout));
    assert!(
        failed["message"].as_str().unwrap().contains("Origin"),
        "{failed}"
    );
    let [.., verdict, reports] = events.as_slice() else {
        panic!("{}", ran.stdout);
    };
    assert_eq!(verdict["type"], "verdict");
    assert_eq!(verdict["exit_code"], 1);
    assert_eq!(reports["type"], "reports");
    // The child's own output (libtest's, this binary's) and the verdict's
    // text are for the person watching.
    assert!(ran.stderr.contains("running 1 test"), "{}", ran.stderr);
    assert!(ran.stderr.contains("NOT READY"), "{}", ran.stderr);
}

#[test]
fn quiet_prints_a_character_per_client_check() {
    let ran = run(bin().args(["client", "--for", "10ms", "--no-reports", "-q"]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.stdout.contains("\niiiiiiiiiiiiii\n"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("test client::"), "{}", ran.stdout);
}

#[test]
fn a_violation_fails_its_check_and_is_marked_on_the_lane() {
    let dir = temp_dir();
    let ran = run(&mut with_child(client_command("browser", dir.path())));
    assert_exit(&ran, exit::NOT_READY);
    assert_eq!(ran.failed(), ["client::from-backend"]);
    let json = latest_report(dir.path());
    let marked = json["client"]["lanes"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["violations"].to_string().contains("client::from-backend"));
    assert!(marked, "{}", json["client"]["lanes"]);
}

#[test]
fn a_key_in_the_query_string_is_caught_and_never_shown() {
    let dir = temp_dir();
    let mut cmd = client_command("key-in-query", dir.path());
    // Each call is printed as it is recorded: the query's values never.
    cmd.arg("-v");
    let ran = run(&mut with_child(cmd));
    assert_exit(&ran, exit::NOT_READY);
    assert_eq!(ran.failed(), ["client::key-only-in-header"]);
    let execute = format!(
        "POST /v1/entry-points/{}/execute?api_key=… → 202 in ",
        FIXTURES.entry_point_id
    );
    assert!(ran.stderr.contains("client: call #0 at "), "{}", ran.stderr);
    assert!(ran.stderr.contains(&execute), "{}", ran.stderr);
    assert!(!ran.stdout.contains(FIXTURES.api_key));
    assert!(!ran.stderr.contains(FIXTURES.api_key));
    for entry in std::fs::read_dir(dir.path().join("latest")).unwrap() {
        let text = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&text).contains(FIXTURES.api_key));
    }
}

#[test]
fn through_upstream_the_real_api_answers_and_the_calls_are_graded_alike() {
    let upstream = TestSandbox::start(100, &[]);
    let dir = temp_dir();
    let mut cmd = client_command("correct", dir.path());
    cmd.args(["--upstream", &upstream.base_url()])
        // With --upstream the client keeps its own key and entry point.
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id);
    let ran = run(&mut with_child(cmd));
    // No scenario: superseded-is-final is not exercised, but each
    // practice has a passed required check (latest-wins: the client
    // continued its conversation), so the gap does not stop READY.
    assert_exit(&ran, exit::READY);
    assert!(ran.failed().is_empty(), "{}", ran.stdout);
    let json = latest_report(dir.path());
    assert_eq!(json["client"]["upstream"], upstream.base_url());
    assert!(upstream.stats().requests >= 3, "the upstream answered");
    assert!(
        !std::fs::read_to_string(dir.path().join("latest/report.json"))
            .unwrap()
            .contains(FIXTURES.api_key)
    );
}

/// Through `--upstream`, the recorder presents `key-rotated` and
/// `unavailable` itself, without forwarding: a correct client meets them
/// as it meets the sandbox's, the faithful upstream never sees those
/// calls, and the run is READY, the reports saying who answered.
#[test]
fn through_upstream_the_recorder_presents_scenarios_and_a_correct_client_is_ready() {
    let upstream = TestSandbox::start(100, &[]);
    let dir = temp_dir();
    let mut cmd = client_command("correct", dir.path());
    cmd.args(["--upstream", &upstream.base_url()])
        .args(["--scenario", "key-rotated", "--scenario", "unavailable"])
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id);
    let ran = run(&mut with_child(cmd));
    assert_exit(&ran, exit::READY);
    assert!(ran.failed().is_empty(), "{}", ran.stdout);
    let json = latest_report(dir.path());
    assert_eq!(json["verdict"], "ready", "{}", json["reasons"]);
    assert_eq!(
        json["client"]["scenarios"],
        serde_json::json!(["key-rotated", "unavailable"])
    );
    let events: Vec<&serde_json::Value> = json["client"]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["events"].as_array().unwrap())
        .collect();
    let presented = |scenario: &str, status: u16| {
        events
            .iter()
            .filter(|e| e["presented"] == scenario && e["status"] == status)
            .count()
    };
    assert!(presented("unavailable", 503) >= 1, "{events:?}");
    // Both practices were exercised and passed, not left as gaps.
    for check in [
        "client::honours-retry-after",
        "client::refusals-not-hammered",
    ] {
        let result = json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == check)
            .unwrap_or_else(|| panic!("{check} graded"));
        assert_eq!(result["verdict"], "passed", "{result}");
    }
    // The upstream never saw what the recorder answered: the first
    // execute (429), the first read (503), and each call after the key
    // was rotated (401).
    let calls = json["requests_sent"].as_u64().unwrap();
    assert!(upstream.stats().requests + 3 <= calls, "{calls} calls");
}

#[test]
fn scenarios_the_recorder_cannot_present_upstream_are_refused_with_why() {
    let dir = temp_dir();
    let ran = run(bin()
        .args(["client", "--upstream", "http://127.0.0.1:9", "--scenario"])
        .args(["superseded", "--reports"])
        .arg(dir.path())
        .args(["--", "true"]));
    assert_exit(&ran, exit::SETUP);
    assert!(
        ran.stderr
            .contains("--scenario superseded cannot be presented in front of the real API")
            && ran
                .stderr
                .contains("creating an execution the client never asked for")
            && ran.stderr.contains("with --upstream the recorder presents")
            && ran.stderr.contains("key-rotated"),
        "{}",
        ran.stderr
    );
}

/// Through `--upstream`, the client's key is one the run was never told
/// (no WAPZI_API_KEY here): sent only in the URL, as a bearer token or in
/// the body, it is a secret all the same, caught and kept out of every output.
#[test]
fn a_key_the_run_was_never_told_is_caught_and_never_shown_wherever_the_client_put_it() {
    const KEY: &str = "ak_never0told0to0the0run000000000009";
    let upstream = TestSandbox::start(0, &[]);
    let dir = temp_dir();
    let mut watched = Watched::start(
        bin()
            .args(["client", "--upstream", &upstream.base_url(), "--reports"])
            .arg(dir.path())
            .env_remove("WAPZI_API_KEY"),
    );
    let base_url = watched.recorder_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let execute = format!(
            "{base_url}/v1/entry-points/{}/execute",
            FIXTURES.entry_point_id
        );
        let sent = [
            client.get(format!("{base_url}/v1/executions/exec_1?api_key={KEY}")),
            client
                .get(format!("{base_url}/v1/executions/exec_2"))
                .bearer_auth(KEY),
            client
                .post(&execute)
                .header("content-type", "application/json")
                .body(serde_json::json!({"message": "hi", "apiKey": KEY}).to_string()),
        ];
        for request in sent {
            let answer = request.send().await.unwrap();
            assert_eq!(
                answer.status(),
                401,
                "the upstream refuses a key it does not know"
            );
        }
    });
    watched.signal("TERM");
    let (code, stdout, stderr) = watched.finish_all();
    assert_eq!(code, i32::from(exit::NOT_READY), "{stdout}");
    assert!(!stdout.contains(KEY), "{stdout}");
    assert!(!stderr.contains(KEY), "{stderr}");
    let json = latest_report(dir.path());
    let failed: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "failed")
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(failed.contains(&"client::key-only-in-header"), "{failed:?}");
    let failure = json.to_string();
    assert!(
        failure.contains("the key is in the query string"),
        "{failure}"
    );
    assert!(failure.contains("the key is in the body"), "{failure}");
    for entry in std::fs::read_dir(dir.path().join("latest")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains(KEY),
            "{} holds the key",
            path.display()
        );
    }
}

#[test]
fn a_command_past_its_deadline_is_stopped_and_the_run_incomplete() {
    let dir = temp_dir();
    let mut cmd = bin();
    cmd.args(["client", "--deadline", "300ms", "--reports"])
        .arg(dir.path())
        .args(["--", "sleep", "30"]);
    let ran = run(&mut cmd);
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.stderr.contains("--deadline"), "{}", ran.stderr);
    let json = latest_report(dir.path());
    assert_eq!(json["client"]["command_exit"]["timed_out"], true);
}

#[test]
fn serving_for_a_while_with_no_call_is_incomplete() {
    let dir = temp_dir();
    let mut cmd = bin();
    cmd.args(["client", "--for", "100ms", "--reports"])
        .arg(dir.path());
    let ran = run(&mut cmd);
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(
        ran.stdout.contains("Wapzi sandbox at http://127.0.0.1:"),
        "{}",
        ran.stdout
    );
    assert!(latest_report(dir.path())["reasons"]
        .to_string()
        .contains("no call"));
}

#[test]
fn setup_mistakes_exit_2_with_what_to_do() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let in_use = format!("cannot listen on 127.0.0.1:{port}: address in use");
    let cases: &[(&[&str], &str)] = &[
        (&["client", "--port", &port, "--", "true"], &in_use),
        (
            &["client", "--scenario", "key-rotate", "--", "true"],
            "did you mean `key-rotated`?",
        ),
        (
            &["client", "--upstream", "http://192.0.2.1", "--", "true"],
            "--allow-insecure-http",
        ),
        (
            &["client", "--", "/no/such/client"],
            "cannot run the client command `/no/such/client`",
        ),
        (
            &[
                "client",
                "--upstream",
                "https://api.wapzi.com.br",
                "--fault",
                "hang",
                "--",
                "true",
            ],
            "drop --fault or --upstream",
        ),
        (
            &[
                "client",
                "--upstream",
                "https://api.wapzi.com.br",
                "--dialect",
                "json-404",
                "--",
                "true",
            ],
            "drop --dialect or --upstream",
        ),
        (
            &["client", "--dialect", "null-responses", "--", "true"],
            "unknown dialect `null-responses` (did you mean `null-response`?)",
        ),
    ];
    for (args, says) in cases {
        let dir = temp_dir();
        let ran = run(bin().args(*args).arg("--reports").arg(dir.path()));
        assert_exit(&ran, exit::SETUP);
        assert!(ran.stderr.contains(says), "{args:?}: {}", ran.stderr);
    }
}

#[test]
fn list_scenarios_names_each_with_what_it_does() {
    let ran = run(bin().args(["client", "--list-scenarios"]));
    assert_exit(&ran, exit::READY);
    for scenario in wapzi_homolog::sandbox::Scenario::ALL {
        assert!(
            ran.stdout.contains(scenario.name) && ran.stdout.contains(scenario.description),
            "{}",
            ran.stdout
        );
    }
    // With --format json, stdout is JSON lines there too.
    let ran = run(bin().args(["client", "--list-scenarios", "--format", "json"]));
    assert_exit(&ran, exit::READY);
    let names: Vec<String> = ran
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["name"].to_string())
        .collect();
    assert_eq!(names.len(), wapzi_homolog::sandbox::Scenario::ALL.len());
    assert!(names.contains(&"\"superseded\"".to_string()), "{names:?}");
    // Each says whether it works with --upstream.
    let upstream: Vec<String> = ran
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["upstream"] == true)
        .map(|event| event["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        upstream.contains(&"key-rotated".to_string()),
        "{upstream:?}"
    );
    assert!(
        upstream.contains(&"unavailable".to_string()),
        "{upstream:?}"
    );
    assert!(
        !upstream.contains(&"superseded".to_string()),
        "{upstream:?}"
    );
}

#[test]
fn explain_tells_a_client_check_and_lists_the_area() {
    let ran = run(bin().args(["explain", "client::poll-interval"]));
    assert_exit(&ran, exit::READY);
    for says in [
        "practice::polite-polling",
        "exercised by:",
        "builtin:client/poll-interval.yaml:2",
    ] {
        assert!(ran.stdout.contains(says), "{says}: {}", ran.stdout);
    }
    let listed = run(bin().args(["explain", "client"]));
    assert!(
        listed.stdout.contains("14 checks under client::"),
        "{}",
        listed.stdout
    );
    let typo = run(bin().args(["explain", "client::poll-intervall"]));
    assert_exit(&typo, exit::SETUP);
    assert!(
        typo.stderr.contains("client::poll-interval"),
        "{}",
        typo.stderr
    );
}

/// Starts `client` with `args`, waits (bounded) for a stdout line holding
/// `ready`, sends SIGTERM, and returns the exit code.
fn terminated_after(args: &[&str], ready: &str) -> i32 {
    let mut watched = Watched::start(bin().args(args));
    watched.wait_for("the client run is up", |line| line.contains(ready));
    watched.signal("TERM");
    watched.finish().0
}

#[test]
fn sigterm_while_the_command_runs_stops_it_and_reports_interrupted() {
    let dir = temp_dir();
    let reports = dir.path().to_str().unwrap();
    let code = terminated_after(
        &[
            "client",
            "--reports",
            reports,
            "--",
            "sh",
            "-c",
            "echo started; sleep 30",
        ],
        "started",
    );
    assert_eq!(code, i32::from(exit::TERMINATED));
    let json = latest_report(dir.path());
    assert_eq!(json["verdict"], "interrupted");
    assert_eq!(json["interrupted_by"], "SIGTERM");
    assert_eq!(json["client"]["command_exit"]["signal"], "SIGTERM");
}

#[test]
fn sigterm_ends_serving_without_a_command_and_grades() {
    let dir = temp_dir();
    let reports = dir.path().to_str().unwrap();
    let code = terminated_after(
        &["client", "--reports", reports],
        "Recording your client's calls",
    );
    // The normal end of serving: graded, no call made.
    assert_eq!(code, i32::from(exit::INCOMPLETE));
    assert_eq!(latest_report(dir.path())["verdict"], "incomplete");
}

/// The custom check of docs/client.md, as an integrator would add it.
const CUSTOM_CHECK: &str = r#"id: acme::always-conversation
title: Our backend always continues the conversation it was given
checklist: practice::latest-wins
severity: advisory
hint: Keep the conversationId of the first answer and send it with every follow-up.
exercised_by: a follow-up message in the client's end-to-end test
rules:
  - name: follow-ups carry the conversation
    select: {method: POST, path: /v1/entry-points/*/execute}
    expect:
      headers: {content-type: {regex: '^application/json'}}
      body: {conversationId: {type: string}}
"#;

/// The correct client met with every scenario, graded by the built-in
/// client checks and `check` (written as `file` of a folder of its own),
/// its reports under `reports`.
fn graded_with_own_check(file: &str, check: &str, reports: &Path) -> crate::support::Ran {
    let checks = temp_dir();
    let path = checks.path().join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, check).unwrap();
    let mut cmd = client_command("correct", reports);
    cmd.args(["--checks", "builtin", "--checks"])
        .arg(checks.path());
    for scenario in super::EVERYTHING {
        cmd.args(["--scenario", scenario]);
    }
    run(&mut with_child(cmd))
}

#[test]
fn an_integrators_own_client_check_is_graded_with_the_built_in_ones() {
    let dir = temp_dir();
    let ran = graded_with_own_check("client/always-conversation.yaml", CUSTOM_CHECK, dir.path());
    // Advisory: its failure (the first message has no conversation yet)
    // is shown, and the gate still passes.
    assert_exit(&ran, exit::READY);
    assert_eq!(ran.failed(), ["acme::always-conversation"]);
    assert!(ran.stdout.contains("advisory"), "{}", ran.stdout);
}

/// A client check naming the variables the command supplies.
const VARIABLES_CHECK: &str = r#"id: acme::configured-entry-point
title: Our backend executes on the configured entry point only
checklist: execute-202
severity: required
hint: Read the entry point from WAPZI_ENTRY_POINT_ID.
exercised_by: an execute call
rules:
  - name: executes name the configured entry point
    select: {method: POST, path: "/v1/entry-points/{{ entry_point_id }}/execute"}
    expect:
      body: {message: {type: string}}
  - name: no execute elsewhere
    select: {method: POST, path: /v1/entry-points/*/execute}
    expect:
      body: {message: {not_one_of: ["{{ run_id }}"]}}
---
id: acme::names-the-run
title: Fails on purpose, quoting the run id it was given
checklist: execute-202
severity: advisory
hint: A test of the variables.
exercised_by: an execute call
rules:
  - name: the message is the run id
    select: {method: POST, path: /v1/entry-points/*/execute}
    expect:
      body: {message: {one_of: ["{{ run_id }}"]}}
"#;

#[test]
fn entry_point_id_and_run_id_have_their_values_in_client_checks() {
    let dir = temp_dir();
    let ran = graded_with_own_check("configured.yaml", VARIABLES_CHECK, dir.path());
    assert_exit(&ran, exit::READY);
    assert!(
        ran.passed()
            .contains(&"acme::configured-entry-point".to_string()),
        "{}",
        ran.stdout
    );
    // The advisory check fails, quoting the run's own id.
    let json = latest_report(dir.path());
    let run_id = json["run_id"].as_str().unwrap();
    let names_the_run = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "acme::names-the-run")
        .unwrap();
    assert_eq!(
        names_the_run["verdict"], "advisory_failed",
        "{names_the_run}"
    );
    assert!(
        names_the_run.to_string().contains(run_id),
        "{names_the_run}"
    );
}

#[test]
fn min_poll_interval_sets_the_polling_floor() {
    let dir = temp_dir();
    let mut cmd = client_command("correct", dir.path());
    // The correct client polls every 250 ms: under a 1 s floor it is too
    // fast. The page gives no polling interval: an advisory failure, the
    // gate stays open. Polling shows by the hidden hold standing for
    // `slow` (each execution read running twice), not by its 3 s: at no
    // latency, without the hold, the first read would show it completed.
    cmd.args(["--min-poll-interval", "1s", "--latency", "0ms"]);
    cmd.args(["--hold-running-reads", "2"]);
    let ran = run(&mut with_child(cmd));
    assert_exit(&ran, exit::READY);
    let json = latest_report(dir.path());
    let verdicts: Vec<(String, String)> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] != "passed" && c["verdict"] != "ignored")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [(
            "client::poll-interval".to_string(),
            "advisory_failed".to_string()
        )]
    );
    assert!(ran.stdout.contains("1000 ms"), "{}", ran.stdout);
    let lanes = json["client"]["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 2, "{lanes:?}");
    for lane in lanes {
        let read: Vec<&str> = lane["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["method"] == "GET")
            .map(|e| e["execution_status"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(read, ["queued", "queued", "completed"], "{lane}");
    }
}

#[test]
fn a_key_in_the_commands_arguments_is_never_echoed() {
    let upstream = TestSandbox::start(0, &[]);
    let dir = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .args(["client", "--upstream", &upstream.base_url(), "--reports"])
        .arg(dir.path())
        .args(["--", "sh", "-c", "true", FIXTURES.api_key]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(
        ran.stderr.contains("running `sh -c true "),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains(FIXTURES.api_key), "{}", ran.stderr);
    assert!(!ran.stdout.contains(FIXTURES.api_key), "{}", ran.stdout);
    let json = std::fs::read_to_string(dir.path().join("latest/report.json")).unwrap();
    assert!(!json.contains(FIXTURES.api_key));
}

#[test]
fn a_key_pasted_in_place_of_the_upstream_is_not_shown_back() {
    let ran = run(bin().env("WAPZI_API_KEY", FIXTURES.api_key).args([
        "client",
        "--upstream",
        FIXTURES.api_key,
        "--no-reports",
        "--",
        "true",
    ]));
    assert_exit(&ran, exit::SETUP);
    assert!(ran.stderr.contains("invalid base URL"), "{}", ran.stderr);
    assert!(!ran.stderr.contains(FIXTURES.api_key), "{}", ran.stderr);
}
