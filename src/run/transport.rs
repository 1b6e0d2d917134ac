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

/// The kind of a transport error and one readable line for it, instead of
/// the library's chain.
pub fn classify(error: &reqwest::Error) -> SendError {
    let message = describe(error);
    let kind = if message.starts_with(LOCAL_LIMIT) {
        FailureKind::LocalLimit
    } else if error.is_timeout() {
        FailureKind::Timeout
    } else if message.starts_with("DNS lookup") {
        FailureKind::Dns
    } else if message.starts_with("connection refused") {
        FailureKind::Refused
    } else if message.starts_with("TLS ") {
        FailureKind::Tls
    } else if message.starts_with("the proxy ") {
        FailureKind::Proxy
    } else if message.starts_with("connection reset") || message.contains(" closed the connection")
    {
        FailureKind::ConnectionLost
    } else {
        FailureKind::Transport
    };
    SendError { kind, message }
}

/// One readable line for a transport error, instead of the library's chain.
fn describe(error: &reqwest::Error) -> String {
    let causes = causes(error);
    let lower: Vec<String> = causes.iter().map(|c| c.to_ascii_lowercase()).collect();
    let has = |needle: &str| lower.iter().any(|c| c.contains(needle));
    let innermost = causes.last().cloned().unwrap_or_else(|| error.to_string());
    let at = error
        .url()
        .map(where_of)
        .unwrap_or_else(|| "the target".to_string());
    let https = error.url().is_some_and(|url| url.scheme() == "https");
    if let Some(limit) = local_limit(error) {
        format!(
            "{LOCAL_LIMIT} ({limit}) reaching {at}: a limit of the machine running the checks, not the target's failure; raise it (`ulimit -n`) or lower --concurrency"
        )
    } else if error.is_timeout() {
        if error.is_connect() {
            format!("timed out connecting to {at}")
        } else {
            "timed out waiting for the target".to_string()
        }
    } else if has("tunnel") {
        format!("the proxy did not open a tunnel to {at}: {innermost}")
    } else if has("dns error") {
        let host = error
            .url()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| at.clone());
        format!("DNS lookup of {host} failed: {innermost}")
    } else if has("connection refused") {
        format!("connection refused by {at}: nothing listens there")
    } else if error.is_connect() && https && !has("tcp connect error") {
        tls_failure(&at, &innermost, &has)
    } else if has("connection reset") || has("reset by peer") {
        format!("connection reset by {at}")
    } else if has("closed before message completed") {
        format!("{at} closed the connection without answering")
    } else if has("end of file before message length") || has("unexpected eof") {
        format!("{at} closed the connection before the body was complete")
    } else if has("message head is too large") || has("too many headers") {
        format!(
            "{at} sent response headers over the client's limits (100 headers, about 400 KiB in all): {innermost}"
        )
    } else if has("parsed") || has("invalid http") {
        format!("{at} did not answer in HTTP/1.1: {innermost}")
    } else if error.is_connect() {
        format!("cannot connect to {at}: {innermost}")
    } else {
        innermost
    }
}

/// Whether `error` is a limit of this machine (out of file descriptors).
pub fn is_local_limit(error: &reqwest::Error) -> bool {
    local_limit(error).is_some()
}

/// How a message about a local limit starts.
const LOCAL_LIMIT: &str = "this machine ran out of file descriptors";

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

fn tls_failure(at: &str, innermost: &str, has: &dyn Fn(&str) -> bool) -> String {
    if has("invalidcontenttype") || has("corrupt message") {
        format!("TLS handshake with {at} failed: the server does not speak TLS on that port (a plain http:// server?)")
    } else if has("unknownissuer") {
        format!("TLS certificate of {at} rejected: {innermost} (signed by a CA this run does not trust; an internal CA is trusted with SSL_CERT_FILE or SSL_CERT_DIR)")
    } else if has("certificate") {
        format!("TLS certificate of {at} rejected: {innermost}")
    } else {
        format!("TLS handshake with {at} failed: {innermost}")
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

    #[tokio::test]
    async fn each_transport_failure_is_one_line_naming_its_cause() {
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
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
