//! A faithful sandbox over loopback: every documented error, the execute
//! answer, the lifecycle of executions and the sandbox's own lifecycle.

use std::time::Duration;

use serde_json::json;

use super::*;

const MESSAGE_BODY: &str = r#"{"message":"Hello, I need help with my order"}"#;

#[tokio::test]
async fn every_documented_error_has_its_status_and_message() {
    let sandbox = start_instant(&[]).await;
    let ep = |id: &str| format!("/v1/entry-points/{id}/execute");
    let key = Some(FIXTURES.api_key);
    let cases = [
        (ep(FIXTURES.entry_point_id), None, 401, "Missing API key"),
        (
            ep(FIXTURES.entry_point_id),
            Some("ak_unknown"),
            401,
            "Invalid API key",
        ),
        (
            ep(FIXTURES.entry_point_id),
            Some(FIXTURES.previous_api_key),
            401,
            "Invalid API key",
        ),
        (
            ep(FIXTURES.entry_point_id),
            Some(FIXTURES.inactive_api_key),
            403,
            "Account is inactive",
        ),
        (ep(""), key, 400, "entryPointId is required"),
        (ep("%20%20"), key, 400, "entryPointId is required"),
        (ep("entry_point_nope"), key, 400, "Invalid entryPointId"),
        (
            ep(FIXTURES.other_entry_point_id),
            key,
            400,
            "Invalid entryPointId",
        ),
        (
            ep(FIXTURES.no_attendants_entry_point_id),
            key,
            400,
            "Entry point has no attendants configured",
        ),
        (
            ep(FIXTURES.unavailable_entry_point_id),
            key,
            400,
            "Entry point has no available agent attendant",
        ),
        (
            ep(FIXTURES.inactive_entry_point_id),
            key,
            400,
            "Invalid entryPointId",
        ),
        (
            ep(FIXTURES.inactive_entry_point_id),
            Some(FIXTURES.other_api_key),
            400,
            "Invalid entryPointId",
        ),
    ];
    for (path, key, status, message) in cases {
        let answer = post(&sandbox, &path, key, MESSAGE_BODY).await;
        answer.assert_error(status, message);
    }
    let reads = [
        (None, 401, "Missing API key"),
        (Some("ak_unknown"), 401, "Invalid API key"),
        (Some(FIXTURES.inactive_api_key), 403, "Account is inactive"),
        (
            Some(FIXTURES.api_key),
            400,
            "Invalid executionId for this account",
        ),
    ];
    for (key, status, message) in reads {
        read(&sandbox, key, "exec_404")
            .await
            .assert_error(status, message);
    }
}

#[tokio::test]
async fn undocumented_errors_are_json_with_a_message_too() {
    let sandbox = start_instant(&[]).await;
    let path = format!("/v1/entry-points/{}/execute", FIXTURES.entry_point_id);
    let key = Some(FIXTURES.api_key);
    for body in [
        "",
        "not json",
        "[1]",
        "{}",
        r#"{"message":42}"#,
        r#"{"message":"hi","conversationId":7}"#,
    ] {
        let answer = post(&sandbox, &path, key, body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        answer.assert_error(400, &answer.str_field("message"));
    }
    let unknown_route = get(&sandbox, "/v2/nothing", key).await;
    unknown_route.assert_error(404, "Not found");
    let wrong_method = get(&sandbox, &path, key).await;
    wrong_method.assert_error(405, "Method not allowed");
    let no_id = get(&sandbox, "/v1/executions/", key).await;
    no_id.assert_error(404, "Not found");
}

#[tokio::test]
async fn execute_answers_202_queued_with_ids() {
    let sandbox = start_instant(&[]).await;
    let answer = execute(
        &sandbox,
        Some(FIXTURES.api_key),
        FIXTURES.entry_point_id,
        "Hello",
    )
    .await;
    assert_eq!(
        (answer.status, answer.content_type()),
        (202, "application/json")
    );
    let body = answer.json();
    let mut keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["conversationId", "executionId", "status"]);
    assert_eq!(body["status"], "queued");
    assert!(answer.str_field("conversationId").starts_with("conv_"));
    assert!(answer.str_field("executionId").starts_with("exec_"));
}

#[tokio::test]
async fn execution_completes_with_a_response() {
    let sandbox = start_instant(&[]).await;
    let created = execute_ok(&sandbox, json!({ "message": "Hello" })).await;
    let id = created.str_field("executionId");
    let answer = read(&sandbox, Some(FIXTURES.api_key), &id).await;
    assert_eq!(
        (answer.status, answer.content_type()),
        (200, "application/json")
    );
    assert_eq!(answer.field("status"), "completed");
    assert_eq!(answer.field("executionId"), id.as_str());
    assert_eq!(
        answer.field("conversationId"),
        created.field("conversationId")
    );
    assert!(!answer.str_field("response").is_empty());
}

#[tokio::test]
async fn queued_execution_completes_after_the_latency() {
    let sandbox = start(Duration::from_millis(40), &[]).await;
    let id = execute_ok(&sandbox, json!({ "message": "Hello" }))
        .await
        .str_field("executionId");
    let mut statuses = Vec::new();
    for _ in 0..250 {
        let status = read(&sandbox, Some(FIXTURES.api_key), &id)
            .await
            .field("status");
        statuses.push(status.clone());
        if status != "queued" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(statuses.last(), Some(&json!("completed")), "{statuses:?}");
    assert!(statuses.iter().all(|s| s == "queued" || s == "completed"));
    let stats = sandbox.stats();
    assert_eq!(stats.completions.len(), 1);
    assert_eq!(stats.completions[0].execution_id, id);
}

#[tokio::test]
async fn latest_execution_wins_its_conversation() {
    let sandbox = start(Duration::from_secs(3600), &[]).await;
    let first = execute_ok(&sandbox, json!({ "message": "one" })).await;
    let conversation = first.str_field("conversationId");
    let second = execute_ok(
        &sandbox,
        json!({ "message": "two", "conversationId": conversation }),
    )
    .await;
    assert_eq!(second.str_field("conversationId"), conversation);
    let key = Some(FIXTURES.api_key);
    let old = read(&sandbox, key, &first.str_field("executionId")).await;
    assert_eq!(old.field("status"), "superseded");
    assert_eq!(old.field("response"), serde_json::Value::Null);
    let new = read(&sandbox, key, &second.str_field("executionId")).await;
    assert_eq!(new.field("status"), "queued");
    // Another conversation is left alone.
    let elsewhere = execute_ok(&sandbox, json!({ "message": "three" })).await;
    assert_ne!(elsewhere.str_field("conversationId"), conversation);
    let new = read(&sandbox, key, &second.str_field("executionId")).await;
    assert_eq!(new.field("status"), "queued");
    assert_eq!(sandbox.stats().completions.len(), 1);
}

#[tokio::test]
async fn accounts_see_only_their_own_executions() {
    let sandbox = start_instant(&[]).await;
    let mine = execute_ok(&sandbox, json!({ "message": "mine" })).await;
    let id = mine.str_field("executionId");
    read(&sandbox, Some(FIXTURES.other_api_key), &id)
        .await
        .assert_error(400, "Invalid executionId for this account");
    let theirs = execute(
        &sandbox,
        Some(FIXTURES.other_api_key),
        FIXTURES.other_entry_point_id,
        "x",
    )
    .await;
    assert_eq!(theirs.status, 202, "{}", theirs.text);
    read(
        &sandbox,
        Some(FIXTURES.api_key),
        &theirs.str_field("executionId"),
    )
    .await
    .assert_error(400, "Invalid executionId for this account");
}

#[tokio::test]
async fn fail_marker_makes_the_execution_fail() {
    let sandbox = start_instant(&[]).await;
    let message = format!("please {} now", FIXTURES.fail_marker);
    let created = execute_ok(&sandbox, json!({ "message": message })).await;
    let answer = read(
        &sandbox,
        Some(FIXTURES.api_key),
        &created.str_field("executionId"),
    )
    .await;
    assert_eq!(answer.field("status"), "failed");
    assert!(!answer.str_field("error").is_empty());
    assert_eq!(answer.field("response"), serde_json::Value::Null);
}

#[tokio::test]
async fn stats_count_requests_and_keys() {
    let sandbox = start_instant(&[]).await;
    execute_ok(&sandbox, json!({ "message": "Hello" })).await;
    read(&sandbox, None, "exec_1").await;
    get(&sandbox, "/nowhere", None).await;
    let stats = sandbox.stats();
    assert_eq!((stats.requests, stats.requests_with_key), (3, 1));
    assert_eq!(stats.completions.len(), 1);
}

#[tokio::test]
async fn busy_port_is_reported_and_shutdown_returns() {
    let sandbox = start_instant(&[]).await;
    execute_ok(&sandbox, json!({ "message": "keep-alive" })).await;
    let error = Sandbox::start(sandbox.addr(), SandboxConfig::default())
        .await
        .expect_err("port is taken");
    assert_eq!(
        error.to_string(),
        format!("cannot listen on {}: address in use", sandbox.addr())
    );
    assert_eq!(sandbox.base_url(), format!("http://{}", sandbox.addr()));
    tokio::time::timeout(Duration::from_secs(5), sandbox.shutdown())
        .await
        .expect("shutdown completes");
}

#[tokio::test]
async fn serve_stops_when_told() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::sandbox::serve(
        listener,
        SandboxConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let _ = stop.send(());
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns");
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
}
