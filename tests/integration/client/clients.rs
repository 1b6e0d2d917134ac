//! Small clients of the Wapzi API, written here to be graded: a correct
//! one, and one per violation the client checks exist for. Each talks to
//! the base URL it is given (the recorder in front of the sandbox), with
//! the key and entry point it is given, and returns when done.
//!
//! The waits in here are the clients' own polling behaviour (what is
//! graded), not synchronisation of the test.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response};
use serde_json::{json, Value};

/// What a client is pointed at.
#[derive(Debug, Clone)]
pub struct Api {
    pub base_url: String,
    pub key: String,
    pub entry_point: String,
}

/// The terminal statuses of an execution.
const TERMINAL: [&str; 3] = ["completed", "failed", "superseded"];
/// How often the polite clients poll.
const POLITE: Duration = Duration::from_millis(250);
/// How long the clients that retry after a timeout wait for an execute:
/// shorter than the sandbox's late 202 under `slow-accept`.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// The most reads any client here makes of one execution: every loop ends.
const MAX_READS: usize = 80;

/// How a client misbehaves; `Correct` does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Polls politely until terminal, honours Retry-After, stops after
    /// 401/403, and sends a second message in the conversation it was given.
    Correct,
    /// Polls every 20 ms.
    TightPolling,
    /// Reads the execution once, right after the POST (the page's Node example).
    StopsAtQueued,
    /// Reads an execution id the API never returned.
    InventsIds,
    /// Sends the same POST again before the first execution ended.
    RePosts,
    /// Correct, calling as Node.js's built-in fetch (undici) does from a
    /// backend: `Sec-Fetch-Mode: cors` on every request, and no other
    /// Fetch Metadata header.
    NodeFetch,
    /// Retries at once after 429/503 with Retry-After.
    IgnoresRetryAfter,
    /// Sends what a browser adds: Origin and Sec-Fetch-* headers.
    BrowserHeaders,
    /// Also puts the key in the query string.
    KeyInQuery,
    /// Retries the refused call five times at once after a 401/403.
    HammersAfterRefusal,
    /// POSTs with `Content-Type: text/plain`.
    NotJson,
    /// Sends a conversationId the API never returned.
    InventsConversation,
    /// Keeps reading an execution after its terminal status.
    ReadsAfterTerminal,
    /// Correct, serving several users at once (`concurrent.rs`): each
    /// Retry-After honoured for what it answered, each user stopping on a
    /// 401/403.
    Concurrent,
    /// Concurrent, re-reading at once an execution answered 503.
    ConcurrentIgnoresRetryAfter,
    /// Concurrent, one user dropping its execution after its first read,
    /// for no reason (no 401/403).
    ConcurrentAbandons,
    /// Correct, with messages of 400 accented characters written as
    /// `\u00e3` escapes (2,400 bytes of JSON, as Python's `json.dumps`
    /// writes them).
    LongMessages,
    /// Gives up on an execute after 2 s and sends it again (the retry a
    /// common HTTP client timeout makes).
    RetriesAfterTimeout,
    /// As `RetriesAfterTimeout`, each attempt with a `requestId` of its own.
    RetriesWithRequestId,
    /// Sends its message again, in its conversation, each time its
    /// execution ends superseded (at most three times).
    ResendsSuperseded,
    /// Sends its second message without the conversationId it was given.
    NeverContinues,
    /// Sends the key as `Authorization: Bearer` too.
    KeyAlsoBearer,
}

impl Behaviour {
    pub const ALL: [Behaviour; 16] = [
        Behaviour::Correct,
        Behaviour::NodeFetch,
        Behaviour::TightPolling,
        Behaviour::StopsAtQueued,
        Behaviour::InventsIds,
        Behaviour::RePosts,
        Behaviour::IgnoresRetryAfter,
        Behaviour::BrowserHeaders,
        Behaviour::KeyInQuery,
        Behaviour::HammersAfterRefusal,
        Behaviour::NotJson,
        Behaviour::InventsConversation,
        Behaviour::ReadsAfterTerminal,
        Behaviour::Concurrent,
        Behaviour::ConcurrentIgnoresRetryAfter,
        Behaviour::ConcurrentAbandons,
    ];

    /// The clients of the mistakes teams make, each graded under the
    /// scenarios that provoke it (`mod.rs`).
    pub const MISTAKES: [Behaviour; 6] = [
        Behaviour::LongMessages,
        Behaviour::RetriesAfterTimeout,
        Behaviour::RetriesWithRequestId,
        Behaviour::ResendsSuperseded,
        Behaviour::NeverContinues,
        Behaviour::KeyAlsoBearer,
    ];

    /// Whether this client serves several users at once.
    pub fn is_concurrent(self) -> bool {
        matches!(
            self,
            Behaviour::Concurrent
                | Behaviour::ConcurrentIgnoresRetryAfter
                | Behaviour::ConcurrentAbandons
        )
    }
}

/// Runs the client `behaviour` against `api`: two messages in one
/// conversation, each polled to its end (in the client's own way); the
/// concurrent ones, that for each of their users at once.
pub async fn drive(api: &Api, behaviour: Behaviour) {
    if behaviour.is_concurrent() {
        return super::concurrent::drive(api, behaviour).await;
    }
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client builds");
    let me = Me {
        api,
        client,
        behaviour,
    };
    let Some(first) = me.execute(message(behaviour, 0), None).await else {
        return;
    };
    me.follow_resending(&first).await;
    let conversation = match behaviour {
        Behaviour::InventsConversation => Some("conv_invented_by_the_client".to_string()),
        Behaviour::NeverContinues => None,
        _ => first.conversation.clone(),
    };
    if let Some(second) = me.execute(message(behaviour, 1), conversation).await {
        me.follow_resending(&second).await;
    }
    if behaviour == Behaviour::InventsIds {
        let _ = me.read("exec_the_api_never_returned").await;
    }
}

struct Me<'a> {
    api: &'a Api,
    client: Client,
    behaviour: Behaviour,
}

/// An execution the API accepted.
struct Accepted {
    execution: String,
    conversation: Option<String>,
    /// The message it answers.
    message: String,
}

/// The `n`th message (0, 1) a client sends: a short one, or for
/// `LongMessages` 400 accented characters (the body written with `\u00e3`
/// escapes by [`body_text`]), the two sharing their first 2 KiB.
fn message(behaviour: Behaviour, n: usize) -> String {
    match (behaviour, n) {
        (Behaviour::LongMessages, n) => format!("{}{n}", "ã".repeat(400)),
        (_, 0) => "Hello, I need help with my order".to_string(),
        _ => "Thanks. When will it arrive?".to_string(),
    }
}

/// `body` as JSON text, every non-ASCII character escaped (`\u00e3`), as
/// Python's `json.dumps` writes it by default.
fn body_text(body: &Value) -> String {
    let mut text = String::new();
    for c in body.to_string().chars() {
        if c.is_ascii() {
            text.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                text.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    text
}

impl Me<'_> {
    fn with_headers(&self, request: RequestBuilder) -> RequestBuilder {
        let request = request.header("x-api-key", &self.api.key);
        if self.behaviour == Behaviour::KeyAlsoBearer {
            return request.bearer_auth(&self.api.key);
        }
        if self.behaviour == Behaviour::NodeFetch {
            return request
                .header("sec-fetch-mode", "cors")
                .header("accept-language", "*")
                .header("user-agent", "node");
        }
        if self.behaviour == Behaviour::BrowserHeaders {
            request
                .header("origin", "https://shop.example")
                .header("sec-fetch-mode", "cors")
                .header("sec-fetch-site", "cross-site")
        } else {
            request
        }
    }

    fn url(&self, path: &str) -> String {
        let url = format!("{}{path}", self.api.base_url);
        if self.behaviour == Behaviour::KeyInQuery {
            format!("{url}?api_key={}", self.api.key)
        } else {
            url
        }
    }

    /// POSTs a message, retrying as the behaviour does after 429/503.
    async fn execute(&self, text: String, conversation: Option<String>) -> Option<Accepted> {
        let path = format!("/v1/entry-points/{}/execute", self.api.entry_point);
        let mut body = json!({ "message": text });
        if let Some(c) = &conversation {
            body["conversationId"] = json!(c);
        }
        let times_out = matches!(
            self.behaviour,
            Behaviour::RetriesAfterTimeout | Behaviour::RetriesWithRequestId
        );
        for attempt in 0..5 {
            if self.behaviour == Behaviour::RetriesWithRequestId {
                body["requestId"] = json!(format!("req_{attempt}"));
            }
            let mut request = self.client.post(self.url(&path));
            if times_out {
                request = request.timeout(CLIENT_TIMEOUT);
            }
            let request = if self.behaviour == Behaviour::NotJson {
                request
                    .header("content-type", "text/plain")
                    .body(body.to_string())
            } else {
                with_json(request, &body)
            };
            let response = match self.with_headers(request).send().await {
                Ok(response) => response,
                // The retry this client makes after its own timeout.
                Err(error) if times_out && error.is_timeout() => continue,
                Err(_) => return None,
            };
            let status = response.status().as_u16();
            if self.backs_off(&response).await {
                continue;
            }
            if status == 401 || status == 403 {
                self.after_refusal(|| {
                    let request = with_json(self.client.post(self.url(&path)), &body);
                    self.with_headers(request)
                })
                .await;
                return None;
            }
            let json: Value = json_of(response).await?;
            let accepted = Accepted {
                execution: json["executionId"].as_str()?.to_string(),
                conversation: json["conversationId"].as_str().map(str::to_string),
                message: text,
            };
            if self.behaviour == Behaviour::RePosts {
                let request = with_json(self.client.post(self.url(&path)), &body);
                let _ = self.send(self.with_headers(request)).await;
            }
            return Some(accepted);
        }
        None
    }

    /// Follows `accepted` to its end; `ResendsSuperseded` sends its
    /// message again in its conversation when it ends superseded.
    async fn follow_resending(&self, accepted: &Accepted) {
        let mut ended = self.follow(accepted).await;
        for _ in 0..3 {
            if self.behaviour != Behaviour::ResendsSuperseded || ended != "superseded" {
                return;
            }
            let conversation = accepted.conversation.clone();
            let Some(again) = self.execute(accepted.message.clone(), conversation).await else {
                return;
            };
            ended = self.follow(&again).await;
        }
    }

    /// Reads `accepted` until it ends, in the behaviour's way; returns
    /// the last status read.
    async fn follow(&self, accepted: &Accepted) -> String {
        let mut reads = 0;
        let mut after_terminal = 0;
        while reads < MAX_READS {
            reads += 1;
            let Some(response) = self.read(&accepted.execution).await else {
                return String::new();
            };
            if self.backs_off(&response).await {
                continue;
            }
            let status = response.status().as_u16();
            if status == 401 || status == 403 {
                let id = accepted.execution.clone();
                self.after_refusal(|| {
                    self.with_headers(self.client.get(self.url(&format!("/v1/executions/{id}"))))
                })
                .await;
                return String::new();
            }
            let json: Value = json_of(response).await.unwrap_or(Value::Null);
            let state = json["status"].as_str().unwrap_or_default().to_string();
            if self.behaviour == Behaviour::StopsAtQueued {
                return state;
            }
            if TERMINAL.contains(&state.as_str()) {
                if self.behaviour == Behaviour::ReadsAfterTerminal && after_terminal < 2 {
                    after_terminal += 1;
                } else {
                    return state;
                }
            }
            tokio::time::sleep(self.poll_interval()).await;
        }
        String::new()
    }

    async fn read(&self, execution: &str) -> Option<Response> {
        let url = self.url(&format!("/v1/executions/{execution}"));
        self.send(self.with_headers(self.client.get(url))).await
    }

    fn poll_interval(&self) -> Duration {
        if self.behaviour == Behaviour::TightPolling {
            Duration::from_millis(20)
        } else {
            POLITE
        }
    }

    /// After 429/503: waits Retry-After (or not, as the behaviour does);
    /// true when the call is to be tried again.
    async fn backs_off(&self, response: &Response) -> bool {
        let status = response.status().as_u16();
        if status != 429 && status != 503 {
            return false;
        }
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(POLITE, Duration::from_secs);
        if self.behaviour != Behaviour::IgnoresRetryAfter {
            tokio::time::sleep(wait).await;
        }
        true
    }

    /// After a 401/403: a correct client stops and reports; a hammering
    /// one repeats the call at once.
    async fn after_refusal(&self, again: impl Fn() -> RequestBuilder) {
        if self.behaviour == Behaviour::HammersAfterRefusal {
            for _ in 0..5 {
                let _ = self.send(again()).await;
            }
        }
    }

    async fn send(&self, request: RequestBuilder) -> Option<Response> {
        request.send().await.ok()
    }
}

/// A JSON body, as the page's examples send it (non-ASCII escaped).
fn with_json(request: RequestBuilder, body: &Value) -> RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(body_text(body))
}

async fn json_of(response: Response) -> Option<Value> {
    serde_json::from_slice(&response.bytes().await.ok()?).ok()
}
