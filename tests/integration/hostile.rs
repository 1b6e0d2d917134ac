//! Hostile targets and bad input (issue 5): the key never leaves its origin
//! nor reaches any output, a target that hangs, lies about its bodies, resets
//! or refuses cannot hang or crash the run, and bad settings are refused
//! before anything is sent. Every target is the sandbox or a tiny listener
//! on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use wapzi_homolog::exit;
use wapzi_homolog::sandbox::FIXTURES;

use crate::support::{bin, files_below, run, temp_dir, Ran, TestSandbox};

const NOT_READY: i32 = exit::NOT_READY as i32;
const SETUP: i32 = exit::SETUP as i32;

/// Connections a [`Listener`] accepts at most before it stops by itself.
const MAX_CONNECTIONS: usize = 256;

/// How long a listener waits for a client to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The first byte of the connection that tells a [`Listener`] to stop; no
/// HTTP method and no TLS record starts with it.
const STOP: u8 = b'S';

/// A tiny TCP server on 127.0.0.1, run by a thread: each connection is
/// handed to `answer`, which returns the request head it read (if any) to be
/// recorded. It stops when [`Listener::finish`] (or drop) connects with
/// [`STOP`], or after [`MAX_CONNECTIONS`].
pub struct Listener {
    addr: SocketAddr,
    thread: Option<JoinHandle<Vec<String>>>,
}

impl Listener {
    pub fn start(answer: impl Fn(&mut TcpStream) -> Option<String> + Send + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            let mut heads = Vec::new();
            for _ in 0..MAX_CONNECTIONS {
                let Ok((mut stream, _)) = listener.accept() else {
                    break;
                };
                let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
                let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
                let mut first = [0u8; 1];
                if stream.peek(&mut first).is_ok_and(|n| n == 1) && first[0] == STOP {
                    break;
                }
                heads.extend(answer(&mut stream));
            }
            heads
        });
        Listener {
            addr,
            thread: Some(thread),
        }
    }

    /// A listener that records each request head and answers `200 {}`.
    pub fn recorder() -> Listener {
        Listener::start(|stream| {
            let head = read_head(stream);
            let _ = stream.write_all(&http_response("200 OK", "", b"{}"));
            Some(head)
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the listener and returns the request heads it recorded.
    pub fn finish(mut self) -> Vec<String> {
        self.stop()
    }

    fn stop(&mut self) -> Vec<String> {
        let Some(thread) = self.thread.take() else {
            return Vec::new();
        };
        // Fails only when the thread already stopped by itself.
        if let Ok(mut stream) = TcpStream::connect(self.addr) {
            let _ = stream.write_all(&[STOP]);
        }
        thread.join().unwrap()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.stop();
        }
    }
}

/// Reads a request head, up to its blank line, within [`READ_TIMEOUT`].
pub fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A complete HTTP/1.1 response that closes the connection; `extra` holds
/// more header lines, each ending with CRLF.
pub fn http_response(status: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A port on 127.0.0.1 where nothing listens (bound, read, released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `cmd`, killing it if it has not finished within `limit`.
fn run_within(cmd: &mut Command, limit: Duration) -> Option<Ran> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    status.map(|status| Ran {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    })
}

/// The `latest/report.json` of a reports root, parsed.
fn latest_report(root: &Path) -> Value {
    let path = root.join("latest/report.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The check `id` in a parsed report.
fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in the report"))
}

/// The messages of every check whose outcome is `status`.
fn messages(report: &Value, status: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"]["status"] == status)
        .map(|c| {
            c["outcome"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Library error chains that must never reach the user.
const CHAIN_MARKERS: [&str; 4] = [
    "error sending request for url",
    "client error (",
    "os error",
    "caused by",
];

fn assert_one_clear_line(ran: &Ran, expected: &str) {
    let line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line:\n{}", ran.stdout));
    assert_eq!(line, format!("error: {expected}"), "{}", ran.stdout);
    for marker in CHAIN_MARKERS {
        assert!(!ran.stdout.contains(marker), "{marker}:\n{}", ran.stdout);
    }
}

// 1. Redirects.

#[test]
fn a_redirect_is_not_followed_and_the_key_never_reaches_the_other_origin() {
    let other = Listener::recorder();
    let other_url = other.base_url();
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--timeout", "5s", "--reports"])
        .arg(reports.path())
        .arg("--fault")
        .arg(format!("redirect-to={other_url}")));
    let received = other.finish();
    assert!(
        received
            .iter()
            .all(|head| !head.to_ascii_lowercase().contains("x-api-key")),
        "the key reached the other origin: {received:?}"
    );
    assert!(received.is_empty(), "a redirect was followed: {received:?}");

    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
    let location = format!("{other_url}/v1/");
    let report = latest_report(reports.path());
    let failed = messages(&report, "failed");
    assert!(!failed.is_empty());
    for message in &failed {
        assert!(
            message.contains(&format!("got 307 (a redirect to {location}"))
                && message.contains("not followed"),
            "{message}"
        );
    }
    assert!(
        ran.stdout
            .contains(&format!("(Location: {location}entry-points/")),
        "{}",
        ran.stdout
    );
}

// 2. The key never appears in output.

/// Every form of `secret` that must not appear: as is, base64 in both
/// alphabets with and without padding, percent-encoded, JSON-escaped.
fn secret_forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let json = serde_json::to_string(secret).unwrap();
    vec![
        secret.to_string(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        json.trim_matches('"').to_string(),
    ]
}

/// Where any form of a sandbox secret appears in `bytes`.
fn leaks(bytes: &[u8]) -> Vec<String> {
    let secrets = [
        FIXTURES.api_key,
        FIXTURES.previous_api_key,
        FIXTURES.inactive_api_key,
        FIXTURES.other_api_key,
    ];
    secrets
        .iter()
        .flat_map(|s| secret_forms(s))
        .filter(|form| bytes.windows(form.len()).any(|w| w == form.as_bytes()))
        .collect()
}

/// Runs the sandbox with `fault`, printing every exchange with its body
/// (`-vv`) and writing reports; asserts no secret is in any byte of it.
fn assert_no_key_anywhere(fault: &str) -> (Ran, Vec<u8>) {
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "-vv", "--fault", fault, "--reports"])
        .arg(reports.path()));
    assert_ne!(
        ran.code,
        i32::from(exit::SECRET_LEAK),
        "{}\n{}",
        ran.stdout,
        ran.stderr
    );
    let mut all = Vec::new();
    for (name, bytes) in [
        ("stdout", ran.stdout.as_bytes()),
        ("stderr", ran.stderr.as_bytes()),
    ] {
        assert!(
            leaks(bytes).is_empty(),
            "{fault}: {name} leaks {:?}",
            leaks(bytes)
        );
    }
    let files = files_below(reports.path());
    assert!(files.len() >= 10, "{fault}: reports missing: {files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            leaks(&bytes).is_empty(),
            "{fault}: {} leaks {:?}",
            file.display(),
            leaks(&bytes)
        );
        all.extend(bytes);
    }
    (ran, all)
}

#[test]
fn an_echoed_key_appears_in_no_output_byte_in_any_encoding() {
    let (ran, reports) = assert_no_key_anywhere("echo-key");
    assert_eq!(ran.code, i32::from(exit::READY), "{}", ran.stdout);
    let text = String::from_utf8_lossy(&reports);
    // The echoes did arrive, and were recorded redacted.
    for echoed in [
        "\"x-echo-key\"",
        "\"x-echo-key-base64\"",
        "echo_base64url",
        "echo_percent",
    ] {
        assert!(text.contains(echoed), "{echoed} is not in the reports");
    }
    assert!(text.contains("[redacted]"));
    assert!(
        ran.stderr.contains("\"echo_base64\":\"[redacted]\""),
        "-vv printed no echoed body:\n{}",
        ran.stderr
    );
}

#[test]
fn html_injection_leaks_no_key_either() {
    let (ran, _) = assert_no_key_anywhere("html-injection");
    assert_eq!(ran.code, NOT_READY, "{}", ran.stdout);
}

// 3. Settings refused before anything is sent.

/// A setting that must be refused before anything is sent.
struct Refused<'a> {
    env: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    says: String,
}

#[test]
fn empty_secrets_and_unsafe_base_urls_are_refused_before_anything_is_sent() {
    let dir = temp_dir();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, " \n").unwrap();
    let empty = empty.to_str().unwrap().to_string();
    let previous = format!("previous_api_key={empty}");
    let key = FIXTURES.api_key;
    let (in_query, in_userinfo, in_port) = (
        format!("https://api.wapzi.com.br/?key={key}"),
        format!("https://{key}@api.wapzi.com.br"),
        format!("https://api.wapzi.com.br:{key}"),
    );
    let cases = [
        Refused {
            env: &[("WAPZI_PREVIOUS_API_KEY", "  ")],
            args: &[],
            says: "WAPZI_PREVIOUS_API_KEY is empty or only whitespace".into(),
        },
        Refused {
            env: &[],
            args: &["--secret-file", &previous],
            says: "--secret-file previous_api_key is empty or only whitespace".into(),
        },
        Refused {
            env: &[],
            args: &["--api-key-file", &empty],
            says: format!("the key file (--api-key-file) is empty or only whitespace ({empty})"),
        },
        Refused {
            env: &[("WAPZI_API_KEY", "\t\n")],
            args: &[],
            says: "WAPZI_API_KEY is empty or only whitespace".into(),
        },
        Refused {
            env: &[("WAPZI_BASE_URL", "http://api.wapzi.com.br")],
            args: &[],
            says:
                "refusing plain http:// to api.wapzi.com.br: the API key would travel unencrypted"
                    .into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", "http://localhost.example.com:8080"],
            says: "refusing plain http:// to localhost.example.com".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", "http://10.0.0.1"],
            says: "refusing plain http:// to 10.0.0.1".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", "https://[::1"],
            says: "invalid base URL `https://[::1`".into(),
        },
        // A key pasted into the base URL is not printed back.
        Refused {
            env: &[],
            args: &["--base-url", &in_query],
            says: "invalid base URL `https://api.wapzi.com.br/` (its credentials, query or fragment not shown)".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", &in_userinfo],
            says: "invalid base URL `https://api.wapzi.com.br/` (its credentials, query or fragment not shown)".into(),
        },
        Refused {
            env: &[],
            args: &["--base-url", &in_port],
            says: "invalid base URL `https://api.wapzi.com.br:[redacted]`: invalid port number".into(),
        },
    ];
    // A listener that records what reaches it: nothing may.
    let target = Listener::recorder();
    for Refused { env, args, says } in &cases {
        let mut cmd = bin();
        cmd.env("WAPZI_API_KEY", FIXTURES.api_key)
            .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
            .env("WAPZI_BASE_URL", target.base_url());
        for (name, value) in *env {
            cmd.env(name, value);
        }
        if args.contains(&"--api-key-file") {
            cmd.env_remove("WAPZI_API_KEY");
        }
        let ran = run(cmd.args(["run", "--no-reports"]).args(*args));
        assert_eq!(ran.code, SETUP, "{env:?} {args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(says.as_str()), "{says}\n{}", ran.stderr);
        assert!(leaks(ran.stderr.as_bytes()).is_empty(), "{}", ran.stderr);
    }
    assert_eq!(target.finish(), Vec::<String>::new());
}

#[test]
fn flags_that_conflict_are_usage_errors() {
    let conflicts: [&[&str]; 6] = [
        &["--sandbox", "--api-key-file", "/dev/null"],
        &["--sandbox", "--entry-point", "ep"],
        &["--sandbox", "--fixture", "failing_message=x"],
        &["--sandbox", "--secret-file", "previous_api_key=/dev/null"],
        &["--sandbox", "--unavailable-entry-point", "ep"],
        &["--sandbox", "--no-reports", "--reports", "/tmp/x"],
    ];
    for args in conflicts {
        let ran = run(bin().arg("run").args(args));
        assert_eq!(ran.code, SETUP, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("cannot be used with"),
            "{args:?}: {}",
            ran.stderr
        );
    }
}

// 4. Slow targets.

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
    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
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
    assert_eq!(ran.code, NOT_READY);
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
        assert_eq!(ran.code, NOT_READY, "{fault}: {}", ran.stdout);
        assert_one_clear_line(&ran, expected);
        assert_eq!(
            check_outcome(reports.path(), check),
            ("error".to_string(), expected.to_string())
        );
    }
}

fn check_outcome(root: &Path, id: &str) -> (String, String) {
    let report = latest_report(root);
    let outcome = &check(&report, id)["outcome"];
    (
        outcome["status"].as_str().unwrap_or_default().to_string(),
        outcome["message"].as_str().unwrap_or_default().to_string(),
    )
}

// 5. Bodies that are not JSON, cut short, or gigantic.

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
            "shape::success-bodies",
            "expected body a JSON body, got body is larger than the 1 MiB cap: the first 1048576 bytes were read, the rest discarded",
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
        assert_eq!(
            ran.code, NOT_READY,
            "{fault}: {}\n{}",
            ran.stdout, ran.stderr
        );
        let (status, message) = check_outcome(reports.path(), id);
        assert_eq!(status, "failed", "{fault}");
        assert!(message.starts_with(expected), "{fault}: {message}");
    }
    let huge = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--fault", "huge-body", "--exact"])
        .args(["shape::success-bodies", "--reports"])
        .arg(huge.path()));
    assert_eq!(ran.code, NOT_READY, "{}", ran.stdout);
    let report = latest_report(huge.path());
    let exchanges = check(&report, "shape::success-bodies")["exchanges"]
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

// 6. Refused, reset, TLS: one line naming the cause.

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
    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
    assert_one_clear_line(
        &ran,
        &format!("connection refused by 127.0.0.1:{port}: nothing listens there"),
    );
    assert_eq!(files_below(reports.path()).len(), 10);
}

#[test]
fn a_reset_connection_is_one_line_naming_where() {
    // Closing with the request unread makes the kernel answer with a reset.
    let reset = Listener::start(|_| None);
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--no-reports", "--base-url", &reset.base_url()]));
    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
    assert_one_clear_line(&ran, &format!("connection reset by {}", reset.addr()));
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
    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
    assert_one_clear_line(
        &ran,
        &format!("TLS handshake with {addr} failed: the server does not speak TLS on that port (a plain http:// server?)"),
    );
}

// 7. 429 and Retry-After.

#[test]
fn retry_after_is_honoured_while_polling_and_a_429_elsewhere_is_a_failure() {
    let reports = temp_dir();
    let ran = run(bin()
        .args(["run", "--sandbox", "--fault", "rate-limited"])
        .args(["--poll-timeout", "10s", "--reports"])
        .arg(reports.path()));
    assert_eq!(
        ran.failed(),
        ["conversation::latest-wins", "shape::success-bodies"],
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

    let (status, message) = check_outcome(reports.path(), "shape::success-bodies");
    assert_eq!(status, "failed");
    assert!(
        message.starts_with("expected status equal to 200, got 429"),
        "{message}"
    );
}

/// A check that polls `GET /v1/executions/poll` until `status` is
/// `completed`, for at most `timeout`.
fn poll_check(dir: &Path, timeout: &str) -> std::path::PathBuf {
    let file = dir.join("poll.yaml");
    let text = format!(
        "id: hostile::poll\ntitle: t\nchecklist: execution-status\nhint: h\nsteps:\n  \
         - request: {{method: GET, path: /v1/executions/poll}}\n    \
           poll:\n      until: {{status: completed}}\n      timeout: {timeout}\n      \
           interval: {{min: 300ms, max: 300ms}}\n"
    );
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_retry_after_of_centuries_ends_the_poll_at_its_timeout() {
    // Five answers "queued" (so polling has lasted over a second), then 429
    // with a Retry-After no clock can add.
    let served = std::sync::atomic::AtomicUsize::new(0);
    let target = Listener::start(move |stream| {
        read_head(stream);
        let n = served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let answer = if n < 5 {
            http_response("200 OK", "", br#"{"status":"queued"}"#)
        } else {
            let forever = "retry-after: 18446744073709551615\r\n";
            http_response("429 Too Many Requests", forever, b"{}")
        };
        let _ = stream.write_all(&answer);
        None
    });
    let dir = temp_dir();
    let ran = run(bin()
        .env("WAPZI_API_KEY", FIXTURES.api_key)
        .env("WAPZI_ENTRY_POINT_ID", FIXTURES.entry_point_id)
        .args(["run", "--no-reports", "--base-url", &target.base_url()])
        .arg("--checks")
        .arg(poll_check(dir.path(), "5s")));
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    assert_eq!(ran.code, NOT_READY, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains(
            "`status` did not reach the expected value within 5s: 6 polls, last `status` was `(none)`"
        ),
        "{}",
        ran.stdout
    );
}

// Bad input from the user.

#[test]
fn a_check_file_with_a_control_character_is_an_error_not_a_hang() {
    let dir = temp_dir();
    let file = dir.path().join("control.yaml");
    std::fs::write(&file, b"\x1f").unwrap();
    let ran = run_within(bin().arg("validate").arg(&file), Duration::from_secs(30))
        .expect("validate ends");
    assert_eq!(ran.code, SETUP, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("control characters are not allowed"),
        "{}",
        ran.stderr
    );
}
