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
    let Some(first) = me.execute(None).await else {
        return;
    };
    me.follow(&first).await;
    let conversation = if behaviour == Behaviour::InventsConversation {
        Some("conv_invented_by_the_client".to_string())
    } else {
        first.conversation.clone()
    };
    if let Some(second) = me.execute(conversation).await {
        me.follow(&second).await;
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
}

impl Me<'_> {
    fn with_headers(&self, request: RequestBuilder) -> RequestBuilder {
        let request = request.header("x-api-key", &self.api.key);
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
    async fn execute(&self, conversation: Option<String>) -> Option<Accepted> {
        let path = format!("/v1/entry-points/{}/execute", self.api.entry_point);
        let mut body = json!({"message": "Hello, I need help with my order"});
        if let Some(c) = &conversation {
            body["conversationId"] = json!(c);
        }
        for _ in 0..5 {
            let request = self.client.post(self.url(&path));
            let request = if self.behaviour == Behaviour::NotJson {
                request
                    .header("content-type", "text/plain")
                    .body(body.to_string())
            } else {
                with_json(request, &body)
            };
            let response = self.send(self.with_headers(request)).await?;
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
            };
            if self.behaviour == Behaviour::RePosts {
                let request = with_json(self.client.post(self.url(&path)), &body);
                let _ = self.send(self.with_headers(request)).await;
            }
            return Some(accepted);
        }
        None
    }

    /// Reads `accepted` until it ends, in the behaviour's way.
    async fn follow(&self, accepted: &Accepted) {
        let mut reads = 0;
        let mut after_terminal = 0;
        while reads < MAX_READS {
            reads += 1;
            let Some(response) = self.read(&accepted.execution).await else {
                return;
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
                return;
            }
            let json: Value = json_of(response).await.unwrap_or(Value::Null);
            let state = json["status"].as_str().unwrap_or_default();
            if self.behaviour == Behaviour::StopsAtQueued {
                return;
            }
            if TERMINAL.contains(&state) {
                if self.behaviour == Behaviour::ReadsAfterTerminal && after_terminal < 2 {
                    after_terminal += 1;
                } else {
                    return;
                }
            }
            tokio::time::sleep(self.poll_interval()).await;
        }
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

/// A JSON body, as the page's examples send it.
fn with_json(request: RequestBuilder, body: &Value) -> RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(body.to_string())
}

async fn json_of(response: Response) -> Option<Value> {
    serde_json::from_slice(&response.bytes().await.ok()?).ok()
}
