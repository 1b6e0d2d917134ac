//! The built-in client checks against synthetic clients: a correct one
//! passes every check that applies, and each faulty one fails exactly the
//! check about its fault (the client side's fault matrix).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::check::{load_sources, CheckSet, CheckSource};
use crate::recording::{RecordedBody, RecordedCall, Recording};
use crate::result::{Outcome, RunVerdict, Verdict};

use super::traffic::sample::{call, correct, get, post, recording, KEY};
use super::{grade, judge_client, ClientFacts, GradeContext};

fn builtin() -> CheckSet {
    load_sources(&[CheckSource::Builtin]).expect("the built-in checks load")
}

fn failing(set: &CheckSet, rec: &Recording) -> BTreeSet<String> {
    let graded = grade(
        &set.client_checks,
        rec,
        &GradeContext::new(&[crate::secret::Secret::new(KEY, "key").unwrap()]),
    );
    graded
        .results
        .iter()
        .filter(|r| r.verdict != Verdict::Passed && r.verdict != Verdict::Ignored)
        .map(|r| r.id.trim_start_matches("client::").to_string())
        .collect()
}

/// The correct client's calls, then `more`.
fn correct_then(more: Vec<RecordedCall>) -> Recording {
    let mut calls = correct().calls;
    calls.extend(more);
    recording(calls)
}

fn execute(ms: u64, status: u16, body: &str) -> RecordedCall {
    let mut c = call(
        ms,
        "POST",
        "/v1/entry-points/ep_1/execute",
        status,
        r#"{"message":"no"}"#,
    );
    c.body = RecordedBody::of(body.as_bytes());
    c
}

#[test]
fn each_faulty_client_fails_exactly_its_check() {
    let set = builtin();
    let hello = r#"{"message":"hello"}"#;
    let mut browser = correct();
    browser.calls[1]
        .headers
        .push(("origin".into(), "https://shop.example".into()));
    let mut in_query = correct();
    in_query.calls[2].query = Some(format!("key={KEY}"));
    let mut no_type = correct();
    no_type.calls[0]
        .headers
        .retain(|(n, _)| n != "content-type");
    let mut busy = execute(0, 429, hello);
    busy.response_headers
        .push(("retry-after".into(), "1".into()));
    let mut ignores_wait = vec![busy];
    ignores_wait.extend(correct().calls.into_iter().map(|mut c| {
        c.at += Duration::from_millis(100);
        c
    }));
    let cases: Vec<(&str, Recording, &[&str])> = vec![
        ("correct", correct(), &[]),
        ("browser", browser, &["from-backend"]),
        ("key in query", in_query, &["key-only-in-header"]),
        ("no content type", no_type, &["execute-request-shape"]),
        (
            "stops at queued",
            recording(vec![post(0, hello, "exec_1"), get(5, "exec_1", "queued")]),
            &["reads-until-terminal"],
        ),
        (
            "invents ids",
            correct_then(vec![get(1200, "exec_9", "completed")]),
            &["reads-only-returned-ids"],
        ),
        (
            "re-posts",
            recording(vec![
                post(0, hello, "exec_1"),
                post(100, hello, "exec_2"),
                get(300, "exec_1", "completed"),
                get(350, "exec_2", "completed"),
            ]),
            &["no-duplicate-execution"],
        ),
        (
            "tight loop",
            recording(vec![
                post(0, hello, "exec_1"),
                get(10, "exec_1", "queued"),
                get(20, "exec_1", "queued"),
                get(30, "exec_1", "completed"),
            ]),
            &["poll-interval"],
        ),
        (
            "reads past the end",
            correct_then(vec![get(1200, "exec_1", "completed")]),
            &["stops-at-terminal"],
        ),
        (
            "past superseded",
            recording(vec![
                post(0, hello, "exec_1"),
                get(300, "exec_1", "superseded"),
                get(600, "exec_1", "superseded"),
            ]),
            &["stops-at-terminal", "superseded-is-final"],
        ),
        (
            "ignores retry-after",
            recording(ignores_wait),
            &["honours-retry-after"],
        ),
        (
            "hammers 401",
            correct_then(vec![execute(1000, 401, hello), execute(1100, 401, hello)]),
            &["refusals-not-hammered"],
        ),
        (
            "invents a conversation",
            correct_then(vec![
                post(
                    1200,
                    r#"{"message":"b","conversationId":"conv_x"}"#,
                    "exec_2",
                ),
                get(1500, "exec_2", "completed"),
            ]),
            &["conversation-from-api"],
        ),
    ];
    for (name, rec, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(failing(&set, &rec), expected, "{name}");
    }
}

/// `call` answered `status` with `Retry-After: 1`, `answer_ms` after it arrived.
fn told_to_wait(mut call: RecordedCall, status: u16, answer_ms: u64) -> RecordedCall {
    call.status = Some(status);
    call.response_body = RecordedBody::of(br#"{"message":"Service unavailable"}"#);
    call.response_headers
        .push(("retry-after".into(), "1".into()));
    call.duration = Duration::from_millis(answer_ms);
    call
}

/// A call refused with 401 (the key was rotated).
fn refused(mut call: RecordedCall) -> RecordedCall {
    call.status = Some(401);
    call.response_body = RecordedBody::of(br#"{"message":"Invalid API key"}"#);
    call
}

/// Three users served at once, as a backend does, under `unavailable` and
/// `key-rotated`: the first execute is answered 429 while the other two
/// users' executes are in flight; each execution's first read is answered
/// 503 while the other executions are read on; once a terminal status was
/// shown the key is refused, and each user stops where the refusal meets
/// it. `fault` is what a faulty variant does differently.
fn three_users(fault: Option<&str>) -> Recording {
    let message = |user: u32| format!(r#"{{"message":"user {user}"}}"#);
    let mut calls = vec![
        // User 1's execute is answered 429 at 30 ms, while users 2 and 3
        // execute (in flight); user 1 executes again after its Retry-After.
        told_to_wait(execute(0, 202, &message(1)), 429, 30),
        post(10, &message(2), "e2"),
        post(20, &message(3), "e3"),
        post(1040, &message(1), "e1"),
        // User 2: 503 on its first read, waits, reads to the end (the first
        // terminal status: the key is rotated), and its follow-up in its
        // conversation is refused.
        told_to_wait(get(40, "e2", "queued"), 503, 5),
        get(1050, "e2", "running"),
        get(1350, "e2", "completed"),
        refused(execute(
            1400,
            202,
            r#"{"message":"user 2 again","conversationId":"conv_e2"}"#,
        )),
        // User 3: its reads go on through user 2's 503 (the sample's
        // first read of e3 is not answered 503, to keep it short).
        get(50, "e3", "queued"),
        get(350, "e3", "running"),
        get(650, "e3", "running"),
        get(950, "e3", "running"),
        get(1250, "e3", "running"),
        // User 1: 503, then its read is refused: it stops.
        told_to_wait(get(1045, "e1", "queued"), 503, 5),
        refused(get(2055, "e1", "running")),
    ];
    match fault {
        None => calls.push(refused(get(1550, "e3", "running"))),
        // Re-reads at once the execution that was answered 503.
        Some("ignores-retry-after") => {
            calls.push(get(60, "e2", "queued"));
            calls.push(refused(get(1550, "e3", "running")));
        }
        // Stops reading e3 for no reason: no refusal cut it.
        Some("abandons") => {}
        Some(other) => panic!("no fault {other}"),
    }
    calls.sort_by_key(|c| c.at);
    recording(calls)
}

/// The seqs of the calls `rec` broke check `id` with.
fn blamed(set: &CheckSet, rec: &Recording, id: &str) -> Vec<u64> {
    grade(&set.client_checks, rec, &GradeContext::new(&[]))
        .violations
        .into_iter()
        .filter(|(_, check)| check == id)
        .map(|(seq, _)| seq)
        .collect()
}

/// The seq of the call of `rec` that arrived at `ms`.
fn seq_at(rec: &Recording, ms: u128) -> u64 {
    rec.calls
        .iter()
        .find(|c| c.at.as_millis() == ms)
        .expect("a call at that time")
        .seq
}

#[test]
fn concurrent_users_are_judged_per_wait_and_per_refusal() {
    let set = builtin();
    let cases: [(Option<&str>, &[&str]); 3] = [
        (None, &[]),
        (Some("ignores-retry-after"), &["honours-retry-after"]),
        (Some("abandons"), &["reads-until-terminal"]),
    ];
    for (fault, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(failing(&set, &three_users(fault)), expected, "{fault:?}");
    }
    // Exactly the calls at fault: the re-read of e2, and the POST of e3.
    let rec = three_users(Some("ignores-retry-after"));
    assert_eq!(
        blamed(&set, &rec, "client::honours-retry-after"),
        [seq_at(&rec, 60)]
    );
    let rec = three_users(Some("abandons"));
    assert_eq!(
        blamed(&set, &rec, "client::reads-until-terminal"),
        [seq_at(&rec, 20)]
    );
}

#[test]
fn a_correct_client_without_scenarios_is_incomplete_and_says_what_would_exercise_the_rest() {
    let set = builtin();
    let rec = correct();
    let graded = grade(&set.client_checks, &rec, &GradeContext::new(&[]));
    let judged = judge_client(
        &set.client_checks,
        &graded.results,
        4,
        0,
        &ClientFacts::default(),
    );
    assert_eq!(judged.verdict, RunVerdict::Incomplete);
    let latest_wins = judged
        .checklist
        .iter()
        .find(|i| i.id == "practice::latest-wins")
        .unwrap();
    assert!(
        latest_wins
            .gaps
            .iter()
            .any(|g| g.reason.contains("--scenario superseded")),
        "{:?}",
        latest_wins.gaps
    );
    assert!(judged
        .reasons
        .iter()
        .any(|r| r.contains("practice::latest-wins")));
    // Practices only inferred checks evidence are reported, never required.
    assert!(judged
        .checklist
        .iter()
        .all(|i| i.id != "practice::monitor-401-403" && i.id != "practice::polite-polling"));
    let passed: Vec<&str> = graded
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Passed)
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        passed.contains(&"client::reads-until-terminal"),
        "{passed:?}"
    );
}

#[test]
fn the_command_and_the_recorder_cap_weigh_on_the_verdict() {
    let set = builtin();
    let rec = correct();
    let graded = grade(&set.client_checks, &rec, &GradeContext::new(&[]));
    let failed = ClientFacts {
        command: Some(vec!["npm".into(), "test".into()]),
        command_exit: Some(crate::result::CommandExit {
            code: Some(3),
            signal: None,
            timed_out: false,
            ..Default::default()
        }),
        ..ClientFacts::default()
    };
    let judged = judge_client(&set.client_checks, &graded.results, 4, 0, &failed);
    assert_eq!(judged.verdict, RunVerdict::NotReady);
    assert!(
        judged.reasons[0].contains("`npm test` exited with code 3"),
        "{:?}",
        judged.reasons
    );
    // The command is the first root cause, named by its command line.
    let first = &judged.root_causes[0];
    assert_eq!(first.kind, crate::result::FailureKind::ClientCommand);
    assert!(first.checks.is_empty() && first.items.is_empty());
    assert!(first.summary.contains("`npm test` exited with code 3"));
    let killed = ClientFacts {
        command_exit: Some(crate::result::CommandExit {
            code: None,
            signal: Some("SIGKILL".into()),
            timed_out: false,
            ..Default::default()
        }),
        scenarios: vec!["superseded".into()],
        ..failed.clone()
    };
    let judged = judge_client(&set.client_checks, &graded.results, 4, 0, &killed);
    assert_eq!(judged.verdict, RunVerdict::NotReady);
    let first = &judged.root_causes[0];
    assert!(first.summary.contains("`npm test` was killed by SIGKILL"));
    assert!(first.failure.hint.contains("--scenario superseded"));
    let nothing = judge_client(&set.client_checks, &[], 0, 0, &ClientFacts::default());
    assert_eq!(nothing.verdict, RunVerdict::Incomplete);
    assert!(nothing.reasons.iter().any(|r| r.contains("no call")));
    let dropped = judge_client(
        &set.client_checks,
        &graded.results,
        4,
        7,
        &ClientFacts::default(),
    );
    assert!(dropped.reasons.iter().any(|r| r.contains("7 call(s) past")));
}

#[test]
fn the_floor_is_set_by_the_command() {
    let set = builtin();
    let rec = correct();
    let slow = GradeContext::new(&[]).with_variable("min_poll_interval", "1s");
    let graded = grade(&set.client_checks, &rec, &slow);
    let poll = graded
        .results
        .iter()
        .find(|r| r.id == "client::poll-interval")
        .unwrap();
    assert_eq!(poll.verdict, Verdict::AdvisoryFailed);
    assert_eq!(
        graded
            .violations
            .iter()
            .filter(|(_, id)| id == "client::poll-interval")
            .count(),
        2
    );
    let failure = poll.failure().unwrap();
    assert!(
        failure.message.starts_with(
            "call #2 GET /v1/executions/exec_1 at 0.600 s: reads exec_1 300 ms after call #1"
        ),
        "{}",
        failure.message
    );
    assert!(!poll.exchanges.is_empty());
    assert!(poll
        .exchanges
        .iter()
        .all(|e| e.request_headers.iter().all(|h| !h.value.contains(KEY))));
}

/// Many calls grade as a few do; the recorder's cap (100,000 calls) is
/// graded by the benchmark (`BENCH_PART=grading cargo bench --bench
/// client`), not here: a scale figure, not a behaviour.
#[test]
fn ten_thousand_calls_grade_correctly() {
    let set = builtin();
    let mut calls = Vec::with_capacity(10_000);
    for n in 0..2_500u64 {
        let (t, id) = (n * 10, format!("exec_{n}"));
        calls.push(post(t, &format!(r#"{{"message":"m{n}"}}"#), &id));
        calls.push(get(t + 300, &id, "queued"));
        calls.push(get(t + 600, &id, "running"));
        calls.push(get(t + 900, &id, "completed"));
    }
    calls.sort_by_key(|c| c.at);
    let rec = recording(calls);
    assert_eq!(rec.calls.len(), 10_000);
    assert_eq!(failing(&set, &rec), BTreeSet::new());
    let graded = grade(&set.client_checks, &rec, &GradeContext::new(&[]));
    let lanes = super::lanes(&rec, &graded, &crate::secret::Redactor::default());
    assert_eq!(lanes.len(), 2_500);
    assert!(lanes
        .iter()
        .all(|l| l.events.len() == 4 && l.terminal.as_deref() == Some("completed")));
}

#[test]
fn a_tight_loop_is_one_line_with_its_count_and_spread_in_plain_words() {
    let set = builtin();
    let mut calls = vec![post(0, r#"{"message":"a"}"#, "exec_1")];
    for n in 1..=21u64 {
        calls.push(get(n * 3, "exec_1", "queued"));
    }
    calls.push(get(400, "exec_1", "completed"));
    let rec = recording(calls);
    let graded = grade(&set.client_checks, &rec, &GradeContext::new(&[]));
    let poll = graded
        .results
        .iter()
        .find(|r| r.id == "client::poll-interval")
        .unwrap();
    let failure = poll.failure().expect("the loop fails the floor");
    assert_eq!(failure.mismatches.len(), 1, "{:?}", failure.mismatches);
    let m = &failure.mismatches[0];
    assert!(
        m.target
            .contains("the same at 20 calls, from call #2 at 0.006 s to call #21 at 0.063 s, over 1 execution"),
        "{}",
        m.target
    );
    // The check's own words, not the rule's name.
    assert!(
        m.expected.starts_with("reads of one execution"),
        "{}",
        m.expected
    );
    assert!(
        failure.message.contains("(broken at 20 calls"),
        "{}",
        failure.message
    );
}

/// A set of advisory client checks alone cannot make a client READY: no
/// item is judged, so nothing evidences it.
#[test]
fn advisory_client_checks_alone_are_no_evidence() {
    let set = builtin();
    let advisory: Vec<_> = set
        .client_checks
        .iter()
        .filter(|c| c.severity == crate::check::Severity::Advisory)
        .cloned()
        .collect();
    assert!(!advisory.is_empty());
    let rec = correct();
    let graded = grade(&advisory, &rec, &GradeContext::new(&[]));
    let judged = judge_client(&advisory, &graded.results, 4, 0, &ClientFacts::default());
    assert_eq!(
        judged.verdict,
        RunVerdict::Incomplete,
        "{:?}",
        judged.reasons
    );
    assert!(judged
        .reasons
        .iter()
        .any(|r| r.contains("no required client check")));
}

#[test]
fn a_client_run_is_built_like_an_api_run() {
    use crate::result::Side;
    use std::time::SystemTime;
    let set = builtin();
    let started_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let times = super::ClientTimes {
        started_at,
        // 1.234567 ms: stored to the microsecond, as every duration is.
        finished_at: started_at + Duration::from_nanos(1_234_567),
    };
    let target = crate::result::Target::sandbox_for_tests("http://127.0.0.1:41234");
    let (run, _, _) = super::assemble_client(
        &set,
        &correct(),
        &GradeContext::new(&[]),
        ClientFacts::default(),
        times,
        "20261128T141535Z-c11e47",
        target,
    );
    assert_eq!(run.side, Side::Client);
    assert_eq!(run.duration_ms, 1.235);
    assert_eq!(run.started_at, "2026-11-18T11:06:40.000Z");
    assert_eq!(run.requests_sent, correct().calls.len());
    assert_eq!(run.exit_code, i32::from(run.verdict.exit_code()));
    assert_eq!(run.ready, run.verdict.is_ready());
}

#[test]
fn a_signal_during_grading_stops_it_and_the_run_ends_interrupted() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let set = builtin();
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = asked.clone();
    // The signal comes while the second check is graded.
    let context = GradeContext::new(&[]).with_stop(move || {
        (seen.fetch_add(1, Ordering::SeqCst) >= 2).then_some(crate::interrupt::Signal::Terminate)
    });
    let now = std::time::SystemTime::now();
    let times = super::ClientTimes {
        started_at: now,
        finished_at: now,
    };
    let (run, _, _) = super::assemble_client(
        &set,
        &correct(),
        &context,
        ClientFacts::default(),
        times,
        "run",
        crate::result::Target::sandbox_for_tests("http://127.0.0.1:1"),
    );
    let total = set.client_checks.len();
    let stopped = run
        .checks
        .iter()
        .filter(|c| {
            c.failure()
                .is_some_and(|f| f.kind == crate::result::FailureKind::Interrupted)
        })
        .count();
    assert_eq!(stopped, total - 2);
    // Required checks count as interrupted (advisory ones as advisory failures, as in `run`).
    assert!(run.summary.interrupted > 0, "{:?}", run.summary);
    assert_eq!(run.verdict, RunVerdict::Interrupted);
    assert_eq!(run.exit_code, i32::from(crate::exit::TERMINATED));
    assert_eq!(run.interrupted_by.as_deref(), Some("SIGTERM"));
    assert!(
        run.reasons[0].contains("interrupted by SIGTERM while grading"),
        "{:?}",
        run.reasons
    );
    // Asked once per check until it said stop, then no more grading.
    assert_eq!(asked.load(Ordering::SeqCst), 3);
}

#[test]
fn a_truncated_recording_is_said_and_is_no_ready_verdict() {
    let set = builtin();
    let rec = correct();
    let graded = grade(&set.client_checks, &rec, &GradeContext::new(&[]));
    let facts = ClientFacts {
        calls_truncated: 3,
        ..ClientFacts::default()
    };
    let judged = judge_client(&set.client_checks, &graded.results, 4, 0, &facts);
    assert_eq!(judged.verdict, RunVerdict::Incomplete);
    assert!(
        judged
            .reasons
            .iter()
            .any(|r| r.starts_with("the recording was truncated: 3 call(s)")),
        "{:?}",
        judged.reasons
    );
}
