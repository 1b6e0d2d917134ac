//! Proof that each check catches the fault it exists for: the faithful
//! sandbox passes every check, and each fault fails exactly the checks that
//! own it. The table is also rendered into docs/checklist.md.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use wapzi_homolog::check::load_paths;
use wapzi_homolog::exit;
use wapzi_homolog::sandbox::Fault;

use std::time::Duration;

use wapzi_homolog::sandbox::{Dialect, Hold, HoldEvent, SandboxConfig};

use crate::support::{run_watching, temp_dir, TestSandbox, RUN_LIMIT};

/// Fault -> the checks that must fail on it (and no other), the kinds of
/// failure they may end with (report.json's `kind`), and extra arguments
/// for the run. A check that judges another's answers (`from`) is not run
/// when that one fails, so a fault is owned by the first check that sees it. Checks whose prerequisite fails are not run, so
/// a fault is owned by the first check that can see it.
/// A row: fault, owners, kinds, extra arguments.
type Row = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const FAULTS: &[Row] = &[
    (
        "accept-missing-key",
        &[
            "key::missing",
            "key::only-in-x-api-key",
            "key::refused-on-a-finished-execution",
            "shape::error-bodies",
        ],
        &["status"],
        &[],
    ),
    (
        "accept-invalid-key",
        &[
            "key::invalid",
            "key::near-misses-refused",
            "key::refused-on-a-finished-execution",
        ],
        &["status"],
        &[],
    ),
    (
        "missing-key-wrong-message",
        &[
            "key::missing",
            "key::only-in-x-api-key",
            "key::refused-on-a-finished-execution",
        ],
        &["body"],
        &[],
    ),
    (
        "invalid-key-wrong-message",
        &[
            "key::invalid",
            "key::near-misses-refused",
            "key::refused-on-a-finished-execution",
            "key::rotated",
            "key::rotated-refused-on-a-finished-execution",
        ],
        &["body"],
        &[],
    ),
    (
        "rotated-key-valid",
        &[
            "key::rotated",
            "key::rotated-refused-on-a-finished-execution",
        ],
        &["status"],
        &[],
    ),
    (
        "inactive-account-allowed",
        &[
            "key::inactive-account",
            "key::inactive-refused-on-a-finished-execution",
        ],
        &["status"],
        &[],
    ),
    ("inactive-account-401", &[], &["status"], &[]),
    ("empty-entry-point-404", &[], &["status"], &[]),
    (
        "inactive-entry-point-accepted",
        &["entry-point::inactive"],
        &["status"],
        &[],
    ),
    (
        "unknown-entry-point-accepted",
        &["entry-point::unknown", "shape::error-bodies"],
        &["status"],
        &[],
    ),
    (
        "unknown-entry-point-wrong-message",
        &["entry-point::unknown"],
        &["body"],
        &[],
    ),
    (
        "no-attendants-accepted",
        &["entry-point::no-attendants"],
        &["status"],
        &[],
    ),
    (
        "unavailable-accepted",
        &["entry-point::unavailable"],
        &["status"],
        &[],
    ),
    (
        "execute-200",
        &["entry-point::accepts-execute"],
        &["status"],
        &[],
    ),
    (
        "execution-id-missing",
        &["entry-point::accepts-execute"],
        &["body"],
        &[],
    ),
    (
        "execution-id-number",
        &["entry-point::accepts-execute"],
        &["body"],
        &[],
    ),
    (
        "execute-status-wrong",
        &["entry-point::accepts-execute"],
        &["body"],
        &[],
    ),
    ("undocumented-status", &[], &["body"], &[]),
    // An in-progress status is seen at any --concurrency (latest-wins'
    // read of the running plain execution): the same finding at 1.
    (
        "undocumented-status",
        &[],
        &["body"],
        &["--concurrency", "1"],
    ),
    (
        "never-finishes",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::failed-is-reported",
        ],
        &["poll_timed_out"],
        &[],
    ),
    (
        "always-fails",
        &["conversation::latest-wins", "execution::completes"],
        &["body"],
        &[],
    ),
    (
        "completed-without-response",
        &["conversation::latest-wins", "execution::completes"],
        &["body"],
        &[],
    ),
    (
        "conversation-id-changes",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::failed-is-reported",
        ],
        &["body"],
        &[],
    ),
    (
        "no-latest-wins",
        &["conversation::latest-wins"],
        &["body"],
        &[],
    ),
    (
        "newest-superseded",
        &["conversation::latest-wins"],
        &["body"],
        &[],
    ),
    ("superseded-with-response", &[], &["body"], &[]),
    (
        "terminal-flaps",
        &["execution::terminal-is-final"],
        &["body"],
        &[],
    ),
    (
        "cross-account-visible",
        &["conversation::other-account", "execution::other-account"],
        &["status"],
        &[],
    ),
    (
        "unknown-execution-404",
        &["key::accepted", "shape::error-bodies"],
        &["status"],
        &[],
    ),
    (
        "non-json-errors",
        &[
            "key::accepted",
            "key::inactive-account",
            "key::invalid",
            "key::missing",
            "key::rotated",
            "shape::error-bodies",
        ],
        &["header", "not_json"],
        &[],
    ),
    ("error-without-message", ERROR_BODY_CHECKS, &["body"], &[]),
    ("json-without-content-type", &[], &["header"], &[]),
    (
        "html-injection",
        &[
            "conversation::other-account",
            "entry-point::inactive",
            "entry-point::no-attendants",
            "entry-point::other-account",
            "entry-point::unavailable",
            "entry-point::unknown",
            "execution::other-account",
            "execution::unknown",
            "key::invalid",
            "key::missing",
            "key::near-misses-refused",
            "key::only-in-x-api-key",
            "key::refused-on-a-finished-execution",
            "key::rotated",
            "key::rotated-refused-on-a-finished-execution",
        ],
        &["body"],
        &[],
    ),
    (
        "hang",
        &[
            "entry-point::configured-active",
            "entry-point::empty",
            "entry-point::inactive",
            "entry-point::no-attendants",
            "entry-point::other-account",
            "entry-point::unavailable",
            "entry-point::unknown",
            "key::inactive-account",
            "key::invalid",
            "key::missing",
            "key::rotated",
            "shape::error-bodies",
        ],
        &["timeout"],
        &[],
    ),
    (
        "slow-body",
        &["entry-point::configured-active"],
        &["timeout"],
        &[],
    ),
    (
        "non-json-body",
        &["entry-point::configured-active"],
        &["not_json"],
        &[],
    ),
    (
        "truncated-json",
        &["entry-point::configured-active"],
        &["not_json"],
        &[],
    ),
    // Its 1 MiB answers are read whole, then refused as not JSON: 5 s to
    // read one leaves a loaded machine room (at 1 s a read could time out).
    (
        "huge-body",
        &[
            "conversation::latest-wins",
            "execution::completes",
            "execution::failed-is-reported",
        ],
        &["not_json", "poll_timed_out"],
        &["--timeout", "5s"],
    ),
    // Retry-After is honoured while polling; a plain read answered 429 fails.
    (
        "rate-limited",
        &["conversation::latest-wins"],
        &["status"],
        &["--poll-timeout", "10s"],
    ),
    (
        "key-case-insensitive",
        &["key::near-misses-refused"],
        &["status"],
        &[],
    ),
    (
        "key-prefix-accepted",
        &["key::near-misses-refused"],
        &["status"],
        &[],
    ),
    (
        "key-last-char-ignored",
        &["key::near-misses-refused"],
        &["status"],
        &[],
    ),
    (
        "bearer-accepted",
        &["key::only-in-x-api-key"],
        &["status"],
        &[],
    ),
    (
        "key-in-query-accepted",
        &["key::only-in-x-api-key"],
        &["body"],
        &[],
    ),
    (
        "finished-executions-cached",
        &[
            "execution::other-account",
            "key::inactive-refused-on-a-finished-execution",
            "key::near-misses-refused",
            "key::only-in-x-api-key",
            "key::refused-on-a-finished-execution",
            "key::rotated-refused-on-a-finished-execution",
        ],
        &["status"],
        &[],
    ),
    ("error-bodies-leak-fields", &[], &["body"], &[]),
    (
        "poll-ids-wrong-once",
        &["execution::ids-hold"],
        &["body"],
        &[],
    ),
    // One check at a time, the plain execution may have ended before its
    // poller's first read: ids-hold judges the read latest-wins made while
    // it ran, so the verdict does not change with --concurrency.
    (
        "poll-ids-wrong-once",
        &["execution::ids-hold"],
        &["body"],
        &["--concurrency", "1"],
    ),
    (
        "superseded-revives",
        &["conversation::latest-wins"],
        &["body"],
        &[],
    ),
    // Latest-wins sends its messages while the plain execution still runs:
    // the test's hold keeps it queued until latest-wins has read it (see
    // `run_with_fault`), whatever the machine's load.
    (
        "cross-conversation-supersede",
        &["conversation::latest-wins", "execution::completes"],
        &["body"],
        &[],
    ),
    // The same with one check at a time: latest-wins `overlaps` the plain
    // execution, so it is handed the turn of the check that created it.
    (
        "cross-conversation-supersede",
        &["conversation::latest-wins", "execution::completes"],
        &["body"],
        &["--concurrency", "1"],
    ),
    (
        "cross-account-supersede",
        &["conversation::other-account"],
        &["status"],
        &[],
    ),
    (
        "cross-account-entry-points",
        &["entry-point::other-account", "execution::other-account"],
        &["status"],
        &[],
    ),
    // Executions end 1.2 s after their execute (latency 200 ms + 1 s), over
    // a budget set to 600 ms and well within a poll timeout of 5 s.
    (
        "slow-completion",
        &["execution::completes-within-budget"],
        &["over_budget"],
        &[
            "--fixture",
            "completion_budget=600ms",
            "--poll-timeout",
            "5s",
        ],
    ),
    // An advisory check fails: reported, and the run stays READY.
    ("cors-open", &["browser::cors-closed"], &["header"], &[]),
    (
        "blank-message-accepted",
        &["entry-point::blank-message-refused"],
        &["status"],
        &[],
    ),
    // An error body that echoes the key (fields beside its message are
    // allowed; the key never is); the reports' redaction of every echo is
    // tests/integration/hostile/key.rs's.
    ("echo-key", &["shape::error-bodies"], &["body"], &[]),
];

/// Faults on points the page leaves open, caught as advisory findings of
/// these checks (the run stays READY); every other fault leaves no finding
/// but these.
const FINDINGS: &[(&str, &[&str])] = &[
    (
        "inactive-account-401",
        &[
            "key::inactive-account",
            "key::inactive-refused-on-a-finished-execution",
        ],
    ),
    ("empty-entry-point-404", &["entry-point::empty"]),
    ("undocumented-status", &["execution::documented-statuses"]),
    ("superseded-with-response", &["conversation::latest-wins"]),
    ("json-without-content-type", &["shape::success-bodies"]),
    ("error-bodies-leak-fields", &["shape::error-bodies"]),
    ("html-injection", &["entry-point::empty"]),
];

/// Checks whose advisory findings the dialects bring (processing before the
/// end, a 0xA0-padded key accepted), with or without a fault.
const DIALECT_FINDINGS: &[&str] = &["execution::documented-statuses", "key::near-misses-refused"];

/// The checks a fault must leave advisory findings in.
fn findings_of(fault: &str) -> &'static [&'static str] {
    FINDINGS
        .iter()
        .find(|(f, _)| *f == fault)
        .map_or(&[], |(_, checks)| checks)
}

/// Checks that read an error body's message.
const ERROR_BODY_CHECKS: &[&str] = &[
    "entry-point::blank-message-refused",
    "entry-point::empty",
    "entry-point::inactive",
    "entry-point::no-attendants",
    "entry-point::other-account",
    "entry-point::unavailable",
    "entry-point::unknown",
    "execution::other-account",
    "execution::unknown",
    "conversation::other-account",
    "key::inactive-account",
    "key::inactive-refused-on-a-finished-execution",
    "key::invalid",
    "key::missing",
    "key::near-misses-refused",
    "key::only-in-x-api-key",
    "key::refused-on-a-finished-execution",
    "key::rotated",
    "key::rotated-refused-on-a-finished-execution",
    "shape::error-bodies",
];

/// Runs the checks against a sandbox in this process that injects `fault`
/// and speaks `dialects`, its executions held (a [`Hold`] this test owns)
/// until `conversation::latest-wins` has read the run's plain execution
/// while it overlaps it ([`bystander_read`]) or has ended: the overlap the
/// check needs is made by the test, not hoped for within a latency (rows
/// of [`UNHELD`] faults excepted).
fn run_with_fault(
    fault: &str,
    extra: &[&str],
    dialects: &[Dialect],
    reports: &Path,
) -> crate::support::Ran {
    // A row may set its own timeouts; these are the rest's.
    let default = |flag: &'static str, value: &'static str| -> Vec<&'static str> {
        if extra.contains(&flag) {
            Vec::new()
        } else {
            vec![flag, value]
        }
    };
    let (latency, args) = latency_and_args(extra);
    let hold = Hold::new();
    if UNHELD.contains(&fault) {
        hold.release_all();
    }
    let sandbox = TestSandbox::with_config(SandboxConfig {
        latency,
        faults: vec![Fault::parse(fault).unwrap()],
        dialects: dialects.to_vec(),
        hold: Some(hold.clone()),
        ..SandboxConfig::default()
    });
    let watcher = {
        let hold = hold.clone();
        std::thread::spawn(move || {
            hold.wait_until(RUN_LIMIT, bystander_read);
            hold.release_all();
        })
    };
    let mut cmd = sandbox.command_with_fixtures();
    cmd.args(["run"])
        .args(default("--timeout", "1s"))
        .arg("--reports")
        .arg(reports)
        // 4 s: room for a loaded machine (at 2 s, execution::completes
        // timed out once while the whole suite ran beside other builds).
        .args(default("--poll-timeout", "4s"))
        .args(args);
    let on_line = {
        let hold = hold.clone();
        move |line: &str| {
            if result_of(line) == Some("conversation::latest-wins") {
                hold.release_all();
            }
        }
    };
    let ran = run_watching(&mut cmd, RUN_LIMIT, on_line);
    hold.release_all();
    watcher.join().unwrap();
    ran.unwrap_or_else(|| panic!("{fault}: the run did not end within {RUN_LIMIT:?}"))
}

/// The check a result line of the run is about (`test  <id>  ... ok`).
fn result_of(line: &str) -> Option<&str> {
    let (id, _) = line.strip_prefix("test ")?.split_once(" ... ")?;
    Some(id.trim().trim_start_matches("[advisory] "))
}

/// Faults run without the hold. `terminal-flaps` flaps the second read of
/// a completed execution, so which check sees it is the order in which
/// checks read the plain execution once it has ended: the hold, letting
/// it end in the middle of latest-wins, hands that read to latest-wins'
/// last one (under `processing-status` it then fails on `processing`). An
/// order between checks is not a window of time a hold can own.
const UNHELD: &[&str] = &["terminal-flaps"];

/// The sandbox's latency a row sets with `--latency` (200 ms without),
/// and the row's other arguments, for the run.
fn latency_and_args<'a>(extra: &[&'a str]) -> (Duration, Vec<&'a str>) {
    let mut latency = Duration::from_millis(200);
    let mut args = Vec::new();
    let mut rest = extra.iter();
    while let Some(arg) = rest.next() {
        match (*arg, rest.clone().next()) {
            ("--latency", Some(value)) => {
                latency = humantime::parse_duration(value).unwrap();
                rest.next();
            }
            _ => args.push(*arg),
        }
    }
    (latency, args)
}

/// Whether `conversation::latest-wins` has read the run's plain execution
/// while it overlapped: a message continuing a conversation was accepted
/// (its second message), and the first execution of that conversation,
/// unread until then, has been read twice since. The check reads the
/// plain execution between those two reads, so from then on the hold may
/// let every execution go.
fn bystander_read(events: &[HoldEvent]) -> bool {
    let read_of = |id: &str, e: &HoldEvent| matches!(e, HoldEvent::Read { execution_id, .. } if execution_id == id);
    events.iter().enumerate().any(|(at, event)| {
        let HoldEvent::Accepted {
            conversation_id: second,
            continued: true,
            ..
        } = event
        else {
            return false;
        };
        let first = events[..at].iter().find_map(|e| match e {
            HoldEvent::Accepted {
                execution_id,
                conversation_id,
                continued: false,
            } if conversation_id == second => Some(execution_id.as_str()),
            _ => None,
        });
        first.is_some_and(|first| {
            !events[..at].iter().any(|e| read_of(first, e))
                && events[at..].iter().filter(|e| read_of(first, e)).count() >= 2
        })
    })
}

/// What is wrong with the run of `fault` against its row, if anything:
/// the exit code, which checks failed and how, and whether every other
/// check passed (or was not run only because an owner failed).
fn problems_of(
    fault: &str,
    owners: &[&str],
    kinds: &[&str],
    reports: &Path,
    dialects: bool,
) -> Vec<String> {
    let text = std::fs::read_to_string(reports.join("latest/report.json")).unwrap_or_default();
    let Ok(report) = serde_json::from_str::<Value>(&text) else {
        return vec![format!("{fault}: no report.json")];
    };
    let mut problems = Vec::new();
    let with_findings: BTreeSet<&str> = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["findings"].as_array().is_some_and(|f| !f.is_empty()))
        .filter_map(|c| c["id"].as_str())
        .collect();
    let want_findings: BTreeSet<&str> = findings_of(fault).iter().copied().collect();
    // Dialects read silent points their own way: their findings may join
    // the fault's (never replace them).
    let dialect_findings =
        |id: &&str| dialects && (DIALECT_FINDINGS.contains(id) || owners.contains(id));
    let unexpected: BTreeSet<&str> = with_findings
        .iter()
        .filter(|id| !want_findings.contains(*id) && !dialect_findings(id))
        .copied()
        .collect();
    if !want_findings.is_subset(&with_findings) || !unexpected.is_empty() {
        problems.push(format!(
            "{fault}: advisory findings in {with_findings:?}, want {want_findings:?}"
        ));
    }
    let expected = if gates(owners) { "not_ready" } else { "ready" };
    if report["verdict"] != expected {
        problems.push(format!(
            "{fault}: verdict {}, want {expected}",
            report["verdict"]
        ));
    }
    for check in report["checks"].as_array().into_iter().flatten() {
        let id = check["id"].as_str().unwrap_or_default();
        let verdict = check["verdict"].as_str().unwrap_or_default();
        let outcome = &check["outcome"];
        let owned = owners.contains(&id);
        match verdict {
            "failed" | "error" | "advisory_failed" if owned => {
                let kind = outcome["kind"].as_str().unwrap_or_default();
                if !kinds.contains(&kind) {
                    problems.push(format!(
                        "{fault}: {id} failed as {kind}, want one of {kinds:?}"
                    ));
                }
            }
            "passed" if !owned => {}
            // A dialect may answer before the fault shows to one owner
            // (another account's message refused outright): the others
            // still catch it.
            "passed" if dialects => {}
            "ignored" if !owned && blocked_by_an_owner(outcome, owners) => {}
            _ => problems.push(format!(
                "{fault}: {id} ended {verdict} ({}), {}",
                outcome["message"]
                    .as_str()
                    .or(outcome["reason"].as_str())
                    .unwrap_or_default(),
                if owned { "want failed" } else { "want passed" }
            )),
        }
    }
    problems
}

/// Whether a fault owned by `owners` fails the gate: an advisory check's
/// failure is reported, not gating.
fn gates(owners: &[&str]) -> bool {
    owners.iter().any(|id| !ADVISORY.contains(id))
}

/// The shipped advisory checks.
const ADVISORY: &[&str] = &[
    "browser::cors-closed",
    "entry-point::blank-message-refused",
    "execution::completes-within-budget",
];

/// Whether an ignored check was not run because one of `owners` failed
/// (directly, or through a prerequisite that was itself not run).
fn blocked_by_an_owner(outcome: &Value, owners: &[&str]) -> bool {
    let reason = outcome["reason"].as_str().unwrap_or_default();
    owners
        .iter()
        .any(|o| reason.contains(&format!("prerequisite `{o}` failed")))
}

#[test]
fn each_fault_fails_exactly_the_checks_that_own_it() {
    let problems = matrix_problems(&[]);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Every fault is still caught when the sandbox also speaks every dialect,
/// by the checks that own it (a dialect may answer before the fault shows
/// to one of them: another account's conversationId refused outright): the
/// checks judge the page's words, not one reading of what it leaves open.
#[test]
fn each_fault_is_caught_the_same_with_every_dialect_on() {
    let dialects: Vec<Dialect> = Dialect::ALL
        .iter()
        .map(|d| Dialect::parse(d.name).unwrap())
        .collect();
    let problems = matrix_problems(&dialects);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// What is wrong with each row of the table, its sandbox speaking `dialects`.
fn matrix_problems(dialects: &[Dialect]) -> Vec<String> {
    rows_problems(FAULTS, &[], dialects)
}

/// What is wrong with each of `rows`, run with `more` arguments too.
fn rows_problems(rows: &[Row], more: &[&str], dialects: &[Dialect]) -> Vec<String> {
    // Four runs at a time: each is a process with a sandbox of its own.
    let mut problems = Vec::new();
    for chunk in rows.chunks(4) {
        let found: Vec<Option<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|row| s.spawn(move || row_problem(row, more, dialects)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        problems.extend(found.into_iter().flatten());
    }
    problems
}

/// What is wrong with the run of one row, if anything.
fn row_problem(row: &Row, more: &[&str], dialects: &[Dialect]) -> Option<String> {
    let (fault, owners, kinds, extra) = *row;
    let reports = temp_dir();
    let args: Vec<&str> = extra.iter().chain(more).copied().collect();
    let ran = run_with_fault(fault, &args, dialects, reports.path());
    let found = problems_of(fault, owners, kinds, reports.path(), !dialects.is_empty());
    let expected_code = if gates(owners) {
        exit::NOT_READY
    } else {
        exit::READY
    };
    let failed: BTreeSet<String> = ran.failed().into_iter().collect();
    let owners: BTreeSet<String> = owners.iter().map(|s| s.to_string()).collect();
    let caught = if dialects.is_empty() {
        failed == owners
    } else {
        failed.is_subset(&owners) && failed.is_empty() == owners.is_empty()
    };
    (ran.code != i32::from(expected_code) || !caught || !found.is_empty()).then(|| {
        format!(
            "{fault}: exit {} (want {expected_code}), failed {failed:?}, want {owners:?}\n{}\n{}",
            ran.code,
            found.join("\n"),
            ran.stdout
        )
    })
}

/// The overlap latest-wins needs is the hold's doing, not the latency's:
/// with executions due the moment they are created, which no timing
/// window survives (without the hold, latest-wins would end inconclusive
/// in every row), the bystander rows are still caught as the table says,
/// and a fault that leaves latest-wins alone still lets it pass.
#[test]
fn latest_wins_overlaps_by_the_hold_not_by_the_latency() {
    let rows: Vec<Row> = FAULTS
        .iter()
        .filter(|(fault, ..)| ["cross-conversation-supersede", "cors-open"].contains(fault))
        .copied()
        .collect();
    assert_eq!(rows.len(), 3);
    let problems = rows_problems(&rows, &["--latency", "0ms"], &[]);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_fault_is_in_the_table_and_every_check_owns_a_fault() {
    let table: BTreeSet<&str> = FAULTS.iter().map(|(f, _, _, _)| *f).collect();
    let missing: Vec<&str> = Fault::ALL
        .iter()
        .map(|info| info.name)
        .filter(|name| !table.contains(name) && !name.starts_with("redirect-to"))
        .collect();
    assert!(missing.is_empty(), "faults without a row: {missing:?}");
    // A check is proven by a fault it fails on, or by one on a point the
    // page leaves open that it reports as an advisory finding.
    let owned: BTreeSet<&str> = FAULTS
        .iter()
        .flat_map(|(_, owners, _, _)| owners.iter().copied())
        .chain(
            FINDINGS
                .iter()
                .flat_map(|(_, checks)| checks.iter().copied()),
        )
        .collect();
    let set = load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("checks")]).unwrap();
    let unowned: Vec<&str> = set
        .checks
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !owned.contains(id) && !NO_FAULT_NEEDED.contains(id))
        .collect();
    assert!(unowned.is_empty(), "checks no fault proves: {unowned:?}");
}

/// Checks whose failure needs a target setting rather than a fault (a wrong
/// key, an inactive entry point...): proven by the run_sandbox tests.
const NO_FAULT_NEEDED: &[&str] = &[
    "key::accepted",
    "entry-point::configured-has-attendant",
    "execution::failed-is-reported",
];

/// What a check rests on, for docs/checklist.md: its quotes, or its
/// inference, and what its steps and advisory expectations add.
fn basis_cell(check: &wapzi_homolog::check::Check) -> String {
    use wapzi_homolog::check::Basis;
    let one = |b: &Basis| match b {
        Basis::Quoted { quotes, .. } => quotes
            .iter()
            .map(|q| format!("\u{201c}{q}\u{201d}"))
            .collect::<Vec<_>>()
            .join(" "),
        Basis::Inferred(reason) => format!("inferred: {reason}"),
    };
    let mut parts: Vec<String> = check.basis.iter().map(one).collect();
    for step in &check.steps {
        if step.basis != check.basis {
            if let Some(b) = &step.basis {
                parts.push(format!("step \u{201c}{}\u{201d}: {}", step.name, one(b)));
            }
        }
        if let Some(advisory) = &step.advisory {
            parts.push(format!(
                "advisory at \u{201c}{}\u{201d}: {}",
                step.name,
                one(&advisory.basis)
            ));
        }
    }
    parts.join("<br>")
}

/// docs/checklist.md, generated from the checks and this table.
fn checklist_doc() -> String {
    let set = load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("checks")]).unwrap();
    let mut doc = String::from(
        "# The homologation checklist\n\n\
         Generated by `tests/integration/faults.rs` from `checks/` and its fault table; \
         `UPDATE_DOCS=1 cargo test` rewrites it.\n\n\
         ## Checks\n\n\
         Each check says what it rests on: the vendor's page, quoted (only those assertions gate), \
         or an inference with its reason (advisory findings, never failing the gate). \
         Every quote is found in `docs/wapzi-api-reference.txt` when the check loads.\n\n\
         | check | checklist item | severity | basis | needs | requires | hint |\n|---|---|---|---|---|---|---|\n",
    );
    for c in &set.checks {
        let _ = writeln!(
            doc,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            c.id,
            c.checklist.id(),
            c.severity.as_str(),
            basis_cell(c).replace('|', "\\|"),
            c.needs.join(", "),
            c.requires
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", "),
            c.hint.replace('|', "\\|")
        );
    }
    doc.push_str("\n## Checklist items\n\n| item | vendor's text | checks |\n|---|---|---|\n");
    for item in wapzi_homolog::check::ChecklistItem::ALL {
        let ids: Vec<String> = set
            .checks
            .iter()
            .filter(|c| c.checklist == item)
            .map(|c| format!("`{}`", c.id))
            .collect();
        let _ = writeln!(
            doc,
            "| `{}` | {} | {} |",
            item.id(),
            item.text(),
            ids.join(", ")
        );
    }
    doc.push_str(
        "\n## Faults and the checks that catch them\n\n\
         Each sandbox fault (`wapzi-homolog sandbox --list-faults`) makes the sandbox deviate in one way; \
         `run --sandbox --fault NAME` fails exactly these checks (checks whose prerequisite fails are \
         reported as not run, not as failures). A fault on a point the page leaves open fails no check: \
         it is caught as an advisory finding of the checks named, and the run stays READY.\n\n\
         | fault | what it does | failing checks | advisory findings |\n|---|---|---|---|\n",
    );
    for (fault, owners, _, extra) in FAULTS {
        let description = Fault::ALL
            .iter()
            .find(|i| i.name == *fault)
            .map(|i| i.description)
            .unwrap_or_default();
        let findings = findings_of(fault)
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let owners = if owners.is_empty() && findings.is_empty() {
            "none (tested by the reports' redaction)".to_string()
        } else if owners.is_empty() {
            "none".to_string()
        } else {
            owners
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let note = if extra.is_empty() {
            String::new()
        } else {
            format!(" (with `{}`)", extra.join(" "))
        };
        let _ = writeln!(
            doc,
            "| `{fault}`{note} | {description} | {owners} | {findings} |"
        );
    }
    doc
}

#[test]
fn docs_checklist_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/checklist.md");
    let expected = checklist_doc();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "docs/checklist.md is stale: run `UPDATE_DOCS=1 cargo test --test integration docs_checklist`");
}
