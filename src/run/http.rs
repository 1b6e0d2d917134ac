//! Sending one request to the target and recording the exchange.
//!
//! The clients are the run's, one per credential ([`super::clients`]);
//! bodies are read under a cap ([`super::body`]). A request never leaves
//! the base URL's origin.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::check::{KeyChoice, KeyVariant};
use crate::result::{Exchange, Header, ResponseRecord, BODY_EXCERPT_LIMIT};
use crate::secret::{Redactor, REDACTED};

use super::body::{body_text, parse_json, read_capped, redact_strings, OVER_CAP_EXCERPT_LIMIT};
use super::clients::{Clients, INVALID_KEY};
use super::clock::{ms, RunClock};
use super::error::RunError;
use super::settings::{RunSettings, Timeouts};
use super::transport::{classify, SendError};
use crate::result::{FailureKind, NotSent};

/// The longest `Retry-After` taken as given, in seconds (a day).
const RETRY_AFTER_CAP_SECS: u64 = 24 * 60 * 60;

/// A request with every template rendered.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Typed from the check on: nothing parses it back at send.
    pub method: http::Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub key: KeyChoice,
}

/// A response, already redacted.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub json: Result<Value, String>,
    /// The body was longer than [`BODY_CAP`](super::body::BODY_CAP); the rest was discarded unread.
    pub truncated: bool,
    /// Bytes of the body read (at most [`BODY_CAP`](super::body::BODY_CAP)).
    pub received: usize,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The wait `Retry-After` asks for, as of `now`, when the server sent
    /// one: delay-seconds, or an HTTP date (IMF-fixdate, `Wed, 21 Oct 2026
    /// 07:28:00 GMT`, and the obsolete forms RFC 7231 still accepts); a
    /// date already past asks for no wait. Capped at a day, since a longer
    /// wait means the same (the poll times out) and a huge one would
    /// overflow the arithmetic of waiting.
    pub fn retry_after(&self, now: SystemTime) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        let wait = match value.parse::<u64>() {
            Ok(secs) => Duration::from_secs(secs),
            Err(_) => {
                let at = httpdate::parse_http_date(value).ok()?;
                at.duration_since(now).unwrap_or(Duration::ZERO)
            }
        };
        Some(wait.min(Duration::from_secs(RETRY_AFTER_CAP_SECS)))
    }

    /// Why a `Retry-After` ends a poll that has `left` of its `timeout`,
    /// if it does: the wait asked for, as sent, is beyond it.
    ///
    /// ```text
    /// the target asked to retry after 3600 s (Retry-After: 3600), beyond the poll timeout of 10s
    /// ```
    pub fn retry_after_beyond(
        &self,
        now: SystemTime,
        left: Duration,
        timeout: Duration,
    ) -> Option<String> {
        let value = self.header("retry-after")?.trim();
        let asked = match value.parse::<u64>() {
            Ok(secs) => secs,
            Err(_) => self.retry_after(now)?.as_secs_f64().ceil() as u64,
        };
        (Duration::from_secs(asked.min(RETRY_AFTER_CAP_SECS)) >= left).then(|| {
            format!(
                "the target asked to retry after {asked} s (Retry-After: {value}), beyond the poll timeout of {}",
                humantime::format_duration(timeout)
            )
        })
    }
}

/// `url` as shown: redacted, then cut (see [`Target::shown_url`]).
fn shown(redactor: &Redactor, url: &str) -> String {
    crate::text::shown_url(&redactor.redact(url))
}

/// The target: its clients by credential, and the redactor for what it says.
pub struct Target {
    base_url: String,
    /// Scheme, host and port of the base URL: the only place a request,
    /// and so the key, may go.
    origin: Origin,
    clients: Clients,
    redactor: Arc<Redactor>,
    clock: RunClock,
    timeouts: Timeouts,
}

type Origin = (String, Option<String>, Option<u16>);

/// The scheme, host and port `url` sends to, if it parses.
fn origin_of(url: &str) -> Option<Origin> {
    let url = reqwest::Url::parse(url).ok()?;
    let host = url.host_str().map(str::to_string);
    Some((url.scheme().to_string(), host, url.port_or_known_default()))
}

impl Target {
    /// `redactor` is over `settings`' secrets (the run's one).
    pub fn new(
        settings: &RunSettings,
        clock: RunClock,
        redactor: Arc<Redactor>,
    ) -> Result<Target, RunError> {
        let clients = Clients::new(settings)?;
        let base_url = settings.target.base_url.trim_end_matches('/').to_string();
        let origin = origin_of(&base_url)
            .ok_or_else(|| RunError::Client("the base URL does not parse".into()))?;
        Ok(Target {
            base_url,
            origin,
            clients,
            redactor,
            clock,
            timeouts: settings.timeouts,
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn clock(&self) -> RunClock {
        self.clock
    }

    /// The URL `path` is sent to.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The URL of `path` as reports and lines show it: redacted first, then
    /// its overlong segments cut, so no part of a secret survives a cut.
    pub fn shown_url(&self, path: &str) -> String {
        shown(&self.redactor, &self.url(path))
    }

    /// Sends `out` once and records the exchange, whatever happens.
    pub async fn send(
        &self,
        step: &str,
        out: &Outgoing,
        poll: Option<u32>,
    ) -> (Exchange, Result<Incoming, SendError>) {
        // The URL as the library will send it (dot segments resolved,
        // characters normalised): what is recorded is what goes on the wire.
        let mut written = self.url(&out.path);
        if out.key == KeyChoice::Variant(KeyVariant::Query) {
            // A key where some APIs read it, but this one must not: the
            // invalid one, since a URL is logged wherever it passes.
            let key = percent_encoding::utf8_percent_encode(
                INVALID_KEY,
                percent_encoding::NON_ALPHANUMERIC,
            );
            let join = if written.contains('?') { '&' } else { '?' };
            written = format!("{written}{join}x-api-key={key}&api_key={key}");
        }
        let wire = reqwest::Url::parse(&written).ok();
        let url = wire.as_ref().map_or(written, |u| u.to_string());
        let started = Instant::now();
        let result = match self.clients.get(&out.key) {
            // Defence in depth: validation wants a path that starts with `/`,
            // but the key must never leave the base URL's host, whatever the
            // path became.
            _ if wire.is_none() || origin_of(&url).as_ref() != Some(&self.origin) => {
                Err(SendError::new(
                    FailureKind::NotSent(NotSent::OffOrigin),
                    format!(
                        "not sent: path `{}` would take the request away from the base URL's host",
                        out.path
                    ),
                ))
            }
            Some(client) => self.exchange(client, &url, out).await,
            None => Err(SendError::new(
                FailureKind::NotSent(NotSent::NoCredential),
                match &out.key {
                    KeyChoice::Variant(variant) => format!(
                        "not sent: the key has no `{}` that differs from it",
                        variant.name()
                    ),
                    other => format!("no credential `{other}` was supplied"),
                },
            )),
        };
        let exchange = Exchange {
            step: step.to_string(),
            method: out.method.to_string(),
            url: shown(&self.redactor, &url),
            request_headers: self.request_headers(out),
            request_body: out
                .body
                .as_ref()
                .map(|b| self.redactor.redact(&b.to_string())),
            response: result.as_ref().ok().map(record),
            error: result
                .as_ref()
                .err()
                .map(|e| self.redactor.redact(&e.message)),
            started_ms: self.clock.offset_ms(started),
            duration_ms: ms(started.elapsed()),
            poll,
            reused_from: None,
            key_env: match &out.key {
                KeyChoice::Account | KeyChoice::Variant(_) => Some("WAPZI_API_KEY".to_string()),
                KeyChoice::Fixture(name) => Some(crate::check::env_var_for(name)),
                KeyChoice::None | KeyChoice::Invalid => None,
            },
        };
        (exchange, result)
    }

    async fn exchange(
        &self,
        client: &reqwest::Client,
        url: &str,
        out: &Outgoing,
    ) -> Result<Incoming, SendError> {
        let mut request = client.request(out.method.clone(), url);
        for (name, value) in &out.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &out.body {
            request = request.body(body.to_string());
        }
        let request = request.build().map_err(|e| self.transport(&e))?;
        let mut response = send_when_descriptors_allow(client, request)
            .await
            .map_err(|e| self.transport(&e))?;
        let status = response.status().as_u16();
        let headers = self.headers(response.headers());
        let (bytes, truncated) = read_capped(&mut response).await.map_err(|e| {
            let mut error = self.transport(&e);
            error.message = format!("reading the body: {}", error.message);
            error
        })?;
        let received = bytes.len();
        let body = self.redactor.redact(&body_text(bytes, truncated));
        let mut json = parse_json(&body, truncated);
        // A secret written with JSON escapes (`\u0061\u006b...`) survives the
        // text's redaction and comes back decoded: redact the decoded
        // strings too, and then show the body as re-written from them.
        let body = match json.as_mut() {
            Ok(value) => {
                let held = redact_strings(value, &self.redactor);
                if held {
                    value.to_string()
                } else {
                    body
                }
            }
            Err(_) => body,
        };
        Ok(Incoming {
            status,
            headers,
            body,
            json,
            truncated,
            received,
        })
    }

    /// [`classify`], naming the limit that a timeout hit.
    fn transport(&self, error: &reqwest::Error) -> SendError {
        let mut classified = classify(error);
        if error.is_timeout() {
            let (flag, limit) = if error.is_connect() {
                ("--connect-timeout", self.timeouts.connect)
            } else {
                ("--timeout", self.timeouts.request)
            };
            classified.message = format!(
                "{} ({flag} {})",
                classified.message,
                humantime::format_duration(limit)
            );
        }
        classified
    }

    fn headers(&self, map: &HeaderMap) -> Vec<(String, String)> {
        map.iter()
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes());
                (name.as_str().to_string(), self.redactor.redact(&text))
            })
            .collect()
    }

    fn request_headers(&self, out: &Outgoing) -> Vec<Header> {
        let mut headers = vec![Header {
            name: "content-type".into(),
            value: "application/json".into(),
        }];
        let carried = match &out.key {
            KeyChoice::None | KeyChoice::Variant(KeyVariant::Query) => None,
            KeyChoice::Variant(KeyVariant::Bearer) => Some("authorization"),
            _ => Some("x-api-key"),
        };
        if let Some(name) = carried {
            headers.push(Header {
                name: name.into(),
                value: format!("{REDACTED} ({})", out.key),
            });
        }
        headers.extend(out.headers.iter().map(|(n, v)| Header {
            name: n.clone(),
            value: self.redactor.redact(v),
        }));
        headers
    }
}

/// The answer an exchange recorded, as a response to judge again (its
/// body as kept: up to the excerpt limit, already redacted); `None` when
/// it got no answer.
pub fn incoming_of(exchange: &Exchange) -> Option<Incoming> {
    let record = exchange.response.as_ref()?;
    let json = if record.truncated {
        Err(format!(
            "the body ({} bytes) is longer than the {} KiB kept of it for other checks to judge",
            record.body_bytes,
            BODY_EXCERPT_LIMIT / 1024
        ))
    } else {
        parse_json(&record.body, false)
    };
    Some(Incoming {
        status: record.status,
        headers: record
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect(),
        body: record.body.clone(),
        json,
        truncated: record.truncated,
        received: usize::try_from(record.body_bytes).unwrap_or(usize::MAX),
    })
}

fn record(incoming: &Incoming) -> ResponseRecord {
    let limit = if incoming.truncated {
        OVER_CAP_EXCERPT_LIMIT
    } else {
        BODY_EXCERPT_LIMIT
    };
    let mut cut = incoming.body.len().min(limit);
    while !incoming.body.is_char_boundary(cut) {
        cut -= 1;
    }
    // A slice, not a truncated clone: a clone would keep the whole capacity.
    let body = incoming.body[..cut].to_string();
    ResponseRecord {
        status: incoming.status,
        headers: incoming
            .headers
            .iter()
            .map(|(n, v)| Header {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
        body,
        body_bytes: incoming.received as u64,
        truncated: incoming.truncated || cut < incoming.body.len(),
    }
}

/// Pauses between attempts to connect while this machine is out of file
/// descriptors: about 1.5 s in all.
const DESCRIPTOR_WAITS_MS: [u64; 6] = [25, 50, 100, 200, 400, 800];

/// Sends `request`, trying again a few times when the connection could not
/// even be opened for want of a file descriptor (another request's socket
/// may not be closed yet): nothing was sent, and it is no answer of the
/// target's. Still out of descriptors after that, the error says so.
async fn send_when_descriptors_allow(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> Result<reqwest::Response, reqwest::Error> {
    for wait in DESCRIPTOR_WAITS_MS {
        let Some(attempt) = request.try_clone() else {
            break;
        };
        match client.execute(attempt).await {
            Err(e) if e.is_connect() && super::transport::is_local_limit(&e) => {
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            answered => return answered,
        }
    }
    client.execute(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key in an overlong path segment, straddling where the segment is
    /// cut for showing, leaves no part of it: redacted before it is cut.
    #[test]
    fn a_shown_url_is_redacted_before_it_is_cut() {
        const KEY: &str = "ak_straddles_the_cut_of_a_segment1";
        let settings = RunSettings::for_tests("http://127.0.0.1:9", KEY);
        let redactor = Arc::new(Redactor::new(&settings.secrets()));
        let target = Target::new(&settings, RunClock::start(), redactor).unwrap();
        let segment = format!("{}{KEY}{}", "x".repeat(190), "y".repeat(40));
        let shown = target.shown_url(&format!("/v1/executions/{segment}"));
        assert!(shown.contains("bytes)"), "{shown}");
        assert!(!shown.contains(&KEY[..8]), "{shown}");
    }

    #[tokio::test]
    async fn a_path_that_would_leave_the_base_url_host_is_not_sent() {
        let collector = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        collector.set_nonblocking(true).unwrap();
        let port = collector.local_addr().unwrap().port();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let mut settings = RunSettings::for_tests(&base_url, "ak_never_leaves_the_base_url_0001");
        settings.timeouts.request = Duration::from_millis(300);
        let redactor = Arc::new(Redactor::new(&settings.secrets()));
        let target = Target::new(&settings, RunClock::start(), redactor).unwrap();
        let out = Outgoing {
            method: http::Method::GET,
            path: format!("@127.0.0.1:{port}/steal"),
            headers: Vec::new(),
            body: None,
            key: KeyChoice::Account,
        };
        let (exchange, result) = target.send("s", &out, None).await;
        let error = result
            .err()
            .unwrap_or_else(|| SendError::new(FailureKind::Internal, ""));
        assert_eq!(error.kind, FailureKind::NotSent(NotSent::OffOrigin));
        let error = error.message;
        assert!(error.starts_with("not sent: path `@127.0.0.1:"), "{error}");
        assert_eq!(exchange.error.as_deref(), Some(error.as_str()));
        assert!(exchange.response.is_none());
        let reached = collector.accept();
        assert!(reached.is_err(), "the request reached another host");
    }

    /// A resolver out of file descriptors `failures` times, then resolving
    /// to `addr`.
    struct OutOfDescriptorsFor {
        failures: std::sync::atomic::AtomicU32,
        addr: std::net::SocketAddr,
    }

    impl reqwest::dns::Resolve for OutOfDescriptorsFor {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            use std::sync::atomic::Ordering;
            let failing = self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let addr = self.addr;
            Box::pin(async move {
                if failing {
                    let error = std::io::Error::from_raw_os_error(24);
                    return Err(Box::new(error) as Box<dyn std::error::Error + Send + Sync>);
                }
                Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs)
            })
        }
    }

    #[tokio::test]
    async fn a_connection_refused_for_want_of_descriptors_is_tried_again_a_few_times() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut head = [0u8; 1024];
                let _ = stream.read(&mut head).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
            }
        });
        let client = |failures| {
            let resolver = OutOfDescriptorsFor {
                failures: std::sync::atomic::AtomicU32::new(failures),
                addr,
            };
            reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(std::sync::Arc::new(resolver))
                .build()
                .unwrap()
        };
        let request = |client: &reqwest::Client| {
            client
                .get(format!("http://wapzi.test:{}/v1", addr.port()))
                .build()
                .unwrap()
        };
        let passing = client(3);
        let answer = send_when_descriptors_allow(&passing, request(&passing)).await;
        assert_eq!(answer.map(|a| a.status().as_u16()).ok(), Some(204));
        let never = client(u32::MAX);
        let error = send_when_descriptors_allow(&never, request(&never))
            .await
            .unwrap_err();
        assert!(super::super::transport::is_local_limit(&error), "{error:?}");
    }

    #[test]
    fn the_recorded_excerpt_is_cut_on_a_character_boundary() {
        let body = format!("{}\u{e9}tail", "a".repeat(BODY_EXCERPT_LIMIT - 1));
        let incoming = Incoming {
            status: 200,
            headers: Vec::new(),
            received: body.len(),
            body,
            json: Err(String::new()),
            truncated: false,
        };
        let record = record(&incoming);
        assert_eq!(record.body.len(), BODY_EXCERPT_LIMIT - 1);
        assert!(record.truncated);
        assert_eq!(record.body_bytes, incoming.received as u64);
    }

    #[test]
    fn retry_after_is_seconds_capped_at_a_day() {
        let with = |value: &str| Incoming {
            status: 429,
            headers: vec![("Retry-After".into(), value.into())],
            body: String::new(),
            json: Err(String::new()),
            truncated: false,
            received: 0,
        };
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        let secs = Duration::from_secs;
        assert_eq!(with(" 2 ").retry_after(now), Some(secs(2)));
        assert_eq!(
            with("18446744073709551615").retry_after(now),
            Some(secs(RETRY_AFTER_CAP_SECS))
        );
        let cases = [
            ("Wed, 21 Oct 2026 07:28:30 GMT", Some(secs(30))),
            ("Wednesday, 21-Oct-26 07:29:00 GMT", Some(secs(60))),
            ("Wed Oct 21 07:28:10 2026", Some(secs(10))),
            ("Tue, 20 Oct 2026 07:28:00 GMT", Some(secs(0))),
            (
                "Wed, 21 Oct 2099 07:28:00 GMT",
                Some(secs(RETRY_AFTER_CAP_SECS)),
            ),
            ("2026-10-21T07:28:30Z", None),
            ("soon", None),
        ];
        for (value, wait) in cases {
            assert_eq!(with(value).retry_after(now), wait, "{value}");
        }
        let beyond =
            with("Wed, 21 Oct 2026 08:28:00 GMT").retry_after_beyond(now, secs(10), secs(10));
        assert_eq!(
            beyond.as_deref(),
            Some("the target asked to retry after 3600 s (Retry-After: Wed, 21 Oct 2026 08:28:00 GMT), beyond the poll timeout of 10s")
        );
        assert_eq!(with("5").retry_after_beyond(now, secs(10), secs(10)), None);
    }
}
