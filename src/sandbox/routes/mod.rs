//! The sandbox's routes: the two documented endpoints, JSON answers for
//! unknown routes and methods, and the request counter.

mod execute;
mod execution;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::accounts::API_KEY_HEADER;
use super::dialects::Dialect;
use super::error::ApiError;
use super::render::{render, Reply};
use super::shared::Shared;

/// Builds the router serving `shared`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/entry-points/{entry_point_id}/execute",
            post(execute::execute),
        )
        // A path parameter never matches an empty segment, so the empty id
        // gets a route of its own to answer `entryPointId is required`.
        .route(
            "/v1/entry-points//execute",
            post(execute::execute_without_id),
        )
        .route("/v1/executions/{execution_id}", get(execution::read))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), count))
        .with_state(shared)
}

async fn count(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    shared.count_request(request.headers().contains_key(API_KEY_HEADER));
    next.run(request).await
}

async fn not_found(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let reply =
        unknown_route(&shared, &method, &uri).unwrap_or_else(|| ApiError::not_found().into());
    render(reply, &shared.settings, &headers)
}

async fn method_not_allowed(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let reply = unknown_route(&shared, &method, &uri)
        .unwrap_or_else(|| ApiError::method_not_allowed().into());
    render(reply, &shared.settings, &headers)
}

/// Under `json-404`, the answer a web framework (NestJS on Express) gives
/// a route it does not have, wrong methods included (Express has no 405):
/// `404 {"statusCode":404,"message":"Cannot GET /v1/nope","error":"Not Found"}`.
/// The path is named without its query, so no key sent there is echoed.
fn unknown_route(shared: &Shared, method: &Method, uri: &Uri) -> Option<Reply> {
    if !shared.settings.dialects.has(Dialect::Json404) {
        return None;
    }
    let message = format!("Cannot {method} {}", uri.path());
    let error = ApiError::new(StatusCode::NOT_FOUND, message);
    Some(Reply::framework_error(error))
}

/// Answers the `redirect-to` fault's redirect, when it is active.
fn redirect(shared: &Shared, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let faults = &shared.settings.faults;
    let target = faults.redirect_target()?;
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |path| path.as_str());
    let reply = Reply::redirect(&format!("{target}{path}"));
    Some(render(reply, &shared.settings, headers))
}
