//! The client side's performance (issue 15), measured in release mode:
//!
//! 1. what the recorder adds per request, at the median, in front of the
//!    sandbox and as a forwarder to an upstream on loopback;
//! 2. a client sending 2,000 requests per second for 10 s: all served and
//!    recorded, and the process's peak memory;
//! 3. grading 100,000 recorded calls with the built-in client checks;
//! 4. apart, one per process (`BENCH_PART`): grading 100,000 calls with one
//!    key and with a different key on each (`grading`), the peak memory of
//!    40,000 calls with large headers (`headers`) and of 1,000 connections
//!    holding a 1 MiB body each (`held-bodies`) (issue 23).
//!
//! ```text
//! cargo bench --bench client              # prints a Markdown table
//! BENCH_QUICK=1 cargo bench --bench client
//! ```
//!
//! Not run by CI; docs/benchmarks.md quotes its output.

use std::time::{Duration, Instant};

use wapzi_homolog::check::{load_sources, CheckSource};
use wapzi_homolog::grade::{grade, GradeContext};
use wapzi_homolog::recorder::{upstream_client, RecordedServer};
use wapzi_homolog::recording::{RecordedBody, RecordedCall, Recording};
use wapzi_homolog::sandbox::{Sandbox, SandboxConfig, FIXTURES};

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    // One part per process where memory is measured: a peak is the process's.
    match std::env::var("BENCH_PART").as_deref() {
        Ok("grading") => return grading_table(),
        Ok("headers") => return headers_memory(if quick { 4_000 } else { 40_000 }),
        Ok("held-bodies") => return held_bodies(if quick { 100 } else { 1_000 }),
        _ => {}
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let samples = if quick { 500 } else { 5000 };
    let overhead = rt.block_on(overhead(samples));
    let load_secs = if quick { 2 } else { 10 };
    let load = rt.block_on(load(2000, load_secs));
    let graded = grading(100_000, Keys::One);
    println!("| measurement | value | target |");
    println!("|---|---|---|");
    println!(
        "| median per request: sandbox direct / recorded / recorder forwarding to it | {:.3} / {:.3} / {:.3} ms | |",
        ms(overhead.direct),
        ms(overhead.recorded),
        ms(overhead.upstream)
    );
    println!(
        "| recorder overhead at the median, sandbox | {:.3} ms | < 1 ms |",
        ms(overhead.recorded.saturating_sub(overhead.direct))
    );
    println!(
        "| recorder overhead at the median, `--upstream` on loopback | {:.3} ms | < 2 ms |",
        ms(overhead.upstream.saturating_sub(overhead.direct))
    );
    println!(
        "| {} req/s for {} s: sent / answered / recorded / dropped | {} / {} / {} / {} | all served and recorded |",
        load.rate, load.secs, load.sent, load.answered, load.recorded, load.dropped
    );
    println!(
        "| achieved rate | {:.0} req/s | 2,000 req/s |",
        load.answered as f64 / load.elapsed.as_secs_f64()
    );
    println!(
        "| peak RSS before / after the load | {:.1} / {:.1} MB | bounded |",
        load.rss_before_mb, load.rss_after_mb
    );
    println!(
        "| grading {} recorded calls ({} built-in checks) | {:.3} s | < 1 s |",
        graded.calls,
        graded.checks,
        graded.elapsed.as_secs_f64()
    );
}

/// `BENCH_PART=grading`: 100,000 calls graded with one key, then (in the
/// same process, after) with a different key on every call (issue 23 item
/// 13), with the peak RSS after each.
fn grading_table() {
    println!("| grading 100,000 calls | time | peak RSS after |");
    println!("|---|---|---|");
    for keys in [Keys::One, Keys::EachCall] {
        let graded = grading(100_000, keys);
        println!(
            "| {} | {:.2} s | {:.0} MB |",
            match keys {
                Keys::One => "one key",
                Keys::EachCall => "a different key on every call",
            },
            graded.elapsed.as_secs_f64(),
            peak_rss_mb()
        );
    }
}

/// `BENCH_PART=headers`: `calls` calls, each with 60 headers of 1 KiB and a
/// 3 KiB JSON body, recorded by a recorded sandbox; the peak RSS after
/// (issue 23 item 10: 5.45 GB for 40,000 before the recording's budget).
fn headers_memory(calls: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let (kept, truncated, elapsed) = rt.block_on(async {
        let server = RecordedServer::sandbox(([127, 0, 0, 1], 0).into(), SandboxConfig::default())
            .await
            .expect("a recorded sandbox");
        let base = server.base_url();
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        let value = "v".repeat(1024);
        let body = format!(r#"{{"message":"{}"}}"#, "m".repeat(3 * 1024));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..calls {
            if tasks.len() >= 32 {
                let _ = tasks.join_next().await;
            }
            let mut request = client
                .post(format!("{base}/v1/entry-points/ep_{n}/execute"))
                .header("x-api-key", FIXTURES.api_key)
                .header("content-type", "application/json")
                .body(body.clone());
            for h in 0..60 {
                request = request.header(format!("x-bench-{h}"), &value);
            }
            tasks.spawn(async move { request.send().await.map(|r| r.status()).is_ok() });
        }
        while tasks.join_next().await.is_some() {}
        let elapsed = started.elapsed();
        let recording = server.shutdown().await;
        (recording.calls.len(), recording.truncated, elapsed)
    });
    println!("| measurement | value |");
    println!("|---|---|");
    println!(
        "| {calls} calls with 60 headers of 1 KiB and a 3 KiB body: kept / truncated | {kept} / {truncated} ({:.1} s) |",
        elapsed.as_secs_f64()
    );
    println!("| peak RSS | {:.0} MB |", peak_rss_mb());
}

/// `BENCH_PART=held-bodies`: `connections` connections, each sending a
/// 1 MiB request body short of its last byte and holding it; the peak RSS
/// while they are held (issue 23 item 10: 1.5 GB for 1,000 before).
fn held_bodies(connections: usize) {
    use tokio::io::AsyncWriteExt;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let (held, baseline) = rt.block_on(async {
        let server = RecordedServer::sandbox(([127, 0, 0, 1], 0).into(), SandboxConfig::default())
            .await
            .expect("a recorded sandbox");
        let addr = server
            .base_url()
            .trim_start_matches("http://")
            .to_string();
        let baseline = peak_rss_mb();
        let len = 1024 * 1024;
        let chunk = vec![b'x'; 64 * 1024];
        let mut streams = Vec::with_capacity(connections);
        for _ in 0..connections {
            let Ok(mut stream) = tokio::net::TcpStream::connect(&addr).await else {
                break;
            };
            let head = format!(
                "POST /v1/entry-points/ep/execute HTTP/1.1\r\nhost: {addr}\r\nx-api-key: {}\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n",
                FIXTURES.api_key
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                break;
            }
            let mut left = len - 1;
            while left > 0 {
                let n = left.min(chunk.len());
                if stream.write_all(&chunk[..n]).await.is_err() {
                    break;
                }
                left -= n;
            }
            streams.push(stream);
        }
        // Let the server read what was sent (bounded: 50 looks, 100 ms apart).
        let mut last = 0.0;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = peak_rss_mb();
            if (now - last).abs() < 1.0 {
                break;
            }
            last = now;
        }
        let held = streams.len();
        drop(streams);
        let _ = server.shutdown().await;
        (held, baseline)
    });
    println!("| measurement | value |");
    println!("|---|---|");
    println!(
        "| {held} connections each holding a 1 MiB body short of its last byte: peak RSS before / while held | {baseline:.0} / {:.0} MB |",
        peak_rss_mb()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Overhead {
    direct: Duration,
    recorded: Duration,
    upstream: Duration,
}

/// Medians of `samples` sequential reads on one keep-alive connection.
async fn overhead(samples: usize) -> Overhead {
    let config = SandboxConfig {
        latency: Duration::ZERO,
        ..SandboxConfig::default()
    };
    let direct = Sandbox::start(([127, 0, 0, 1], 0).into(), config.clone())
        .await
        .expect("a sandbox");
    let recorded = RecordedServer::sandbox(([127, 0, 0, 1], 0).into(), config)
        .await
        .expect("a recorded sandbox");
    let upstream_url = reqwest::Url::parse(&direct.base_url()).expect("a URL");
    let env = |_: &str| None;
    let forwarder_client =
        upstream_client(&upstream_url, Duration::from_secs(10), &env).expect("a client");
    let forwarder = RecordedServer::upstream(
        ([127, 0, 0, 1], 0).into(),
        upstream_url,
        forwarder_client,
        Vec::new(),
    )
    .await
    .expect("a forwarder");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    let mut medians = Vec::new();
    for base in [direct.base_url(), recorded.base_url(), forwarder.base_url()] {
        medians.push(median_read(&client, &base, samples).await);
    }
    let _ = forwarder.shutdown().await;
    let _ = recorded.shutdown().await;
    direct.shutdown().await;
    Overhead {
        direct: medians[0],
        recorded: medians[1],
        upstream: medians[2],
    }
}

/// The median time to read an execution that exists (created first, so
/// that every timed read is the API's 200, not an error answer).
async fn median_read(client: &reqwest::Client, base: &str, samples: usize) -> Duration {
    let created = client
        .post(format!(
            "{base}/v1/entry-points/{}/execute",
            FIXTURES.entry_point_id
        ))
        .header("x-api-key", FIXTURES.api_key)
        .header("content-type", "application/json")
        .body(r#"{"message":"bench"}"#)
        .send()
        .await
        .expect("an answer")
        .bytes()
        .await
        .expect("the execute's body");
    let created: serde_json::Value = serde_json::from_slice(&created).expect("the execute's JSON");
    let id = created["executionId"].as_str().expect("an executionId");
    let url = format!("{base}/v1/executions/{id}");
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples + 50 {
        let started = Instant::now();
        let response = client
            .get(&url)
            .header("x-api-key", FIXTURES.api_key)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200, "reading {url}");
        let _ = response.bytes().await;
        // The first reads warm the connection and the allocator.
        if i >= 50 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    times[times.len() / 2]
}

struct Load {
    rate: u64,
    secs: u64,
    sent: u64,
    answered: u64,
    recorded: usize,
    dropped: u64,
    elapsed: Duration,
    rss_before_mb: f64,
    rss_after_mb: f64,
}

/// A client paced at `rate` requests per second for `secs` seconds,
/// alternating executes and reads, against a recorded sandbox.
async fn load(rate: u64, secs: u64) -> Load {
    let server = RecordedServer::sandbox(
        ([127, 0, 0, 1], 0).into(),
        SandboxConfig {
            latency: Duration::from_millis(300),
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("a recorded sandbox");
    let base = server.base_url();
    let rss_before_mb = peak_rss_mb();
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .expect("a client");
    let total = rate * secs;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let per_tick = rate / 100;
    let mut tasks = tokio::task::JoinSet::new();
    let mut sent = 0;
    while sent < total {
        tick.tick().await;
        for _ in 0..per_tick {
            let client = client.clone();
            let base = base.clone();
            let n = sent;
            tasks.spawn(async move {
                let request = if n % 4 == 0 {
                    client
                        .post(format!(
                            "{base}/v1/entry-points/{}/execute",
                            FIXTURES.entry_point_id
                        ))
                        .header("content-type", "application/json")
                        .body(format!(r#"{{"message":"load {n}"}}"#))
                } else {
                    client.get(format!("{base}/v1/executions/exec_{}", n / 4 + 1))
                };
                let response = request.header("x-api-key", FIXTURES.api_key).send().await;
                match response {
                    Ok(r) => r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            });
            sent += 1;
        }
    }
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        if done.unwrap_or(false) {
            answered += 1;
        }
    }
    let elapsed = started.elapsed();
    let recording = server.shutdown().await;
    let rss_after_mb = peak_rss_mb();
    Load {
        rate,
        secs,
        sent,
        answered,
        recorded: recording.calls.len(),
        dropped: recording.dropped,
        elapsed,
        rss_before_mb,
        rss_after_mb,
    }
}

/// The process's peak resident set (VmHWM), in MB; 0 where unknown.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Graded {
    calls: usize,
    checks: usize,
    elapsed: Duration,
}

/// Which key the graded calls carry.
#[derive(Debug, Clone, Copy)]
enum Keys {
    One,
    /// A different key on every call: each is a credential to learn.
    EachCall,
}

/// A correct client's traffic, `calls` long: executes, each read a few
/// times until completed, 250 ms apart.
fn grading(calls: usize, keys: Keys) -> Graded {
    let set = load_sources(&[CheckSource::Builtin]).expect("the built-in checks");
    let mut recorded = Vec::with_capacity(calls);
    let mut at = Duration::ZERO;
    let mut execution = 0;
    while recorded.len() < calls {
        execution += 1;
        let id = format!("exec_{execution}");
        let conversation = format!("conv_{execution}");
        recorded.push(call(
            recorded.len(),
            at,
            "POST",
            &format!("/v1/entry-points/{}/execute", FIXTURES.entry_point_id),
            r#"{"message":"Hello"}"#,
            202,
            &format!(
                r#"{{"conversationId":"{conversation}","executionId":"{id}","status":"queued"}}"#
            ),
        ));
        for (n, status) in ["queued", "queued", "completed"].iter().enumerate() {
            at += Duration::from_millis(250);
            let answer = format!(
                r#"{{"conversationId":"{conversation}","executionId":"{id}","status":"{status}"{}}}"#,
                if n == 2 { r#","response":"Hi""# } else { "" }
            );
            recorded.push(call(
                recorded.len(),
                at,
                "GET",
                &format!("/v1/executions/{id}"),
                "",
                200,
                &answer,
            ));
        }
        at += Duration::from_millis(10);
    }
    recorded.truncate(calls);
    if let Keys::EachCall = keys {
        for call in &mut recorded {
            call.headers[0].1 = format!("ak_bench{:026}", call.seq);
        }
    }
    let recording = Recording {
        calls: recorded,
        ..Recording::default()
    };
    let context = GradeContext::new(
        &[wapzi_homolog::secret::Secret::new(FIXTURES.api_key, "key")
            .expect("the sandbox key is a secret")],
    );
    let started = Instant::now();
    let graded = grade(&set.client_checks, &recording, &context);
    let elapsed = started.elapsed();
    assert_eq!(graded.results.len(), set.client_checks.len());
    Graded {
        calls,
        checks: set.client_checks.len(),
        elapsed,
    }
}

fn call(
    seq: usize,
    at: Duration,
    method: &str,
    path: &str,
    body: &str,
    status: u16,
    response: &str,
) -> RecordedCall {
    let mut headers = vec![("x-api-key".to_string(), FIXTURES.api_key.to_string())];
    if method == "POST" {
        headers.push(("content-type".into(), "application/json".into()));
    }
    RecordedCall {
        seq: seq as u64,
        at,
        duration: Duration::from_millis(1),
        method: method.into(),
        path: path.into(),
        query: None,
        headers,
        body: RecordedBody::of(body.as_bytes()),
        status: Some(status),
        response_headers: vec![("content-type".into(), "application/json".into())],
        response_body: RecordedBody::answer(response.as_bytes(), response.len()),
        client_gone: false,
        recorder_answer: None,
        presented: None,
    }
}
