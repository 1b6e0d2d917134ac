//! The recorder over loopback: in front of a real sandbox (faithful, and
//! with the faults that stream, stall or hang) and in front of the upstream
//! forwarder; what the client gets is what is recorded.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use super::*;
use crate::recording::{Recording, MAX_BODY};
use crate::sandbox::tests::client;
use crate::sandbox::{Fault, Sandbox, SandboxConfig, Scenario, FIXTURES};

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("valid address")
}

fn config(faults: &[&str]) -> SandboxConfig {
    SandboxConfig {
        latency: Duration::ZERO,
        faults: faults
            .iter()
            .map(|f| Fault::parse(f).expect("valid fault"))
            .collect(),
        ..SandboxConfig::default()
    }
}

fn execute_path() -> String {
    format!("/v1/entry-points/{}/execute", FIXTURES.entry_point_id)
}

/// A complete answer: status, content type, body.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    text: String,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("an answer");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let (content_type, location) = (header("content-type"), header("location"));
    Answer {
        status: response.status().as_u16(),
        content_type,
        location,
        text: response.text().await.expect("body reads"),
    }
}

/// The same three calls a client makes: an execute, its read, a stray GET.
async fn three_calls(base_url: &str) -> Vec<Answer> {
    let client = client();
    let created = send(
        client
            .post(format!("{base_url}{}?trace=1", execute_path()))
            .header("x-api-key", FIXTURES.api_key)
            .header("content-type", "application/json")
            .body(json!({ "message": "Hello" }).to_string()),
    )
    .await;
    let id: Value = serde_json::from_str(&created.text).expect("JSON");
    let id = id["executionId"].as_str().expect("an id").to_string();
    let read = send(
        client
            .get(format!("{base_url}/v1/executions/{id}"))
            .header("x-api-key", FIXTURES.api_key),
    )
    .await;
    let stray = send(client.get(format!("{base_url}/nowhere"))).await;
    vec![created, read, stray]
}

/// Counts the calls `recorder` keeps, as it keeps them.
fn counting(recorder: &Recorder) -> tokio::sync::watch::Receiver<usize> {
    let (kept, count) = tokio::sync::watch::channel(0);
    recorder.watch(std::sync::Arc::new(
        move |_: &crate::recording::RecordedCall| {
            kept.send_modify(|n| *n += 1);
        },
    ));
    count
}

/// Waits, boundedly, until `count` says `recorder` kept `calls` calls.
async fn wait_for_calls(
    recorder: &Recorder,
    count: &mut tokio::sync::watch::Receiver<usize>,
    calls: usize,
) -> Recording {
    tokio::time::timeout(Duration::from_secs(5), count.wait_for(|n| *n >= calls))
        .await
        .expect("the calls are kept within 5 s")
        .expect("the recorder is alive");
    recorder.snapshot()
}

#[tokio::test]
async fn every_call_is_recorded_with_the_answer_the_client_got() {
    let server = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let answers = three_calls(&server.base_url()).await;
    let recording = server.shutdown().await;
    assert_eq!(recording.dropped, 0);
    let calls = &recording.calls;
    let seen: Vec<(u64, &str, &str, u16)> = calls
        .iter()
        .map(|c| (c.seq, c.method.as_str(), c.path.as_str(), c.status_code()))
        .collect();
    assert_eq!(
        seen,
        [
            (0, "POST", execute_path().as_str(), 202),
            (1, "GET", "/v1/executions/exec_1", 200),
            (2, "GET", "/nowhere", 404),
        ]
    );
    let post = &calls[0];
    assert_eq!(post.query.as_deref(), Some("trace=1"));
    assert_eq!(post.header("x-api-key"), Some(FIXTURES.api_key));
    assert_eq!(post.request_field("message").as_deref(), Some("Hello"));
    assert_eq!(post.body.len, post.body.text.len());
    assert_eq!(
        post.response_header("content-type"),
        Some("application/json")
    );
    for (call, answer) in calls.iter().zip(&answers) {
        assert_eq!(call.response_body.text, answer.text);
        assert_eq!(call.response_body.len, answer.text.len());
        assert!(call.duration > Duration::ZERO);
    }
    assert!(calls[0].answered_at() <= calls[1].at && calls[1].answered_at() <= calls[2].at);
    assert_eq!(
        calls[1].response_field("status").as_deref(),
        Some("completed")
    );
}

#[tokio::test]
async fn a_huge_body_streams_through_and_is_kept_truncated() {
    let server = RecordedServer::sandbox(loopback(), config(&["huge-body"]))
        .await
        .expect("binds");
    let mut kept = counting(server.recorder());
    let base = server.base_url();
    let client = client();
    send(
        client
            .post(format!("{base}{}", execute_path()))
            .header("x-api-key", FIXTURES.api_key)
            .body(r#"{"message":"Hi"}"#),
    )
    .await;
    let mut response = client
        .get(format!("{base}/v1/executions/exec_1"))
        .header("x-api-key", FIXTURES.api_key)
        .send()
        .await
        .expect("headers arrive");
    let mut received = 0;
    while received < 4 * 1024 * 1024 {
        let chunk = response.chunk().await.expect("streams").expect("not over");
        received += chunk.len();
    }
    drop(response);
    let recording = wait_for_calls(server.recorder(), &mut kept, 2).await;
    let read = &recording.calls[1];
    assert_eq!(read.status, Some(200));
    assert_eq!(read.response_body.text.len(), MAX_BODY);
    assert!(read.response_body.text.starts_with("{\"conversationId\""));
    assert!(read.response_body.len >= MAX_BODY && !read.response_body.is_whole());
    server.shutdown().await;
}

#[tokio::test]
async fn a_stalled_or_hanging_answer_does_not_hold_the_recording() {
    for fault in ["slow-body", "hang"] {
        let server = RecordedServer::sandbox(loopback(), config(&[fault]))
            .await
            .expect("binds");
        let url = format!("{}{}", server.base_url(), execute_path());
        let call = tokio::spawn(async move {
            let response = client()
                .post(url)
                .header("x-api-key", FIXTURES.api_key)
                .body(r#"{"message":"Hi"}"#)
                .send()
                .await;
            match response {
                Ok(response) => (response.status().as_u16(), response.text().await.is_ok()),
                Err(_) => (0, false),
            }
        });
        // The sandbox counts the request once the recorder passed it on
        // (the answer stalls or hangs: nothing else tells; bounded, and
        // checked).
        for _ in 0..500 {
            if server.sandbox_stats().is_some_and(|s| s.requests == 1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            server.sandbox_stats().map(|s| s.requests),
            Some(1),
            "{fault}: the sandbox got the request"
        );
        let recording = tokio::time::timeout(Duration::from_secs(5), server.shutdown())
            .await
            .expect("shutdown completes");
        let answered = call.await.expect("client task");
        assert_eq!(recording.calls.len(), 1, "{fault}");
        let recorded = &recording.calls[0];
        match fault {
            "slow-body" => {
                assert_eq!((recorded.status_code(), answered.0), (202, 202));
                assert!(recorded
                    .response_body
                    .text
                    .starts_with("{\"conversationId\""));
            }
            _ => assert_eq!((recorded.status_code(), answered.0), (503, 503)),
        }
    }
}

#[tokio::test]
async fn a_request_body_over_the_limit_is_refused_and_recorded() {
    let server = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let answer = send(
        client()
            .post(format!("{}{}", server.base_url(), execute_path()))
            .header("x-api-key", FIXTURES.api_key)
            .body(vec![b'a'; MAX_REQUEST_BODY + 1]),
    )
    .await;
    assert_eq!(answer.status, 413);
    let stats = server.sandbox_stats().expect("a sandbox");
    assert_eq!(stats.requests, 0);
    let recording = server.shutdown().await;
    let call = &recording.calls[0];
    // The refusal is the recorder's own, never the API's.
    assert_eq!((call.status, call.body.len), (None, 0));
    assert_eq!(call.recorder_answer, Some(413));
    assert_eq!(call.response_body.text, answer.text);
    assert!(answer.text.contains("wapzi-homolog recorder"));
}

#[tokio::test]
async fn calls_past_the_cap_are_counted_not_kept() {
    let recorder = Recorder::with_limit(2);
    let router = axum::Router::new();
    let listener = tokio::net::TcpListener::bind(loopback())
        .await
        .expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_recorded(listener, router, recorder.clone(), async {
        let _ = stopped.await;
    }));
    for path in ["/a", "/b", "/c"] {
        assert_eq!(
            send(client().get(format!("{base}{path}"))).await.status,
            404
        );
    }
    let _ = stop.send(());
    let _ = server.await;
    let recording = recorder.snapshot();
    let paths: Vec<&str> = recording.calls.iter().map(|c| c.path.as_str()).collect();
    assert_eq!((paths, recording.dropped), (vec!["/a", "/b"], 1));
}

async fn forwarder_to(upstream: &str) -> RecordedServer {
    presenting_to(upstream, Vec::new()).await
}

async fn presenting_to(upstream: &str, scenarios: Vec<Scenario>) -> RecordedServer {
    let url = reqwest::Url::parse(upstream).expect("valid URL");
    let client = upstream_client(&url, Duration::from_secs(5), &|_| None).expect("client");
    RecordedServer::upstream(loopback(), url, client, scenarios)
        .await
        .expect("binds")
}

#[tokio::test]
async fn forwarded_answers_are_the_upstreams_and_recorded_alike() {
    let direct = Sandbox::start(loopback(), config(&[]))
        .await
        .expect("binds");
    let upstream = Sandbox::start(loopback(), config(&[]))
        .await
        .expect("binds");
    let forwarder = forwarder_to(&upstream.base_url()).await;
    let expected = three_calls(&direct.base_url()).await;
    let forwarded = three_calls(&forwarder.base_url()).await;
    assert_eq!(forwarded, expected);
    let stats = upstream.stats();
    assert_eq!((stats.requests, stats.requests_with_key), (3, 2));
    let recording = forwarder.shutdown().await;
    let statuses: Vec<u16> = recording.calls.iter().map(|c| c.status_code()).collect();
    assert_eq!(statuses, [202, 200, 404]);
    assert_eq!(
        recording.calls[0].header("x-api-key"),
        Some(FIXTURES.api_key)
    );
    assert_eq!(recording.calls[1].response_body.text, expected[1].text);
}

#[tokio::test]
async fn an_unreachable_upstream_answers_502_recorded_as_no_answer() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let upstream = format!("http://{}", closed.local_addr().expect("bound"));
    drop(closed);
    let forwarder = forwarder_to(&upstream).await;
    let answer = send(
        client()
            .post(format!("{}{}", forwarder.base_url(), execute_path()))
            .header("x-api-key", FIXTURES.api_key)
            .body(r#"{"message":"Hi"}"#),
    )
    .await;
    assert_eq!(answer.status, 502);
    let message: Value = serde_json::from_str(&answer.text).expect("JSON");
    let message = message["message"].as_str().expect("a message");
    assert_eq!(
        message,
        format!("wapzi-homolog recorder: upstream {upstream} unreachable: connection refused")
    );
    assert!(!answer.text.contains(FIXTURES.api_key));
    let recording = forwarder.shutdown().await;
    assert_eq!(recording.calls[0].status, None);
    assert_eq!(recording.calls[0].response_body.text, answer.text);
}

#[tokio::test]
async fn redirects_are_returned_and_paths_never_leave_the_upstream() {
    let elsewhere = "redirect-to=http://127.0.0.1:9";
    let upstream = Sandbox::start(loopback(), config(&[elsewhere]))
        .await
        .expect("binds");
    let forwarder = forwarder_to(&upstream.base_url()).await;
    let answer = send(
        client()
            .get(format!("{}/v1/executions/exec_1?x=1", forwarder.base_url()))
            .header("x-api-key", FIXTURES.api_key),
    )
    .await;
    assert_eq!(answer.status, 307);
    assert_eq!(
        answer.location.as_deref(),
        Some("http://127.0.0.1:9/v1/executions/exec_1?x=1")
    );
    // A path that looks like an authority still goes to the upstream.
    let faithful = Sandbox::start(loopback(), config(&[]))
        .await
        .expect("binds");
    let forwarder = forwarder_to(&faithful.base_url()).await;
    let stray = send(client().get(format!("{}//127.0.0.1:9/x", forwarder.base_url()))).await;
    assert_eq!(stray.status, 404);
    assert_eq!(faithful.stats().requests, 1);
}

/// The recorder's cost per request at the median, against a direct call to
/// the same sandbox (`cargo test --release recorder_overhead -- --ignored
/// --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
#[ignore = "a measurement, not a test: run it on a quiet machine"]
async fn recorder_overhead() {
    const ROUNDS: usize = 2000;
    let direct = Sandbox::start(loopback(), config(&[]))
        .await
        .expect("binds");
    let recorded = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let client = client();
    let mut medians = Vec::new();
    for base in [direct.base_url(), recorded.base_url()] {
        let url = format!("{base}/v1/executions/exec_404");
        let mut times = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let started = std::time::Instant::now();
            let response = client
                .get(&url)
                .header("x-api-key", FIXTURES.api_key)
                .send()
                .await
                .expect("answers");
            response.bytes().await.expect("body");
            times.push(started.elapsed());
        }
        times.sort_unstable();
        medians.push(times[ROUNDS / 2]);
    }
    println!(
        "median direct {:?}, recorded {:?}, overhead {:?}",
        medians[0],
        medians[1],
        medians[1].saturating_sub(medians[0])
    );
    assert_eq!(recorded.recorder().len(), ROUNDS);
}

/// Sends `head` (a request line and headers, without the blank line) on
/// a raw connection, as a client that does not normalise its path would,
/// and returns the answer's status.
async fn raw_status(base_url: &str, head: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let request = format!("{head}\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer));
    read.await.expect("answers in time").expect("reads");
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}

/// An upstream that answers every request with `answer` (raw bytes) and
/// sends the request head it got on the returned channel.
async fn raw_upstream(answer: &'static str) -> (String, tokio::sync::mpsc::Receiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(loopback())
        .await
        .expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let (heads, received) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.is_ok_and(|n| n == 1)
            {
                head.push(byte[0]);
            }
            let _ = heads
                .send(String::from_utf8_lossy(&head).into_owned())
                .await;
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    (url, received)
}

#[tokio::test]
async fn paths_are_forwarded_as_recorded_or_refused_by_the_recorder() {
    let answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    let (upstream, mut heads) = raw_upstream(answer).await;
    let forwarder = forwarder_to(&format!("{upstream}/prefix/")).await;
    let base = forwarder.base_url();
    // The upstream's path prefix is kept, the path sent byte for byte.
    assert_eq!(
        raw_status(&base, "GET /v1/executions/exec%5F1 HTTP/1.1").await,
        200
    );
    let head = heads.recv().await.expect("the upstream got it");
    assert!(
        head.starts_with("GET /prefix/v1/executions/exec%5F1 HTTP/1.1"),
        "{head}"
    );
    // What URL parsing would rewrite is not forwarded.
    for path in [
        "/v1/executions/../entry-points/x/execute",
        "/v1/executions/%2e%2E/x",
        "/v1/executions/.%2e",
        "/v1/executions/a\\b",
    ] {
        let status = raw_status(&base, &format!("GET {path} HTTP/1.1")).await;
        assert_eq!(status, 400, "{path}");
    }
    let recording = forwarder.shutdown().await;
    assert!(
        heads.try_recv().is_err(),
        "a refused path reached the upstream"
    );
    let paths: Vec<(&str, u16, Option<u16>)> = recording
        .calls
        .iter()
        .map(|c| (c.path.as_str(), c.status_code(), c.recorder_answer))
        .collect();
    assert_eq!(paths[0], ("/v1/executions/exec%5F1", 200, None));
    assert_eq!(
        paths[1],
        ("/v1/executions/../entry-points/x/execute", 0, Some(400))
    );
    assert!(paths[1..]
        .iter()
        .all(|(_, status, own)| (*status, *own) == (0, Some(400))));
}

#[tokio::test]
async fn a_content_length_beside_chunked_encoding_is_dropped() {
    let answer = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\nconnection: close\r\n\r\n9\r\n{\"a\":123}\r\n0\r\n\r\n";
    let (upstream, _heads) = raw_upstream(answer).await;
    let forwarder = forwarder_to(&upstream).await;
    let got = send(client().get(format!("{}/v1/executions/e", forwarder.base_url()))).await;
    assert_eq!(got.text, r#"{"a":123}"#);
    let recording = forwarder.shutdown().await;
    assert_eq!(recording.calls[0].response_body.text, r#"{"a":123}"#);
}

#[tokio::test]
async fn an_execute_the_client_hung_up_on_is_recorded_with_the_apis_answer() {
    let config = SandboxConfig {
        scenarios: vec![crate::sandbox::Scenario::SlowAccept],
        ..config(&[])
    };
    let server = RecordedServer::sandbox(loopback(), config)
        .await
        .expect("binds");
    let gave_up = client()
        .post(format!("{}{}", server.base_url(), execute_path()))
        .header("x-api-key", FIXTURES.api_key)
        .header("content-type", "application/json")
        .body(r#"{"message":"hello"}"#)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gave_up.is_err_and(|e| e.is_timeout()));
    // The stop releases the late 202, which is recorded all the same.
    let recording = server.shutdown().await;
    let call = &recording.calls[0];
    // Whether the server noticed the hang-up before the stop released the
    // answer (`client_gone`) depends on when the client's connection
    // closed; the API's answer is recorded either way.
    assert_eq!(call.status, Some(202));
    assert_eq!(
        call.response_field("executionId").as_deref(),
        Some("exec_1")
    );
}

#[tokio::test]
async fn long_bodies_are_graded_whole_and_shown_cut() {
    let config = SandboxConfig {
        scenarios: vec![crate::sandbox::Scenario::LongAnswer],
        ..config(&[])
    };
    let server = RecordedServer::sandbox(loopback(), config)
        .await
        .expect("binds");
    let message: String = "\\u00e3".repeat(400);
    let accepted = send(
        client()
            .post(format!("{}{}", server.base_url(), execute_path()))
            .header("x-api-key", FIXTURES.api_key)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"message":"{message}","note":"{}"}}"#,
                FIXTURES.api_key
            )),
    )
    .await;
    let id: Value = serde_json::from_str(&accepted.text).expect("JSON");
    let id = id["executionId"].as_str().expect("an id").to_string();
    let read = send(
        client()
            .get(format!("{}/v1/executions/{id}", server.base_url()))
            .header("x-api-key", FIXTURES.api_key),
    )
    .await;
    assert!(read.text.len() > MAX_BODY, "the answer is long");
    let recording = server.shutdown().await;
    let (post, get) = (&recording.calls[0], &recording.calls[1]);
    assert!(!post.body.is_whole() && post.body.text.len() == MAX_BODY);
    assert_eq!(
        post.request_field("message").map(|m| m.chars().count()),
        Some(256 / 2)
    );
    // The key under a name no rule knows, past the excerpt, is found.
    assert!(post
        .credentials()
        .iter()
        .any(|c| c.is_key && c.value == FIXTURES.api_key && post.header("x-api-key").is_some()));
    assert_eq!(get.response_field("status").as_deref(), Some("completed"));
    assert!(get.response_body.text.len() <= MAX_BODY);
}

/// What a client meeting `unavailable` and `key-rotated` sees: an execute
/// retried once, reads until a terminal status, then one more of each call.
async fn scenario_calls(base_url: &str) -> Vec<(u16, Option<String>, String)> {
    let client = client();
    let key = FIXTURES.api_key;
    let execute = || {
        client
            .post(format!("{base_url}{}", execute_path()))
            .header("x-api-key", key)
            .header("content-type", "application/json")
            .body(json!({ "message": "Hello" }).to_string())
    };
    let mut answers = vec![send(execute()).await, send(execute()).await];
    let id: Value = serde_json::from_str(&answers[1].text).expect("JSON");
    let id = id["executionId"].as_str().expect("an id").to_string();
    let read = || {
        client
            .get(format!("{base_url}/v1/executions/{id}"))
            .header("x-api-key", key)
    };
    for _ in 0..50 {
        let answer = send(read()).await;
        let status: Option<String> = serde_json::from_str::<Value>(&answer.text)
            .ok()
            .and_then(|v| v["status"].as_str().map(str::to_string));
        answers.push(answer);
        if status.is_some_and(|s| crate::check::TERMINAL_STATUSES.contains(&s.as_str())) {
            break;
        }
    }
    answers.push(send(read()).await);
    answers.push(send(execute()).await);
    answers
        .into_iter()
        .map(|a| {
            // Ids differ between two sandboxes: refusals are compared whole,
            // acceptances by status.
            let text = if a.status < 300 {
                String::new()
            } else {
                a.text
            };
            (a.status, a.content_type, text)
        })
        .collect()
}

#[tokio::test]
async fn scenarios_presented_upstream_answer_as_the_sandbox_and_are_never_forwarded() {
    let scenarios = vec![Scenario::Unavailable, Scenario::KeyRotated];
    let direct = Sandbox::start(
        loopback(),
        SandboxConfig {
            scenarios: scenarios.clone(),
            ..config(&[])
        },
    )
    .await
    .expect("binds");
    let upstream = Sandbox::start(loopback(), config(&[]))
        .await
        .expect("binds");
    let recorder = presenting_to(&upstream.base_url(), scenarios).await;
    let expected = scenario_calls(&direct.base_url()).await;
    let presented = scenario_calls(&recorder.base_url()).await;
    assert_eq!(presented, expected);
    let statuses: Vec<u16> = expected.iter().map(|a| a.0).collect();
    assert_eq!(&statuses[..4], [429, 202, 503, 200]);
    assert_eq!(&statuses[statuses.len() - 2..], [401, 401]);
    let recording = recorder.shutdown().await;
    let who: Vec<(u16, Option<&str>)> = recording
        .calls
        .iter()
        .map(|c| (c.status_code(), c.presented.as_deref()))
        .collect();
    assert_eq!(who[0], (429, Some("unavailable")));
    assert_eq!(who[1], (202, None));
    assert_eq!(who[2], (503, Some("unavailable")));
    assert_eq!(who[who.len() - 1], (401, Some("key-rotated")));
    assert!(recording.calls.iter().all(|c| c.recorder_answer.is_none()));
    assert_eq!(recording.calls[0].response_header("retry-after"), Some("1"));
    // Only what the recorder did not present reached the upstream: one
    // execute, and the reads after the refused one.
    let forwarded = recording.calls.iter().filter(|c| c.presented.is_none());
    assert_eq!(upstream.stats().requests, forwarded.count() as u64);
    let executes = recording
        .calls
        .iter()
        .filter(|c| c.execute_entry_point().is_some());
    assert_eq!(executes.filter(|c| c.presented.is_none()).count(), 1);
}

#[tokio::test]
async fn a_key_straddling_a_cut_is_redacted_before_the_cut() {
    use crate::recording::MAX_HEADER_VALUE;
    let server = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let given = crate::secret::Secret::new("ak_given0straddling0the0cut0000001", "k").unwrap();
    server.recorder().know(std::slice::from_ref(&given));
    // A key the recorder was never told, learned from the call's header.
    let learned = "ak_learned0straddling0the0cut000002";
    let straddle = |cut: usize, key: &str| format!("{}{key}", "x".repeat(cut - 10));
    let body = format!(
        r#"{{"message":"hi","note":"{}"}}"#,
        straddle(MAX_BODY - 22, given.expose())
    );
    assert!(body.find(given.expose()).unwrap() < MAX_BODY && body.len() > MAX_BODY);
    let client = client();
    for (key, header) in [(given.expose(), "x-api-key"), (learned, "x-api-key")] {
        send(
            client
                .post(format!("{}{}", server.base_url(), execute_path()))
                .header(header, key)
                .header("x-note", straddle(MAX_HEADER_VALUE, key))
                .header("content-type", "application/json")
                .body(body.replace(given.expose(), key)),
        )
        .await;
    }
    let recording = server.shutdown().await;
    assert_eq!(recording.calls.len(), 2);
    for (call, key) in recording.calls.iter().zip([given.expose(), learned]) {
        let note = call.header("x-note").expect("kept");
        let part = &key[..6];
        assert!(!note.contains(part), "{note}");
        assert!(!call.body.text.contains(part), "{}", call.body.text);
        assert!(call.body.text.ends_with("[redacte"), "{}", call.body.text);
        // The key sent where a key goes is kept whole for grading.
        assert_eq!(call.header("x-api-key"), Some(key));
    }
}

#[tokio::test]
async fn a_key_sent_past_the_header_cap_is_recorded_and_learned() {
    use crate::recording::MAX_HEADERS;
    let server = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let mut request = client().get(format!("{}/v1/executions/exec_1", server.base_url()));
    for i in 0..MAX_HEADERS {
        request = request.header(format!("x-filler-{i}"), "f");
    }
    send(request.header("x-api-key", FIXTURES.api_key)).await;
    let recording = server.shutdown().await;
    let call = &recording.calls[0];
    assert_eq!(call.header("x-api-key"), Some(FIXTURES.api_key));
    assert!(call
        .credentials()
        .iter()
        .any(|c| c.is_key && c.value == FIXTURES.api_key));
}

#[tokio::test]
async fn a_key_past_every_header_kept_and_in_a_whole_body_is_learned() {
    use crate::recording::MAX_HEADERS;
    let server = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let past = "wk0past0every0header0kept000000009";
    let mut request = client().get(format!("{}/v1/executions/exec_1", server.base_url()));
    // The headers kept, and the credential headers kept past them.
    for i in 0..MAX_HEADERS {
        request = request.header(format!("x-filler-{i}"), "f");
    }
    for i in 0..super::record::MAX_EXTRA_CREDENTIAL_HEADERS {
        request = request.header(format!("x-{i}-token"), "t");
    }
    send(request.header("x-wapzi-key", past)).await;
    let in_body = "wk0in0a0whole0body000000000000009";
    send(
        client()
            .post(format!("{}{}", server.base_url(), execute_path()))
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"message":"hi","auth":{{"access_key":"{in_body}"}}}}"#
            )),
    )
    .await;
    let recording = server.shutdown().await;
    assert_eq!(recording.calls[0].header("x-wapzi-key"), None, "not kept");
    for key in [past, in_body] {
        assert!(
            recording.learned.iter().any(|c| c.is_key && c.value == key),
            "{key} learned"
        );
    }
}

#[tokio::test]
async fn past_the_credentials_learned_a_call_s_own_key_is_redacted_before_its_cut() {
    use crate::recording::MAX_HEADER_VALUE;
    let server = RecordedServer::sandbox(loopback(), config(&[]))
        .await
        .expect("binds");
    let client = client();
    let read = format!("{}/v1/executions/exec_1", server.base_url());
    for i in 0..super::record::MAX_LEARNED {
        let token = format!("cursor{i:0>20}");
        send(client.get(&read).header("x-auth-token", token)).await;
    }
    let key = "wk0past0the0learned0cap00000000009";
    // The key straddles the cut: its first 5 bytes are before it.
    let note = format!("{}{key}", "x".repeat(MAX_HEADER_VALUE - 5));
    send(
        client
            .get(&read)
            .header("x-api-key", key)
            .header("x-note", note),
    )
    .await;
    let recording = server.shutdown().await;
    assert_eq!(recording.calls.len(), super::record::MAX_LEARNED + 1);
    let last = recording.calls.last().expect("recorded");
    let kept = last.header("x-note").expect("kept");
    assert!(!kept.contains(&key[..5]), "{}", &kept[kept.len() - 20..]);
    assert!(kept.ends_with("[reda"), "{}", &kept[kept.len() - 20..]);
}
