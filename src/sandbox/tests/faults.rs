//! A sandbox with faults over loopback: each fault shows its one deviation,
//! and the hostile ones still let the sandbox stop.

use std::time::Duration;

use serde_json::{json, Value};

use super::*;
use crate::sandbox::{HTML_INJECTION, HTML_INJECTION_NOTE};

/// An assertion on one answer, for tables of faults.
type Check = fn(&Answer);

/// Creates an execution with the primary key; returns its id as sent.
async fn create(sandbox: &Sandbox) -> Answer {
    execute_ok(sandbox, json!({ "message": "Hello" })).await
}

#[tokio::test]
async fn accept_missing_key_serves_the_primary_account() {
    let sandbox = start_instant(&["accept-missing-key"]).await;
    let answer = execute(&sandbox, None, FIXTURES.entry_point_id, "Hello").await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let id = answer.str_field("executionId");
    assert_eq!(read(&sandbox, None, &id).await.field("status"), "completed");
    // Only the missing key deviates.
    execute(&sandbox, Some("ak_unknown"), FIXTURES.entry_point_id, "x")
        .await
        .assert_error(401, "Invalid API key");
}

#[tokio::test]
async fn echo_key_echoes_the_key_on_every_answer() {
    let sandbox = start_instant(&["echo-key"]).await;
    let created = create(&sandbox).await;
    let error = read(&sandbox, Some("ak_secret_echo"), "exec_1").await;
    for (answer, key) in [(&created, FIXTURES.api_key), (&error, "ak_secret_echo")] {
        assert_eq!(
            answer.headers.get("x-echo-key").map(|v| v.as_bytes()),
            Some(key.as_bytes())
        );
        assert_eq!(answer.field("echo"), key);
        use base64::Engine;
        let base64 = base64::engine::general_purpose::STANDARD.encode(key);
        assert_eq!(answer.field("echo_base64"), base64.as_str());
        assert_eq!(
            answer
                .headers
                .get("x-echo-key-base64")
                .map(|v| v.as_bytes()),
            Some(base64.as_bytes())
        );
        assert!(answer.str_field("echo_percent").starts_with("ak%5F"));
        assert!(!answer.str_field("echo_base64url").contains('='));
    }
    error.assert_error(401, "Invalid API key");
}

#[tokio::test]
async fn never_finishes_keeps_executions_queued() {
    let sandbox = start_instant(&["never-finishes"]).await;
    let id = create(&sandbox).await.str_field("executionId");
    for _ in 0..3 {
        let answer = read(&sandbox, Some(FIXTURES.api_key), &id).await;
        assert_eq!(answer.field("status"), "queued");
    }
    assert!(sandbox.stats().completions.is_empty());
}

#[tokio::test]
async fn rate_limited_answers_429_twice_then_the_execution() {
    let sandbox = start_instant(&["rate-limited"]).await;
    let id = create(&sandbox).await.str_field("executionId");
    for _ in 0..2 {
        let answer = read(&sandbox, Some(FIXTURES.api_key), &id).await;
        assert_eq!(answer.status, 429);
        assert_eq!(
            answer.headers.get("retry-after").map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        assert!(!answer.str_field("message").is_empty());
    }
    let answer = read(&sandbox, Some(FIXTURES.api_key), &id).await;
    assert_eq!(
        (answer.status, answer.field("status")),
        (200, json!("completed"))
    );
}

#[tokio::test]
async fn huge_body_streams_and_can_be_dropped() {
    let sandbox = start_instant(&["huge-body"]).await;
    let id = create(&sandbox).await.str_field("executionId");
    let mut response = client()
        .get(format!("{}/v1/executions/{id}", sandbox.base_url()))
        .header("x-api-key", FIXTURES.api_key)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 200);
    let first = response.chunk().await.expect("reads").expect("a chunk");
    assert!(
        first.starts_with(b"{\"conversationId\":\"conv_1\""),
        "{first:?}"
    );
    drop(response);
    // The sandbox still answers, and stops.
    assert_eq!(create(&sandbox).await.status, 202);
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown())
        .await
        .expect("shutdown completes");
}

#[tokio::test]
async fn hang_never_answers_until_shutdown() {
    let sandbox = start_instant(&["hang"]).await;
    let url = format!(
        "{}/v1/entry-points/{}/execute",
        sandbox.base_url(),
        FIXTURES.entry_point_id
    );
    let pending = tokio::spawn(client().post(url).body("{}").send());
    let early = tokio::time::timeout(Duration::from_millis(200), async {
        while !pending.is_finished() {
            tokio::task::yield_now().await;
        }
    });
    assert!(early.await.is_err(), "hang answered");
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown())
        .await
        .expect("shutdown completes");
    let answer = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("request ends with the sandbox")
        .expect("task runs");
    if let Ok(response) = answer {
        assert_eq!(response.status().as_u16(), 503);
    }
}

#[tokio::test]
async fn slow_body_stalls_after_the_headers() {
    let sandbox = start_instant(&["slow-body"]).await;
    // The half body is cut at a character boundary, whatever the client's
    // conversationId holds.
    let multi_byte = json!({ "message": "hi", "conversationId": "é".repeat(13) }).to_string();
    for body in [r#"{"message":"hi"}"#.to_string(), multi_byte] {
        let mut response = client()
            .post(format!(
                "{}/v1/entry-points/{}/execute",
                sandbox.base_url(),
                FIXTURES.entry_point_id
            ))
            .header("x-api-key", FIXTURES.api_key)
            .body(body.clone())
            .send()
            .await
            .expect("headers arrive");
        assert_eq!(response.status().as_u16(), 202, "{body}");
        let first = response.chunk().await.expect("reads").expect("a chunk");
        assert!(first.starts_with(b"{\"conversationId\""), "{body}");
        let next = tokio::time::timeout(Duration::from_millis(200), response.chunk()).await;
        assert!(next.is_err(), "body went on: {next:?}");
    }
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown())
        .await
        .expect("shutdown completes");
}

#[tokio::test]
async fn error_shape_faults_change_the_body_only() {
    let cases: [(&str, Check); 3] = [
        ("non-json-errors", |answer| {
            assert!(answer.content_type().starts_with("text/plain"));
            assert_eq!(answer.text, "Missing API key");
        }),
        ("error-without-message", |answer| {
            assert_eq!(answer.content_type(), "application/json");
            assert_eq!(answer.json(), json!({ "error": "Missing API key" }));
        }),
        ("missing-key-wrong-message", |answer| {
            answer.assert_error(401, "Unauthorized")
        }),
    ];
    for (fault, check) in cases {
        let sandbox = start_instant(&[fault]).await;
        let answer = read(&sandbox, None, "exec_1").await;
        assert_eq!(answer.status, 401, "{fault}");
        check(&answer);
    }
}

#[tokio::test]
async fn success_shape_faults_change_the_body_only() {
    let cases: [(&str, Check); 7] = [
        ("execute-200", |answer| assert_eq!(answer.status, 200)),
        ("execution-id-missing", |answer| {
            assert_eq!(answer.field("executionId"), Value::Null)
        }),
        ("execution-id-number", |answer| {
            assert_eq!(answer.field("executionId"), json!(1))
        }),
        ("execute-status-wrong", |answer| {
            assert_eq!(answer.field("status"), "pending")
        }),
        ("non-json-body", |answer| {
            assert_eq!(
                (answer.content_type(), answer.text.as_str()),
                ("application/json", "<html>oops</html>")
            )
        }),
        ("truncated-json", |answer| {
            assert!(serde_json::from_str::<Value>(&answer.text).is_err());
            assert!(answer.text.starts_with("{\"conversationId\""));
        }),
        ("json-without-content-type", |answer| {
            assert!(answer.content_type().starts_with("text/plain"));
            assert_eq!(answer.field("status"), "queued");
        }),
    ];
    for (fault, check) in cases {
        let sandbox = start_instant(&[fault]).await;
        let answer = execute(
            &sandbox,
            Some(FIXTURES.api_key),
            FIXTURES.entry_point_id,
            "x",
        )
        .await;
        check(&answer);
    }
}

#[tokio::test]
async fn html_injection_marks_texts_and_headers() {
    let sandbox = start_instant(&["html-injection"]).await;
    let id = create(&sandbox).await.str_field("executionId");
    let done = read(&sandbox, Some(FIXTURES.api_key), &id).await;
    assert!(done.str_field("response").ends_with(HTML_INJECTION));
    let error = read(&sandbox, None, &id).await;
    assert_eq!(
        error.str_field("message"),
        format!("Missing API key{HTML_INJECTION}")
    );
    for answer in [done, error] {
        let note = answer.headers.get("x-note").map(|v| v.as_bytes());
        assert_eq!(note, Some(HTML_INJECTION_NOTE.as_bytes()));
    }
}

#[tokio::test]
async fn redirect_to_sends_both_endpoints_elsewhere() {
    let sandbox = start_instant(&["redirect-to=http://127.0.0.1:9"]).await;
    let reads = read(&sandbox, Some(FIXTURES.api_key), "exec_1").await;
    let posts = execute(&sandbox, None, FIXTURES.entry_point_id, "x").await;
    let cases = [
        (reads, "http://127.0.0.1:9/v1/executions/exec_1"),
        (
            posts,
            "http://127.0.0.1:9/v1/entry-points/entry_point_123/execute",
        ),
    ];
    for (answer, location) in cases {
        assert_eq!(answer.status, 307);
        assert_eq!(
            answer.headers.get("location").map(|v| v.as_bytes()),
            Some(location.as_bytes())
        );
        assert_eq!(answer.content_type(), "application/json");
    }
}

#[tokio::test]
async fn entry_point_faults_accept_or_rename() {
    let cases = [
        (
            "unknown-entry-point-accepted",
            "entry_point_nope",
            202,
            None,
        ),
        (
            "unknown-entry-point-wrong-message",
            "entry_point_nope",
            400,
            Some("Entry point not found"),
        ),
        (
            "no-attendants-accepted",
            FIXTURES.no_attendants_entry_point_id,
            202,
            None,
        ),
        (
            "unavailable-accepted",
            FIXTURES.unavailable_entry_point_id,
            202,
            None,
        ),
        (
            "inactive-entry-point-accepted",
            FIXTURES.inactive_entry_point_id,
            202,
            None,
        ),
        ("empty-entry-point-404", "", 404, Some("Not found")),
    ];
    for (fault, entry_point, status, message) in cases {
        let sandbox = start_instant(&[fault]).await;
        let answer = execute(&sandbox, Some(FIXTURES.api_key), entry_point, "x").await;
        match message {
            Some(message) => answer.assert_error(status, message),
            None => assert_eq!(answer.status, status, "{fault}: {}", answer.text),
        }
    }
}
