//! A response body under a cap: read up to [`BODY_CAP`] bytes (the rest is
//! dropped unread), made text, parsed as JSON with what is wrong said in
//! words, and its decoded strings redacted.

use serde_json::Value;

use crate::secret::Redactor;

/// Bytes of a response body read at most; the rest is dropped unread.
pub const BODY_CAP: usize = 1024 * 1024;

/// Bytes of a body over [`BODY_CAP`] kept in its exchange: it is not
/// judged, its start shows what it is, and a poll of a gigantic body would
/// otherwise keep (and report) the full excerpt once per poll.
pub const OVER_CAP_EXCERPT_LIMIT: usize = 4 * 1024;

/// Reads `response`'s body up to [`BODY_CAP`] bytes; `true` when more was
/// sent, which is dropped unread (with the connection).
pub(super) async fn read_capped(
    response: &mut reqwest::Response,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let announced = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut bytes = Vec::with_capacity(announced.min(BODY_CAP));
    while let Some(chunk) = response.chunk().await? {
        let room = BODY_CAP - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok((bytes, true));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, false))
}

/// The body as text: invalid UTF-8 replaced, and a character that the cap
/// split in two dropped rather than replaced.
pub(super) fn body_text(bytes: Vec<u8>, truncated: bool) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let utf8 = error.utf8_error();
            let bytes = error.into_bytes();
            let end = if truncated && utf8.error_len().is_none() {
                utf8.valid_up_to()
            } else {
                bytes.len()
            };
            String::from_utf8_lossy(&bytes[..end]).into_owned()
        }
    }
}

/// The body as JSON, or what is wrong with it, in words.
pub(super) fn parse_json(body: &str, truncated: bool) -> Result<Value, String> {
    if truncated {
        return Err(format!(
            "body is larger than the {} MiB cap: the first {BODY_CAP} bytes were read, the rest discarded",
            BODY_CAP / (1024 * 1024)
        ));
    }
    if body.trim().is_empty() {
        return Err("body is empty, not JSON".into());
    }
    if body.starts_with('\u{feff}') {
        return Err(
            "body is not JSON: it starts with a byte order mark (\\u{feff}), which JSON does not allow"
                .into(),
        );
    }
    serde_json::from_str(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => {
            format!("body is truncated JSON: it ends in the middle of a value ({e})")
        }
        _ if e.to_string().starts_with("trailing characters") => {
            let after = after_json(body);
            format!(
                "body is not JSON: bytes follow the JSON value: `{}` ({e})",
                crate::text::excerpt(after, 40)
            )
        }
        _ => format!("body is not JSON ({e})"),
    })
}

/// Redacts every string (keys included) of `value` in place; whether any
/// held a secret.
pub(super) fn redact_strings(value: &mut Value, redactor: &Redactor) -> bool {
    match value {
        Value::String(text) => {
            let redacted = redactor.redact(text);
            let changed = redacted != *text;
            *text = redacted;
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| redact_strings(v, redactor) | any),
        Value::Object(map) => {
            let holds_key = map.keys().any(|k| redactor.redact(k) != *k);
            if holds_key {
                let entries = std::mem::take(map);
                *map = entries
                    .into_iter()
                    .map(|(k, v)| (redactor.redact(&k), v))
                    .collect();
            }
            map.values_mut()
                .fold(holds_key, |any, v| redact_strings(v, redactor) | any)
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// What follows the first JSON value of `body`.
fn after_json(body: &str) -> &str {
    let mut values = serde_json::Deserializer::from_str(body).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => body[values.byte_offset()..].trim_start_matches([' ', '\n', '\r', '\t']),
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn what_is_wrong_with_a_body_is_said_in_words() {
        let cases = [
            ("{\"a\":1}", false, None),
            ("", false, Some("body is empty, not JSON")),
            (
                "<html>oops</html>",
                false,
                Some("body is not JSON (expected value at line 1 column 1)"),
            ),
            (
                "{\"a\":\"b",
                false,
                Some("body is truncated JSON: it ends in the middle of a value (EOF while parsing a string at line 1 column 7)"),
            ),
            (
                "\u{feff}{\"a\":1}",
                false,
                Some("body is not JSON: it starts with a byte order mark (\\u{feff}), which JSON does not allow"),
            ),
            (
                "{\"a\":1}\n\u{0}x",
                false,
                Some("body is not JSON: bytes follow the JSON value: `\\u{0}x` (trailing characters at line 2 column 1)"),
            ),
            (
                "{\"a\":1}",
                true,
                Some("body is larger than the 1 MiB cap: the first 1048576 bytes were read, the rest discarded"),
            ),
        ];
        for (body, truncated, expected) in cases {
            assert_eq!(
                parse_json(body, truncated).err().as_deref(),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn a_secret_written_with_json_escapes_is_redacted_once_decoded() {
        let key = Secret::new("ak_escaped0000000000000000000000", "key").unwrap();
        let redactor = Redactor::new([&key]);
        let escaped: String = key
            .expose()
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let body = format!(r#"{{"echo":"{escaped}","{escaped}":1}}"#);
        let mut value = parse_json(&body, false).unwrap();
        assert!(redact_strings(&mut value, &redactor));
        let shown = value.to_string();
        assert!(!shown.contains(key.expose()), "{shown}");
        assert_eq!(shown, r#"{"[redacted]":1,"echo":"[redacted]"}"#);
    }

    #[test]
    fn a_character_cut_by_the_cap_is_dropped_and_bad_bytes_replaced() {
        let cut = "ab\u{e9}".as_bytes()[..3].to_vec();
        assert_eq!(body_text(cut.clone(), true), "ab");
        assert_eq!(body_text(cut, false), "ab\u{fffd}");
        assert_eq!(body_text(b"a\xffb".to_vec(), true), "a\u{fffd}b");
    }
}
