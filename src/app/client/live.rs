//! `client -v`: each call of the client on stderr as it is recorded, so a
//! person driving a backend by hand sees what it does while it does it.
//!
//! ```text
//! client: call #3 at 1.234 s: GET /v1/executions/exec_1 → 200 in 0.4 ms
//! client: call #4 at 1.301 s: GET /v1/executions/exec_1?api_key=… → 401 in 0.2 ms
//! ```
//!
//! A line is written before the run knows every key (through `--upstream`
//! the client's own key may never have been named): query values are never
//! shown, and the path is redacted with the known secrets and every
//! credential the calls so far carried.

use std::sync::{Arc, Mutex};

use crate::recorder::CallWatcher;
use crate::recording::RecordedCall;
use crate::secret::{Redactor, Secret};

/// The most distinct credentials remembered from the calls (a client that
/// sends a new token each call does not grow the printer without bound).
const MAX_SEEN: usize = 64;

/// A watcher that prints each call, redacted with `known` and the
/// credentials the calls carried so far.
pub fn printer(known: Vec<Secret>) -> CallWatcher {
    let redactor = Redactor::new(&known);
    let seen = Mutex::new((known, redactor));
    Arc::new(move |call: &RecordedCall| {
        let mut guard = seen.lock().unwrap_or_else(|p| p.into_inner());
        let (secrets, redactor) = &mut *guard;
        let text = shown(secrets, redactor, call);
        drop(guard);
        eprintln!("{text}");
    })
}

/// The line for `call`, redacted with `secrets` (which learn the call's
/// credentials) and `redactor` over them, built again only when a call
/// brings a new one; past [`MAX_SEEN`], a call's own credentials get a
/// redactor of their own.
fn shown(secrets: &mut Vec<Secret>, redactor: &mut Redactor, call: &RecordedCall) -> String {
    match remember(secrets, call) {
        Remembered::Known => line(call, redactor),
        Remembered::Grew => {
            *redactor = Redactor::new(secrets.iter());
            line(call, redactor)
        }
        Remembered::Full(own) => line(call, &Redactor::new(secrets.iter().chain(&own))),
    }
}

/// What [`remember`] made of a call's credentials.
enum Remembered {
    /// All were known.
    Known,
    /// Some were new, and all are remembered now.
    Grew,
    /// These were new and are past [`MAX_SEEN`]: redacted from this call
    /// only.
    Full(Vec<Secret>),
}

/// Adds the credentials `call` carries to `secrets`, up to [`MAX_SEEN`].
fn remember(secrets: &mut Vec<Secret>, call: &RecordedCall) -> Remembered {
    let mut added = false;
    let mut over = Vec::new();
    for credential in call.credentials() {
        let Ok(secret) = Secret::new(&credential.value, "a key") else {
            continue;
        };
        if secrets.iter().any(|s| s.expose() == secret.expose()) {
            continue;
        }
        if secrets.len() < MAX_SEEN {
            secrets.push(secret);
            added = true;
        } else {
            over.push(secret);
        }
    }
    match (over.is_empty(), added) {
        (false, _) => Remembered::Full(over),
        (true, true) => Remembered::Grew,
        (true, false) => Remembered::Known,
    }
}

/// One call in one line, redacted with `redactor`.
fn line(call: &RecordedCall, redactor: &Redactor) -> String {
    let query = call
        .query
        .as_deref()
        .map(|query| format!("?{}", names_only(query)))
        .unwrap_or_default();
    let answer = match (call.status, call.recorder_answer) {
        (None, Some(own)) => format!("no answer from the API (the recorder's own {own})"),
        (None, None) => "no answer".to_string(),
        (Some(status), _) if call.client_gone => {
            format!("{status} (client gone before the answer)")
        }
        (Some(status), _) if call.presented.is_some() => format!(
            "{status} (the recorder's, scenario {}; not forwarded)",
            call.presented.as_deref().unwrap_or_default()
        ),
        (Some(status), _) => status.to_string(),
    };
    // What the client sent is made visible: a control or bidirectional
    // character cannot move the cursor or reorder the line.
    crate::text::visible(&redactor.redact(&format!(
        "client: call #{} at {:.3} s: {} {}{query} → {answer} in {:.1} ms",
        call.seq,
        call.at.as_secs_f64(),
        call.method,
        call.path,
        call.duration.as_secs_f64() * 1000.0,
    )))
}

/// `a=1&b` as `a=…&…`: the names say what the client sent, the values (and
/// a bare item, which may be a key alone) may be a key nobody named.
fn names_only(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{name}=…"),
            None => "…".to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::RecordedBody;
    use std::time::Duration;

    const KEY: &str = "ak_live0line0key000000000000000000007";

    fn call(path: &str, query: Option<&str>, headers: &[(&str, &str)]) -> RecordedCall {
        RecordedCall {
            seq: 3,
            at: Duration::from_millis(1234),
            duration: Duration::from_micros(400),
            method: "GET".into(),
            path: path.into(),
            query: query.map(str::to_string),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: RecordedBody::default(),
            status: Some(200),
            response_headers: Vec::new(),
            response_body: RecordedBody::default(),
            client_gone: false,
            recorder_answer: None,
            presented: None,
        }
    }

    /// The line the printer writes for `call` after `before`.
    fn printed(before: &[RecordedCall], call: &RecordedCall) -> String {
        let mut secrets = Vec::new();
        for earlier in before.iter().chain([call]) {
            remember(&mut secrets, earlier);
        }
        line(call, &Redactor::new(&secrets))
    }

    #[test]
    fn a_call_is_one_line_and_no_key_shows_wherever_it_was_put() {
        let plain = call("/v1/executions/exec_1", None, &[("x-api-key", KEY)]);
        assert_eq!(
            printed(&[], &plain),
            "client: call #3 at 1.234 s: GET /v1/executions/exec_1 → 200 in 0.4 ms"
        );
        let in_query = call(
            "/v1/executions/exec_1",
            Some(&format!("api_key={KEY}&page=2&{KEY}")),
            &[],
        );
        let shown = printed(&[], &in_query);
        assert!(shown.contains("exec_1?api_key=…&page=…&… → 200"), "{shown}");
        // In the path, known because the call carries it in a header...
        let in_path = call(
            &format!("/v1/executions/{KEY}"),
            None,
            &[("x-api-key", KEY)],
        );
        assert!(!printed(&[], &in_path).contains(KEY));
        // ...or because an earlier call did.
        let bare = call(&format!("/v1/executions/{KEY}"), None, &[]);
        assert!(!printed(std::slice::from_ref(&plain), &bare).contains(KEY));
        assert!(
            line(&bare, &Redactor::new(&[])).contains(KEY),
            "the test shows a leak without it"
        );
        let mut unanswered = plain.clone();
        unanswered.status = None;
        unanswered.recorder_answer = Some(502);
        assert!(
            printed(&[], &unanswered).contains("→ no answer from the API (the recorder's own 502)")
        );
        let mut gone = plain.clone();
        gone.client_gone = true;
        assert!(printed(&[], &gone).contains("→ 200 (client gone before the answer)"));
    }

    #[test]
    fn past_the_credentials_remembered_a_call_s_own_key_is_redacted() {
        let (mut secrets, mut redactor) = (Vec::new(), Redactor::default());
        for i in 0..MAX_SEEN {
            let token = format!("cursor{i:0>20}");
            let paged = call("/v1/executions/e", None, &[("x-auth-token", &token)]);
            shown(&mut secrets, &mut redactor, &paged);
        }
        assert_eq!(secrets.len(), MAX_SEEN);
        let key = "wk0past0the0cap0000000000000009";
        let late = call(
            &format!("/v1/executions/{key}"),
            None,
            &[("x-api-key", key)],
        );
        let text = shown(&mut secrets, &mut redactor, &late);
        assert!(!text.contains(key), "{text}");
        assert_eq!(secrets.len(), MAX_SEEN, "the cap holds");
    }

    #[test]
    fn control_and_bidirectional_characters_a_client_sent_are_escaped() {
        let hostile = call(
            "/v1/\u{202e}gpj.exe\u{85}\u{1b}[2J",
            Some("a\u{2066}=1"),
            &[],
        );
        let shown = printed(&[], &hostile);
        assert!(
            shown.contains("/v1/\\u{202e}gpj.exe\\u{85}\\u{1b}[2J?a\\u{2066}=…"),
            "{shown}"
        );
        assert!(!shown.chars().any(crate::text::is_invisible), "{shown}");
    }
}
