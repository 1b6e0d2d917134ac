//! Tests of the sandbox: its store against a synthetic clock, and a real
//! sandbox driven over loopback, faithful, with faults and with dialects.

mod dialects;
mod faithful;
mod faults;
mod scenarios;
mod store;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::{Dialect, Fault, Sandbox, SandboxConfig, Scenario, FIXTURES};

/// No answer in these tests takes longer than this unless it hangs on purpose.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts a sandbox on an ephemeral loopback port.
async fn start(latency: Duration, faults: &[&str]) -> Sandbox {
    let faults = faults
        .iter()
        .map(|name| Fault::parse(name).expect("test faults are valid"))
        .collect();
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    Sandbox::start(
        addr,
        SandboxConfig {
            latency,
            faults,
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("loopback port 0 is bindable")
}

/// Starts a sandbox speaking `dialects`, with `faults`, on an ephemeral
/// loopback port.
async fn start_dialects(latency: Duration, dialects: &[&str], faults: &[&str]) -> Sandbox {
    let config = SandboxConfig {
        latency,
        faults: faults
            .iter()
            .map(|name| Fault::parse(name).expect("test faults are valid"))
            .collect(),
        dialects: dialects
            .iter()
            .map(|name| Dialect::parse(name).expect("test dialects are valid"))
            .collect(),
        ..SandboxConfig::default()
    };
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    Sandbox::start(addr, config)
        .await
        .expect("loopback port 0 is bindable")
}

/// Starts a sandbox presenting `scenarios` on an ephemeral loopback port.
async fn start_scenarios(latency: Duration, scenarios: &[&str]) -> Sandbox {
    let scenarios = scenarios
        .iter()
        .map(|name| Scenario::parse(name).expect("test scenarios are valid"))
        .collect();
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    let config = SandboxConfig {
        latency,
        scenarios,
        ..SandboxConfig::default()
    };
    Sandbox::start(addr, config)
        .await
        .expect("loopback port 0 is bindable")
}

/// Starts a sandbox whose executions complete at once.
async fn start_instant(faults: &[&str]) -> Sandbox {
    start(Duration::ZERO, faults).await
}

/// A client for loopback tests: no proxy, no redirects, bounded.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CLIENT_TIMEOUT)
        .build()
        .expect("client builds")
}

/// A complete answer of the sandbox.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    async fn from(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body reads");
        Answer {
            status,
            headers,
            text,
        }
    }

    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text))
    }

    fn field(&self, name: &str) -> Value {
        self.json().get(name).cloned().unwrap_or(Value::Null)
    }

    fn str_field(&self, name: &str) -> String {
        match self.field(name) {
            Value::String(text) => text,
            other => panic!("{name} is not a string but {other} in {}", self.text),
        }
    }

    /// Asserts a documented error: `status`, JSON content type, `message`.
    #[track_caller]
    fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(
            (self.status, self.content_type()),
            (status, "application/json"),
            "{}",
            self.text
        );
        assert_eq!(self.str_field("message"), message);
    }
}

/// Sends a POST to `path` with `key` and `body`.
async fn post(sandbox: &Sandbox, path: &str, key: Option<&str>, body: &str) -> Answer {
    let mut request = client()
        .post(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    Answer::from(request.send().await.expect("sandbox answers")).await
}

/// Executes `message` on entry point `entry_point` with `key`.
async fn execute(sandbox: &Sandbox, key: Option<&str>, entry_point: &str, message: &str) -> Answer {
    let body = serde_json::json!({ "message": message }).to_string();
    let path = format!("/v1/entry-points/{entry_point}/execute");
    post(sandbox, &path, key, &body).await
}

/// Executes `message` with the primary key and entry point, asserting 202.
async fn execute_ok(sandbox: &Sandbox, body: Value) -> Answer {
    let path = format!("/v1/entry-points/{}/execute", FIXTURES.entry_point_id);
    let answer = post(sandbox, &path, Some(FIXTURES.api_key), &body.to_string()).await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    answer
}

/// Sends a GET to `path` with `key`.
async fn get(sandbox: &Sandbox, path: &str, key: Option<&str>) -> Answer {
    let mut request = client().get(format!("{}{path}", sandbox.base_url()));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    Answer::from(request.send().await.expect("sandbox answers")).await
}

/// Reads execution `id` with `key`.
async fn read(sandbox: &Sandbox, key: Option<&str>, id: &str) -> Answer {
    get(sandbox, &format!("/v1/executions/{id}"), key).await
}
