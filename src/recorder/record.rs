//! The recording layer: an axum middleware that notes every request a
//! client makes and the answer it gets into a [`Recording`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use futures_util::StreamExt;
use tokio::sync::{oneshot, Notify};

use super::body::RecordingBody;
use super::budget::Budget;
use super::present::Presented;
use crate::recording::{excerpt, MAX_HEADER_VALUE, MAX_PARSED_BODY};
use crate::recording::{Credential, RecordedBody, RecordedCall, Recording, MAX_CALLS, MAX_HEADERS};
use crate::secret::{Redactor, Secret};

/// The largest request body the recorder passes on; a larger one is
/// answered `413` by the recorder itself (and recorded so). The API takes
/// a short JSON message: 1 MiB leaves room for any honest client.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Marks a response the counterpart did not give (the upstream could not
/// be reached, the recorder stopped while waiting, or refused a body it
/// would not pass on): recorded with status 0 and the recorder's own
/// status apart, as [`RecordedCall::recorder_answer`] documents.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoAnswer;

/// A cheap, cloneable handle on the calls recorded so far.
///
/// Memory is bounded: the first [`MAX_CALLS`] calls are kept (their bodies
/// and headers capped as [`crate::recording`] says), later ones are served
/// and only counted in [`Recording::dropped`]; and in total, by the
/// recording's byte budget ([`super::budget`]): past it calls are served
/// and counted in [`Recording::truncated`].
///
/// Cost: a call's record is built from the request head, its response
/// body is tapped as it streams, and the lock is taken once, to push the
/// finished call. Measured at about 50 µs per request at the median in a
/// debug build, against the same sandbox unrecorded (the ignored test
/// `recorder::tests::recorder_overhead`).
#[derive(Debug, Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    /// The most calls kept: [`MAX_CALLS`] but in tests.
    limit: u64,
    next_seq: AtomicU64,
    dropped: AtomicU64,
    /// Calls in the order they ended; [`Recorder::snapshot`] sorts them.
    calls: Mutex<Vec<RecordedCall>>,
    /// Calls begun and not yet kept, and a signal each time one is kept.
    open: AtomicUsize,
    kept: Notify,
    watcher: OnceLock<Watcher>,
    /// The secrets redacted from whatever is cut, before it is cut.
    known: Mutex<Known>,
    /// The bytes the recording keeps and its calls in flight hold.
    budget: Budget,
}

/// The most credentials the recorder learns from calls (besides the
/// secrets it is given) to redact before it cuts anything.
pub(super) const MAX_LEARNED: usize = 64;

/// The most credential headers a call keeps past [`MAX_HEADERS`] (a key
/// sent as a request's 65th header is recorded, so learned).
pub(super) const MAX_EXTRA_CREDENTIAL_HEADERS: usize = 16;

/// Secrets given and credentials learned, with one redactor over them.
#[derive(Debug, Default)]
struct Known {
    given: usize,
    secrets: Vec<Secret>,
    /// The credentials learned, as the recording hands them to grading.
    learned: Vec<Credential>,
    redactor: Arc<Redactor>,
}

/// Told of each call as it is kept (`client -v` prints it), on the task
/// that served it: it must be quick.
pub type CallWatcher = Arc<dyn Fn(&RecordedCall) + Send + Sync>;

struct Watcher(CallWatcher);

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watcher")
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// Starts an empty recording; call times count from now.
    pub fn new() -> Self {
        Self::limited(MAX_CALLS)
    }

    /// Starts an empty recording that keeps at most `limit` calls.
    #[cfg(test)]
    pub(crate) fn with_limit(limit: usize) -> Self {
        Self::limited(limit)
    }

    /// Starts an empty recording with budgets of `kept` bytes for the calls
    /// kept and `in_flight` for what calls in flight hold.
    #[cfg(test)]
    pub(crate) fn with_budget(kept: usize, in_flight: usize) -> Self {
        let mut recorder = Self::limited(MAX_CALLS);
        if let Some(inner) = Arc::get_mut(&mut recorder.inner) {
            inner.budget = Budget::new(kept, in_flight);
        }
        recorder
    }

    fn limited(limit: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                started: Instant::now(),
                limit: limit as u64,
                next_seq: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                calls: Mutex::new(Vec::new()),
                open: AtomicUsize::new(0),
                kept: Notify::new(),
                watcher: OnceLock::new(),
                known: Mutex::new(Known::default()),
                budget: Budget::standard(),
            }),
        }
    }

    /// Has `watcher` told of every call kept from now on (the first one
    /// set stays).
    pub fn watch(&self, watcher: CallWatcher) {
        let _ = self.inner.watcher.set(Watcher(watcher));
    }

    /// Has `secrets` redacted, before anything is cut, from every call
    /// recorded from now on (with the credentials the calls carry).
    pub fn know(&self, secrets: &[Secret]) {
        let mut known = self.known();
        for secret in secrets {
            if !known.secrets.contains(secret) {
                known.secrets.push(secret.clone());
                known.given += 1;
            }
        }
        known.redactor = Arc::new(Redactor::new(&known.secrets));
    }

    /// Learns `credentials` (those a call carried, too short ones left)
    /// and returns a redactor over every secret known and all of them:
    /// past [`MAX_LEARNED`] a call's own credentials are redacted from it
    /// all the same, by a redactor of its own.
    fn learn(&self, credentials: impl IntoIterator<Item = Credential>) -> Arc<Redactor> {
        let mut known = self.known();
        let mut grew = false;
        let mut overflow = Vec::new();
        for credential in credentials {
            let Ok(secret) = Secret::new(&credential.value, "a key") else {
                continue;
            };
            if known.secrets.contains(&secret) {
                continue;
            }
            if known.secrets.len() < known.given + MAX_LEARNED {
                known.secrets.push(secret);
                known.learned.push(credential);
                grew = true;
            } else {
                overflow.push(secret);
            }
        }
        if grew {
            known.redactor = Arc::new(Redactor::new(&known.secrets));
        }
        if overflow.is_empty() {
            return known.redactor.clone();
        }
        Arc::new(Redactor::new(known.secrets.iter().chain(&overflow)))
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        self.inner
            .known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns the calls ended so far, in the order they arrived. A call
    /// still waiting for its answer or streaming its body is not in it yet.
    pub fn snapshot(&self) -> Recording {
        let mut calls = self.calls().clone();
        calls.sort_unstable_by_key(|call| call.seq);
        Recording {
            calls,
            dropped: self.inner.dropped.load(Ordering::Relaxed),
            learned: self.known().learned.clone(),
            truncated: self.inner.budget.truncated(),
        }
    }

    /// Waits, at most `bound`, until every call begun is kept: an
    /// exchange whose client hung up goes on until the counterpart
    /// answers, and is kept then.
    pub async fn settled(&self, bound: Duration) {
        let all_kept = async {
            loop {
                let kept = self.inner.kept.notified();
                if self.inner.open.load(Ordering::Acquire) == 0 {
                    return;
                }
                kept.await;
            }
        };
        let _ = tokio::time::timeout(bound, all_kept).await;
    }

    /// Returns how many calls were kept so far.
    pub fn len(&self) -> usize {
        self.calls().len()
    }

    /// Tells whether no call was kept yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn calls(&self) -> MutexGuard<'_, Vec<RecordedCall>> {
        // A panic while pushing leaves a usable vector.
        self.inner
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the record of a call arriving now, or counts it as dropped
    /// past [`MAX_CALLS`].
    fn begin(&self, request: &Request) -> Option<CallInProgress> {
        let arrived = Instant::now();
        let seq = self.inner.next_seq.fetch_add(1, Ordering::Relaxed);
        if seq >= self.inner.limit {
            self.inner.dropped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        if self.inner.budget.is_spent() {
            self.inner.budget.not_kept();
            return None;
        }
        let uri = request.uri();
        let call = RecordedCall {
            seq,
            at: arrived.saturating_duration_since(self.inner.started),
            duration: Default::default(),
            method: request.method().as_str().to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            // Every header, to learn from: the cap comes after.
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_string(), value)
                })
                .collect(),
            body: RecordedBody::default(),
            status: None,
            response_headers: Vec::new(),
            response_body: RecordedBody::default(),
            client_gone: false,
            recorder_answer: None,
            presented: None,
        };
        // Credentials are learned from the whole values, then the values
        // are redacted and cut.
        let mut call = call;
        let redactor = self.learn(call.credentials());
        call.headers = capture_headers(request.headers(), MAX_HEADER_VALUE, &redactor);
        self.inner.open.fetch_add(1, Ordering::AcqRel);
        Some(CallInProgress {
            recorder: self.clone(),
            arrived,
            call: Some(call),
            tap: Vec::new(),
            held: 0,
            tap_full: false,
            seen: 0,
        })
    }
}

/// Wraps `router` so that every request it serves, and the answer given,
/// is recorded by `recorder`.
pub fn record(router: Router, recorder: Recorder) -> Router {
    router.layer(middleware::from_fn_with_state(recorder, record_call))
}

async fn record_call(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let mut call = recorder.begin(&request);
    let (parts, body) = request.into_parts();
    let (bytes, held) = match read_body(&parts.headers, body, &recorder).await {
        Ok(read) => read,
        Err(refusal) => return respond(call, own_answer(refusal)).map(Body::new),
    };
    if let Some(call) = call.as_mut() {
        call.set_request_body(&bytes);
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    // The exchange runs on a task of its own: a client that hangs up does
    // not cancel it, and the counterpart's answer (an execution it created)
    // is recorded all the same, marked "client gone".
    let (deliver, delivered) = oneshot::channel::<Response<RecordingBody>>();
    tokio::spawn(async move {
        let response = next.run(request).await;
        // The body was passed on and answered: its bytes are no longer held.
        drop(held);
        if deliver.is_closed() {
            if let Some(call) = call.as_mut() {
                call.client_gone();
            }
        }
        if let Err(mut undelivered) = deliver.send(respond(call, response)) {
            undelivered.body_mut().client_gone();
            drain(undelivered.into_body()).await;
        }
    });
    match delivered.await {
        Ok(response) => response.map(Body::new),
        // The task panicked: the call is kept by its drop.
        Err(_) => refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the exchange ended unexpectedly",
        ),
    }
}

/// Reads the answer nobody will receive, so that it is recorded: up to the
/// bytes a record takes facts from, then lets it go.
async fn drain(body: RecordingBody) {
    let mut stream = Body::new(body).into_data_stream();
    let mut seen = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        seen = seen.saturating_add(chunk.len());
        if seen > MAX_PARSED_BODY {
            break;
        }
    }
}

/// Marks `response` as the recorder's own answer ([`NoAnswer`]).
pub(crate) fn own_answer(mut response: Response) -> Response {
    response.extensions_mut().insert(NoAnswer);
    response
}

/// Notes the answer's head and passes its body through a tap.
fn respond(call: Option<CallInProgress>, response: Response) -> Response<RecordingBody> {
    let (parts, body) = response.into_parts();
    let Some(mut call) = call else {
        return Response::from_parts(parts, RecordingBody::untapped(body));
    };
    let answered = parts.extensions.get::<NoAnswer>().is_none();
    call.answered(parts.status, &parts.headers, answered);
    if let Some(Presented(scenario)) = parts.extensions.get::<Presented>() {
        call.presented(*scenario);
    }
    Response::from_parts(parts, RecordingBody::new(body, call))
}

/// Bytes of the in-flight budget a request body holds until its exchange
/// ends.
struct Held {
    recorder: Recorder,
    bytes: usize,
}

impl Held {
    /// Takes `n` more bytes; `false` when the recorder holds too much at
    /// once.
    fn more(&mut self, n: usize) -> bool {
        let held = self.recorder.inner.budget.hold(n);
        if held {
            self.bytes += n;
        }
        held
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.recorder.inner.budget.release(self.bytes);
    }
}

/// Reads a request body whole, up to [`MAX_REQUEST_BODY`], within the
/// in-flight budget.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    recorder: &Recorder,
) -> Result<(Bytes, Held), Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_REQUEST_BODY as u64) {
        return Err(too_large());
    }
    let mut held = Held {
        recorder: recorder.clone(),
        bytes: 0,
    };
    let mut stream = body.into_data_stream();
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            refusal(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
        })?;
        let total = first.as_ref().map_or(0, Bytes::len) + joined.len() + chunk.len();
        if total > MAX_REQUEST_BODY {
            return Err(too_large());
        }
        if !held.more(chunk.len()) {
            return Err(busy());
        }
        // The usual one-chunk body is passed on without a copy.
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            held => {
                if let Some(held) = held {
                    joined.extend_from_slice(&held);
                }
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok((first.unwrap_or_else(|| Bytes::from(joined)), held))
}

/// The recorder's own `503` when the request bodies in flight would pass
/// the in-flight budget: the client may retry in a second.
fn busy() -> Response {
    let mut response = refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many large request bodies in flight at once (64 MiB held); retry",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

fn too_large() -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "the request body is over 1 MiB",
    )
}

/// The recorder's own answer, `{"message": "wapzi-homolog recorder: ..."}`.
pub(crate) fn refusal(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "message": format!("wapzi-homolog recorder: {message}") });
    (status, Json(body)).into_response()
}

/// Headers as a call keeps them: the first [`MAX_HEADERS`] and up to
/// [`MAX_EXTRA_CREDENTIAL_HEADERS`] more named like a credential, names
/// lowercase (as `http` stores them), values lossily decoded and, past
/// `max_value` bytes, redacted with `redactor` and cut. Names come in
/// their first-arrival order, the values of one name together.
fn capture_headers(
    headers: &HeaderMap,
    max_value: usize,
    redactor: &Redactor,
) -> Vec<(String, String)> {
    let is_credential = crate::recording::is_credential_header;
    let extra = headers
        .iter()
        .skip(MAX_HEADERS)
        .filter(|(name, _)| is_credential(name.as_str()))
        .take(MAX_EXTRA_CREDENTIAL_HEADERS);
    headers
        .iter()
        .take(MAX_HEADERS)
        .chain(extra)
        .map(|(name, value)| {
            let kept = excerpt(value.as_bytes(), max_value, redactor);
            (name.as_str().to_string(), kept)
        })
        .collect()
}

/// A call being answered: filled as the answer goes out, kept in the
/// recording when its body ends or is dropped (a client that hung up, a
/// server that stopped), so no call is lost whatever happens to it.
#[derive(Debug)]
pub(crate) struct CallInProgress {
    recorder: Recorder,
    arrived: Instant,
    /// `None` once kept.
    call: Option<RecordedCall>,
    /// The first [`MAX_PARSED_BODY`] bytes of the response body, to take
    /// its facts from once it ends (a record keeps an excerpt of them).
    tap: Vec<u8>,
    /// The bytes of the in-flight budget `tap` holds.
    held: usize,
    /// Whether the in-flight budget stopped the tap (its facts come from
    /// what was tapped, as of a body cut short).
    tap_full: bool,
    /// The response body's bytes passed so far.
    seen: usize,
}

impl CallInProgress {
    /// Keeps the facts of the whole request body `bytes`, with the keys
    /// it carries under names no rule knows (those its own headers sent).
    fn set_request_body(&mut self, bytes: &[u8]) {
        if let Some(call) = self.call.as_mut() {
            let keys: Vec<String> = call
                .credentials()
                .into_iter()
                .filter(|c| c.is_key)
                .map(|c| c.value)
                .collect();
            let body = RecordedBody::of(bytes).with_keys_found(bytes, &keys);
            // Every credential the body carries is learned, whole or cut:
            // an answer or a later call that echoes it is redacted too.
            let redactor = self.recorder.learn(body.credentials.iter().cloned());
            if body.is_whole() {
                call.body = body;
                return;
            }
            // A cut body is redacted before it is cut, with every key known
            // and those the whole body carries.
            call.body = RecordedBody::of_redacted(bytes, &redactor).with_keys_found(bytes, &keys);
        }
    }

    /// Notes that the client hung up before the answer reached it.
    pub(crate) fn client_gone(&mut self) {
        if let Some(call) = self.call.as_mut() {
            call.client_gone = true;
        }
    }

    /// Notes the answer's status and headers; `answered` is false when the
    /// answer is the recorder's own ([`NoAnswer`]).
    fn answered(&mut self, status: StatusCode, headers: &HeaderMap, answered: bool) {
        let duration = self.arrived.elapsed();
        if let Some(call) = self.call.as_mut() {
            if answered {
                call.status = Some(status.as_u16());
            } else {
                call.status = None;
                call.recorder_answer = Some(status.as_u16());
            }
            let redactor = self.recorder.learn([]);
            call.response_headers = capture_headers(headers, MAX_HEADER_VALUE, &redactor);
            call.duration = duration;
        }
    }

    /// Notes that the answer was presented by the recorder under `scenario`.
    fn presented(&mut self, scenario: crate::sandbox::Scenario) {
        if let Some(call) = self.call.as_mut() {
            call.presented = Some(scenario.name().to_string());
        }
    }

    /// Notes `data` of the response body passing by.
    pub(crate) fn tap(&mut self, data: &[u8]) {
        self.seen = self.seen.saturating_add(data.len());
        let room = MAX_PARSED_BODY.saturating_sub(self.tap.len());
        let n = data.len().min(room);
        // Nothing is held for a call already kept: it would not be given back.
        if n == 0 || self.tap_full || self.call.is_none() {
            return;
        }
        if self.recorder.inner.budget.hold(n) {
            self.held += n;
            self.tap.extend_from_slice(&data[..n]);
        } else {
            self.tap_full = true;
        }
    }

    /// Keeps the call: its response body as seen, and, when the body was
    /// passed `whole`, a duration that covers it.
    pub(crate) fn finish(&mut self, whole: bool) {
        let Some(mut call) = self.call.take() else {
            return;
        };
        if whole {
            call.duration = self.arrived.elapsed();
        }
        let redactor = self.recorder.learn([]);
        call.response_body = RecordedBody::answer_redacted(&self.tap, self.seen, &redactor);
        self.tap = Vec::new();
        let inner = &self.recorder.inner;
        inner.budget.release(std::mem::take(&mut self.held));
        if !inner.budget.keep(&call) {
            inner.open.fetch_sub(1, Ordering::AcqRel);
            inner.kept.notify_waiters();
            return;
        }
        // Kept first, then told: a watcher sees a call the recording has.
        match inner.watcher.get() {
            Some(Watcher(watcher)) => {
                let told = call.clone();
                self.recorder.calls().push(call);
                watcher(&told);
            }
            None => self.recorder.calls().push(call),
        }
        inner.open.fetch_sub(1, Ordering::AcqRel);
        inner.kept.notify_waiters();
    }
}

impl Drop for CallInProgress {
    fn drop(&mut self) {
        self.finish(false);
    }
}
