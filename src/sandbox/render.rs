//! Turns a handler's reply into an HTTP response, applying the faults that
//! change how answers look: content type, body shape and extra headers.
//! Without faults every answer is JSON with `Content-Type: application/json`.

use std::convert::Infallible;
use std::future::{ready, Future};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{stream, StreamExt};
use serde_json::{Map, Value};

use super::accounts::API_KEY_HEADER;
use super::dialects::Dialect;
use super::error::ApiError;
use super::faults::{ActiveFaults, Fault, HTML_INJECTION, HTML_INJECTION_NOTE};
use super::state::Settings;

/// How many filler bytes the `huge-body` fault streams (300 MiB).
pub(crate) const HUGE_BODY_BYTES: u64 = 300 * 1024 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;
static FILLER: [u8; CHUNK_BYTES] = [b'a'; CHUNK_BYTES];

fn json() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

fn text() -> HeaderValue {
    HeaderValue::from_static("text/plain; charset=utf-8")
}

/// What a handler answers, before faults shape it.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    payload: Payload,
    headers: HeaderMap,
    /// An error rendered as a web framework renders its own, with
    /// `statusCode` and `error` beside `message` (`json-404`).
    framework: bool,
}

#[derive(Debug)]
enum Payload {
    /// A JSON object of data.
    Data(Map<String, Value>),
    /// A message, rendered `{"message": ...}`.
    Message(String),
    /// A JSON body built by a fault, sent as is.
    Stream(Body),
}

impl Reply {
    /// Answers `status` with the JSON object `body`.
    pub(crate) fn data(status: StatusCode, body: Map<String, Value>) -> Self {
        Self::new(status, Payload::Data(body))
    }

    /// Answers `status` with a streamed JSON `body`.
    pub(crate) fn stream(status: StatusCode, body: Body) -> Self {
        Self::new(status, Payload::Stream(body))
    }

    /// Answers `307 Temporary Redirect` to `location`.
    pub(crate) fn redirect(location: &str) -> Self {
        let mut reply = Self::new(
            StatusCode::TEMPORARY_REDIRECT,
            Payload::Message(format!("Moved temporarily to {location}")),
        );
        // A location that is not a valid header value is dropped, not sent.
        if let Ok(value) = HeaderValue::from_str(location) {
            reply.headers.insert(header::LOCATION, value);
        }
        reply
    }

    fn new(status: StatusCode, payload: Payload) -> Self {
        Self {
            status,
            payload,
            headers: HeaderMap::new(),
            framework: false,
        }
    }

    /// Answers `error` as a web framework renders its own errors:
    /// `{"statusCode", "message", "error"}`.
    pub(crate) fn framework_error(error: ApiError) -> Self {
        Self {
            framework: true,
            ..Self::from(error)
        }
    }
}

impl From<ApiError> for Reply {
    fn from(error: ApiError) -> Self {
        let mut reply = Self::new(
            error.status(),
            Payload::Message(error.message().to_string()),
        );
        reply.headers = error.headers().iter().cloned().collect();
        reply
    }
}

/// The fields the `echo-key` fault adds to a JSON body: the key as
/// received, base64 (standard, and URL-safe unpadded), base64 of text that
/// holds it at other alignments (`{"x-api-key":"KEY"}`, a Basic
/// credential `u:KEY`, `=KEY.`), and percent-encoded (reserved bytes, and
/// every byte in upper and lower hex).
fn echoes(key: &str) -> Vec<(&'static str, String)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let every_byte: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    vec![
        ("echo", key.to_string()),
        ("echo_base64", STANDARD.encode(key)),
        ("echo_base64url", URL_SAFE_NO_PAD.encode(key)),
        (
            "echo_base64_json",
            STANDARD.encode(format!("{{\"x-api-key\":\"{key}\"}}")),
        ),
        ("echo_base64_basic", STANDARD.encode(format!("u:{key}"))),
        (
            "echo_base64url_inside",
            URL_SAFE_NO_PAD.encode(format!("={key}.")),
        ),
        (
            "echo_percent",
            percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        ),
        ("echo_percent_lower", every_byte.to_ascii_lowercase()),
        ("echo_percent_all", every_byte),
    ]
}

/// Renders `reply` for a request that had `request` headers, as the
/// faults and dialects of `settings` shape it.
pub(crate) fn render(reply: Reply, settings: &Settings, request: &HeaderMap) -> Response {
    let faults = &settings.faults;
    let framework = reply.framework || settings.dialects.has(Dialect::ErrorExtraFields);
    let key = request
        .get(API_KEY_HEADER)
        .filter(|_| faults.has(&Fault::EchoKey));
    let echo = key
        .map(|value| echoes(&String::from_utf8_lossy(value.as_bytes())))
        .unwrap_or_default();
    let status = reply.status;
    let (content_type, body) = match reply.payload {
        Payload::Data(data) => render_data(status, data, faults, &echo),
        Payload::Message(message) => render_message(status, message, faults, framework, &echo),
        Payload::Stream(body) => (json(), body),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.extend(reply.headers);
    if let Some(key) = key {
        headers.insert(HeaderName::from_static("x-echo-key"), key.clone());
        let base64 = echo.iter().find(|(name, _)| *name == "echo_base64");
        if let Some(Ok(encoded)) = base64.map(|(_, v)| HeaderValue::from_str(v)) {
            headers.insert(HeaderName::from_static("x-echo-key-base64"), encoded);
        }
    }
    if faults.has(&Fault::CorsOpen) {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    if faults.has(&Fault::HtmlInjection) {
        headers.insert(
            HeaderName::from_static("x-note"),
            HeaderValue::from_static(HTML_INJECTION_NOTE),
        );
    }
    response
}

fn render_message(
    status: StatusCode,
    mut message: String,
    faults: &ActiveFaults,
    framework: bool,
    echo: &[(&str, String)],
) -> (HeaderValue, Body) {
    if faults.has(&Fault::HtmlInjection) {
        message.push_str(HTML_INJECTION);
    }
    let is_error = status.is_client_error() || status.is_server_error();
    if is_error && faults.has(&Fault::NonJsonErrors) {
        return (text(), Body::from(message));
    }
    let field = if is_error && faults.has(&Fault::ErrorWithoutMessage) {
        "error"
    } else {
        "message"
    };
    let mut body = Map::new();
    if is_error && framework {
        // NestJS's shape; under `error-without-message` the fault's own
        // `error` field (the message) replaces the reason phrase below.
        body.insert("statusCode".into(), Value::from(status.as_u16()));
        let reason = status.canonical_reason().unwrap_or("Error");
        body.insert("error".into(), Value::from(reason));
    }
    body.insert(field.to_string(), Value::String(message));
    if is_error && faults.has(&Fault::ErrorBodiesLeakFields) {
        body.insert("accountId".into(), Value::String("acc_primary".into()));
        body.insert(
            "stack".into(),
            Value::String("Error: at handler (/app/routes/execute.js:42:13)".into()),
        );
    }
    for (name, value) in echo {
        body.insert((*name).to_string(), Value::String(value.clone()));
    }
    (json(), Body::from(Value::Object(body).to_string()))
}

fn render_data(
    status: StatusCode,
    mut data: Map<String, Value>,
    faults: &ActiveFaults,
    echo: &[(&str, String)],
) -> (HeaderValue, Body) {
    if faults.has(&Fault::HtmlInjection) {
        for field in ["response", "error"] {
            if let Some(Value::String(value)) = data.get_mut(field) {
                value.push_str(HTML_INJECTION);
            }
        }
    }
    for (name, value) in echo {
        data.insert((*name).to_string(), Value::String(value.clone()));
    }
    if !status.is_success() {
        return (json(), Body::from(Value::Object(data).to_string()));
    }
    if faults.has(&Fault::NonJsonBody) {
        return (json(), Body::from("<html>oops</html>"));
    }
    let mut serialized = Value::Object(data).to_string().into_bytes();
    if faults.has(&Fault::TruncatedJson) {
        serialized.truncate(serialized.len() / 2);
    }
    if faults.has(&Fault::JsonWithoutContentType) {
        return (text(), Body::from(serialized));
    }
    (json(), Body::from(serialized))
}

/// A body of `prefix`, then [`HUGE_BODY_BYTES`] of filler, then `suffix`,
/// streamed chunk by chunk without being held in memory; it ends early when
/// `stop` resolves.
pub(crate) fn huge_body(
    prefix: String,
    suffix: &'static str,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Body {
    let filler = stream::unfold(HUGE_BODY_BYTES, |left| async move {
        if left == 0 {
            return None;
        }
        let size = usize::try_from(left).map_or(CHUNK_BYTES, |left| left.min(CHUNK_BYTES));
        let chunk = Bytes::from_static(&FILLER[..size]);
        Some((Ok::<_, Infallible>(chunk), left - size as u64))
    });
    let body = stream::once(ready(Ok(Bytes::from(prefix))))
        .chain(filler)
        .chain(stream::once(ready(Ok(Bytes::from_static(
            suffix.as_bytes(),
        )))))
        .take_until(stop);
    Body::from_stream(body)
}

/// A body that sends `first` and then nothing more until `stop` resolves.
pub(crate) fn stalled_body(first: String, stop: impl Future<Output = ()> + Send + 'static) -> Body {
    let body = stream::once(ready(Ok::<_, Infallible>(Bytes::from(first))))
        .chain(stream::pending())
        .take_until(stop);
    Body::from_stream(body)
}
