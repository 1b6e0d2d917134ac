//! The upstream forwarder: a router that passes every request on to the
//! real API and its answers back unchanged, so the recorder can stand in
//! front of the vendor's homologation environment as it stands in front of
//! the sandbox.
//!
//! The key a client sends goes to the upstream's origin and nowhere else:
//! the target is always that origin, the upstream URL's own path (a
//! gateway's prefix, `/prefix`), then the request's path and query, byte for
//! byte; redirects are never followed, only passed back. A path that would
//! not reach the upstream as sent (dot segments, plain or percent-encoded,
//! and backslashes, which URL parsing rewrites) is refused by the recorder
//! itself with a 400, recorded as its own: what is recorded is what was
//! forwarded.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, StatusCode};
use axum::response::Response;
use axum::Router;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use futures_util::StreamExt;
use reqwest::Url;

use super::record::{own_answer, refusal, MAX_REQUEST_BODY};

/// How long the upstream may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no client for the upstream could be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach the upstream: {0}")]
pub struct UpstreamError(String);

/// Builds the client that forwards to `upstream`: no redirects followed,
/// `timeout` for a whole exchange, and the run's proxy policy
/// (`crate::run::choose_proxy`, reading variables through `env`): an
/// `https://` upstream may go through `HTTPS_PROXY`, a plain `http://`
/// one never goes through a proxy.
///
/// # Errors
///
/// [`UpstreamError`] when a proxy variable is unusable or the client cannot
/// be built (the proxy's value is not shown: it may hold credentials).
pub fn upstream_client(
    upstream: &Url,
    timeout: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<reqwest::Client, UpstreamError> {
    let proxy = crate::run::choose_proxy(upstream.as_str(), env)
        .map_err(|e| UpstreamError(e.to_string()))?;
    // Proxies are this policy's decision, never the library's own reading
    // of the environment.
    let mut builder = reqwest::Client::builder().no_proxy();
    if let Some(proxy) = proxy {
        let through = reqwest::Proxy::https(&proxy.url)
            .map_err(|_| UpstreamError(format!("{} is not a usable proxy", proxy.host)))?;
        builder = builder.proxy(through);
    }
    // An upstream behind an internal CA (`SSL_CERT_FILE`, `SSL_CERT_DIR`).
    if upstream.scheme() == "https" {
        for root in crate::run::extra_roots(env).map_err(|e| UpstreamError(e.to_string()))? {
            builder = builder.add_root_certificate(root);
        }
    }
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .build()
        .map_err(|_| UpstreamError("the HTTP client cannot be built".into()))
}

/// A signal that resolves once the server stops; cloned into every answer.
type Stop = Shared<BoxFuture<'static, ()>>;

/// What every forwarded request shares.
struct Forwarder {
    /// The upstream's origin, without credentials, query or fragment.
    origin: Url,
    /// The upstream URL's path, without its trailing `/` (empty for none).
    prefix: String,
    client: reqwest::Client,
    stop: Stop,
}

/// Builds a router forwarding every request to `upstream`'s origin with
/// `client` (build it with [`upstream_client`]: redirects must not be
/// followed), and answering what the upstream answered. Once `stop`
/// resolves, answers waiting for the upstream end (`503`, recorded as no
/// answer) and bodies being relayed are cut, so that a server can stop
/// gracefully.
pub(crate) fn forward_until(
    upstream: Url,
    client: reqwest::Client,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Router {
    let mut origin = upstream;
    let prefix = origin.path().trim_end_matches('/').to_string();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    // The key must not travel with credentials of the upstream URL's own.
    let _ = origin.set_username("");
    let _ = origin.set_password(None);
    let forwarder = Forwarder {
        origin,
        prefix,
        client,
        stop: stop.boxed().shared(),
    };
    Router::new()
        .fallback(forward_request)
        .with_state(Arc::new(forwarder))
}

async fn forward_request(State(forwarder): State<Arc<Forwarder>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BODY).await else {
        return own_answer(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is over 1 MiB",
        ));
    };
    let Some(url) = target(&forwarder, parts.uri.path(), parts.uri.query()) else {
        return own_answer(refusal(
            StatusCode::BAD_REQUEST,
            "the path has dot segments or backslashes, which would not reach the upstream as sent: not forwarded",
        ));
    };
    let has_body = !bytes.is_empty()
        || parts.headers.contains_key(header::CONTENT_LENGTH)
        || parts.headers.contains_key(header::TRANSFER_ENCODING);
    let mut outgoing = forwarder
        .client
        .request(parts.method, url)
        .headers(end_to_end(&parts.headers, true));
    if has_body {
        outgoing = outgoing.body(bytes);
    }
    let sent = tokio::select! {
        sent = outgoing.send() => sent,
        () = forwarder.stop.clone() => return no_answer(StatusCode::SERVICE_UNAVAILABLE, "stopping".into()),
    };
    match sent {
        Ok(answer) => relay(answer, forwarder.stop.clone()),
        Err(error) => no_answer(
            StatusCode::BAD_GATEWAY,
            format!(
                "upstream {} unreachable: {}",
                forwarder.origin.origin().ascii_serialization(),
                kind(&error)
            ),
        ),
    }
}

/// The URL a request for `path` and `query` goes to: the origin, the
/// prefix, then `path` and `query` as sent; `None` when URL parsing would
/// change the path on the way (what is forwarded must be what is recorded).
fn target(forwarder: &Forwarder, path: &str, query: Option<&str>) -> Option<Url> {
    let dot_segment = path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    let backslash = path.contains('\\') || path.to_ascii_lowercase().contains("%5c");
    if dot_segment || backslash {
        return None;
    }
    let mut url = forwarder.origin.clone();
    let full = format!("{}{path}", forwarder.prefix);
    // Setting the path never changes the host, whatever the path holds.
    url.set_path(&full);
    url.set_query(query);
    (url.path() == full).then_some(url)
}

/// The upstream's answer as the client gets it: status, end-to-end
/// headers and the body streamed as it comes.
fn relay(answer: reqwest::Response, stop: Stop) -> Response {
    let status = answer.status();
    let mut headers = end_to_end(answer.headers(), false);
    // A Content-Length that came with chunked encoding is not the body's
    // length (RFC 9112 §6.3): relaying it would cut the body.
    if answer.headers().contains_key(header::TRANSFER_ENCODING) {
        headers.remove(header::CONTENT_LENGTH);
    }
    let chunks = futures_util::stream::unfold(Some(answer), |answer| async move {
        let mut answer = answer?;
        match answer.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(answer))),
            Ok(None) => None,
            Err(error) => Some((Err(error), None)),
        }
    })
    .take_until(stop);
    let mut response = Response::new(Body::from_stream(chunks));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The recorder's answer when the upstream gave none.
fn no_answer(status: StatusCode, message: String) -> Response {
    own_answer(refusal(status, &message))
}

/// Why the upstream gave no answer, in a word or two (never the URL).
fn kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        return "timeout";
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused",
                std::io::ErrorKind::ConnectionReset => "connection reset",
                std::io::ErrorKind::TimedOut => "timeout",
                _ => "connection failed",
            };
        }
        source = cause.source();
    }
    if error.is_connect() {
        "connection failed"
    } else {
        "no valid answer"
    }
}

/// The hop-by-hop headers (RFC 9110 7.6.1), which concern one connection
/// only and are never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

/// `headers` without the hop-by-hop ones (and those `Connection` names),
/// nor `Transfer-Encoding`; a request also loses `Host` (the target's is
/// set) and `Content-Length` (set from the body forwarded).
fn end_to_end(headers: &HeaderMap, request: bool) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let dropped = |name: &HeaderName| {
        let name = name.as_str();
        HOP_BY_HOP.contains(&name)
            || name == "transfer-encoding"
            || (request && matches!(name, "host" | "content-length"))
            || named.iter().any(|n| n == name)
    };
    headers
        .iter()
        .filter(|(name, _)| !dropped(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("host", "127.0.0.1:1"),
            ("content-length", "2"),
            ("transfer-encoding", "chunked"),
            ("x-api-key", "ak_k"),
            ("content-type", "application/json"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let names = |map: HeaderMap| {
            let mut names: Vec<String> = map.keys().map(|n| n.as_str().to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(
            names(end_to_end(&headers, true)),
            ["content-type", "x-api-key"]
        );
        assert_eq!(
            names(end_to_end(&headers, false)),
            ["content-length", "content-type", "host", "x-api-key"]
        );
    }

    #[test]
    fn an_https_upstream_trusts_the_ca_file_of_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let path = missing.display().to_string();
        let env = |name: &str| (name == "SSL_CERT_FILE").then(|| path.clone());
        let https = Url::parse("https://api.example.com").unwrap();
        let error = upstream_client(&https, Duration::from_secs(1), &env).unwrap_err();
        assert!(
            error.to_string().contains(&format!(
                "cannot use the CA certificates of SSL_CERT_FILE ({path})"
            )),
            "{error}"
        );
        // A plain-http upstream (loopback) has no certificate to check.
        let http = Url::parse("http://127.0.0.1:1").unwrap();
        assert!(upstream_client(&http, Duration::from_secs(1), &env).is_ok());
    }
}
