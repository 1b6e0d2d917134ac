//! A backend serving several users at once, as production backends do:
//! each user sends its own message, follows its own execution, and
//! continues its own conversation, all concurrently. The correct one
//! honours each Retry-After for what it answered (an execute's holds every
//! later execute of the key, a read's holds later reads of that execution)
//! and stops on a 401/403; the faulty ones break exactly one of those.
//!
//! The waits in here are the clients' own polling behaviour (what is
//! graded), not synchronisation of the test.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{Client, Response};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::clients::{Api, Behaviour};

/// How many users the backend serves at once.
const USERS: usize = 3;
/// The terminal statuses of an execution.
const TERMINAL: [&str; 3] = ["completed", "failed", "superseded"];
/// How often each user's execution is polled.
const POLITE: Duration = Duration::from_millis(250);
/// The most reads of one execution: every loop ends.
const MAX_READS: usize = 80;
/// The most attempts at one execute.
const MAX_ATTEMPTS: usize = 5;
/// The user of [`Behaviour::ConcurrentAbandons`] that drops its execution.
const ABANDONING_USER: usize = 2;

/// The backend: what its users share.
struct Backend<'a> {
    api: &'a Api,
    client: Client,
    behaviour: Behaviour,
    /// One execute in flight at a time, holding when the account may
    /// execute again (a Retry-After on an execute is the account's): an
    /// execute is sent only once the last one's answer was read, so none is
    /// sent before a 429 it could have known of.
    executes: Mutex<Option<Instant>>,
    /// An execute was refused (401/403): no user executes again. A read
    /// refused stops that user's reads only (each user meets the refusal
    /// where it stands).
    refused: AtomicBool,
}

/// An execution the API accepted.
struct Accepted {
    execution: String,
    conversation: Option<String>,
}

/// How following an execution ended.
#[derive(Debug, PartialEq, Eq)]
enum Followed {
    /// A terminal status was shown.
    Ended,
    /// Stopped before its end: refused, abandoned, or out of reads.
    Stopped,
}

/// Serves [`USERS`] users at once against `api`, each with two messages
/// in its own conversation, in the way `behaviour` says.
pub async fn drive(api: &Api, behaviour: Behaviour) {
    let backend = Backend {
        api,
        client: Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a client builds"),
        behaviour,
        executes: Mutex::new(None),
        refused: AtomicBool::new(false),
    };
    join_all((1..=USERS).map(|user| backend.serve(user))).await;
}

impl Backend<'_> {
    /// One user's session: a message, followed to its end, then a second
    /// one in the conversation the API returned.
    async fn serve(&self, user: usize) {
        let Some(first) = self.execute(user, None).await else {
            return;
        };
        if self.follow(user, &first).await == Followed::Stopped {
            return;
        }
        if let Some(second) = self.execute(user, first.conversation.clone()).await {
            self.follow(user, &second).await;
        }
    }

    /// POSTs user `user`'s message, through the account's execute gate.
    async fn execute(&self, user: usize, conversation: Option<String>) -> Option<Accepted> {
        let path = format!("/v1/entry-points/{}/execute", self.api.entry_point);
        let text = match conversation {
            None => format!("Hello, I am user {user} and I need help with my order"),
            Some(_) => format!("User {user} again: any news?"),
        };
        let mut body = json!({ "message": text });
        if let Some(c) = &conversation {
            body["conversationId"] = json!(c);
        }
        for _ in 0..MAX_ATTEMPTS {
            let mut not_before = self.executes.lock().await;
            if self.refused.load(Ordering::Relaxed) {
                return None;
            }
            if let Some(at) = *not_before {
                tokio::time::sleep_until(at).await;
            }
            let request = self
                .client
                .post(format!("{}{path}", self.api.base_url))
                .header("x-api-key", &self.api.key)
                .header("content-type", "application/json")
                .body(body.to_string());
            let response = request.send().await.ok()?;
            let status = response.status().as_u16();
            if let Some(wait) = retry_after(&response) {
                *not_before = Some(Instant::now() + wait);
                continue;
            }
            if status == 401 || status == 403 {
                self.refused.store(true, Ordering::Relaxed);
                return None;
            }
            drop(not_before);
            let json = json_of(response).await?;
            return Some(Accepted {
                execution: json["executionId"].as_str()?.to_string(),
                conversation: json["conversationId"].as_str().map(str::to_string),
            });
        }
        None
    }

    /// Reads `accepted` until its end, a refusal, or (the faulty ones) less.
    async fn follow(&self, user: usize, accepted: &Accepted) -> Followed {
        let url = format!("{}/v1/executions/{}", self.api.base_url, accepted.execution);
        for _ in 0..MAX_READS {
            let request = self.client.get(&url).header("x-api-key", &self.api.key);
            let Ok(response) = request.send().await else {
                return Followed::Stopped;
            };
            let status = response.status().as_u16();
            if status == 401 || status == 403 {
                return Followed::Stopped;
            }
            let wait = retry_after(&response);
            let json = json_of(response).await.unwrap_or(Value::Null);
            let shown = json["status"].as_str().unwrap_or_default();
            if wait.is_none() && TERMINAL.contains(&shown) {
                return Followed::Ended;
            }
            if self.behaviour == Behaviour::ConcurrentAbandons && user == ABANDONING_USER {
                return Followed::Stopped;
            }
            match wait {
                Some(_) if self.behaviour == Behaviour::ConcurrentIgnoresRetryAfter => {}
                Some(wait) => tokio::time::sleep(wait).await,
                None => tokio::time::sleep(POLITE).await,
            }
        }
        Followed::Stopped
    }
}

/// The wait a 429 or 503 asks for (its Retry-After in seconds, else the
/// polling interval); `None` for any other answer.
fn retry_after(response: &Response) -> Option<Duration> {
    let status = response.status().as_u16();
    if status != 429 && status != 503 {
        return None;
    }
    let seconds = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    Some(seconds.map_or(POLITE, Duration::from_secs))
}

async fn json_of(response: Response) -> Option<Value> {
    serde_json::from_slice(&response.bytes().await.ok()?).ok()
}
