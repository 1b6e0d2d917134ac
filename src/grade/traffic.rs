//! The recording, indexed once for every rule: each call's parsed bodies
//! and the execution it is about, and each execution's reads, so no rule
//! scans the recording more than a few times (100,000 calls grade in well
//! under a second).

use std::collections::HashMap;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::recording::{RecordedCall, Recording};

/// What the rules need of one call, computed once.
#[derive(Debug, Default, Clone)]
pub struct CallView {
    /// The request body as JSON, when it was whole and JSON.
    pub request_json: Option<Value>,
    /// The `executionId` of a 2xx answer.
    pub execution_id: Option<String>,
    /// The `conversationId` of a 2xx answer.
    pub conversation_id: Option<String>,
    /// The execution `status` of a 2xx answer.
    pub execution_status: Option<String>,
    /// The execution a `GET /v1/executions/{id}` reads, percent-decoded.
    pub reads: Option<String>,
    /// The entry point of a `POST .../execute`, percent-decoded.
    pub executes: Option<String>,
}

impl CallView {
    /// The `conversationId` the request sent (a string), if any.
    pub fn request_conversation(&self) -> Option<String> {
        let json = self.request_json.as_ref()?;
        json.get("conversationId")?.as_str().map(str::to_string)
    }
}

/// The recording with its index.
pub struct Traffic<'a> {
    pub calls: &'a [RecordedCall],
    pub views: Vec<CallView>,
    /// Each execution's reads (indexes into `calls`), in order.
    pub reads: HashMap<String, Vec<usize>>,
}

impl<'a> Traffic<'a> {
    /// Indexes `recording`.
    pub fn index(recording: &'a Recording) -> Traffic<'a> {
        let calls = recording.calls.as_slice();
        let views: Vec<CallView> = calls.iter().map(view).collect();
        let mut reads: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, v) in views.iter().enumerate() {
            if let Some(id) = &v.reads {
                reads.entry(id.clone()).or_default().push(i);
            }
        }
        Traffic {
            calls,
            views,
            reads,
        }
    }

    /// Executions the API accepted: (index of the POST, executionId).
    pub fn accepted(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.views.iter().enumerate().filter_map(|(i, v)| {
            let id = v.execution_id.as_deref()?;
            v.executes.as_ref().map(|_| (i, id))
        })
    }

    /// When the client was first shown one of `statuses` for execution
    /// `id`, and by which read: (answered at, index).
    pub fn first_shown(&self, id: &str, statuses: &[String]) -> Option<(Duration, usize)> {
        self.reads.get(id)?.iter().find_map(|&i| {
            let status = self.views[i].execution_status.as_ref()?;
            statuses
                .contains(status)
                .then(|| (self.calls[i].answered_at(), i))
        })
    }
}

fn view(call: &RecordedCall) -> CallView {
    let success = call.is_success();
    let response = if success {
        call.response_body.json()
    } else {
        None
    };
    let field = |name: &str| -> Option<String> {
        response.as_ref()?.get(name)?.as_str().map(str::to_string)
    };
    let request_json = if call.body.len > 0 {
        call.body.json()
    } else {
        None
    };
    CallView {
        request_json,
        execution_id: field("executionId"),
        conversation_id: field("conversationId"),
        execution_status: field("status"),
        reads: call.read_execution().map(decode),
        executes: call.execute_entry_point().map(decode),
    }
}

/// A path segment or query part, percent-decoded (lossily).
pub fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// How a call is named in a failure: `call #12 GET /v1/executions/exec_9 at 1.234 s`.
pub fn describe(call: &RecordedCall) -> String {
    let query = call
        .query
        .as_ref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!(
        "call #{} {} {}{query} at {:.3} s",
        call.seq,
        call.method,
        call.path,
        call.at.as_secs_f64()
    )
}

/// Test helpers: synthetic calls, shared by every rule's tests.
#[cfg(test)]
pub mod sample {
    use std::time::Duration;

    use crate::recording::{RecordedBody, RecordedCall, Recording};

    pub const KEY: &str = "ak_Sandbox0123456789abcdefghijklmn";

    /// A call at `ms` milliseconds, answered 5 ms later.
    pub fn call(ms: u64, method: &str, path: &str, status: u16, response: &str) -> RecordedCall {
        RecordedCall {
            seq: 0,
            at: Duration::from_millis(ms),
            duration: Duration::from_millis(5),
            method: method.into(),
            path: path.into(),
            query: None,
            headers: vec![
                ("x-api-key".into(), KEY.into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: RecordedBody::default(),
            status: Some(status),
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: RecordedBody::of(response.as_bytes()),
            client_gone: false,
            recorder_answer: None,
            presented: None,
        }
    }

    /// `POST /v1/entry-points/ep_1/execute` with `body`, accepted as `exec`.
    pub fn post(ms: u64, body: &str, exec: &str) -> RecordedCall {
        let answer = format!(
            r#"{{"conversationId":"conv_{exec}","executionId":"{exec}","status":"queued"}}"#
        );
        let mut c = call(ms, "POST", "/v1/entry-points/ep_1/execute", 202, &answer);
        c.body = RecordedBody::of(body.as_bytes());
        c
    }

    /// `GET /v1/executions/{exec}` answered with `status`.
    pub fn get(ms: u64, exec: &str, status: &str) -> RecordedCall {
        let answer = format!(
            r#"{{"conversationId":"conv_{exec}","executionId":"{exec}","status":"{status}"}}"#
        );
        call(ms, "GET", &format!("/v1/executions/{exec}"), 200, &answer)
    }

    /// The calls numbered in order.
    pub fn recording(calls: Vec<RecordedCall>) -> Recording {
        let calls = calls
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c.seq = i as u64;
                c
            })
            .collect();
        Recording {
            calls,
            ..Recording::default()
        }
    }

    /// A correct client: one message, polled every 300 ms until completed.
    pub fn correct() -> Recording {
        recording(vec![
            post(0, r#"{"message":"hello"}"#, "exec_1"),
            get(300, "exec_1", "queued"),
            get(600, "exec_1", "running"),
            get(900, "exec_1", "completed"),
        ])
    }
}
