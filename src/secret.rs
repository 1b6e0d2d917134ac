//! Secrets (the API key and secret fixtures) and their redaction.
//!
//! A [`Secret`] never prints its value. Everything the server sends back is
//! passed through a [`Redactor`] before it is stored in the result model, and
//! every report writer redacts again, so an echoed key cannot reach output.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{packed, AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine;

/// A secret value whose `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// The fewest characters a secret may have. Every occurrence of a secret in
/// output is replaced, so a short one (`a`, `json`) would eat ordinary
/// words and raise the leak alarm on clean files; a Wapzi key is `ak_` and
/// 32 characters.
pub const MIN_SECRET_CHARS: usize = 16;

/// Why a secret was refused; the value itself is never said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("{what} is empty or only whitespace")]
    Empty { what: String },
    #[error("{what} is too short to be a key: it has fewer than {MIN_SECRET_CHARS} characters (a Wapzi key is `ak_` and 32 characters), and redacting so short a value would corrupt every output")]
    TooShort { what: String },
}

impl Secret {
    /// Wraps a secret, trimming surrounding whitespace (a key file's trailing
    /// newline); refuses an empty one or one shorter than
    /// [`MIN_SECRET_CHARS`], since redacting it would corrupt all output.
    pub fn new(value: &str, what: &str) -> Result<Secret, SecretError> {
        let value = value.trim();
        let what = what.to_string();
        if value.is_empty() {
            return Err(SecretError::Empty { what });
        }
        if value.chars().count() < MIN_SECRET_CHARS {
            return Err(SecretError::TooShort { what });
        }
        Ok(Secret(value.to_string()))
    }

    /// The value, for the one place that sends it: the `x-api-key` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Replaces every secret, and its common encodings, in text.
///
/// Cheap to clone, and to combine ([`Redactor::union`]): a grading that
/// learned 100,000 credentials builds the searcher over their forms once,
/// and the redactor, the key finder and the leak canary share it.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Searchers over disjoint sets of secrets; none when there is no
    /// secret.
    parts: Vec<Arc<Part>>,
}

/// Some secrets' forms, deduplicated, and one searcher over them, built
/// once: redaction runs on every string of every exchange and report, so
/// each text is scanned once for all forms, not once per form.
struct Part {
    forms: Vec<String>,
    searcher: FormSearcher,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let forms: usize = self.parts.iter().map(|p| p.forms.len()).sum();
        write!(f, "Redactor({forms} forms)")
    }
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Redactor {
        // Each secret's forms deduplicated, not the whole list: sorting or
        // hashing a million forms that share long prefixes (`ak_...`) is
        // slow, and a form two secrets share is only a duplicate pattern,
        // which the searcher takes as one.
        let forms: Vec<String> = secrets
            .into_iter()
            .flat_map(|s| {
                let mut forms = encodings(s.expose());
                forms.sort_unstable();
                forms.dedup();
                forms
            })
            .collect();
        if forms.is_empty() {
            return Redactor::default();
        }
        let searcher = FormSearcher::new(&forms);
        Redactor {
            parts: vec![Arc::new(Part { forms, searcher })],
        }
    }

    /// A redactor over the secrets of every one of `redactors`, sharing
    /// their searchers (nothing is built again).
    pub fn union(redactors: &[&Redactor]) -> Redactor {
        Redactor {
            parts: redactors
                .iter()
                .flat_map(|r| r.parts.iter().cloned())
                .collect(),
        }
    }

    /// Whether every searcher of `other` is one of this redactor's (shared,
    /// not built again).
    #[cfg(test)]
    pub(crate) fn shares_all_of(&self, other: &Redactor) -> bool {
        other
            .parts
            .iter()
            .all(|p| self.parts.iter().any(|q| Arc::ptr_eq(p, q)))
    }

    /// `text` with every secret form replaced by [`REDACTED`].
    ///
    /// Matches are replaced left to right, longest first and without
    /// overlap, so every occurrence of a form loses at least a byte: none
    /// survives whole.
    pub fn redact(&self, text: &str) -> String {
        if self.parts.is_empty() {
            return text.to_string();
        }
        let spans = all_spans(&self.parts, text);
        if spans.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for span in spans {
            out.push_str(&text[copied..span.start]);
            out.push_str(REDACTED);
            copied = span.end;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Whether some string in the JSON text `json` may hold a secret form;
    /// `false` is certain. A form without a character that JSON escapes
    /// (`"`, `\\`, control characters) is written as is inside a JSON string,
    /// so searching the text finds it; a form with one makes this `true`.
    pub fn may_hold_secret_in_json(&self, json: &[u8]) -> bool {
        let escaped = |form: &String| form.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        self.parts.iter().any(|p| p.forms.iter().any(escaped)) || self.finds_secret_in(json)
    }

    /// Whether `bytes` still hold any secret form (the leak canary): one
    /// vectorised multi-pattern scan, whatever the number of forms.
    pub fn finds_secret_in(&self, bytes: &[u8]) -> bool {
        if self.parts.is_empty() {
            return false;
        }
        let found = |bytes: &[u8]| self.parts.iter().any(|p| p.searcher.is_match(bytes));
        found(bytes) || unescaped(bytes).is_some_and(|(u, _)| found(&u))
    }
}

/// Where the forms of `parts` are in `text`, as written and with its
/// escapes undone (a key with one character escaped, `ak%5F...` or
/// `ak\u005f...`), left to right and merged where they overlap; every span
/// lies on character boundaries of `text`. Each part's matches cover every
/// occurrence of its forms (leftmost-longest, without overlap), so their
/// merged union covers every occurrence of any form.
fn all_spans(parts: &[Arc<Part>], text: &str) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = parts
        .iter()
        .flat_map(|p| p.searcher.spans(text.as_bytes()))
        .collect();
    let plain = unescaped(text.as_bytes());
    if parts.len() > 1 || plain.is_some() {
        if let Some((plain, origin)) = plain {
            for part in parts {
                spans.extend(
                    part.searcher
                        .spans(&plain)
                        .into_iter()
                        .map(|span| origin[span.start]..origin[span.end]),
                );
            }
        }
        spans.sort_by_key(|span| span.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.start < last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        spans = merged;
    }
    spans
}

/// `bytes` with every escape of an ASCII character undone (`%5F`,
/// `\u005f`, `\u005F`), and for each byte of the result (and its end)
/// the offset in `bytes` it came from; `None` when there is no escape.
/// An escape is undone only to ASCII, so every offset is a character
/// boundary of `bytes` when they are UTF-8.
fn unescaped(bytes: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    let hex = |digits: &[u8]| -> Option<u8> {
        let text = std::str::from_utf8(digits).ok()?;
        u8::from_str_radix(text, 16).ok().filter(u8::is_ascii)
    };
    let escape_at = |at: usize| -> Option<(u8, usize)> {
        match bytes[at] {
            b'%' => Some((hex(bytes.get(at + 1..at + 3)?)?, 3)),
            b'\\' if bytes.get(at + 1) == Some(&b'u') => {
                let digits = bytes.get(at + 2..at + 6)?;
                (digits.starts_with(b"00")).then_some(())?;
                Some((hex(&digits[2..])?, 6))
            }
            _ => None,
        }
    };
    if !bytes.iter().any(|b| matches!(b, b'%' | b'\\')) {
        return None;
    }
    let (mut plain, mut origin) = (
        Vec::with_capacity(bytes.len()),
        Vec::with_capacity(bytes.len() + 1),
    );
    let mut at = 0;
    let mut undone = false;
    while at < bytes.len() {
        origin.push(at);
        match escape_at(at) {
            Some((byte, width)) => {
                plain.push(byte);
                at += width;
                undone = true;
            }
            None => {
                plain.push(bytes[at]);
                at += 1;
            }
        }
    }
    origin.push(bytes.len());
    undone.then_some((plain, origin))
}

/// A leftmost-longest search for many literal forms at once, so a form that
/// contains another wins.
#[derive(Clone)]
enum FormSearcher {
    /// SIMD (Teddy): a few dozen short literals with shared first bytes
    /// (`ak_`, `YWtf`...) are where the general automaton's prefilter is weak.
    Packed(packed::Searcher),
    /// Where SIMD is unavailable.
    Automaton(AhoCorasick),
}

impl FormSearcher {
    fn new(forms: &[String]) -> FormSearcher {
        packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(forms)
            .build()
            .map_or_else(|| FormSearcher::automaton(forms), FormSearcher::Packed)
    }

    fn automaton(forms: &[String]) -> FormSearcher {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(forms)
            .expect("a few short literal forms are far below the automaton's size limits");
        FormSearcher::Automaton(automaton)
    }

    /// Where the forms are in `bytes`, left to right, without overlap.
    fn spans(&self, bytes: &[u8]) -> Vec<Range<usize>> {
        match self {
            FormSearcher::Packed(s) => s.find_iter(bytes).map(|m| m.range()).collect(),
            FormSearcher::Automaton(a) => a.find_iter(bytes).map(|m| m.range()).collect(),
        }
    }

    fn is_match(&self, bytes: &[u8]) -> bool {
        match self {
            FormSearcher::Packed(s) => s.find(bytes).is_some(),
            FormSearcher::Automaton(a) => a.is_match(bytes),
        }
    }
}

/// What JavaScript's `encodeURIComponent` leaves as is.
const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The forms a secret can take in output: as is, base64 (standard and URL
/// alphabets, padded or not, and inside longer text at every alignment),
/// percent-encoded (reserved bytes only or every byte, upper and lower hex)
/// and JSON-escaped.
fn encodings(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut forms = vec![
        secret.to_string(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
    ];
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        forms.extend((0..3).map(|offset| base64_core(engine, secret.as_bytes(), offset)));
    }
    for encoded in [
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        percent_encoding::utf8_percent_encode(secret, URI_COMPONENT).to_string(),
        secret.bytes().map(|b| format!("%{b:02X}")).collect(),
    ] {
        forms.push(lowercase_hex(&encoded));
        forms.push(encoded);
    }
    if let Ok(json) = serde_json::to_string(secret) {
        forms.push(json.trim_matches('"').to_string());
    }
    forms.retain(|f| !f.is_empty());
    forms
}

/// The base64 characters that `secret` alone decides when it follows
/// `offset` (0, 1 or 2) other bytes in the encoded text: `base64('u:KEY')`
/// holds the key at offset 2. Characters that also carry bits of the bytes
/// before or after the secret are left out, whatever those bytes are.
fn base64_core(engine: &impl Engine, secret: &[u8], offset: usize) -> String {
    let mut padded = vec![0; offset];
    padded.extend_from_slice(secret);
    let encoded = engine.encode(&padded);
    // Character `i` holds bits `6i..6i+6`; the secret's are `8 * offset..`.
    let (first_bit, end_bit) = (8 * offset, 8 * padded.len());
    let first = first_bit.div_ceil(6);
    let end = (end_bit / 6).max(first);
    encoded.get(first..end).unwrap_or_default().to_string()
}

/// `text` with the hex digits of its `%XX` escapes in lower case.
fn lowercase_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new(" ak_0123456789abcdef \n", "key").unwrap();
        assert_eq!(s.expose(), "ak_0123456789abcdef");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
    }

    #[test]
    fn empty_and_implausibly_short_secrets_are_refused() {
        let refused = |v: &str| Secret::new(v, "WAPZI_API_KEY").unwrap_err();
        assert!(matches!(refused("  \n"), SecretError::Empty { .. }));
        for short in ["a", "json", " ak_0123456789a "] {
            let error = refused(short);
            assert!(matches!(error, SecretError::TooShort { .. }), "{short}");
            let said = error.to_string();
            assert!(short.len() < 4 || !said.contains(short.trim()), "{said}");
        }
        assert!(Secret::new("ak_0123456789abc", "k").is_ok());
    }

    #[test]
    fn redacts_plain_and_encoded_forms() {
        let s = Secret::new("ak_secret/+=1-long", "key").unwrap();
        let r = Redactor::new([&s]);
        let b64 = base64::engine::general_purpose::STANDARD.encode("ak_secret/+=1-long");
        let text = format!("a ak_secret/+=1-long b {b64} c ak_secret%2F%2B%3D1-long");
        let out = r.redact(&text);
        assert!(!r.finds_secret_in(out.as_bytes()), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3);
    }

    #[test]
    fn the_longest_form_wins_and_none_survives_whole() {
        let (short, long) = ("ak_0123456789abcdef", "ak_0123456789abcdef_longer");
        let r = Redactor::new([
            &Secret::new(short, "key").unwrap(),
            &Secret::new(long, "previous key").unwrap(),
        ]);
        let out = r.redact(&format!("[{long}] {short} {short}{short}"));
        assert_eq!(out, "[[redacted]] [redacted] [redacted][redacted]");
        assert_eq!(Redactor::default().redact(short), short);
        let forms = [short, long].map(String::from);
        let haystack = format!("..{long}..{short}..{short}_long");
        let spans = FormSearcher::new(&forms).spans(haystack.as_bytes());
        assert_eq!(
            spans,
            FormSearcher::automaton(&forms).spans(haystack.as_bytes())
        );
        assert_eq!(spans, [2..28, 30..49, 51..70]);
        assert!(!Redactor::default().finds_secret_in(short.as_bytes()));
    }

    #[test]
    fn a_union_redacts_and_finds_what_each_part_does() {
        let (a, b) = ("ak_0123456789abcdef_first", "tok_0123456789abcdef_second");
        let (sa, sb) = (Secret::new(a, "a").unwrap(), Secret::new(b, "b").unwrap());
        let both = Redactor::new([&sa, &sb]);
        let (ra, rb) = (Redactor::new([&sa]), Redactor::new([&sb]));
        let union = Redactor::union(&[&ra, &rb, &Redactor::default()]);
        assert!(union.shares_all_of(&ra) && union.shares_all_of(&rb));
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("u:{b}"));
        let text = format!("[{a}] {b}{a} ak%5F0123456789abcdef_first {encoded} {a}{b}");
        assert_eq!(union.redact(&text), both.redact(&text));
        assert!(!union.finds_secret_in(union.redact(&text).as_bytes()));
        assert!(union.finds_secret_in(b"ak\\u005f0123456789abcdef_first"));
        assert!(!union.finds_secret_in(b"ak_0123456789abcdef_firs"));
        assert_eq!(format!("{union:?}"), format!("{both:?}"));
        // A secret given twice is searched for as once.
        let twice = Redactor::new([&sa, &sa]);
        assert_eq!(twice.redact(&format!("<{a}>")), "<[redacted]>");
    }

    #[test]
    fn json_text_shows_whether_a_string_may_hold_a_secret() {
        let plain = Secret::new("ak_plain0000000000000000000000001", "key").unwrap();
        let r = Redactor::new([&plain]);
        let clean = serde_json::to_vec(&serde_json::json!({"a": ["x", "ak_plain"]})).unwrap();
        assert!(!r.may_hold_secret_in_json(&clean));
        let held = serde_json::json!({"a": {"b": format!("[{}]", plain.expose())}});
        assert!(r.may_hold_secret_in_json(&serde_json::to_vec(&held).unwrap()));
        // A quote in a key is written escaped: the text cannot tell, so it may.
        let quoted = Secret::new("ak_\"quoted_0123456789", "key").unwrap();
        let r = Redactor::new([&quoted]);
        assert!(r.may_hold_secret_in_json(&clean));
    }

    #[test]
    fn base64_of_text_holding_a_secret_is_redacted_at_every_alignment() {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        let s = Secret::new("ak_0123456789abcdef0123456789abcdef", "key").unwrap();
        let r = Redactor::new([&s]);
        let key = s.expose();
        let engines = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD];
        let fillers: [&[u8]; 3] = [b"", b"\xff", b"\x00"];
        for prefix in ["", "u", "u:", "{\"x-api-key\":\"", "Basic u:", "?k="] {
            for suffix in ["", "\"}", "x", "\n\n"] {
                for filler in fillers {
                    let text =
                        [prefix.as_bytes(), filler, key.as_bytes(), suffix.as_bytes()].concat();
                    for engine in engines {
                        let encoded = engine.encode(&text);
                        let out = r.redact(&encoded);
                        assert!(out.contains(REDACTED), "{prefix:?} {suffix:?}: {encoded}");
                        assert!(!r.finds_secret_in(out.as_bytes()), "{out}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_byte_percent_encoded_is_redacted_in_upper_and_lower_hex() {
        let s = Secret::new("ak_0123456789abcdef0123456789abcdef", "key").unwrap();
        let r = Redactor::new([&s]);
        let upper: String = s.expose().bytes().map(|b| format!("%{b:02X}")).collect();
        assert!(upper.starts_with("%61%6B%5F"));
        let reserved_lower = "ak%5f0123456789abcdef0123456789abcdef";
        for text in [
            upper.clone(),
            upper.to_ascii_lowercase(),
            reserved_lower.into(),
        ] {
            assert_eq!(r.redact(&format!("k={text}&")), "k=[redacted]&");
        }
    }

    #[test]
    fn a_key_with_some_characters_escaped_is_redacted_and_found() {
        let s = Secret::new("ak_0123456789abcdef0123456789abcdef", "key").unwrap();
        let r = Redactor::new([&s]);
        for text in [
            "k=ak%5F0123456789abcdef0123456789abcdef&",
            "k=ak%5f0123456789abcdef0123456789abcd%65f&",
            r#"k=ak\u005f0123456789abcdef0123456789abcdef&"#,
            r#"k=\u0061k_0123456789abcdef0123456789abcdef&"#,
        ] {
            assert_eq!(r.redact(text), "k=[redacted]&", "{text}");
            assert!(r.finds_secret_in(text.as_bytes()), "{text}");
        }
        // Text without a key is left as it was, escapes and all.
        for text in ["100% sure", r#"a\u00e9b %zz \"#, "ak%5F0123"] {
            assert_eq!(r.redact(text), text);
            assert!(!r.finds_secret_in(text.as_bytes()));
        }
    }

    #[test]
    fn the_canary_finds_every_form_anywhere_in_any_bytes() {
        let s = Secret::new("ak_secret/+=1-long", "key").unwrap();
        let r = Redactor::new([&s]);
        for form in encodings(s.expose()) {
            let form = form.as_bytes();
            let around: [&[u8]; 3] = [b"", b"\xff\xfe{\"a\":\"", b"\x00"];
            for before in around {
                for after in around {
                    let bytes = [before, form, after].concat();
                    assert!(r.finds_secret_in(&bytes), "{bytes:?}");
                }
            }
        }
        assert!(!r.finds_secret_in(b"ak_secret/+=2-long ak_secret/+=1-lon"));
        assert!(!r.finds_secret_in(b""));
    }
}
