//! A sandbox speaking dialects over loopback: each dialect shows its one
//! reading, the sandbox stays faithful everywhere else, and every dialect
//! at once is still a coherent API (latest wins, keys compared exactly but
//! for the no-break space padding, faults still detectable).

use std::time::Duration;

use serde_json::{json, Value};

use super::*;

/// Executions never finish during a test: they stay in progress.
const FOREVER: Duration = Duration::from_secs(3600);

fn every_dialect() -> Vec<&'static str> {
    Dialect::ALL.iter().map(|info| info.name).collect()
}

/// Sends execute with `body` and `key` to the primary entry point.
async fn execute_body(sandbox: &Sandbox, key: Option<&str>, body: &str) -> Answer {
    let path = format!("/v1/entry-points/{}/execute", FIXTURES.entry_point_id);
    post(sandbox, &path, key, body).await
}

/// Executes as the other account on its own entry point, with `body`.
async fn execute_other(sandbox: &Sandbox, body: Value) -> Answer {
    let path = format!("/v1/entry-points/{}/execute", FIXTURES.other_entry_point_id);
    post(
        sandbox,
        &path,
        Some(FIXTURES.other_api_key),
        &body.to_string(),
    )
    .await
}

/// Reads execution `id` with a raw `x-api-key` of `key` bytes.
async fn read_raw_key(sandbox: &Sandbox, key: &[u8], id: &str) -> Answer {
    let value = reqwest::header::HeaderValue::from_bytes(key).expect("a valid header value");
    let request = client()
        .get(format!("{}/v1/executions/{id}", sandbox.base_url()))
        .header("x-api-key", value);
    Answer::from(request.send().await.expect("sandbox answers")).await
}

fn status_of(answer: &Answer) -> Value {
    answer.field("status")
}

#[tokio::test]
async fn error_extra_fields_adds_status_code_and_reason_to_every_error() {
    let sandbox = start_dialects(Duration::ZERO, &["error-extra-fields"], &[]).await;
    let cases = [
        (
            None,
            FIXTURES.entry_point_id,
            401,
            "Missing API key",
            "Unauthorized",
        ),
        (
            Some("ak_unknown"),
            FIXTURES.entry_point_id,
            401,
            "Invalid API key",
            "Unauthorized",
        ),
        (
            Some(FIXTURES.inactive_api_key),
            FIXTURES.entry_point_id,
            403,
            "Account is inactive",
            "Forbidden",
        ),
        (
            Some(FIXTURES.api_key),
            FIXTURES.inactive_entry_point_id,
            400,
            "Invalid entryPointId",
            "Bad Request",
        ),
    ];
    for (key, entry_point, status, message, reason) in cases {
        let answer = execute(&sandbox, key, entry_point, "Hello").await;
        answer.assert_error(status, message);
        let expected = json!({ "statusCode": status, "message": message, "error": reason });
        assert_eq!(answer.json(), expected);
    }
    let read = read(&sandbox, Some(FIXTURES.api_key), "exec_404").await;
    assert_eq!(
        read.json(),
        json!({
            "statusCode": 400,
            "message": "Invalid executionId for this account",
            "error": "Bad Request",
        })
    );
    // Successful answers keep their documented fields only.
    let created = execute_ok(&sandbox, json!({ "message": "Hello" })).await;
    let fields: Vec<String> = created
        .json()
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(fields, ["conversationId", "executionId", "status"]);
}

#[tokio::test]
async fn null_response_names_the_missing_response_null() {
    let waiting = start_dialects(FOREVER, &["null-response"], &[]).await;
    let key = Some(FIXTURES.api_key);
    let first = execute_ok(&waiting, json!({ "message": "one" })).await;
    let queued = read(&waiting, key, &first.str_field("executionId")).await;
    assert_eq!(status_of(&queued), "queued");
    assert_eq!(queued.json().get("response"), Some(&Value::Null));
    let conversation = first.str_field("conversationId");
    execute_ok(
        &waiting,
        json!({ "message": "two", "conversationId": conversation }),
    )
    .await;
    let superseded = read(&waiting, key, &first.str_field("executionId")).await;
    assert_eq!(status_of(&superseded), "superseded");
    assert_eq!(superseded.json().get("response"), Some(&Value::Null));

    let instant = start_dialects(Duration::ZERO, &["null-response"], &[]).await;
    let failing = format!("please {}", FIXTURES.fail_marker);
    let failed = execute_ok(&instant, json!({ "message": failing })).await;
    let failed = read(&instant, key, &failed.str_field("executionId")).await;
    assert_eq!(status_of(&failed), "failed");
    assert_eq!(failed.json().get("response"), Some(&Value::Null));
    assert!(failed.field("error").is_string(), "{}", failed.text);
    let completed = execute_ok(&instant, json!({ "message": "Hello" })).await;
    let completed = read(&instant, key, &completed.str_field("executionId")).await;
    assert_eq!(status_of(&completed), "completed");
    assert!(
        completed.field("response").is_string(),
        "{}",
        completed.text
    );
}

#[tokio::test]
async fn processing_status_shows_after_the_first_read_until_the_end() {
    let sandbox = start_dialects(FOREVER, &["processing-status"], &[]).await;
    let key = Some(FIXTURES.api_key);
    let first = execute_ok(&sandbox, json!({ "message": "one" })).await;
    assert_eq!(status_of(&first), "queued");
    let id = first.str_field("executionId");
    let statuses = [
        status_of(&read(&sandbox, key, &id).await),
        status_of(&read(&sandbox, key, &id).await),
        status_of(&read(&sandbox, key, &id).await),
    ];
    assert_eq!(statuses, ["queued", "processing", "processing"]);
    // A processing execution still ends in a documented terminal status.
    let conversation = first.str_field("conversationId");
    let second = execute_ok(
        &sandbox,
        json!({ "message": "two", "conversationId": conversation }),
    )
    .await;
    assert_eq!(status_of(&second), "queued");
    assert_eq!(status_of(&read(&sandbox, key, &id).await), "superseded");
    let newer = second.str_field("executionId");
    assert_eq!(status_of(&read(&sandbox, key, &newer).await), "queued");

    let instant = start_dialects(Duration::ZERO, &["processing-status"], &[]).await;
    let done = execute_ok(&instant, json!({ "message": "Hello" })).await;
    let done = read(&instant, key, &done.str_field("executionId")).await;
    assert_eq!(status_of(&done), "completed");
}

/// The near misses of the primary key that every dialect refuses.
fn near_misses() -> Vec<Vec<u8>> {
    let key = FIXTURES.api_key;
    let swapped: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let mut last_changed = key[..key.len() - 1].to_string();
    last_changed.push(if key.ends_with('1') { '2' } else { '1' });
    vec![
        swapped.into_bytes(),
        last_changed.into_bytes(),
        key.as_bytes()[..key.len() - 1].to_vec(),
        key.as_bytes()[..12].to_vec(),
        format!("{key}x").into_bytes(),
        // Padding the page's whitespace reading does not strip either.
        [key.as_bytes(), &[0x85]].concat(),
    ]
}

#[tokio::test]
async fn trims_unicode_whitespace_accepts_only_the_no_break_space_padding() {
    for dialects in [vec!["trims-unicode-whitespace"], every_dialect()] {
        let sandbox = start_dialects(Duration::ZERO, &dialects, &[]).await;
        let id = execute_ok(&sandbox, json!({ "message": "Hello" }))
            .await
            .str_field("executionId");
        let key = FIXTURES.api_key.as_bytes();
        for padded in [
            [&[0xA0], key].concat(),
            [key, &[0xA0]].concat(),
            [&[0xA0], key, &[0xA0, 0xA0]].concat(),
        ] {
            let answer = read_raw_key(&sandbox, &padded, &id).await;
            assert_eq!(answer.status, 200, "{dialects:?}: {}", answer.text);
        }
        for miss in near_misses() {
            let answer = read_raw_key(&sandbox, &miss, &id).await;
            answer.assert_error(401, "Invalid API key");
        }
    }
    // Without the dialect, the padded key is another key.
    let faithful = start_instant(&[]).await;
    let id = create_id(&faithful).await;
    let padded = [FIXTURES.api_key.as_bytes(), &[0xA0]].concat();
    read_raw_key(&faithful, &padded, &id)
        .await
        .assert_error(401, "Invalid API key");
}

async fn create_id(sandbox: &Sandbox) -> String {
    execute_ok(sandbox, json!({ "message": "Hello" }))
        .await
        .str_field("executionId")
}

#[tokio::test]
async fn echo_conversation_id_gives_the_sender_a_conversation_of_its_own() {
    let sandbox = start_dialects(FOREVER, &["echo-conversation-id"], &[]).await;
    let key = Some(FIXTURES.api_key);
    let mine = execute_ok(&sandbox, json!({ "message": "mine" })).await;
    let conversation = mine.str_field("conversationId");
    let theirs = execute_other(
        &sandbox,
        json!({ "message": "theirs", "conversationId": conversation }),
    )
    .await;
    assert_eq!(theirs.status, 202, "{}", theirs.text);
    assert_eq!(theirs.str_field("conversationId"), conversation);
    let my_id = mine.str_field("executionId");
    assert_eq!(status_of(&read(&sandbox, key, &my_id).await), "queued");
    // Each account keeps latest-wins in its own conversation of that id.
    let theirs_again = execute_other(
        &sandbox,
        json!({ "message": "again", "conversationId": conversation }),
    )
    .await;
    let other = Some(FIXTURES.other_api_key);
    let their_first = read(&sandbox, other, &theirs.str_field("executionId")).await;
    assert_eq!(status_of(&their_first), "superseded");
    assert_eq!(their_first.str_field("conversationId"), conversation);
    assert_eq!(status_of(&read(&sandbox, key, &my_id).await), "queued");
    let mine_again = execute_ok(
        &sandbox,
        json!({ "message": "mine again", "conversationId": conversation }),
    )
    .await;
    assert_eq!(mine_again.str_field("conversationId"), conversation);
    assert_eq!(status_of(&read(&sandbox, key, &my_id).await), "superseded");
    let their_last = read(&sandbox, other, &theirs_again.str_field("executionId")).await;
    assert_eq!(status_of(&their_last), "queued");
    // Neither reads the other's executions.
    read(&sandbox, other, &my_id)
        .await
        .assert_error(400, "Invalid executionId for this account");
}

#[tokio::test]
async fn echo_conversation_id_leaves_cross_account_supersede_detectable() {
    let sandbox = start_dialects(
        FOREVER,
        &["echo-conversation-id"],
        &["cross-account-supersede"],
    )
    .await;
    let mine = execute_ok(&sandbox, json!({ "message": "mine" })).await;
    let conversation = mine.str_field("conversationId");
    let theirs = execute_other(
        &sandbox,
        json!({ "message": "theirs", "conversationId": conversation }),
    )
    .await;
    assert_eq!(theirs.str_field("conversationId"), conversation);
    let my_id = mine.str_field("executionId");
    let read = read(&sandbox, Some(FIXTURES.api_key), &my_id).await;
    assert_eq!(
        status_of(&read),
        "superseded",
        "the fault joins the other's"
    );
}

#[tokio::test]
async fn invalid_conversation_id_refuses_foreign_and_unknown_ids() {
    for dialects in [
        vec!["invalid-conversation-id"],
        vec!["invalid-conversation-id", "echo-conversation-id"],
    ] {
        let sandbox = start_dialects(FOREVER, &dialects, &[]).await;
        let mine = execute_ok(&sandbox, json!({ "message": "mine" })).await;
        let conversation = mine.str_field("conversationId");
        let foreign = execute_other(
            &sandbox,
            json!({ "message": "theirs", "conversationId": conversation }),
        )
        .await;
        foreign.assert_error(400, "Invalid conversationId");
        let unknown = json!({ "message": "hi", "conversationId": "conv_made_up" });
        execute_body(&sandbox, Some(FIXTURES.api_key), &unknown.to_string())
            .await
            .assert_error(400, "Invalid conversationId");
        // The account's own conversation is joined, and latest wins in it.
        let again = execute_ok(
            &sandbox,
            json!({ "message": "again", "conversationId": conversation }),
        )
        .await;
        assert_eq!(again.str_field("conversationId"), conversation);
        let first = read(
            &sandbox,
            Some(FIXTURES.api_key),
            &mine.str_field("executionId"),
        )
        .await;
        assert_eq!(status_of(&first), "superseded", "{dialects:?}");
    }
}

#[tokio::test]
async fn json_404_answers_unknown_routes_as_the_framework_does() {
    let sandbox = start_dialects(Duration::ZERO, &["json-404"], &[]).await;
    let key = Some(FIXTURES.api_key);
    let execute_path = format!("/v1/entry-points/{}/execute", FIXTURES.entry_point_id);
    let gets = [
        ("/v1/nope", "Cannot GET /v1/nope"),
        ("/v1/nope?x-api-key=ak_in_query", "Cannot GET /v1/nope"),
        ("/v1/executions/", "Cannot GET /v1/executions/"),
        (
            execute_path.as_str(),
            "Cannot GET /v1/entry-points/entry_point_123/execute",
        ),
    ];
    for (path, message) in gets {
        let answer = get(&sandbox, path, key).await;
        assert_eq!(
            (answer.status, answer.content_type()),
            (404, "application/json")
        );
        let expected = json!({ "statusCode": 404, "message": message, "error": "Not Found" });
        assert_eq!(answer.json(), expected);
    }
    let posted = post(&sandbox, "/v1/executions/exec_1", key, "{}").await;
    assert_eq!(posted.field("message"), "Cannot POST /v1/executions/exec_1");
    // The documented routes answer as before, the empty id included.
    post(
        &sandbox,
        "/v1/entry-points//execute",
        key,
        r#"{"message":"x"}"#,
    )
    .await
    .assert_error(400, "entryPointId is required");
    let created = execute_ok(&sandbox, json!({ "message": "Hello" })).await;
    let read = read(&sandbox, key, &created.str_field("executionId")).await;
    assert_eq!(status_of(&read), "completed");
}

#[tokio::test]
async fn validate_before_auth_refuses_a_malformed_body_before_the_key() {
    let blank = r#"{"message":"   "}"#;
    let malformed = [
        ("not json", "Request body must be valid JSON"),
        ("[1]", "Request body must be a JSON object"),
        ("{}", "message is required and must be a non-empty string"),
        (
            r#"{"message":42}"#,
            "message is required and must be a non-empty string",
        ),
        (blank, "message is required and must be a non-empty string"),
    ];
    let sandbox = start_dialects(Duration::ZERO, &["validate-before-auth"], &[]).await;
    for key in [None, Some("ak_unknown"), Some(FIXTURES.inactive_api_key)] {
        for (body, message) in malformed {
            execute_body(&sandbox, key, body)
                .await
                .assert_error(400, message);
        }
    }
    // A well-formed body still meets the key first.
    execute_body(&sandbox, None, r#"{"message":"Hello"}"#)
        .await
        .assert_error(401, "Missing API key");
    // Without the dialect the key comes first.
    let faithful = start_instant(&[]).await;
    execute_body(&faithful, None, blank)
        .await
        .assert_error(401, "Missing API key");
}

#[tokio::test]
async fn every_dialect_at_once_is_still_a_faithful_api() {
    let all = every_dialect();
    let sandbox = start_dialects(FOREVER, &all, &[]).await;
    let key = Some(FIXTURES.api_key);
    // Latest wins in a conversation; another conversation is untouched.
    let first = execute_ok(&sandbox, json!({ "message": "one" })).await;
    assert_eq!(status_of(&first), "queued");
    let conversation = first.str_field("conversationId");
    let elsewhere = execute_ok(&sandbox, json!({ "message": "elsewhere" })).await;
    assert_ne!(elsewhere.str_field("conversationId"), conversation);
    let second = execute_ok(
        &sandbox,
        json!({ "message": "two", "conversationId": conversation }),
    )
    .await;
    assert_eq!(second.str_field("conversationId"), conversation);
    let old = read(&sandbox, key, &first.str_field("executionId")).await;
    assert_eq!(status_of(&old), "superseded");
    assert_eq!(old.json().get("response"), Some(&Value::Null));
    let new = read(&sandbox, key, &second.str_field("executionId")).await;
    assert_eq!(status_of(&new), "queued");
    let other = read(&sandbox, key, &elsewhere.str_field("executionId")).await;
    assert_eq!(status_of(&other), "queued");
    // Documented errors keep their status and message.
    execute(&sandbox, None, FIXTURES.entry_point_id, "x")
        .await
        .assert_error(401, "Missing API key");
    execute(
        &sandbox,
        Some(FIXTURES.previous_api_key),
        FIXTURES.entry_point_id,
        "x",
    )
    .await
    .assert_error(401, "Invalid API key");
    execute(&sandbox, key, FIXTURES.inactive_entry_point_id, "x")
        .await
        .assert_error(400, "Invalid entryPointId");
    execute(&sandbox, key, FIXTURES.unavailable_entry_point_id, "x")
        .await
        .assert_error(400, "Entry point has no available agent attendant");
    read(
        &sandbox,
        Some(FIXTURES.other_api_key),
        &first.str_field("executionId"),
    )
    .await
    .assert_error(400, "Invalid executionId for this account");
    // A foreign conversationId is refused (invalid wins over echo).
    execute_other(
        &sandbox,
        json!({ "message": "theirs", "conversationId": conversation }),
    )
    .await
    .assert_error(400, "Invalid conversationId");

    let instant = start_dialects(Duration::ZERO, &all, &[]).await;
    let done = execute_ok(&instant, json!({ "message": "Hello" })).await;
    let done = read(&instant, key, &done.str_field("executionId")).await;
    assert_eq!(status_of(&done), "completed");
    assert!(done.field("response").is_string(), "{}", done.text);
}
