//! The sandbox's API error: a status and a message, rendered as the vendor
//! renders it, `{"message": "..."}` with `Content-Type: application/json`.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answer of the sandbox API.
///
/// Rendered faithfully by its [`IntoResponse`] implementation:
///
/// ```text
/// HTTP/1.1 401 Unauthorized
/// content-type: application/json
///
/// {"message":"Missing API key"}
/// ```
///
/// Faults that change how errors look are applied by the sandbox's renderer,
/// not here.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// Builds an error answering `status` with `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// Builds a `400 Bad Request` error with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// Builds a `401 Unauthorized` error with `message`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// Builds the `404 Not Found` error of an unknown route.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found")
    }

    /// Builds the `405 Method Not Allowed` error of a known route.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
    }

    /// Builds the `503 Service Unavailable` error of a full sandbox.
    pub fn full() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sandbox is full: too many executions stored, restart it",
        )
    }

    /// Builds the `503 Service Unavailable` error of a sandbox shutting down.
    pub fn shutting_down() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "Sandbox is shutting down")
    }

    /// Adds the header `name: value` to the answer.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Returns the HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Returns the message of the answer.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Returns the extra headers of the answer.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "message": self.message }));
        let headers: HeaderMap = self.headers.into_iter().collect();
        (self.status, headers, body).into_response()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}
