//! Scenarios the recorder presents itself in front of the real API
//! (`client --upstream --scenario ...`): the same situations the sandbox
//! presents, answered by the recorder without forwarding the call, so no
//! execution is created that the client never saw.
//!
//! - `key-rotated`: once the client was shown its first terminal status,
//!   every call gets 401 `{"message":"Invalid API key"}`;
//! - `inactive-account`: likewise 403 `{"message":"Account is inactive"}`;
//! - `unavailable`: the first execute gets 429 and the first read of each
//!   execution 503, both with `Retry-After: 1`;
//! - `no-available-agent`: the first execute gets 400 `{"message":"Entry
//!   point has no available agent attendant"}`.
//!
//! Each answer is marked [`Presented`]: the recording keeps the status the
//! client saw (grading treats it as the API's) and the scenario that gave
//! it, so the reports say who answered.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};

use super::record::{own_answer, refusal, MAX_REQUEST_BODY};
use crate::api::Call;
use crate::sandbox::{ActiveScenarios, Scenario};

/// Marks a response the recorder presented under a scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Presented(pub(crate) Scenario);

/// Wraps `router` (the forwarder) so that `scenarios` are presented in
/// front of it; with none, `router` is returned as it is.
pub(crate) fn present(router: Router, scenarios: Vec<Scenario>) -> Router {
    if scenarios.is_empty() {
        return router;
    }
    let active = Arc::new(ActiveScenarios::new(scenarios));
    router.layer(middleware::from_fn_with_state(active, present_call))
}

async fn present_call(
    State(active): State<Arc<ActiveScenarios>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let call = Call::of(&method, &path);
    let execute = call.entry_point().is_some();
    let read = call.execution();
    if !execute && read.is_none() {
        return next.run(request).await;
    }
    if let Some(answer) = situation(&active, execute, read) {
        return answer;
    }
    let response = next.run(request).await;
    let watches_terminal =
        active.has(Scenario::KeyRotated) || active.has(Scenario::InactiveAccount);
    if read.is_some() && watches_terminal && response.status().is_success() {
        return note_terminal(&active, response).await;
    }
    response
}

/// The answer a scenario gives this call instead of the API, if one does:
/// a rotated key or an inactive account first (the API authenticates
/// before anything else), then a one-time refusal.
fn situation(active: &ActiveScenarios, execute: bool, read: Option<&str>) -> Option<Response> {
    if active.is_key_rotated() {
        return Some(presented(
            Scenario::KeyRotated,
            StatusCode::UNAUTHORIZED,
            "Invalid API key",
        ));
    }
    if active.is_account_inactive() {
        return Some(presented(
            Scenario::InactiveAccount,
            StatusCode::FORBIDDEN,
            "Account is inactive",
        ));
    }
    if execute && active.refuses_first_execute(Scenario::Unavailable) {
        return Some(retry_after(presented(
            Scenario::Unavailable,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests, retry later",
        )));
    }
    if execute && active.refuses_first_execute(Scenario::NoAvailableAgent) {
        return Some(presented(
            Scenario::NoAvailableAgent,
            StatusCode::BAD_REQUEST,
            "Entry point has no available agent attendant",
        ));
    }
    if read.is_some_and(|id| active.refuses_first_read(id)) {
        return Some(retry_after(presented(
            Scenario::Unavailable,
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable, retry later",
        )));
    }
    None
}

/// `{"message": message}` with `status`, as the API answers, marked as
/// presented under `scenario`.
fn presented(scenario: Scenario, status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(serde_json::json!({ "message": message }))).into_response();
    response.extensions_mut().insert(Presented(scenario));
    response
}

fn retry_after(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Passes a read's answer on whole, noting when it shows a terminal status
/// (the moment `key-rotated` and `inactive-account` strike). An answer over
/// [`MAX_REQUEST_BODY`] is not an execution's: it is refused as the
/// recorder's own.
async fn note_terminal(active: &ActiveScenarios, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BODY).await else {
        return own_answer(refusal(
            StatusCode::BAD_GATEWAY,
            "the upstream's answer to a read was over 1 MiB or cut: not relayed",
        ));
    };
    let status = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|json| json.get("status")?.as_str().map(str::to_string));
    if status.is_some_and(|s| crate::check::TERMINAL_STATUSES.contains(&s.as_str())) {
        active.note_terminal_shown();
    }
    Response::from_parts(parts, Body::from(bytes))
}
