//! A target that misbehaves: slow, silent, lying about its bodies,
//! refusing, resetting, speaking no TLS, rate limiting.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use wapzi_homolog::sandbox::FIXTURES;

use super::{
    assert_one_clear_line, assert_unreachable_line, check, check_outcome, closed_port,
    http_response, latest_report, messages, read_head, run_within, Listener, NOT_READY,
};
use crate::support::{
    assert_exit, assert_exit_case, bin, files_below, run, temp_dir, Ran, TestSandbox,
};
use wapzi_homolog::exit;

// Slow targets.

#[test]
fn the_deadline_ends_a_run_against_a_target_that_never_answers() {
    let reports = temp_dir();
    let ran = run_within(
        bin()
            .args(["run", "--sandbox", "--fault", "hang"])
            .args(["--timeout", "30s", "--deadline", "1s", "--reports"])
            .arg(reports.path()),
        Duration::from_secs(60),
    )
    .expect("the run ends at its deadline, not at the 30 s request timeout");
    assert_exit(&ran, exit::NOT_READY);
    let errors = messages(&latest_report(reports.path()), "error");
    assert!(!errors.is_empty(), "{}", ran.stdout);
    for message in errors {
        assert!(
            message.starts_with("gave up after ")
                && message.ends_with(": the run's deadline (--deadline 1s) ran out"),
            "{message}"
        );
    }
}

#[test]
fn the_check_budget_ends_a_check_that_waits_too_long() {
    let ran = run(bin().args([
        "run",
        "--sandbox",
        "--no-reports",
        "--fault",
        "hang",
        "--timeout",
        "30s",
        "--check-timeout",
        "500ms",
        "--exact",
        "key::missing",
    ]));
    assert_exit(&ran, exit::NOT_READY);
    assert_one_clear_line(
        &ran,
        "gave up after 500ms: the check's time budget (--check-timeout 500ms) ran out",
    );
}

#[test]
fn the_request_timeout_stops_a_silent_target_and_a_stalled_body() {
    for (fault, check, expected) in [
        (
            "hang",
            "key::missing",
            "timed out waiting for the target (--timeout 500ms)",
        ),
        (
            "slow-body",
            "entry-point::configured-active",
            "reading the body: timed out waiting for the target (--timeout 500ms)",
        ),
    ] {
        let reports = temp_dir();
        let ran = run(bin()
            .args(["run", "--sandbox", "--fault", fault, "--timeout", "500ms"])
            .args(["--exact", check, "--reports"])
            .arg(reports.path()));
        assert_exit_case(&ran, exit::NOT_READY, fault);
        assert_one_clear_line(&ran, expected);
        assert_eq!(
            check_outcome(reports.path(), check),
            ("error".to_string(), expected.to_string())
        );
    }
}

// Bodies that are not JSON, cut short, or gigantic.

#[test]
fn bad_bodies_are_named_and_a_huge_one_is_read_only_up_to_the_cap() {
    let cases = [
        (
            "non-json-body",
            "entry-point::configured-active",
            "expected body a JSON body, got body is not JSON (expected value at line 1 column 1): <html>oops</html>",
        ),
        (
            "truncated-json",
            "entry-point::configured-active",
            "expected body a JSON body, got body is truncated JSON: it ends in the middle of a value (EOF while parsing",
        ),
        (
            "huge-body",
            "execution::completes",
            "`status` did not reach the expected value within 2s: ",
        ),
    ];
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(fault, _, _)| {
                s.spawn(move || {
                    let reports = temp_dir();
                    let ran = run(bin()
                        .args(["run", "--sandbox", "--fault", fault])
                        .args(["--poll-timeout", "2s", "--reports"])
                        .arg(reports.path()));
                    (ran, reports)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((fault, id, expected), (ran, reports)) in cases.iter().zip(runs) {
        assert_exit_case(&ran, exit::NOT_READY, fault);
        let (status, message) = check_outcome(reports.path(), id);
        assert_eq!(status, "failed", "{fault}");
        assert!(message.starts_with(expected), "{fault}: {message}");
        if *fault == "huge-body" {
            assert!(
                message.ends_with("polls, and the last answer's body is not JSON: body is larger than the 1 MiB cap: the first 1048576 bytes were read, the rest discarded"),
                "{message}"
            );
            assert_huge_body_read_up_to_the_cap(reports.path());
        }
    }
}

/// The last read of `execution::completes` in the report under `root`
/// kept the cap's worth of a huge body and a 4 KiB excerpt of it.
fn assert_huge_body_read_up_to_the_cap(root: &Path) {
    let report = latest_report(root);
    let exchanges = check(&report, "execution::completes")["exchanges"]
        .as_array()
        .unwrap();
    let read = exchanges.last().unwrap()["response"].clone();
    assert_eq!(read["status"], 200);
    assert_eq!(read["truncated"], true);
    assert_eq!(read["body_bytes"], 1024 * 1024);
    let excerpt = read["body"].as_str().unwrap();
    assert!(
        excerpt.starts_with("{\"conversationId\"") && excerpt.len() == 4 * 1024,
        "{}",
        excerpt.len()
    );
}

// Refused, reset, TLS: one line naming the cause.

#[test]
fn connection_refused_is_one_line_naming_where() {
    let port = closed_port();
    let reports = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--base-url", &format!("http://127.0.0.1:{port}")])
        .arg("--reports")
        .arg(reports.path()));
    assert_unreachable_line(
        &ran,
        &format!("connection refused by 127.0.0.1:{port}: nothing listens there"),
    );
    // The reports and the record (an UNREACHABLE run reached a verdict).
    assert_eq!(files_below(reports.path()).len(), 12);
}

#[test]
fn a_reset_connection_is_one_line_naming_where() {
    // Closing with the request unread makes the kernel answer with a reset.
    let reset = Listener::start(|_| None);
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--no-reports", "--base-url", &reset.base_url()]));
    assert_unreachable_line(&ran, &format!("connection reset by {}", reset.addr()));
}

#[test]
fn tls_to_a_plain_http_server_is_one_line_naming_the_cause() {
    let sandbox = TestSandbox::start(20, &[]);
    let https = sandbox.base_url().replace("http://", "https://");
    let addr = https.trim_start_matches("https://").to_string();
    let ran = run(sandbox
        .command()
        .env("WAPZI_BASE_URL", &https)
        .args(["run", "--no-reports"]));
    assert_unreachable_line(
        &ran,
        &format!("TLS handshake with {addr} failed: the server does not speak TLS on that port (a plain http:// server?)"),
    );
}

// A connect that never completes.

/// A listener on 127.0.0.1 that never accepts and whose accept queue is
/// full, so that a further connect to it hangs; and the connections that
/// fill the queue, to be kept alive as long as the listener is needed.
///
/// On Linux, a SYN that reaches a listener whose accept queue is full is
/// dropped without an answer (counted as `ListenOverflows` in
/// /proc/net/netstat; with `tcp_syncookies` on, as by default, the SYN
/// queue does not matter), and the client retransmits it, 1 s, 3 s, 7 s...
/// later, each dropped again, until `tcp_syn_retries` gives up (over two
/// minutes): the connect hangs in SYN-SENT. The queue is full when it holds
/// more connections than the backlog, so with a backlog of 0 it is full
/// after one connection (checked by experiment on Linux 6.18: the first
/// connect completes at once, every further one times out). Nothing ever
/// leaves the queue, as nothing accepts, so once a probe connect goes
/// unanswered every later one does too. Only this test's own connections
/// reach the port.
#[cfg(target_os = "linux")]
fn listener_with_a_full_accept_queue() -> (
    socket2::Socket,
    Vec<std::net::TcpStream>,
    std::net::SocketAddr,
) {
    use socket2::{Domain, Socket, Type};
    use std::net::{SocketAddr, TcpStream};

    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&any_port.into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    // A handshake on loopback completes within the connect call; one that
    // is still unanswered after the probe's wait had its SYN dropped.
    let probe = Duration::from_millis(500);
    let mut queued = Vec::new();
    for _ in 0..8 {
        match TcpStream::connect_timeout(&addr, probe) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                assert!(!queued.is_empty(), "the first connect went unanswered");
                return (listener, queued, addr);
            }
            Err(e) => panic!("connect to {addr} failed instead of hanging: {e}"),
        }
    }
    panic!(
        "{} connections to a listener with a backlog of 0 all completed: its accept queue never fills",
        queued.len()
    );
}

#[test]
#[cfg(target_os = "linux")]
fn the_connect_timeout_ends_a_connect_that_is_never_answered() {
    let (_listener, _queued, addr) = listener_with_a_full_accept_queue();
    let reports = temp_dir();
    let ran = run_within(
        bin()
            .env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
            .args(["run", "--base-url", &format!("http://{addr}")])
            .args([
                "--connect-timeout",
                "300ms",
                "--timeout",
                "10m",
                "--reports",
            ])
            .arg(reports.path()),
        Duration::from_secs(60),
    )
    .expect("the run ends at its connect timeout, not at the 10 m request timeout");
    let expected = format!("timed out connecting to {addr} (--connect-timeout 300ms)");
    assert_unreachable_line(&ran, &expected);
    let report = latest_report(reports.path());
    assert_eq!(report["verdict"], "unreachable");
    assert_eq!(report["unreachable"]["kind"], "timeout");
}

// 429 and Retry-After.

#[test]
fn retry_after_is_honoured_while_polling_and_a_429_elsewhere_is_a_failure() {
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--fault", "rate-limited"])
        .args(["--poll-timeout", "10s", "--reports"])
        .arg(reports.path()));
    // The polls wait as told; latest-wins' plain read, answered 429, fails.
    assert_eq!(
        ran.failed(),
        ["conversation::latest-wins"],
        "{}",
        ran.stdout
    );
    let report = latest_report(reports.path());
    let completes = check(&report, "execution::completes");
    assert_eq!(completes["outcome"]["status"], "passed");
    let polls: Vec<&Value> = completes["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["poll"].is_u64())
        .collect();
    let statuses: Vec<u64> = polls
        .iter()
        .map(|e| e["response"]["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses[..2], [429, 429], "{statuses:?}");
    assert_eq!(statuses.last(), Some(&200));
    let ended = |e: &Value| e["started_ms"].as_f64().unwrap() + e["duration_ms"].as_f64().unwrap();
    let waited = polls[1]["started_ms"].as_f64().unwrap() - ended(polls[0]);
    assert!(
        waited >= 950.0,
        "Retry-After: 1 was not honoured: {waited} ms"
    );

    let (status, message) = check_outcome(reports.path(), "conversation::latest-wins");
    assert_eq!(status, "failed");
    assert!(
        message.starts_with("expected status equal to 200, got 429"),
        "{message}"
    );
}

/// Runs, against `target`, a check that polls `GET /v1/executions/poll`
/// every 300 ms until `status` is `completed`, for at most `timeout`.
fn run_poll_check(target: &Listener, timeout: &str) -> Ran {
    let dir = temp_dir();
    let file = dir.path().join("poll.yaml");
    let text = format!(
        "id: hostile::poll\ntitle: t\nchecklist: execution-status\nhint: h\nsteps:\n  \
         - request: {{method: GET, path: /v1/executions/poll}}\n    \
           poll:\n      until: {{status: completed}}\n      timeout: {timeout}\n      \
           interval: {{min: 300ms, max: 300ms}}\n"
    );
    std::fs::write(&file, text).unwrap();
    run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--no-reports", "--base-url", &target.base_url()])
        .arg("--checks")
        .arg(&file))
}

#[test]
fn a_retry_after_of_zero_does_not_make_the_poll_hammer() {
    let target =
        poll_target(|_| http_response("429 Too Many Requests", "retry-after: 0\r\n", b"{}"));
    let ran = run_poll_check(&target, "1s");
    let came: Vec<u128> = target
        .finish()
        .iter()
        .map(|ms| ms.parse().unwrap())
        .collect();
    assert_exit(&ran, exit::NOT_READY);
    // The check's interval is 300 ms: a loaded machine only makes the
    // gaps longer, so they are measured rather than the polls counted in
    // a second. Four polls at most fit in it; the second comes unless the
    // first answer took over 700 ms.
    assert!((2..=4).contains(&came.len()), "{came:?}");
    assert!(
        came.windows(2).all(|w| w[1] - w[0] >= 290),
        "polls came sooner than the 300 ms interval: {came:?}"
    );
}

/// A target that answers the preflight as documented and each poll with
/// `answer(n)` (`n` from 0); `finish` gives when each poll came, in ms
/// from the start.
fn poll_target(answer: impl Fn(usize) -> Vec<u8> + Send + 'static) -> Listener {
    let served = std::sync::atomic::AtomicUsize::new(0);
    let start = std::time::Instant::now();
    Listener::start(move |stream| {
        let head = read_head(stream);
        if head.contains("exec_homolog_preflight") {
            let documented = br#"{"message":"Invalid executionId for this account"}"#;
            let _ = stream.write_all(&http_response("400 Bad Request", "", documented));
            return None;
        }
        let came = start.elapsed().as_millis().to_string();
        let n = served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _ = stream.write_all(&answer(n));
        Some(came)
    })
}

#[test]
fn a_retry_after_of_centuries_ends_the_poll_at_its_timeout() {
    // Five answers "queued" (so polling has lasted over a second), then 429
    // with a Retry-After no clock can add.
    let target = poll_target(|n| {
        if n < 5 {
            http_response("200 OK", "", br#"{"status":"queued"}"#)
        } else {
            let forever = "retry-after: 18446744073709551615\r\n";
            http_response("429 Too Many Requests", forever, b"{}")
        }
    });
    let ran = run_poll_check(&target, "5s");
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout.contains(
            "`status` did not reach the expected value within 5s: 6 polls, last `status` was `(none)`"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_retry_after_beyond_the_poll_timeout_says_so_with_its_value() {
    let target =
        poll_target(|_| http_response("429 Too Many Requests", "retry-after: 3600\r\n", b"{}"));
    let ran = run_poll_check(&target, "10s");
    let polls = target.finish().len();
    assert_exit(&ran, exit::NOT_READY);
    assert_eq!(
        polls, 1,
        "the poll ends at the first answer, without waiting"
    );
    assert!(
        ran.stdout.contains(
            "the target asked to retry after 3600 s (Retry-After: 3600), beyond the poll timeout of 10s"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_retry_after_given_as_an_http_date_is_honoured() {
    // Two seconds ahead, in whole seconds: a wait of one to two seconds,
    // where the check's interval alone is 300 ms.
    let target = poll_target(|n| {
        if n == 0 {
            let at = std::time::SystemTime::now() + Duration::from_secs(2);
            let header = format!("retry-after: {}\r\n", httpdate::fmt_http_date(at));
            http_response("503 Service Unavailable", &header, b"{}")
        } else {
            http_response("200 OK", "", br#"{"status":"completed"}"#)
        }
    });
    let ran = run_poll_check(&target, "10s");
    let came: Vec<u128> = target
        .finish()
        .iter()
        .map(|ms| ms.parse().unwrap())
        .collect();
    assert!(
        ran.stdout.contains("test hostile::poll ... ok"),
        "{}\n{}",
        ran.stdout,
        ran.stderr
    );
    assert_eq!(came.len(), 2, "{came:?}");
    let waited = came[1] - came[0];
    // The upper bound is generous: a loaded machine only delays the poll.
    assert!(
        (900..=5_000).contains(&waited),
        "the HTTP date was not honoured: the second poll came {waited} ms after the first"
    );
}

// The URL on the wire.

#[test]
fn a_dot_segment_entry_point_is_not_sent_rather_than_resolved_away() {
    let sandbox = TestSandbox::start(20, &[]);
    let reports = temp_dir();
    let ran = run(sandbox
        .command()
        .env("WAPZI_ENTRY_POINT_ID", "..")
        .args(["run", "--reports"])
        .arg(reports.path()));
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout.contains(
            "not sent: `entry_point_id` is `..`, a dot segment the URL would resolve away"
        ),
        "{}",
        ran.stdout
    );
    // Advised by why it was not sent: the value, not the target.
    assert!(
        ran.stdout.contains("fix the fixture or variable it names"),
        "{}",
        ran.stdout
    );
    // Every URL recorded is one the library sends as it is.
    let report = latest_report(reports.path());
    for check in report["checks"].as_array().unwrap() {
        for exchange in check["exchanges"].as_array().unwrap() {
            let url = exchange["url"].as_str().unwrap();
            assert!(
                !url.contains("/v1/execute") && !url.contains("%2E"),
                "{url}"
            );
        }
    }
}

// Limits a target's answer may hit.

/// A Listener that answers the preflight as documented and every other
/// request with `answer`.
fn documented_preflight_then(answer: fn(&str) -> Vec<u8>) -> Listener {
    Listener::start(move |stream| {
        let head = read_head(stream);
        // Read the request's body too: closing with it unread would reset
        // the connection under the answer.
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|n| n.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0usize);
        let _ = std::io::Read::read_exact(stream, &mut vec![0u8; length]);
        let bytes = if head.contains("exec_homolog_preflight") {
            let documented = br#"{"message":"Invalid executionId for this account"}"#;
            http_response("400 Bad Request", "", documented)
        } else {
            answer(&head)
        };
        let _ = stream.write_all(&bytes);
        Some(head)
    })
}

fn against_listener(target: &Listener, args: &[&str]) -> (Ran, tempfile::TempDir) {
    let reports = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--base-url", &target.base_url(), "--reports"])
        .arg(reports.path())
        .args(args));
    (ran, reports)
}

#[test]
fn oversized_response_headers_name_the_limit() {
    let target = documented_preflight_then(|_| {
        let many: String = (0..300).map(|i| format!("x-h{i}: v\r\n")).collect();
        http_response("400 Bad Request", &many, br#"{"message":"x"}"#)
    });
    let (ran, _reports) = against_listener(&target, &["--exact", "key::accepted"]);
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout.contains(
            "sent response headers over the client's limits (100 headers, about 400 KiB in all)"
        ),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_huge_execution_id_is_a_short_capture_error_not_a_huge_line_or_report() {
    let target = documented_preflight_then(|_| {
        let id = "e".repeat(600 * 1024);
        let body = format!(r#"{{"conversationId":"c","executionId":"{id}","status":"queued"}}"#);
        http_response("202 Accepted", "", body.as_bytes())
    });
    // A check of its own that captures from the execute it sends.
    let dir = temp_dir();
    let check = dir.path().join("capture.yaml");
    std::fs::write(
        &check,
        "id: acme::capture\ntitle: t\nchecklist: execute-202\nhint: h\nsteps:\n  - name: execute\n    request:\n      method: POST\n      path: /v1/entry-points/{{ entry_point_id }}/execute\n      body: {message: hi}\n    capture:\n      execution_id: executionId\n",
    )
    .unwrap();
    let (ran, reports) = against_listener(&target, &["--checks", check.to_str().unwrap()]);
    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout.len(), ran.stderr);
    assert!(
        ran.stdout.contains("cannot capture `execution_id`: `executionId` is 614400 bytes long, over the 2048-byte limit of a captured value"),
        "{}",
        &ran.stdout[..ran.stdout.len().min(3000)]
    );
    assert!(
        ran.stdout.lines().all(|l| l.len() < 4096),
        "a line of {} bytes",
        ran.stdout.lines().map(str::len).max().unwrap_or(0)
    );
    let total: u64 = files_below(reports.path())
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(total < 1024 * 1024, "reports of {total} bytes");
}

#[test]
fn a_body_over_the_cap_is_said_to_be_cut_when_capturing() {
    let target = documented_preflight_then(|_| {
        let body = format!(
            r#"{{"pad":"{}","executionId":"e"}}"#,
            "p".repeat(1100 * 1024)
        );
        http_response("202 Accepted", "", body.as_bytes())
    });
    let (ran, _reports) = against_listener(&target, &["--exact", "execution::completes"]);
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout.contains("body is larger than the 1 MiB cap"),
        "{}",
        &ran.stdout[..ran.stdout.len().min(3000)]
    );
    assert!(!ran.stdout.contains("the body has no `executionId`"));
}

#[test]
fn a_captured_value_that_cannot_be_a_header_value_names_the_header() {
    let target = documented_preflight_then(|_| {
        http_response(
            "202 Accepted",
            "",
            br#"{"executionId":"exec\r\nx-injected: 1"}"#,
        )
    });
    let dir = temp_dir();
    let check = dir.path().join("trace.yaml");
    std::fs::write(
        &check,
        "id: acme::trace\ntitle: t\nchecklist: execute-202\nhint: h\nsteps:\n  - request:\n      method: POST\n      path: /v1/entry-points/{{ entry_point_id }}/execute\n      body: {message: hi}\n    capture:\n      execution_id: executionId\n  - request:\n      method: GET\n      path: /v1/executions/x\n      headers:\n        x-trace: \"{{ execution_id }}\"\n",
    )
    .unwrap();
    let (ran, _reports) = against_listener(&target, &["--checks", check.to_str().unwrap()]);
    assert_exit(&ran, exit::NOT_READY);
    assert!(
        ran.stdout
            .contains("not sent: the value of header `x-trace` cannot go in an HTTP header"),
        "{}",
        ran.stdout
    );
    let heads = target.finish();
    assert!(heads.iter().all(|h| !h.contains("x-injected")), "{heads:?}");
}

#[test]
fn bidirectional_controls_from_the_target_are_shown_escaped() {
    let target = documented_preflight_then(|_| {
        http_response(
            "400 Bad Request",
            "",
            "{\"message\":\"Invalid \u{202e}tnuocca\u{2066}x\u{2069}\"}".as_bytes(),
        )
    });
    let (ran, _reports) = against_listener(&target, &["--exact", "execution::unknown"]);
    assert_exit(&ran, exit::NOT_READY);
    for control in ['\u{202e}', '\u{2066}', '\u{2069}'] {
        assert!(
            !ran.stdout.contains(control),
            "{control:?} reached the terminal"
        );
    }
    assert!(
        ran.stdout
            .contains("Invalid \\u{202e}tnuocca\\u{2066}x\\u{2069}"),
        "{}",
        ran.stdout
    );
}
