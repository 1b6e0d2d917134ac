//! A sandbox presenting scenarios over loopback: each one shows its
//! documented situation on the primary fixtures, and only that.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::*;
use crate::sandbox::SLOW_LATENCY;

const KEY: Option<&str> = Some(FIXTURES.api_key);

/// Executes a message on the primary entry point with the primary key.
async fn execute_primary(sandbox: &Sandbox) -> Answer {
    execute(sandbox, KEY, FIXTURES.entry_point_id, "Hello").await
}

#[track_caller]
fn assert_retry_later(answer: &Answer, status: u16) {
    assert_eq!(
        (answer.status, answer.content_type()),
        (status, "application/json"),
        "{}",
        answer.text
    );
    assert_eq!(
        answer.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    assert!(!answer.str_field("message").is_empty());
}

#[tokio::test]
async fn slow_executions_take_at_least_three_seconds() {
    let sandbox = start_scenarios(Duration::ZERO, &["slow"]).await;
    let started = Instant::now();
    let id = execute_ok(&sandbox, json!({ "message": "Hello" }))
        .await
        .str_field("executionId");
    let mut reads = 0;
    let status = loop {
        let answer = read(&sandbox, KEY, &id).await;
        reads += 1;
        let status = answer.str_field("status");
        if status != "queued" || reads > 100 {
            break status;
        }
        // The sandbox's own latency is what is waited for, polled politely.
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, "completed");
    assert!(started.elapsed() >= SLOW_LATENCY, "{:?}", started.elapsed());
    assert!(reads > 1);
}

#[tokio::test]
async fn failed_ends_every_execution_failed() {
    let sandbox = start_scenarios(Duration::ZERO, &["failed"]).await;
    for _ in 0..2 {
        let id = execute_ok(&sandbox, json!({ "message": "Hello" }))
            .await
            .str_field("executionId");
        let answer = read(&sandbox, KEY, &id).await;
        assert_eq!(answer.field("status"), "failed");
        assert!(!answer.str_field("error").is_empty());
    }
}

#[tokio::test]
async fn superseded_ends_the_clients_execution_superseded_by_one_from_elsewhere() {
    let sandbox = start_scenarios(Duration::ZERO, &["superseded"]).await;
    let created = execute_ok(&sandbox, json!({ "message": "Hello" })).await;
    let (id, conversation) = (
        created.str_field("executionId"),
        created.str_field("conversationId"),
    );
    let answer = read(&sandbox, KEY, &id).await;
    assert_eq!(
        (
            answer.str_field("status"),
            answer.str_field("conversationId")
        ),
        ("superseded".to_string(), conversation.clone())
    );
    assert_eq!(answer.field("response"), Value::Null);
    // The newer execution completed on its own, in the same conversation.
    let stats = sandbox.stats();
    let statuses: Vec<(&str, &str)> = stats
        .completions
        .iter()
        .map(|c| (c.execution_id.as_str(), c.status))
        .collect();
    assert!(
        statuses.contains(&(id.as_str(), "superseded")),
        "{statuses:?}"
    );
    let newer = stats
        .completions
        .iter()
        .find(|c| c.execution_id != id)
        .expect("a newer execution");
    assert_eq!(newer.status, "completed");
    let newer_read = read(&sandbox, KEY, &newer.execution_id).await;
    assert_eq!(newer_read.str_field("conversationId"), conversation);
    // A second execute by the client gets a fresh id, superseded in turn.
    let again = execute_ok(
        &sandbox,
        json!({ "message": "Again", "conversationId": conversation }),
    )
    .await;
    let again_id = again.str_field("executionId");
    assert!(again_id != id && again_id != newer.execution_id);
    assert_eq!(
        read(&sandbox, KEY, &again_id).await.field("status"),
        "superseded"
    );
}

#[tokio::test]
async fn no_available_agent_refuses_the_first_execute_only() {
    let sandbox = start_scenarios(Duration::ZERO, &["no-available-agent"]).await;
    execute_primary(&sandbox)
        .await
        .assert_error(400, "Entry point has no available agent attendant");
    let answer = execute_primary(&sandbox).await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    assert_eq!(execute_primary(&sandbox).await.status, 202);
}

#[tokio::test]
async fn key_rotated_invalidates_the_key_once_a_terminal_status_was_shown() {
    let sandbox = start_scenarios(Duration::ZERO, &["key-rotated"]).await;
    let id = execute_primary(&sandbox).await.str_field("executionId");
    // Accepted, not yet read: the key still works for a second execute.
    let second = execute_primary(&sandbox).await;
    assert_eq!(second.status, 202, "{}", second.text);
    let shown = read(&sandbox, KEY, &id).await;
    assert_eq!(
        (shown.status, shown.field("status")),
        (200, json!("completed")),
        "{}",
        shown.text
    );
    execute_primary(&sandbox)
        .await
        .assert_error(401, "Invalid API key");
    read(&sandbox, KEY, &id)
        .await
        .assert_error(401, "Invalid API key");
    // The other account is not concerned.
    let other = execute(
        &sandbox,
        Some(FIXTURES.other_api_key),
        FIXTURES.other_entry_point_id,
        "Hello",
    )
    .await;
    assert_eq!(other.status, 202, "{}", other.text);
}

#[tokio::test]
async fn inactive_account_answers_403_once_a_terminal_status_was_shown() {
    let sandbox = start_scenarios(Duration::ZERO, &["inactive-account"]).await;
    let id = execute_primary(&sandbox).await.str_field("executionId");
    assert_eq!(read(&sandbox, KEY, &id).await.status, 200);
    read(&sandbox, KEY, &id)
        .await
        .assert_error(403, "Account is inactive");
    execute_primary(&sandbox)
        .await
        .assert_error(403, "Account is inactive");
    // Exactly what the inactive fixture's key answers.
    execute(
        &sandbox,
        Some(FIXTURES.inactive_api_key),
        FIXTURES.entry_point_id,
        "Hello",
    )
    .await
    .assert_error(403, "Account is inactive");
}

#[tokio::test]
async fn unavailable_refuses_the_first_execute_and_first_reads_once() {
    let sandbox = start_scenarios(Duration::ZERO, &["unavailable"]).await;
    assert_retry_later(&execute_primary(&sandbox).await, 429);
    for _ in 0..2 {
        let id = execute_primary(&sandbox).await.str_field("executionId");
        assert_retry_later(&read(&sandbox, KEY, &id).await, 503);
        let answer = read(&sandbox, KEY, &id).await;
        assert_eq!(
            (answer.status, answer.field("status")),
            (200, json!("completed"))
        );
    }
}

#[tokio::test]
async fn scenarios_compose_in_order() {
    let sandbox = start_scenarios(
        Duration::ZERO,
        &["unavailable", "no-available-agent", "failed"],
    )
    .await;
    assert_eq!(execute_primary(&sandbox).await.status, 429);
    assert_eq!(execute_primary(&sandbox).await.status, 400);
    let id = execute_primary(&sandbox).await.str_field("executionId");
    assert_eq!(read(&sandbox, KEY, &id).await.status, 503);
    assert_eq!(read(&sandbox, KEY, &id).await.field("status"), "failed");
}
