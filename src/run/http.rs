//! Sending one request to the target and recording the exchange.
//!
//! One reqwest client (and so one keep-alive pool) per credential; redirects
//! are never followed, so the key cannot travel to another origin; bodies are
//! read up to [`BODY_CAP`] and the rest is discarded.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

use crate::check::KeyChoice;
use crate::result::{Exchange, Header, ResponseRecord, BODY_EXCERPT_LIMIT};
use crate::secret::{Redactor, Secret, REDACTED};

use super::clock::{ms, RunClock};
use super::error::RunError;
use super::settings::RunSettings;

/// Bytes of a response body read at most; the rest is dropped unread.
pub const BODY_CAP: usize = 1024 * 1024;

/// A well-formed key that no account has.
pub const INVALID_KEY: &str = "ak_homologinvalidkey0000000000000";

/// A request with every template rendered.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: &'static str,
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
    pub truncated: bool,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Retry-After` in seconds, when the server sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")?
            .trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
    }
}

/// The target: its clients by credential, and the redactor for what it says.
pub struct Target {
    base_url: String,
    clients: HashMap<String, reqwest::Client>,
    redactor: Redactor,
    clock: RunClock,
}

fn client_key(key: &KeyChoice) -> String {
    match key {
        KeyChoice::Account => "account".into(),
        KeyChoice::None => "none".into(),
        KeyChoice::Invalid => "invalid".into(),
        KeyChoice::Fixture(name) => format!("fixture:{name}"),
    }
}

impl Target {
    pub fn new(settings: &RunSettings, clock: RunClock) -> Result<Target, RunError> {
        let invalid =
            Secret::new(INVALID_KEY, "invalid key").map_err(|e| RunError::Client(e.to_string()))?;
        let mut credentials: Vec<(KeyChoice, Option<&Secret>)> = vec![
            (KeyChoice::Account, Some(&settings.api_key)),
            (KeyChoice::None, None),
            (KeyChoice::Invalid, Some(&invalid)),
        ];
        for (name, secret) in &settings.secret_fixtures {
            credentials.push((KeyChoice::Fixture(name.clone()), Some(secret)));
        }
        let mut clients = HashMap::new();
        for (choice, secret) in credentials {
            clients.insert(client_key(&choice), build_client(settings, secret)?);
        }
        Ok(Target {
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            clients,
            redactor: Redactor::new(settings.secrets()),
            clock,
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn clock(&self) -> RunClock {
        self.clock
    }

    /// Sends `out` once and records the exchange, whatever happens.
    pub async fn send(
        &self,
        step: &str,
        out: &Outgoing,
        poll: Option<u32>,
    ) -> (Exchange, Result<Incoming, String>) {
        let url = format!("{}{}", self.base_url, out.path);
        let started = Instant::now();
        let result = match self.clients.get(&client_key(&out.key)) {
            Some(client) => self.exchange(client, &url, out).await,
            None => Err(format!("no credential `{}` was supplied", out.key)),
        };
        let exchange = Exchange {
            step: step.to_string(),
            method: out.method.to_string(),
            url: self.redactor.redact(&url),
            request_headers: self.request_headers(out),
            request_body: out
                .body
                .as_ref()
                .map(|b| self.redactor.redact(&b.to_string())),
            response: result.as_ref().ok().map(record),
            error: result.as_ref().err().cloned(),
            started_ms: self.clock.offset_ms(started),
            duration_ms: ms(started.elapsed()),
            poll,
        };
        (exchange, result)
    }

    async fn exchange(
        &self,
        client: &reqwest::Client,
        url: &str,
        out: &Outgoing,
    ) -> Result<Incoming, String> {
        let method =
            reqwest::Method::from_bytes(out.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = client.request(method, url);
        for (name, value) in &out.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &out.body {
            request = request.body(body.to_string());
        }
        let mut response = request.send().await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let headers = self.headers(response.headers());
        let mut bytes = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the body: {}", describe(&e)))?
        {
            let room = BODY_CAP - bytes.len();
            if chunk.len() > room {
                bytes.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = self.redactor.redact(&String::from_utf8_lossy(&bytes));
        let json = if truncated {
            Err(format!("body larger than {} bytes was cut", BODY_CAP))
        } else {
            serde_json::from_str(&body).map_err(|e| format!("body is not JSON: {e}"))
        };
        Ok(Incoming {
            status,
            headers,
            body,
            json,
            truncated,
        })
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
        if !matches!(out.key, KeyChoice::None) {
            headers.push(Header {
                name: "x-api-key".into(),
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

fn record(incoming: &Incoming) -> ResponseRecord {
    let mut body = incoming.body.clone();
    let body_bytes = body.len() as u64;
    let mut truncated = incoming.truncated;
    if body.len() > BODY_EXCERPT_LIMIT {
        let mut cut = BODY_EXCERPT_LIMIT;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        truncated = true;
    }
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
        body_bytes,
        truncated,
    }
}

fn build_client(settings: &RunSettings, key: Option<&Secret>) -> Result<reqwest::Client, RunError> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(key) = key {
        let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
            RunError::Client("a key holds characters that cannot go in an HTTP header".into())
        })?;
        value.set_sensitive(true);
        headers.insert("x-api-key", value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.timeouts.connect)
        .timeout(settings.timeouts.request)
        .user_agent(concat!("wapzi-homolog/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| RunError::Client(describe(&e)))
}

/// One readable line for a transport error, instead of the library's chain.
pub fn describe(error: &reqwest::Error) -> String {
    let mut innermost = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        innermost = s.to_string();
        source = s.source();
    }
    let lower = innermost.to_ascii_lowercase();
    let cause = if error.is_timeout() {
        "timed out waiting for the target".to_string()
    } else if lower.contains("refused") {
        "connection refused: nothing listens at the base URL".to_string()
    } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("name or service")
    {
        format!("DNS lookup failed: {innermost}")
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        format!("TLS failure: {innermost}")
    } else if lower.contains("reset") || lower.contains("closed") || lower.contains("eof") {
        format!("connection closed by the target: {innermost}")
    } else if error.is_connect() {
        format!("cannot connect: {innermost}")
    } else {
        innermost
    };
    cause
}
