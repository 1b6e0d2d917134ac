//! `run` end to end against a real sandbox on loopback.

use std::collections::BTreeSet;

use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{
    assert_exit, assert_exit_case, bin, latest_report, run, temp_dir, TestSandbox,
};

/// Every shipped check id, from `list`.
fn all_check_ids() -> Vec<String> {
    let ran = run(bin().arg("list"));
    assert_exit(&ran, exit::READY);
    let mut ids: Vec<String> = ran
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        // `list` shows the client checks too; `run` runs only API checks.
        .filter(|id| !id.starts_with("client::"))
        .map(String::from)
        .collect();
    ids.sort();
    ids
}

#[test]
fn run_sandbox_passes_every_check_and_exits_ready() {
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::READY);
    assert_eq!(ran.passed(), all_check_ids());
    assert!(ran.failed().is_empty());
    assert!(
        ran.passed().contains(&"key::missing".to_string()),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("READY for go-live"), "{}", ran.stdout);
}

#[test]
fn run_against_any_base_url_reads_the_environment_and_ignores_missing_fixtures() {
    // 300 ms: latest-wins needs its first execution still running when the
    // second message comes, however loaded the machine (at 20 ms it can
    // end inconclusive, and ignored).
    let sandbox = TestSandbox::start(300, &[]);
    let ran = run(sandbox.command().args(["run", "--no-reports"]));
    assert_exit(&ran, exit::READY);
    let ignored = ran.with_status("ignored");
    assert_eq!(
        ignored,
        [
            "conversation::other-account",
            "entry-point::inactive",
            "entry-point::no-attendants",
            "entry-point::other-account",
            "entry-point::unavailable",
            "execution::failed-is-reported",
            "execution::other-account",
            "key::inactive-account",
            "key::inactive-refused-on-a-finished-execution",
            "key::rotated",
            "key::rotated-refused-on-a-finished-execution",
        ]
    );
    assert!(
        ran.stdout.contains("needs fixture `previous_api_key`")
            && ran.stdout.contains("WAPZI_PREVIOUS_API_KEY"),
        "the ignore reason names the fixture and its variable:\n{}",
        ran.stdout
    );
    assert!(sandbox.stats().requests > 10, "the sandbox was really hit");
}

#[test]
fn fixtures_from_environment_and_flags_enable_their_checks() {
    // Long enough for latest-wins to see its first execution still queued.
    let sandbox = TestSandbox::start(300, &[]);
    let ran = run(sandbox
        .command()
        .env("WAPZI_PREVIOUS_API_KEY", FIXTURES.previous_api_key)
        .env("WAPZI_INACTIVE_API_KEY", FIXTURES.inactive_api_key)
        .env("WAPZI_OTHER_API_KEY", FIXTURES.other_api_key)
        .env("WAPZI_OTHER_ENTRY_POINT_ID", FIXTURES.other_entry_point_id)
        .env(
            "WAPZI_NO_ATTENDANTS_ENTRY_POINT_ID",
            FIXTURES.no_attendants_entry_point_id,
        )
        .env(
            "WAPZI_INACTIVE_ENTRY_POINT_ID",
            FIXTURES.inactive_entry_point_id,
        )
        .args([
            "run",
            "--no-reports",
            "--unavailable-entry-point",
            FIXTURES.unavailable_entry_point_id,
        ])
        .args([
            "--fixture",
            &format!("failing_message=please {}", FIXTURES.fail_marker),
        ]));
    assert_exit(&ran, exit::READY);
    assert!(ran.with_status("ignored").is_empty(), "{}", ran.stdout);
}

#[test]
fn a_wrong_key_is_named_in_the_first_failure_without_a_cascade() {
    let sandbox = TestSandbox::start(20, &[]);
    let ran = run(sandbox
        .command()
        .env("WAPZI_API_KEY", "ak_thisisnotthekey000000000000000000")
        .args(["run", "--no-reports"]));
    assert_exit(&ran, exit::NOT_READY);
    assert_eq!(ran.failed(), ["key::accepted"], "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("root cause: key::accepted: expected status one of 200, 400, got 401"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("not run: prerequisite `key::accepted` failed"),
        "{}",
        ran.stdout
    );
    assert!(
        !ran.stdout.contains("ak_thisisnotthekey"),
        "the key never reaches the terminal"
    );
}

#[test]
fn an_entry_point_without_attendants_is_said_plainly() {
    let sandbox = TestSandbox::start(20, &[]);
    let ran = run(sandbox
        .command()
        .env(
            "WAPZI_ENTRY_POINT_ID",
            FIXTURES.no_attendants_entry_point_id,
        )
        .args(["run", "--no-reports"]));
    assert_exit(&ran, exit::NOT_READY);
    assert_eq!(
        ran.failed(),
        ["entry-point::configured-has-attendant"],
        "{}",
        ran.stdout
    );
    let cause = ran
        .stdout
        .split("root cause: entry-point::configured-has-attendant:")
        .nth(1)
        .unwrap_or_default();
    assert!(
        cause.contains("Entry point has no attendants configured"),
        "{}",
        ran.stdout
    );
}

#[test]
fn api_key_file_is_trimmed() {
    let sandbox = TestSandbox::start(20, &[]);
    let dir = temp_dir();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{}\n", FIXTURES.api_key)).unwrap();
    let ran = run(sandbox
        .command()
        .env_remove("WAPZI_API_KEY")
        .args(["run", "--no-reports", "key::"])
        .arg("--api-key-file")
        .arg(&key_file));
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.passed().contains(&"key::accepted".to_string()));
}

#[test]
fn libtest_filters_select_checks() {
    let sandbox = TestSandbox::start(20, &[]);
    let ids = |args: &[&str]| {
        let ran = run(sandbox.command().args(["run", "--no-reports"]).args(args));
        assert_exit_case(&ran, exit::INCOMPLETE, format_args!("{args:?}"));
        ran.passed()
            .into_iter()
            .chain(ran.with_status("ignored"))
            .collect::<BTreeSet<_>>()
    };
    // The key checks, and the checks whose answers some of them judge.
    let key_checks = ids(&["key::"]);
    let (keys, sources): (Vec<&String>, Vec<&String>) =
        key_checks.iter().partition(|id| id.starts_with("key::"));
    assert!(keys.len() == 10, "{key_checks:?}");
    assert_eq!(
        sources,
        ["entry-point::configured-active", "execution::completes"],
        "{key_checks:?}"
    );
    assert_eq!(
        ids(&["--exact", "key::missing"]),
        BTreeSet::from(["key::missing".to_string()])
    );
    let skipped = ids(&["key::", "--skip", "key::missing"]);
    assert!(
        !skipped.contains("key::missing") && skipped.len() == key_checks.len() - 1,
        "{skipped:?}"
    );
    assert_eq!(
        ids(&["--test-threads", "1", "--exact", "execution::unknown"]).len(),
        1
    );
    // Several filters, as cargo test takes them: a check runs if it matches any.
    assert_eq!(
        ids(&["--exact", "key::missing", "execution::unknown"]),
        BTreeSet::from(["execution::unknown".to_string(), "key::missing".to_string()])
    );
}

#[test]
fn each_filter_that_matches_nothing_is_named_even_beside_one_that_matches() {
    let ran = run(bin().args([
        "run",
        "--sandbox",
        "--no-reports",
        "nothing::a",
        "key::missing",
        "nothing::b",
    ]));
    assert_exit(&ran, exit::SETUP);
    let named: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.contains("matches no check id"))
        .collect();
    assert_eq!(named.len(), 2, "{}", ran.stderr);
    assert!(named[0].contains("`nothing::a`") && named[1].contains("`nothing::b`"));
    assert!(!ran.stdout.contains("test key::missing"), "{}", ran.stdout);
}

#[test]
fn a_check_whose_prerequisite_is_filtered_out_still_runs() {
    let sandbox = TestSandbox::start(20, &[]);
    let ran =
        run(sandbox
            .command()
            .args(["run", "--no-reports", "--exact", "execution::completes"]));
    assert_exit(&ran, exit::INCOMPLETE);
    // With the check whose answer it judges (`from`), which runs with it.
    assert_eq!(
        ran.passed(),
        ["entry-point::configured-active", "execution::completes"]
    );
}

#[test]
fn list_and_quiet_follow_libtest() {
    let sandbox = TestSandbox::start(20, &[]);
    // The sandbox's base URL and key are in the environment: `--list` alone
    // keeps the run from sending anything to it.
    let listed = run(sandbox.command().args(["run", "--no-reports", "--list"]));
    assert_exit(&listed, exit::READY);
    assert!(
        listed.stdout.contains("key::missing: test"),
        "{}",
        listed.stdout
    );
    assert_eq!(sandbox.stats().requests, 0, "--list sent a request");
    // The same command without `--list` does reach the sandbox.
    let quiet = run(sandbox.command().args(["run", "--no-reports", "-q"]));
    assert_exit(&quiet, exit::READY);
    assert!(sandbox.stats().requests > 0, "the run sent no request");
    assert!(
        !quiet.stdout.contains("test key::missing"),
        "{}",
        quiet.stdout
    );
    assert!(quiet.stdout.contains("test result: ok"), "{}", quiet.stdout);
}

#[test]
fn poll_timeout_failure_says_how_long_how_many_and_what_it_saw() {
    let ran = run(bin().args([
        "run",
        "--sandbox",
        "--no-reports",
        "--fault",
        "never-finishes",
        "--poll-timeout",
        "300ms",
        "--exact",
        "execution::completes",
    ]));
    assert_exit(&ran, exit::NOT_READY);
    let line = ran
        .stdout
        .lines()
        .find(|l| l.contains("did not reach the expected value"))
        .unwrap_or_default();
    assert!(
        line.contains("within 300ms") && line.contains("polls") && line.contains("`queued`"),
        "{}",
        ran.stdout
    );
}

#[test]
fn latest_wins_against_a_target_too_fast_to_observe_it_is_inconclusive_not_failed() {
    let ran = run(bin().args([
        "run",
        "--sandbox",
        "--no-reports",
        "--latency",
        "0ms",
        "--exact",
        "conversation::latest-wins",
    ]));
    // Nothing failed; the one check run evidences nothing.
    assert_exit(&ran, exit::INCOMPLETE);
    assert_eq!(ran.with_status("ignored"), ["conversation::latest-wins"]);
    assert!(
        ran.stdout.contains("inconclusive against this target"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_deadline_past_what_the_clock_holds_is_no_deadline() {
    let ran = run(bin().args([
        "run",
        "--sandbox",
        "--no-reports",
        "--deadline",
        "300000000000y",
        "--exact",
        "key::missing",
    ]));
    assert_exit(&ran, exit::INCOMPLETE);
    assert_eq!(ran.passed(), ["key::missing"]);
}

#[test]
fn a_default_run_creates_three_executions_four_with_a_failing_message() {
    // Without fixtures: the one plain execution and latest-wins' two.
    let sandbox = TestSandbox::start(20, &[]);
    let reports = temp_dir();
    let ran = run(sandbox
        .command()
        .args(["run", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::READY);
    let json = latest_report(reports.path());
    assert_eq!(json["executions_created"], 3, "{}", ran.stdout);
    assert!(
        ran.stdout.contains(" executions created)"),
        "{}",
        ran.stdout
    );
    // The sandbox's own fixtures include failing_message (one more on this
    // account) and the second account's key and entry point
    // (conversation::other-account's execute creates one on that account).
    let with_all = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--reports"])
        .arg(with_all.path()));
    assert_exit(&ran, exit::READY);
    let json = latest_report(with_all.path());
    assert_eq!(json["executions_created"], 5);
    // At most 4 on the account: the fifth is the second account's.
    assert_eq!(json["executions_on_other_accounts"], 1);
    assert!(
        ran.stdout
            .contains(", 5 executions created (1 on another account))"),
        "{}",
        ran.stdout
    );
    // Every check that needs the plain execution judged it with `from`.
    let reused = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["exchanges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["reused_from"].is_string())
        })
        .count();
    assert_eq!(reused, 16, "{json:#}");
    assert_eq!(
        json["requests_sent"].as_u64().unwrap() as usize,
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["exchanges"].as_array().unwrap())
            .filter(|e| e["reused_from"].is_null())
            .count()
            + json["preflight"].as_array().unwrap().len()
    );
}

#[test]
fn format_json_prints_json_lines_only_with_plain_failure_text_and_the_verdict() {
    let sandbox = TestSandbox::start(20, &["missing-key-wrong-message"]);
    let reports = temp_dir();
    let ran = run(sandbox
        .command()
        .args(["run", "--format", "json", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::NOT_READY);
    let events: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect();
    let failed = events
        .iter()
        .find(|e| e["type"] == "test" && e["event"] == "failed")
        .expect("a failed test event");
    assert_eq!(failed["name"], "key::missing");
    let message = failed["message"].as_str().unwrap();
    assert!(
        message.starts_with("expected body message equal to \"Missing API key\""),
        "{message:?}"
    );
    let verdict = events
        .iter()
        .find(|e| e["type"] == "verdict")
        .expect("a verdict event");
    assert_eq!(verdict["verdict"], "not_ready");
    assert_eq!(verdict["exit_code"], 1);
    let written = events.last().unwrap();
    assert_eq!(written["type"], "reports", "{written}");
    assert!(!written["files"].as_array().unwrap().is_empty());
    // The person watching still reads the verdict, on stderr.
    assert!(
        ran.stderr.contains("homologation checklist:"),
        "{}",
        ran.stderr
    );
    // --list too.
    let listed = run(bin().args(["run", "--list", "--format", "json"]));
    for line in listed.stdout.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["event"], "listed", "{line}");
    }
}

#[test]
fn the_faithful_sandbox_fails_nothing_at_any_latency_or_concurrency() {
    let cases: Vec<(&str, Option<&str>)> = ["0ms", "300ms", "2s"]
        .into_iter()
        .flat_map(|latency| [(latency, None), (latency, Some("1"))])
        .collect();
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(latency, concurrency)| {
                s.spawn(move || {
                    let mut cmd = bin();
                    cmd.args(["run", "--sandbox", "--no-reports", "--latency", latency]);
                    if let Some(n) = concurrency {
                        cmd.args(["--concurrency", n]);
                    }
                    run(&mut cmd)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((latency, concurrency), ran) in cases.iter().zip(runs) {
        assert_exit_case(
            &ran,
            exit::READY,
            format_args!("latency {latency}, concurrency {concurrency:?}"),
        );
        assert!(ran.failed().is_empty(), "{}", ran.stdout);
    }
}

/// docs/check-format.md's rules, pinned: checks are in id order (not
/// their files'), and a wrong answer fails a step even when its
/// `inconclusive_when` holds.
#[test]
fn checks_are_in_id_order_and_expect_comes_before_inconclusive_when() {
    let dir = temp_dir();
    let file = dir.path().join("order.yaml");
    let check = |id: &str, expect_status: u16| {
        format!(
            "id: {id}\ntitle: t\nchecklist: valid-key\nhint: h\nsteps:\n  - request: {{method: GET, path: /v1/executions/x}}\n    inconclusive_when:\n      message: {{type: string}}\n    expect:\n      status: {expect_status}\n"
        )
    };
    // Ids in reverse order of the file's documents; the second's expect
    // fails while its inconclusive_when holds too.
    let text = [
        check("order::zz-first", 400),
        check("order::aa-second", 418),
    ]
    .join("---\n");
    std::fs::write(&file, text).unwrap();
    let listed = run(bin().args(["list", "--checks"]).arg(&file));
    let ids: Vec<&str> = listed
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("order::"))
        .collect();
    assert_eq!(
        ids,
        ["order::aa-second", "order::zz-first"],
        "{}",
        listed.stdout
    );
    let ran = run(bin()
        .args(["run", "--sandbox", "--no-reports", "--checks"])
        .arg(&file));
    assert_eq!(
        ran.with_status("ignored"),
        ["order::zz-first"],
        "{}",
        ran.stdout
    );
    assert_eq!(ran.failed(), ["order::aa-second"], "{}", ran.stdout);
}

/// Isolation between conversations is provoked by construction: with one
/// check at a time, latest-wins (`overlaps`) is handed the turn of the
/// check that creates the plain execution, before the checks that poll it
/// (ready at the same moment) can take it, so that execution is still
/// queued when its messages arrive, and it reads it so.
#[test]
fn latest_wins_overlaps_the_plain_execution_even_one_check_at_a_time() {
    let reports = temp_dir();
    let ran = run(bin()
        .args([
            "run",
            "--sandbox",
            // Long enough that a loaded machine cannot delay latest-wins'
            // turn past the plain execution's end (it would be inconclusive).
            "--latency",
            "1s",
            "--concurrency",
            "1",
        ])
        .arg("--reports")
        .arg(reports.path()));
    assert_eq!(ran.code, i32::from(exit::READY), "{}", ran.stdout);
    let json = latest_report(reports.path());
    let latest_wins = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "conversation::latest-wins")
        .unwrap();
    assert_eq!(latest_wins["verdict"], "passed");
    let read = latest_wins["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["step"]
                == "read the plain execution of the other conversation once both messages are accepted"
        })
        .expect("latest-wins read the plain execution");
    let body: serde_json::Value =
        serde_json::from_str(read["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"], "queued", "{read}");
}

/// A key the target refuses blocks every check that needs it, the plain
/// execution's and latest-wins' among them: one check at a time, no turn is
/// kept for latest-wins (it asked for one before the plain execution's
/// check ended), and the run ends on its own, NOT READY for the key alone.
#[test]
fn a_refused_key_at_one_check_at_a_time_blocks_its_dependants_and_the_run_ends() {
    let sandbox = TestSandbox::start(0, &[]);
    let ran = run(sandbox
        .command()
        .env("WAPZI_API_KEY", "ak_not0a0key0of0this0sandbox000000009")
        .args(["run", "--no-reports", "--concurrency", "1"])
        // Bounds the run should a turn be lost: it would end in errors.
        .args(["--deadline", "60s"]));
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.failed().contains(&"key::accepted".to_string()),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains("deadline"), "{}", ran.stdout);
}

#[test]
fn dialects_and_the_inactive_entry_point_are_recorded_in_the_report() {
    let reports = temp_dir();
    let mut cmd = bin();
    cmd.args([
        "run",
        "--sandbox",
        "--deadline",
        "60s",
        "--exact",
        "key::missing",
    ]);
    for info in wapzi_homolog::sandbox::Dialect::ALL {
        cmd.args(["--dialect", info.name]);
    }
    let ran = run(cmd.arg("--reports").arg(reports.path()));
    // A filtered run ends INCOMPLETE at best: key::missing itself passed.
    assert_exit(&ran, exit::INCOMPLETE);
    assert!(ran.with_status("FAILED").is_empty(), "{}", ran.stdout);
    let target = &latest_report(reports.path())["target"];
    let names: Vec<&str> = wapzi_homolog::sandbox::Dialect::ALL
        .iter()
        .map(|info| info.name)
        .collect();
    assert_eq!(target["dialects"], serde_json::json!(names));
    assert_eq!(target["faults"], serde_json::json!([]));
    let supplied = target["fixtures_supplied"].as_array().unwrap();
    assert!(
        supplied.contains(&serde_json::json!("inactive_entry_point_id")),
        "{target}"
    );
}
