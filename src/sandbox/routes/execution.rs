//! `GET /v1/executions/{executionId}`: reads an execution's status.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::redirect;
use crate::sandbox::accounts::{authenticate_now, AccountId};
use crate::sandbox::dialects::{ActiveDialects, Dialect};
use crate::sandbox::error::ApiError;
use crate::sandbox::faults::Fault;
use crate::sandbox::render::{huge_body, render, Reply};
use crate::sandbox::shared::Shared;
use crate::sandbox::state::ExecutionView;

/// Handles a read of one execution.
pub(super) async fn read(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    if let Some(response) = redirect(&shared, &uri, &headers) {
        return response;
    }
    // An id that does not percent-decode to UTF-8 is one no execution has.
    let id = path.map(|Path(id)| id).unwrap_or_default();
    let reply = read_execution(&shared, &headers, uri.query(), id).unwrap_or_else(Reply::from);
    render(reply, &shared.settings, &headers)
}

fn read_execution(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    mut id: String,
) -> Result<Reply, ApiError> {
    let faults = &shared.settings.faults;
    let dialects = &shared.settings.dialects;
    if faults.has(&Fault::FinishedExecutionsCached) {
        let cached = shared
            .store()
            .finished(&id, Instant::now(), &shared.settings);
        if let Some(view) = cached {
            return Ok(Reply::data(StatusCode::OK, to_json(view, dialects)));
        }
    }
    let account = authenticate_now(headers, query, &shared.settings)?;
    // Under `execution-id-number` clients were given `7` for `exec_7`.
    if faults.has(&Fault::ExecutionIdNumber)
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
    {
        id = format!("exec_{id}");
    }
    let view = shared
        .store()
        .read(account, &id, Instant::now(), &shared.settings)?;
    if faults.has(&Fault::HugeBody) {
        let prefix = format!(
            "{{\"conversationId\":{},\"executionId\":{},\"status\":\"completed\",\"response\":\"",
            Value::String(view.conversation_id),
            Value::String(view.execution_id),
        );
        let body = huge_body(prefix, "\"}", shared.stopped());
        return Ok(Reply::stream(StatusCode::OK, body));
    }
    if account == AccountId::Primary && view.terminal {
        shared.settings.scenarios.note_terminal_shown();
    }
    Ok(Reply::data(StatusCode::OK, to_json(view, dialects)))
}

/// `{"conversationId", "executionId", "status", "response"?, "error"?}`;
/// under `null-response`, `"response": null` rather than no response.
fn to_json(view: ExecutionView, dialects: &ActiveDialects) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("conversationId".into(), Value::String(view.conversation_id));
    data.insert("executionId".into(), Value::String(view.execution_id));
    data.insert("status".into(), Value::from(view.status));
    match view.response {
        Some(response) => {
            data.insert("response".into(), Value::from(response));
        }
        None if dialects.has(Dialect::NullResponse) => {
            data.insert("response".into(), Value::Null);
        }
        None => {}
    }
    if let Some(error) = view.error {
        data.insert("error".into(), Value::from(error));
    }
    data
}
