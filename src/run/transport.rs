//! Turning a transport error (no usable answer) into one readable line that
//! names the cause and where, instead of the library's chain of errors.
//!
//! ```text
//! connection refused by 127.0.0.1:9: nothing listens there
//! TLS handshake with 127.0.0.1:8080 failed: the server does not speak TLS on that port (a plain http:// server?)
//! DNS lookup of api.example.invalid failed: failed to lookup address information: Name or service not known
//! ```

use crate::result::FailureKind;

/// Why a request got no usable answer: its kind (what the hint and the
/// verdict go by) and one readable line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub kind: FailureKind,
    pub message: String,
}

impl SendError {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> SendError {
        SendError {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What went wrong on the wire, decided once from the library's error:
/// the failure kind and the readable line both follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// This machine ran out of file descriptors.
    LocalLimit,
    /// No connection within `--connect-timeout`.
    ConnectTimeout,
    /// No (whole) answer within `--timeout`.
    Timeout,
    /// The proxy did not open a tunnel.
    ProxyTunnel,
    /// The host name did not resolve.
    Dns,
    /// Nothing listens at the host and port.
    Refused,
    /// An https:// URL to a port that does not speak TLS.
    NotTls,
    /// The server's certificate was signed by a CA the run does not trust.
    UnknownIssuer,
    /// The server's certificate was rejected.
    Certificate,
    /// Another TLS handshake failure.
    TlsHandshake,
    /// The connection was reset.
    Reset,
    /// The connection closed before any answer.
    ClosedWithoutAnswer,
    /// The connection closed before the body was complete.
    BodyCut,
    /// Response headers over the client's limits.
    HeadersOverLimits,
    /// The answer was not HTTP/1.1.
    NotHttp,
    /// Another failure to connect.
    Connect,
    /// Anything else: the library's innermost message says what.
    Other,
}

impl Cause {
    /// The failure kind of this cause: what the hint and the verdict go by.
    pub(crate) fn kind(self) -> FailureKind {
        match self {
            Cause::LocalLimit => FailureKind::LocalLimit,
            Cause::ConnectTimeout | Cause::Timeout => FailureKind::Timeout,
            Cause::ProxyTunnel => FailureKind::Proxy,
            Cause::Dns => FailureKind::Dns,
            Cause::Refused => FailureKind::Refused,
            Cause::NotTls | Cause::UnknownIssuer | Cause::Certificate | Cause::TlsHandshake => {
                FailureKind::Tls
            }
            Cause::Reset | Cause::ClosedWithoutAnswer | Cause::BodyCut => {
                FailureKind::ConnectionLost
            }
            Cause::HeadersOverLimits | Cause::NotHttp | Cause::Connect | Cause::Other => {
                FailureKind::Transport
            }
        }
    }
}

/// The kind of a transport error and one readable line for it, instead of
/// the library's chain.
pub fn classify(error: &reqwest::Error) -> SendError {
    let cause = cause_of(error);
    SendError {
        kind: cause.kind(),
        message: describe_cause(cause, error),
    }
}

/// The cause of `error`, read from the library's typed flags and the chain
/// of its sources, once.
fn cause_of(error: &reqwest::Error) -> Cause {
    let lower: Vec<String> = causes(error)
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let has = |needle: &str| lower.iter().any(|c| c.contains(needle));
    let https = error.url().is_some_and(|url| url.scheme() == "https");
    if local_limit(error).is_some() {
        Cause::LocalLimit
    } else if error.is_timeout() {
        if error.is_connect() {
            Cause::ConnectTimeout
        } else {
            Cause::Timeout
        }
    } else if has("tunnel") {
        Cause::ProxyTunnel
    } else if has("dns error") {
        Cause::Dns
    } else if has("connection refused") {
        Cause::Refused
    } else if error.is_connect() && https && !has("tcp connect error") {
        if has("invalidcontenttype") || has("corrupt message") {
            Cause::NotTls
        } else if has("unknownissuer") {
            Cause::UnknownIssuer
        } else if has("certificate") {
            Cause::Certificate
        } else {
            Cause::TlsHandshake
        }
    } else if has("connection reset") || has("reset by peer") {
        Cause::Reset
    } else if has("closed before message completed") {
        Cause::ClosedWithoutAnswer
    } else if has("end of file before message length") || has("unexpected eof") {
        Cause::BodyCut
    } else if has("message head is too large") || has("too many headers") {
        Cause::HeadersOverLimits
    } else if has("parsed") || has("invalid http") {
        Cause::NotHttp
    } else if error.is_connect() {
        Cause::Connect
    } else {
        Cause::Other
    }
}

/// One readable line for a transport error, instead of the library's chain.
#[cfg(test)]
fn describe(error: &reqwest::Error) -> String {
    describe_cause(cause_of(error), error)
}

/// One readable line for `error`, whose cause is `cause`.
fn describe_cause(cause: Cause, error: &reqwest::Error) -> String {
    let innermost = causes(error)
        .last()
        .cloned()
        .unwrap_or_else(|| error.to_string());
    let at = error
        .url()
        .map(where_of)
        .unwrap_or_else(|| "the target".to_string());
    match cause {
        Cause::LocalLimit => format!(
            "this machine ran out of file descriptors ({}) reaching {at}: a limit of the machine running the checks, not the target's failure; raise it (`ulimit -n`) or lower --concurrency",
            local_limit(error).unwrap_or_default()
        ),
        Cause::ConnectTimeout => format!("timed out connecting to {at}"),
        Cause::Timeout => "timed out waiting for the target".to_string(),
        Cause::ProxyTunnel => format!("the proxy did not open a tunnel to {at}: {innermost}"),
        Cause::Dns => {
            let host = error
                .url()
                .and_then(|url| url.host_str().map(str::to_string))
                .unwrap_or_else(|| at.clone());
            format!("DNS lookup of {host} failed: {innermost}")
        }
        Cause::Refused => format!("connection refused by {at}: nothing listens there"),
        Cause::NotTls => format!("TLS handshake with {at} failed: the server does not speak TLS on that port (a plain http:// server?)"),
        Cause::UnknownIssuer => format!("TLS certificate of {at} rejected: {innermost} (signed by a CA this run does not trust; an internal CA is trusted with SSL_CERT_FILE or SSL_CERT_DIR)"),
        Cause::Certificate => format!("TLS certificate of {at} rejected: {innermost}"),
        Cause::TlsHandshake => format!("TLS handshake with {at} failed: {innermost}"),
        Cause::Reset => format!("connection reset by {at}"),
        Cause::ClosedWithoutAnswer => format!("{at} closed the connection without answering"),
        Cause::BodyCut => format!("{at} closed the connection before the body was complete"),
        Cause::HeadersOverLimits => format!(
            "{at} sent response headers over the client's limits (100 headers, about 400 KiB in all): {innermost}"
        ),
        Cause::NotHttp => format!("{at} did not answer in HTTP/1.1: {innermost}"),
        Cause::Connect => format!("cannot connect to {at}: {innermost}"),
        Cause::Other => innermost,
    }
}

/// Whether `error` is a limit of this machine (out of file descriptors).
pub fn is_local_limit(error: &reqwest::Error) -> bool {
    local_limit(error).is_some()
}

/// The OS error of `error`'s sources when it is a limit of this machine
/// (EMFILE, ENFILE: too many open files), not anything the target did.
fn local_limit(error: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            // EMFILE and ENFILE on Linux and the BSDs alike.
            if matches!(io.raw_os_error(), Some(23 | 24)) {
                return Some(io.to_string());
            }
        }
        if cause
            .to_string()
            .to_ascii_lowercase()
            .contains("too many open files")
        {
            return Some(cause.to_string());
        }
        source = cause.source();
    }
    None
}

/// The messages of `error`'s sources, outermost first.
fn causes(error: &reqwest::Error) -> Vec<String> {
    let mut out = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        out.push(cause.to_string());
        source = cause.source();
    }
    out
}

/// `host:port` of `url`, the port made explicit.
fn where_of(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    //! Real reqwest errors from listeners on 127.0.0.1 (and a resolver that
    //! fails without asking anyone), each described in one line.
    #![allow(clippy::unwrap_used)]

    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::Arc;
    use std::time::Duration;

    use super::{classify, describe};
    use crate::result::FailureKind;

    /// Serves one connection on 127.0.0.1 with `answer`, in a thread.
    fn listener(answer: fn(TcpStream)) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                answer(stream);
            }
        });
        addr
    }

    /// Reads the request head (up to the blank line), or what came in time.
    fn read_head(stream: &mut TcpStream) {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
    }

    /// A resolver that fails every lookup at once, asking no DNS server.
    struct NoSuchHost;

    impl reqwest::dns::Resolve for NoSuchHost {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async {
                let error = std::io::Error::other(
                    "failed to lookup address information: Name or service not known",
                );
                Err(Box::new(error) as Box<dyn std::error::Error + Send + Sync>)
            })
        }
    }

    /// A resolver that fails as a process out of file descriptors does.
    struct OutOfDescriptors;

    impl reqwest::dns::Resolve for OutOfDescriptors {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async {
                let error = std::io::Error::from_raw_os_error(24);
                Err(Box::new(error) as Box<dyn std::error::Error + Send + Sync>)
            })
        }
    }

    #[tokio::test]
    async fn running_out_of_file_descriptors_is_this_machines_limit_not_the_targets() {
        let client = client()
            .dns_resolver(Arc::new(OutOfDescriptors))
            .build()
            .unwrap();
        let error = client
            .get("http://api.wapzi.invalid/v1/executions/x")
            .send()
            .await
            .unwrap_err();
        let classified = classify(&error);
        assert_eq!(classified.kind, FailureKind::LocalLimit);
        assert!(!classified.kind.is_transport());
        assert!(
            classified
                .message
                .starts_with("this machine ran out of file descriptors (Too many open files"),
            "{}",
            classified.message
        );
        assert!(classified.message.contains("not the target's failure"));
    }

    fn client() -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
    }

    async fn error_of(builder: reqwest::ClientBuilder, url: String) -> String {
        let client = builder.build().unwrap();
        let error = client.get(&url).send().await.unwrap_err();
        describe(&error)
    }

    /// The kind [`classify`] gives the error of a GET of `url`.
    async fn kind_of(builder: reqwest::ClientBuilder, url: String) -> FailureKind {
        let client = builder.build().unwrap();
        classify(&client.get(&url).send().await.unwrap_err()).kind
    }

    /// Servers that each fail one connection one way: reset, closed
    /// without an answer, plain http on an https URL, not HTTP at all.
    fn misbehaving() -> [SocketAddr; 4] {
        let reset = listener(|mut s| {
            // Closing with the request unread makes the kernel send a reset.
            let _ = s.read(&mut [0u8; 1]);
        });
        let closed = listener(|mut s| read_head(&mut s));
        let plain = listener(|mut s| {
            // A TLS hello has no blank line to wait for: read what came.
            let _ = s.read(&mut [0u8; 4096]);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
            let _ = s.read(&mut [0u8; 1]);
        });
        let garbage = listener(|mut s| {
            read_head(&mut s);
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
            let _ = s.read(&mut [0u8; 1]);
        });
        [reset, closed, plain, garbage]
    }

    #[tokio::test]
    async fn each_transport_failure_is_one_line_naming_its_cause() {
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let [reset, closed, plain, garbage] = misbehaving();
        let cases = [
            (
                error_of(client(), format!("http://{refused}/")).await,
                format!("connection refused by {refused}: nothing listens there"),
            ),
            (
                error_of(client(), format!("http://{reset}/")).await,
                format!("connection reset by {reset}"),
            ),
            (
                error_of(client(), format!("http://{closed}/")).await,
                format!("{closed} closed the connection without answering"),
            ),
            (
                error_of(client(), format!("https://{plain}/")).await,
                format!("TLS handshake with {plain} failed: the server does not speak TLS on that port (a plain http:// server?)"),
            ),
            (
                error_of(client(), format!("http://{garbage}/")).await,
                format!("{garbage} did not answer in HTTP/1.1: invalid HTTP version parsed"),
            ),
            (
                error_of(
                    client().dns_resolver(Arc::new(NoSuchHost)),
                    "https://api.wapzi.invalid/v1/executions/x".into(),
                )
                .await,
                "DNS lookup of api.wapzi.invalid failed: failed to lookup address information: Name or service not known".into(),
            ),
        ];
        for (actual, expected) in cases {
            assert_eq!(actual, expected);
            assert!(!actual.contains('\n'));
        }
        // The kind comes from the cause, not from reading the line back:
        // fresh listeners (each above served its one connection).
        let [reset, closed, plain, garbage] = misbehaving();
        let kinds = [
            (format!("http://{reset}/"), FailureKind::ConnectionLost),
            (format!("http://{closed}/"), FailureKind::ConnectionLost),
            (format!("https://{plain}/"), FailureKind::Tls),
            (format!("http://{garbage}/"), FailureKind::Transport),
        ];
        for (url, kind) in kinds {
            assert_eq!(kind_of(client(), url.clone()).await, kind, "{url}");
        }
        let dns = kind_of(
            client().dns_resolver(Arc::new(NoSuchHost)),
            "https://api.wapzi.invalid/v1/executions/x".into(),
        )
        .await;
        assert_eq!(dns, FailureKind::Dns);
        let refused_kind = reqwest::Client::new()
            .get(format!("http://{refused}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&refused_kind).kind, FailureKind::Refused);
    }

    #[tokio::test]
    async fn a_silent_target_times_out_and_a_cut_body_says_so() {
        let silent = listener(|mut s| {
            read_head(&mut s);
            let _ = s.read(&mut [0u8; 1]);
        });
        let builder = client().timeout(Duration::from_millis(200));
        let timed_out = error_of(builder, format!("http://{silent}/")).await;
        assert_eq!(timed_out, "timed out waiting for the target");

        let cut = listener(|mut s| {
            read_head(&mut s);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"a\":");
        });
        let response = client()
            .build()
            .unwrap()
            .get(format!("http://{cut}/"))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert_eq!(
            describe(&error),
            "the target closed the connection before the body was complete"
        );
    }
}
