//! What a client sent to the API and what it got back: the evidence
//! `wapzi-homolog client` grades.
//!
//! Plain data, low in the house like [`crate::result`]: the recorder (in
//! front of the sandbox or of the real API) produces a [`Recording`]; the
//! grader reads it and produces results. Neither side depends on the other.
//!
//! A recording holds secrets in clear (the key in `x-api-key`, and wherever
//! else a faulty client put it). It lives in memory only: nothing writes it
//! as it is; what reaches a report goes through the redactor.

use std::time::Duration;

use crate::secret::Redactor;

mod credentials;

pub use credentials::{
    body_credentials, credential_name, is_credential_header, is_wapzi_key, key_shaped, Credential,
    CredentialName, NameMatch, Place, CREDENTIAL_NAMES, NOT_CREDENTIAL_NAMES,
};

/// The most calls a recording keeps; later calls are served but only
/// counted ([`Recording::dropped`]), so memory stays bounded.
pub const MAX_CALLS: usize = 100_000;
/// The most bytes of a request or response body a call keeps; the body's
/// full length is kept beside it.
pub const MAX_BODY: usize = 2048;
/// The most headers a call keeps per direction.
pub const MAX_HEADERS: usize = 64;
/// The most bytes of one header value a call keeps.
pub const MAX_HEADER_VALUE: usize = 1024;

/// Every call the client made, in the order they arrived.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    pub calls: Vec<RecordedCall>,
    /// Calls served after [`MAX_CALLS`] were kept.
    pub dropped: u64,
    /// The credentials the recorder learned from the calls as they came,
    /// from everything each carried before any of it was capped (a key in
    /// a header past those kept): grading redacts them too.
    pub learned: Vec<Credential>,
    /// Calls served but not kept because the recording's byte budget
    /// ([`RECORDING_BUDGET`]) was spent: the recording was truncated, and
    /// holds the calls before them, whole.
    pub truncated: u64,
}

/// One request the client made and the answer it got.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// 0 for the first call the recorder saw.
    pub seq: u64,
    /// When the request arrived, since the recorder started.
    pub at: Duration,
    /// How long the answer took, from the request's arrival to its headers
    /// (and body, when the body was read whole).
    pub duration: Duration,
    /// `GET`, `POST`, `OPTIONS`, ...
    pub method: String,
    /// The path as sent, percent-encoding kept, without the query.
    pub path: String,
    /// The query string as sent, without `?`; `None` when there was none.
    pub query: Option<String>,
    /// Request headers in order, names lowercase, values lossily decoded.
    pub headers: Vec<(String, String)>,
    pub body: RecordedBody,
    /// The status the client got; `None` when no answer was given (the
    /// upstream could not be reached and the client got the recorder's 502,
    /// or the run stopped while it waited and the client got a 503).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: RecordedBody,
    /// The client hung up before the answer's head reached it: the answer
    /// recorded is the one the counterpart gave all the same (an accepted
    /// execute the client never saw).
    pub client_gone: bool,
    /// The status of the answer the recorder gave itself, when the
    /// counterpart gave none ([`RecordedCall::status`] is then `None`): a body
    /// it would not pass on, an upstream it could not reach, a stop.
    pub recorder_answer: Option<u16>,
    /// The scenario whose answer the recorder presented itself in front of
    /// the real API (`--upstream --scenario key-rotated`), without
    /// forwarding the call: [`RecordedCall::status`] is the status the
    /// client saw, graded as the API's, and this says who answered.
    pub presented: Option<String>,
}

/// The longest string a body's facts keep whole ([`RecordedBody::json`]
/// of a body past [`MAX_BODY`]); longer ones are kept cut to this many
/// bytes, and compared whole through [`RecordedBody::message_digest`].
pub const MAX_FACT_STRING: usize = 256;
/// The most JSON values a cut body's facts keep.
const MAX_FACT_VALUES: usize = 64;

/// A body: an excerpt of up to [`MAX_BODY`] bytes for display, and the
/// facts the grader needs, taken from the whole body before it was cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedBody {
    /// The first bytes, lossily decoded as UTF-8 (display only).
    pub text: String,
    /// The body's whole length in bytes.
    pub len: usize,
    /// The credentials the whole body carried ([`body_credentials`]: JSON
    /// at any depth, form and multipart fields, Wapzi-shaped keys), found
    /// before it was cut: a key past the kept bytes is a secret all the same.
    pub credentials: Vec<Credential>,
    /// The whole body as JSON when it is JSON but longer than the excerpt:
    /// its structure, with strings cut at [`MAX_FACT_STRING`] bytes and at
    /// most [`MAX_FACT_VALUES`] values. `None` for a whole body (its text
    /// is the body) or one that is not JSON.
    pub cut_json: Option<serde_json::Value>,
    /// A digest of what tells one message from another: the whole body's
    /// `message` when it is a JSON object with a string `message`, else
    /// the whole body. A retry wrapper's own fields (a `requestId`) do not
    /// change it; two long questions sharing their first bytes differ.
    pub message_digest: u64,
    /// The body was read only in part (the recorder keeps at most
    /// [`MAX_PARSED_BODY`] bytes of an answer to take facts from).
    pub partial: bool,
}

/// The most bytes of an answer the recorder reads to take its facts
/// (an agent's answer of a few thousand characters is well within); the
/// buffer lives only while the answer streams.
pub const MAX_PARSED_BODY: usize = 256 * 1024;

/// The most bytes a whole recording keeps of its calls (headers, bodies,
/// paths, as the recorder counts them): once a call does not fit, the
/// recorder still serves and forwards it and every later call, but keeps
/// none of them ([`Recording::truncated`] counts them), so a client sending
/// huge headers cannot exhaust memory. What calls in flight hold has a
/// budget of its own (`recorder::budget`).
pub const RECORDING_BUDGET: usize = 256 * 1024 * 1024;

impl RecordedBody {
    /// Keeps the first [`MAX_BODY`] bytes of request body `bytes`, and the
    /// facts and credentials all of them carry.
    pub fn of(bytes: &[u8]) -> RecordedBody {
        Self::of_redacted(bytes, &Redactor::default())
    }

    /// [`RecordedBody::of`], with what is cut for display redacted with
    /// `redactor` before it is cut: a key straddling the cut leaves no part
    /// of itself in the excerpt.
    pub fn of_redacted(bytes: &[u8], redactor: &Redactor) -> RecordedBody {
        let json = serde_json::from_slice::<serde_json::Value>(bytes).ok();
        let credentials = body_credentials(bytes);
        RecordedBody {
            credentials,
            ..Self::facts(bytes, bytes.len(), json, redactor)
        }
    }

    /// Keeps an answer's body: `bytes` are its first bytes (all of them
    /// unless it was over [`MAX_PARSED_BODY`]), `len` its whole length.
    /// What the counterpart answered carries no credential of the client's.
    pub fn answer(bytes: &[u8], len: usize) -> RecordedBody {
        Self::answer_redacted(bytes, len, &Redactor::default())
    }

    /// [`RecordedBody::answer`], redacted with `redactor` before it is cut.
    pub fn answer_redacted(bytes: &[u8], len: usize, redactor: &Redactor) -> RecordedBody {
        let json = if bytes.len() == len {
            serde_json::from_slice::<serde_json::Value>(bytes).ok()
        } else {
            None
        };
        RecordedBody {
            partial: bytes.len() < len,
            ..Self::facts(bytes, len, json, redactor)
        }
    }

    fn facts(
        bytes: &[u8],
        len: usize,
        json: Option<serde_json::Value>,
        redactor: &Redactor,
    ) -> RecordedBody {
        let message = json
            .as_ref()
            .and_then(|j| j.get("message"))
            .and_then(serde_json::Value::as_str);
        let message_digest = match message {
            Some(message) => digest(b"message", message.as_bytes()),
            None => digest(b"body", bytes),
        };
        let cut_json = json.filter(|_| len > MAX_BODY).map(|mut json| {
            let mut budget = MAX_FACT_VALUES;
            cut_strings(&mut json, &mut budget, redactor);
            json
        });
        RecordedBody {
            text: excerpt(bytes, MAX_BODY, redactor),
            len,
            credentials: Vec::new(),
            cut_json,
            message_digest,
            partial: false,
        }
    }

    /// Notes, in a body cut for display, the credentials the whole of
    /// `bytes` carries under names no rule knows: any of `keys` (the keys
    /// the call sent where a key goes), raw or in an encoding the redactor
    /// knows, and any string shaped like a Wapzi key (`ak_` and 16 or more
    /// letters and digits). A whole body needs none of this: its text is
    /// searched itself.
    pub fn with_keys_found(mut self, bytes: &[u8], keys: &[String]) -> RecordedBody {
        if self.is_whole() {
            return self;
        }
        for key in keys {
            let Ok(secret) = crate::secret::Secret::new(key, "a key") else {
                continue;
            };
            if crate::secret::Redactor::new([&secret]).finds_secret_in(bytes) {
                self.note_key(key);
            }
        }
        for shaped in key_shaped(bytes) {
            self.note_key(&shaped);
        }
        self
    }

    fn note_key(&mut self, value: &str) {
        if !self.credentials.iter().any(|c| c.value == value) {
            self.credentials.push(Credential {
                value: value.to_string(),
                is_key: true,
            });
        }
    }

    /// Whether the body was kept whole.
    pub fn is_whole(&self) -> bool {
        self.len <= MAX_BODY
    }

    /// The body as JSON: the whole body when it was kept whole, else its
    /// facts ([`RecordedBody::cut_json`]: long strings cut).
    pub fn json(&self) -> Option<serde_json::Value> {
        if !self.is_whole() {
            return self.cut_json.clone();
        }
        serde_json::from_str(&self.text).ok()
    }
}

/// A digest of `bytes`, domain-separated by `kind`: stable within a run,
/// which is all a comparison of two calls needs.
fn digest(kind: &[u8], bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    kind.hash(&mut hasher);
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// The first `max` bytes of `bytes` (at a character boundary), lossily
/// decoded; when they are cut, redacted with `redactor` first, so that no
/// part of a secret straddling the cut is kept.
pub fn excerpt(bytes: &[u8], max: usize, redactor: &Redactor) -> String {
    if bytes.len() <= max {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut text = redactor.redact(&String::from_utf8_lossy(bytes));
    cut_at(&mut text, max);
    text
}

/// Cuts `text` at `max` bytes, at a character boundary.
fn cut_at(text: &mut String, max: usize) {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
}

/// Cuts every string of `value` at [`MAX_FACT_STRING`] bytes (at a
/// character boundary, redacted with `redactor` first) and drops values
/// past `budget`.
fn cut_strings(value: &mut serde_json::Value, budget: &mut usize, redactor: &Redactor) {
    use serde_json::Value;
    *budget = budget.saturating_sub(1);
    match value {
        Value::String(text) if text.len() > MAX_FACT_STRING => {
            *text = redactor.redact(text);
            cut_at(text, MAX_FACT_STRING);
        }
        Value::Array(items) => {
            items.retain_mut(|item| {
                let keep = *budget > 0;
                if keep {
                    cut_strings(item, budget, redactor);
                }
                keep
            });
        }
        Value::Object(fields) => {
            fields.retain(|_, item| {
                let keep = *budget > 0;
                if keep {
                    cut_strings(item, budget, redactor);
                }
                keep
            });
        }
        _ => {}
    }
}

impl RecordedCall {
    /// The first value of request header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }

    /// The first value of response header `name` (lowercase).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        first(&self.response_headers, name)
    }

    /// When the answer was complete, since the recorder started.
    pub fn answered_at(&self) -> Duration {
        self.at + self.duration
    }

    /// Which of the page's calls this was (`crate::api::Call`, the one
    /// definition).
    pub fn call(&self) -> crate::api::Call<'_> {
        crate::api::Call::of(&self.method, &self.path)
    }

    /// The status as reports write it: 0 for no answer (report.json's and
    /// the rules' `status`).
    pub fn status_code(&self) -> u16 {
        self.status.unwrap_or(0)
    }

    /// Whether the client got a 2xx.
    pub fn is_success(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }

    /// The entry point of an execute call (`POST /v1/entry-points/{id}/execute`).
    pub fn execute_entry_point(&self) -> Option<&str> {
        self.call().entry_point()
    }

    /// The execution a read is for (`GET /v1/executions/{id}`).
    pub fn read_execution(&self) -> Option<&str> {
        self.call().execution()
    }

    /// A string field of the response's JSON body (`executionId`, `status`...).
    pub fn response_field(&self, field: &str) -> Option<String> {
        let json = self.response_body.json()?;
        json.get(field)?.as_str().map(str::to_string)
    }

    /// A string field of the request's JSON body (`message`, `conversationId`).
    pub fn request_field(&self, field: &str) -> Option<String> {
        let json = self.body.json()?;
        json.get(field)?.as_str().map(str::to_string)
    }
}

/// The entry point a request of `method` to `path` executes, when it is an
/// execute (`POST /v1/entry-points/{id}/execute`).
pub fn execute_entry_point_of<'a>(method: &str, path: &'a str) -> Option<&'a str> {
    let rest = path.strip_prefix("/v1/entry-points/")?;
    let id = rest.strip_suffix("/execute")?;
    (method == "POST" && !id.is_empty() && !id.contains('/')).then_some(id)
}

/// The execution a request of `method` to `path` reads, when it is a read
/// (`GET /v1/executions/{id}`).
pub fn read_execution_of<'a>(method: &str, path: &'a str) -> Option<&'a str> {
    let id = path.strip_prefix("/v1/executions/")?;
    (method == "GET" && !id.is_empty() && !id.contains('/')).then_some(id)
}

fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, path: &str) -> RecordedCall {
        RecordedCall {
            seq: 0,
            at: Duration::ZERO,
            duration: Duration::from_millis(2),
            method: method.into(),
            path: path.into(),
            query: None,
            headers: vec![("x-api-key".into(), "k".into())],
            body: RecordedBody::default(),
            status: Some(202),
            response_headers: Vec::new(),
            response_body: RecordedBody::of(br#"{"executionId":"exec_1","status":"queued"}"#),
            client_gone: false,
            recorder_answer: None,
            presented: None,
        }
    }

    #[test]
    fn paths_name_their_entry_point_or_execution() {
        let post = call("POST", "/v1/entry-points/entry_point_123/execute");
        assert_eq!(post.execute_entry_point(), Some("entry_point_123"));
        assert_eq!(post.read_execution(), None);
        let get = call("GET", "/v1/executions/exec_1");
        assert_eq!(get.read_execution(), Some("exec_1"));
        assert_eq!(
            call("GET", "/v1/entry-points/e/execute").execute_entry_point(),
            None
        );
        assert_eq!(call("GET", "/v1/executions/a/b").read_execution(), None);
        assert_eq!(
            post.response_field("executionId").as_deref(),
            Some("exec_1")
        );
        assert_eq!(post.header("x-api-key"), Some("k"));
    }

    #[test]
    fn a_key_is_found_wherever_a_client_put_it() {
        let mut get = call("GET", "/v1/executions/exec_1");
        get.headers = vec![
            ("x-api-key".into(), "ak_header".into()),
            ("authorization".into(), "Bearer ak_bearer".into()),
            ("accept".into(), "application/json".into()),
        ];
        get.query = Some("page=2&api_key=ak%5Fquery&X-Api-Key=ak+plus&limit=".into());
        let mut post = call("POST", "/v1/entry-points/e/execute");
        post.headers = Vec::new();
        post.body =
            RecordedBody::of(br#"{"message":"hi","apiKey":"ak_body","conversationId":"c"}"#);
        assert_eq!(
            values(&get),
            ["ak_header", "ak_bearer", "ak_query", "ak plus"]
        );
        assert_eq!(values(&post), ["ak_body"]);
        let mut elsewhere = call("POST", "/v1/entry-points/e/execute");
        elsewhere.headers = vec![
            ("api-key".into(), "ak_dash".into()),
            ("x-auth-token".into(), "ak_token".into()),
            // user:ak_basic
            ("authorization".into(), "Basic dXNlcjpha19iYXNpYw==".into()),
            ("idempotency-key".into(), "not-a-credential".into()),
        ];
        elsewhere.body = RecordedBody::of(
            br#"{"message":"hi","auth":{"credentials":[{"apiKey":"ak_nested"}]}}"#,
        );
        assert_eq!(
            values(&elsewhere),
            [
                "ak_dash",
                "ak_token",
                "dXNlcjpha19iYXNpYw==",
                "user",
                "ak_basic",
                "ak_nested"
            ]
        );
        let mut form = call("POST", "/v1/entry-points/e/execute");
        form.headers = Vec::new();
        form.body = RecordedBody::of(b"message=hi&api_key=ak%5Fform");
        assert_eq!(values(&form), ["ak_form"]);
        // A key past the bytes kept of a long body is found all the same.
        let mut long = call("POST", "/v1/entry-points/e/execute");
        long.headers = Vec::new();
        let padding = "x".repeat(MAX_BODY);
        long.body = RecordedBody::of(
            format!(r#"{{"message":"{padding}","apiKey":"ak_past_the_cut"}}"#).as_bytes(),
        );
        assert!(!long.body.is_whole());
        assert_eq!(values(&long), ["ak_past_the_cut"]);
        // Only what names an API key is taken for one.
        let keys: Vec<bool> = elsewhere.credentials().iter().map(|c| c.is_key).collect();
        assert_eq!(keys, [true, false, true, true, true, true]);
    }

    fn values(call: &RecordedCall) -> Vec<String> {
        call.credentials().into_iter().map(|c| c.value).collect()
    }

    #[test]
    fn bodies_keep_their_length_past_the_cap() {
        let big = vec![b'a'; MAX_BODY + 10];
        let body = RecordedBody::of(&big);
        assert_eq!(body.text.len(), MAX_BODY);
        assert_eq!(body.len, MAX_BODY + 10);
        assert!(!body.is_whole());
        assert_eq!(body.json(), None);
    }
}
