//! `POST /v1/entry-points/{entryPointId}/execute`: queues an execution.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value};

use super::redirect;
use crate::sandbox::accounts::{authenticate_now, lookup_entry_point, AccountId, EntryPointKind};
use crate::sandbox::dialects::Dialect;
use crate::sandbox::error::ApiError;
use crate::sandbox::faults::{ActiveFaults, Fault};
use crate::sandbox::fixtures::FIXTURES;
use crate::sandbox::render::{render, stalled_body, Reply};
use crate::sandbox::scenario::{Scenario, SLOW_ACCEPT};
use crate::sandbox::shared::Shared;
use crate::sandbox::state::{rate_limited, Clock, Created, NewExecution};

/// The longest `conversationId` a client may choose.
const MAX_CONVERSATION_ID_CHARS: usize = 200;

/// Handles execute with an entry point id in the path.
pub(super) async fn execute(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // An id that does not percent-decode to UTF-8 is one no entry point has.
    let id = path.map_or_else(|_| "\u{fffd}".to_string(), |Path(id)| id);
    handle(&shared, &uri, &headers, &id, body).await
}

/// Handles execute with an empty entry point id (`/v1/entry-points//execute`).
pub(super) async fn execute_without_id(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(&shared, &uri, &headers, "", body).await
}

async fn handle(
    shared: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    id: &str,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(response) = redirect(shared, uri, headers) {
        return response;
    }
    let faults = &shared.settings.faults;
    if faults.has(&Fault::Hang) {
        shared.stopped().await;
        return render(ApiError::shutting_down().into(), &shared.settings, headers);
    }
    let reply = create(shared, headers, uri.query(), id, body);
    if reply.is_ok() && shared.settings.scenarios.delays_first_accept() {
        // The execution exists and runs; only its 202 is late (or sent at
        // once when the sandbox stops), so a client that times out sooner
        // meets what a slow gateway does to it.
        tokio::select! {
            () = tokio::time::sleep(SLOW_ACCEPT) => {}
            () = shared.stopped() => {}
        }
    }
    render(reply.unwrap_or_else(Reply::from), &shared.settings, headers)
}

fn create(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    id: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<Reply, ApiError> {
    let faults = &shared.settings.faults;
    // Reading the body has no effect: it is read first, and refused first
    // only under `validate-before-auth`.
    let parsed = parse_body(body, faults);
    if shared.settings.dialects.has(Dialect::ValidateBeforeAuth) {
        if let Err(error) = &parsed {
            return Err(error.clone());
        }
    }
    let account = authenticate_now(headers, query, &shared.settings)?;
    check_entry_point(id, account, faults)?;
    refuse_first(shared, id, account)?;
    let parsed = parsed?;
    let request = NewExecution {
        account,
        conversation_id: parsed.conversation_id,
        fails: parsed.fails,
    };
    let created = shared
        .store()
        .create(request, Clock::now(), &shared.settings)?;
    let status = if faults.has(&Fault::Execute200) {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let data = accepted(&created, faults);
    if faults.has(&Fault::SlowBody) {
        let mut text = Value::Object(data).to_string();
        // Half the body, cut at a character boundary (the client's
        // conversationId may hold multi-byte characters).
        let mut half = text.len() / 2;
        while !text.is_char_boundary(half) {
            half -= 1;
        }
        text.truncate(half);
        return Ok(Reply::stream(status, stalled_body(text, shared.stopped())));
    }
    Ok(Reply::data(status, data))
}

/// Checks that entry point `id` belongs to `account` and can run executions.
fn check_entry_point(id: &str, account: AccountId, faults: &ActiveFaults) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(if faults.has(&Fault::EmptyEntryPoint404) {
            ApiError::not_found()
        } else {
            ApiError::bad_request("entryPointId is required")
        });
    }
    let invalid = || ApiError::bad_request("Invalid entryPointId");
    let Some(entry_point) = lookup_entry_point(id) else {
        return if faults.has(&Fault::UnknownEntryPointAccepted) {
            Ok(())
        } else if faults.has(&Fault::UnknownEntryPointWrongMessage) {
            Err(ApiError::bad_request("Entry point not found"))
        } else {
            Err(invalid())
        };
    };
    if entry_point.account != account && !faults.has(&Fault::CrossAccountEntryPoints) {
        return Err(invalid());
    }
    match entry_point.kind {
        EntryPointKind::NoAttendants if !faults.has(&Fault::NoAttendantsAccepted) => Err(
            ApiError::bad_request("Entry point has no attendants configured"),
        ),
        EntryPointKind::Unavailable if !faults.has(&Fault::UnavailableAccepted) => Err(
            ApiError::bad_request("Entry point has no available agent attendant"),
        ),
        // The page's checklist asks for a "correct and active" entryPointId,
        // and its only wrong-id message is `Invalid entryPointId`.
        EntryPointKind::Inactive if !faults.has(&Fault::InactiveEntryPointAccepted) => {
            Err(invalid())
        }
        _ => Ok(()),
    }
}

/// Refuses the first execute of the primary account on its entry point
/// under the `unavailable` (429) and `no-available-agent` (400) scenarios.
fn refuse_first(shared: &Shared, id: &str, account: AccountId) -> Result<(), ApiError> {
    if account != AccountId::Primary || id != FIXTURES.entry_point_id {
        return Ok(());
    }
    let scenarios = &shared.settings.scenarios;
    if scenarios.refuses_first_execute(Scenario::Unavailable) {
        return Err(rate_limited());
    }
    if scenarios.refuses_first_execute(Scenario::NoAvailableAgent) {
        return Err(ApiError::bad_request(
            "Entry point has no available agent attendant",
        ));
    }
    Ok(())
}

/// What an execute's body asks for.
#[derive(Debug)]
struct ParsedBody {
    conversation_id: Option<String>,
    /// The message holds the fail marker.
    fails: bool,
}

/// Parses `{"message": string, "conversationId"?: string}`.
///
/// The body is read as JSON whatever its Content-Type. A `conversationId`
/// that is `null`, empty or blank counts as absent.
fn parse_body(
    body: Result<Bytes, BytesRejection>,
    faults: &ActiveFaults,
) -> Result<ParsedBody, ApiError> {
    let bytes =
        body.map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_request("Request body must be valid JSON"))?;
    let Value::Object(fields) = value else {
        return Err(ApiError::bad_request("Request body must be a JSON object"));
    };
    let message = match fields.get("message") {
        Some(Value::String(message))
            if !message.trim().is_empty() || faults.has(&Fault::BlankMessageAccepted) =>
        {
            message
        }
        _ => {
            return Err(ApiError::bad_request(
                "message is required and must be a non-empty string",
            ))
        }
    };
    let conversation_id = match fields.get("conversationId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if id.trim().is_empty() => None,
        Some(Value::String(id)) if id.chars().count() > MAX_CONVERSATION_ID_CHARS => {
            return Err(ApiError::bad_request(format!(
                "conversationId must be at most {MAX_CONVERSATION_ID_CHARS} characters"
            )))
        }
        Some(Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(ApiError::bad_request("conversationId must be a string")),
    };
    Ok(ParsedBody {
        conversation_id,
        fails: message.contains(FIXTURES.fail_marker),
    })
}

/// The execute answer: `{"conversationId", "executionId", "status": "queued"}`.
fn accepted(created: &Created, faults: &ActiveFaults) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert(
        "conversationId".into(),
        Value::String(created.conversation_id.clone()),
    );
    if faults.has(&Fault::ExecutionIdNumber) {
        data.insert("executionId".into(), Value::from(created.number));
    } else if !faults.has(&Fault::ExecutionIdMissing) {
        data.insert(
            "executionId".into(),
            Value::String(created.execution_id.clone()),
        );
    }
    let status = if faults.has(&Fault::ExecuteStatusWrong) {
        "pending"
    } else {
        "queued"
    };
    data.insert("status".into(), Value::from(status));
    data
}
